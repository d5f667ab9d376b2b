"""The bundled loaders take the asset first and the dates by keyword; bad input is an InputError."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.errors import InputError

_PER_ASSET = (
    "load_ohlcv",
    "load_open_interest",
    "load_liquidations",
    "load_taker",
    "load_long_short",
    "load_funding",
    "load_book_totals",
    "load_hyperliquid_positions",
    "load_hyperliquid_markets",
)


@pytest.mark.parametrize("name", _PER_ASSET)
def test_every_per_asset_loader_takes_the_asset_first(name: str) -> None:
    params = list(inspect.signature(getattr(datasets, name)).parameters.values())
    assert params[0].name == "asset"
    dates = [p for p in params if p.name in ("start", "end")]
    if name != "load_ohlcv":  # its positional dates are used by docs and tests
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in dates)


def test_open_interest_of_an_asset_by_position() -> None:
    eth = datasets.load_open_interest("ETH", start="2025-07-01", end="2025-07-01")
    assert len(eth) == 6  # six 4-hour bars in the day
    btc = datasets.load_open_interest("btc")
    assert btc["oi_usd"].median() > datasets.load_open_interest()["oi_usd"].median()


@pytest.mark.parametrize(
    "call",
    [
        lambda: datasets.load_open_interest("2025-01-01"),
        lambda: datasets.load_liquidations("2025-01-01"),
        lambda: datasets.load_taker(pd.Timestamp("2025-01-01")),
        lambda: datasets.load_long_short("2025-01-01"),
        lambda: datasets.load_ohlcv("2025-01-01"),
    ],
    ids=["oi", "liquidations", "taker", "long_short", "ohlcv"],
)
def test_a_date_where_the_asset_goes_is_refused_naming_asset(call: object) -> None:
    with pytest.raises(InputError, match="takes the asset first") as err:
        call()  # type: ignore[operator]
    assert err.value.param == "asset"


def test_a_venue_or_market_given_first_says_what_to_write() -> None:
    with pytest.raises(InputError, match=r"load_funding\('ETH', venue='binance'\)") as err:
        datasets.load_funding("binance")
    assert err.value.param == "asset"
    with pytest.raises(InputError, match=r"load_book_totals\('ETH', market='spot'\)"):
        datasets.load_book_totals("spot")


@pytest.mark.parametrize(("param", "kw"), [("start", {"start": "ETH"}), ("end", {"end": "soon"})])
def test_a_bad_date_names_its_parameter(param: str, kw: dict[str, str]) -> None:
    with pytest.raises(InputError, match=rf"^{param}: not a date or time") as err:
        datasets.load_open_interest("ETH", **kw)
    assert err.value.param == param
