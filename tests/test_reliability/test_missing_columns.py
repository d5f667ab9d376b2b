"""A table missing a needed column is refused one way in every reader.

``cascade --positions`` said ``missing column(s): entry_price``; ``stress --portfolio``
said ``missing column 'entry_price'`` (one at a time) and a contagion lending
market's accounts file the same: each now lists every missing column the first way.
A frame passed to a function (own-book bars, stop-model prices) is worded alike and
names its parameter.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from liqcascade.collateral import calibrate_own_book
from liqcascade.contagion._config import FileAccounts, _account_legs
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, model_stops
from liqcascade.positions._stops import wilder_atr
from liqcascade.stress import Portfolio


def test_a_portfolio_lists_its_missing_columns() -> None:
    df = pd.DataFrame({"symbol": ["ETHUSDT"], "side": ["long"], "leverage": [5]})
    with pytest.raises(InputError) as e:
        Portfolio.from_frame(df, "pf.csv")
    assert str(e.value) == (
        "pf.csv: missing columns: size, entry_price (columns seen: symbol, side, leverage)"
    )


def test_an_accounts_file_lists_its_missing_columns(tmp_path: Path) -> None:
    (tmp_path / "acc.csv").write_text("collateral\n1.0\n")
    market = SimpleNamespace(accounts=FileAccounts(kind="file", path="acc.csv"))
    with pytest.raises(InputError) as e:
        _account_legs(market, 0, tmp_path, "c.toml")  # type: ignore[arg-type]
    assert str(e.value).startswith(
        "acc.csv: missing column: debt_usd (columns seen: collateral): collateral in "
    )


def _bars(*drop: str) -> pd.DataFrame:
    idx = pd.date_range("2025-01-01", periods=30, freq="1min", tz="UTC")
    px = {"open": 2000.0, "high": 2001.0, "low": 1999.0, "close": 2000.0, "volume": 1.0}
    return pd.DataFrame(px, index=idx).drop(columns=list(drop))


def _one_long() -> PositionBook:
    """A 10x long of 1 ETH at 2,000 USD (margin 200 USD)."""
    one = np.ones(1)
    return PositionBook(
        np.ones(1, np.int8), one, 2000.0 * one, 200.0 * one, 1810.0 * one, 1800.0 * one
    )


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            lambda: calibrate_own_book(_bars("low", "volume"), "2025-01-02"),
            ("bars", "bars: missing columns: low, volume (columns seen: open, high, close)"),
        ),
        (
            lambda: wilder_atr(_bars("close")),
            (
                "prices",
                "prices: missing column: close (columns seen: open, high, low, volume)",
            ),
        ),
        (
            lambda: model_stops(_one_long(), _bars("high", "low")),
            ("prices", "prices: missing columns: high, low (columns seen: open, close, volume)"),
        ),
    ],
    ids=["own-book-bars", "atr-prices", "model-stops-prices"],
)
def test_a_frame_lacking_columns_is_worded_as_a_file_and_names_its_param(
    call: object, expected: tuple[str, str]
) -> None:
    param, message = expected
    with pytest.raises(InputError) as e:
        call()  # type: ignore[operator]
    assert str(e.value) == message
    assert e.value.params == (param,)


def test_a_wide_table_names_its_first_columns_and_counts_the_rest() -> None:
    from liqcascade._tables import SEEN_COLUMNS_SHOWN, check_columns

    cols = [f"Col {i}" for i in range(30)]
    with pytest.raises(InputError) as e:
        check_columns(cols, ("side", "size"), "wide.csv")
    shown = ", ".join(cols[:SEEN_COLUMNS_SHOWN])
    assert str(e.value) == (
        f"wide.csv: missing columns: side, size (columns seen: {shown} and "
        f"{30 - SEEN_COLUMNS_SHOWN} more)"
    )
    with pytest.raises(InputError) as e:
        check_columns([], ("side",), "empty.csv")
    assert str(e.value) == "empty.csv: missing column: side (no columns seen)"
