"""The venue of the position prices the liquidation that bounds its stop (trader34's F1).

A Hyperliquid trader's 15x long of 135 ETH at 3,650 was given a stop at 3,478.41, laid
off from Binance's liquidation price 3,423.41, only 2.22 USD above the position's own
Hyperliquid liquidation at 3,476.19: the stop could not protect it. ``--venue`` prices
the liquidation on the position's venue, and the stop on that venue's tick.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.book import calibrated_book
from liqcascade.errors import InputError
from liqcascade.market import MarketState
from liqcascade.positions import PositionBook, StopBook
from liqcascade.protect import check_position, hyperliquid_tick, liquidation_price, recommend_stop
from liqcascade.protect._recommend import contract_tick

AS_OF = pd.Timestamp("2025-07-31 20:00", tz="UTC")
MID = 3698.39


def _market(asset: str = "ETH", mid: float = MID) -> MarketState:
    """A synthetic market at ``mid``: one tiny position, no crowd near the price."""
    book = calibrated_book(as_of=AS_OF, mid=mid, scale=0.25, asset=asset)
    pos = PositionBook(np.array([1], np.int8), [0.01], [mid], [mid / 100], [mid / 40], [mid / 45])
    stops = StopBook(np.full(1, -1, np.int8), np.full(1, mid * 0.5), np.full(1, 1e-9))
    return MarketState(book=book, positions=pos, stops=stops, mid=mid, as_of=AS_OF, asset=asset)


def test_liquidation_prices_by_hand() -> None:
    # Hyperliquid ETH: max 25x, l = 1/50 = 2 %; margin 492,750/15 = 32,850; maintenance
    # at entry 9,855; liq = 3,650 - (32,850 - 9,855) / 135 / (1 - 0.02)
    hl = 3650.0 - (32850.0 - 9855.0) / 135.0 / 0.98
    assert liquidation_price(1, 3650.0, 135.0, 15.0, "ETH", "hyperliquid") == pytest.approx(
        hl, rel=1e-9
    )
    assert hl == pytest.approx(3476.1905, abs=1e-4)
    # Binance: tier 1 (0.5 %, cum 50): (32,850 + 50 - 492,750) / (135 * 0.005 - 135)
    bn = (32850.0 + 50.0 - 492750.0) / (135.0 * 0.005 - 135.0)
    assert liquidation_price(1, 3650.0, 135.0, 15.0, "ETH") == pytest.approx(bn, rel=1e-9)
    # Bybit short, 0.5 %: 116,000 + (IM - MM) / size = 116,000 + (49,880 - 4,988) / 8.6
    by = 116000.0 + (49880.0 - 4988.0) / 8.6
    assert liquidation_price(-1, 116000.0, 8.6, 20.0, "BTC", "bybit") == pytest.approx(by, rel=1e-9)


def test_hyperliquid_ticks_are_five_significant_figures() -> None:
    assert hyperliquid_tick("ETH", 3698.39) == pytest.approx(0.1, rel=1e-12)
    assert hyperliquid_tick("ETH", 998.0) == pytest.approx(0.01, rel=1e-12)
    assert hyperliquid_tick("BTC", 115764.08) == pytest.approx(1.0, rel=1e-12)  # integers
    assert hyperliquid_tick("BTC", 9876.5) == pytest.approx(0.1, rel=1e-12)
    assert hyperliquid_tick("BTC", 987.65) == pytest.approx(0.1, rel=1e-12)  # 6 - 5 decimals
    assert hyperliquid_tick("SOL", 0.123456) == pytest.approx(1e-5, rel=1e-12)  # figures only
    assert contract_tick("ETH", MID, "binance") == pytest.approx(0.01, rel=1e-12)
    with pytest.raises(InputError):
        hyperliquid_tick("ETH", float("nan"))


def test_a_hyperliquid_stop_stays_80_percent_of_the_way_to_its_own_liquidation() -> None:
    s = _market()
    hl = recommend_stop("long", 3650.0, 135.0, 15.0, state=s, n_levels=3, liquidity="static",
                        venue="hyperliquid")  # fmt: skip
    bn = recommend_stop("long", 3650.0, 135.0, 15.0, state=s, n_levels=3, liquidity="static")
    assert hl.venue == "hyperliquid" and bn.venue == "binance"
    assert hl.liq_price == pytest.approx(3476.1905, abs=1e-3)
    assert bn.liq_price == pytest.approx(3423.41, abs=0.01)
    cap = MID - 0.8 * (MID - 3476.1905)  # 3,520.63
    assert hl.stop_price >= cap - 1e-9  # never past 80 % of the way to its own liquidation
    assert hl.stop_price - hl.liq_price > 40.0  # not at the liquidation, as Binance's was
    n = hl.stop_price / 0.1
    assert abs(n - round(n)) < 1e-6  # on Hyperliquid's tick (0.1 at 3,5xx)
    assert "Hyperliquid's margin rules" in hl.rationale
    assert "margin rules" not in bn.rationale  # the default text unchanged


def test_venue_checked_before_any_market() -> None:
    with pytest.raises(InputError) as e:
        check_position("long", 3650.0, 135.0, 15.0, venue="okx")
    assert e.value.param == "venue"
    with pytest.raises(InputError) as e:
        check_position("long", 3650.0, 135.0, 30.0, asset="ETH", venue="hyperliquid")
    assert e.value.param == "leverage" and "25x" in str(e.value)
    assert check_position("long", 3650.0, 135.0, 30.0, asset="ETH") == 1  # Binance allows it


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--venue", "okx"), "--venue must be one of binance, bybit, hyperliquid (got 'okx')"),
        (("--venue", "hyperliquid", "--leverage", "30"), "above the Hyperliquid maximum 25x"),
    ],
)
def test_cli_refuses_a_bad_venue_in_one_line(args: tuple[str, ...], words: str) -> None:
    base = {"--side": "long", "--entry": "3650", "--size": "135", "--leverage": "15"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    r = run_cli("stops", "recommend", *[x for kv in base.items() for x in kv])
    assert r.exit_code == 2
    assert words in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
