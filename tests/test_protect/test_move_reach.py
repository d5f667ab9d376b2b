"""A move out of the crowd larger than any the back-test made is not recommended (trader34's F3).

``stops recommend`` moved a 20x ETH long's stop (2025-07-03, mid 2,591.25) from 2,502.19
(3.44 % below the mid) to 2,552.13 (1.51 %), taking its stop-out chance from 68 % to
86 % at no gain in expected slippage (under 0.001 % both), on the back-test's verdict
"ties". That back-test's moves gave up at most 9.6 % of a stop's distance; this one
gives up 56 %: the verdict does not speak for it. The raw stop is now recommended and
the moved level named.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.book import calibrated_book
from liqcascade.errors import InputError
from liqcascade.market import MarketState
from liqcascade.positions import PositionBook, StopBook
from liqcascade.protect import move_reach, recommend_stop

AS_OF = pd.Timestamp("2025-07-31 20:00", tz="UTC")


def _trades(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    """Paired trades: (side, entry, vol stop, declustered stop), one random entry each."""
    out = []
    for i, (side, entry, vol, dec) in enumerate(rows):
        ts = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=i)
        for pol, stop in (("vol", vol), ("vol-declustered", dec)):
            out.append({"policy": pol, "side": side, "entries": "random", "entry_ts": ts,
                        "entry": entry, "stop": stop})  # fmt: skip
    return pd.DataFrame(out)


def test_move_reach_by_hand() -> None:
    t = _trades(
        [
            ("long", 100.0, 90.0, 91.0),  # gives up 1 of 10: 10 %
            ("long", 100.0, 80.0, 84.0),  # 4 of 20: 20 %, the largest
            ("short", 100.0, 110.0, 109.5),  # 0.5 of 10: 5 %
            ("long", 100.0, 90.0, 89.0),  # further from the entry: none given up
        ]
    )
    assert move_reach(t) == pytest.approx(0.20, abs=1e-12)
    crash = t.assign(entries="crash")  # the crash entries are left out, as in the verdict
    with pytest.raises(InputError):
        move_reach(crash)
    none = _trades([("long", 100.0, 90.0, 89.0)])
    assert move_reach(none) == pytest.approx(0.0, abs=1e-12)


def _crowded(mid: float, level: float, usd: float) -> MarketState:
    book = calibrated_book(as_of=AS_OF, mid=mid, scale=0.25, asset="ETH")
    pos = PositionBook(np.array([1], np.int8), [0.01], [mid], [mid / 100], [mid / 40], [mid / 45])
    n = 5
    stops = StopBook(np.full(n, -1, np.int8), np.full(n, level), np.full(n, usd / level / n))
    return MarketState(book=book, positions=pos, stops=stops, mid=mid, as_of=AS_OF, asset="ETH")


def test_a_move_beyond_the_reach_keeps_the_raw_stop() -> None:
    mid = 3700.0
    probe = recommend_stop("long", mid, 1.0, 20.0, state=_crowded(mid, mid * 0.5, 1.0),
                           n_levels=3, liquidity="static")  # fmt: skip
    # a crowd of sell stops at the raw stop, which sits at its liquidation cap: the walk
    # out of it cannot go beyond the cap, so it goes toward the price
    s = _crowded(mid, probe.raw_stop_price, 5e8)
    free = recommend_stop("long", mid, 1.0, 20.0, state=s, n_levels=3, liquidity="static",
                          crowd_verdict="ties")  # fmt: skip
    assert free.stop_choice == "moved" and free.stop_price > free.raw_stop_price
    raw_d = mid - free.raw_stop_price
    share = (raw_d - (mid - free.stop_price)) / raw_d
    assert 0 < share < 1
    within = recommend_stop("long", mid, 1.0, 20.0, state=s, n_levels=3, liquidity="static",
                            crowd_verdict="ties", crowd_reach=share + 1e-6)  # fmt: skip
    assert within.stop_price == pytest.approx(free.stop_price, rel=1e-12)
    assert within.beyond_reach is None
    kept = recommend_stop("long", mid, 1.0, 20.0, state=s, n_levels=3, liquidity="static",
                          crowd_verdict="ties", crowd_reach=share / 2)  # fmt: skip
    assert kept.stop_choice == "raw"
    assert kept.stop_price == pytest.approx(free.raw_stop_price, rel=1e-12)
    assert kept.moved_stop_price == pytest.approx(free.stop_price, rel=1e-12)
    assert kept.beyond_reach == pytest.approx((share, share / 2), rel=1e-9)
    assert "does not speak for a move that large" in kept.stop_choice_why
    assert "more than any move of the back-test" in kept.rationale
    assert kept.avoided_clusters == []


def test_the_command_keeps_the_raw_stop_of_the_20x_long_of_2025_07_03() -> None:
    r = run_cli("stops", "recommend", "--side", "long", "--entry", "2600", "--size", "10",
                "--leverage", "20", "--as-of", "2025-07-03", "--liquidity", "static",
                "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["stop_choice"] == "raw"
    assert d["stop_price"] == pytest.approx(2502.19, abs=0.011)
    assert d["moved_stop_price"] == pytest.approx(2552.13, abs=0.011)
    # (3.44 % - 1.51 %) / 3.44 % of the distance from the mid 2,591.25
    share = (2591.25 - 2502.19 - (2591.25 - 2552.13)) / (2591.25 - 2502.19)
    assert d["beyond_reach"][0] == pytest.approx(share, rel=1e-3)
    reach = d["crowd_backtest"]["move_reach"]
    assert d["crowd_reach"] == reach and 0 < reach < share
