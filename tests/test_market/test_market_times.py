"""One ``--as-of``, one market time: the JSON of ``liqmap`` and ``cascade`` agree.

The top-level ``as_of`` of every estimated-market command's JSON is the instant the
market is known (its 4-hour bar's close), beside ``bar_open`` and ``bar_close``
(:func:`liqcascade.market.market_times`); ``market.as_of`` is the bar's open, its label.
``liqmap --json`` gave the open as its top-level ``as_of`` while ``cascade --json``
gave the close.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.cascade import market_times as cascade_market_times
from liqcascade.market import market_times

DATA = Path(__file__).resolve().parents[1] / "data" / "liqmap"
TIMES = ("as_of", "bar_open", "bar_close")


def test_market_times_name_the_bar_by_both_ends() -> None:
    state = SimpleNamespace(
        as_of=pd.Timestamp("2025-06-15 20:00", tz="UTC"),
        close_time=pd.Timestamp("2025-06-16 00:00", tz="UTC"),
    )
    got = market_times(state)
    assert got == {"as_of": state.close_time, "bar_open": state.as_of,
                   "bar_close": state.close_time}  # fmt: skip
    assert market_times(state, iso=True) == {
        "as_of": "2025-06-16T00:00:00+00:00",
        "bar_open": "2025-06-15T20:00:00+00:00",
        "bar_close": "2025-06-16T00:00:00+00:00",
    }
    assert cascade_market_times is market_times  # one function, re-exported by cascade


@pytest.fixture(scope="module")
def both() -> dict[str, dict[str, Any]]:
    cascade = ("cascade", "--liquidity", "static", "--shock", "-0.05")
    runs = {
        "liqmap": run_cli("liqmap", "--as-of", "2025-06-15", "--json"),
        "cascade": run_cli(*cascade, "--as-of", "2025-06-15", "--json"),
    }
    for name, r in runs.items():
        assert r.exit_code == 0, (name, r.stderr)
    return {name: r.json() for name, r in runs.items()}


def test_liqmap_and_cascade_give_the_same_market_time(both: dict[str, dict[str, Any]]) -> None:
    lm, cs = both["liqmap"], both["cascade"]
    assert {k: lm[k] for k in TIMES} == {k: cs[k] for k in TIMES}
    assert lm["as_of"] == lm["bar_close"] == "2025-06-16T00:00:00+00:00"  # the close
    assert lm["bar_open"] == "2025-06-15T20:00:00+00:00"
    for d in (lm, cs):  # the market block keeps its label (open) and close
        assert d["market"]["as_of"] == d["bar_open"]
        assert d["market"]["close_time"] == d["bar_close"]
    assert list(lm)[:3] == list(TIMES)  # first in the object, as before


def test_a_positions_file_has_no_market_time() -> None:
    r = run_cli("liqmap", "--positions", str(DATA / "positions.csv"), "--price", "2000", "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert [d[k] for k in TIMES] == [None, None, None] and "market" not in d
