"""Every market command's JSON names its market's time the same way (ops29 finding R4).

``stops recommend --json`` gave the bar's *open* as its top-level ``as_of`` and no
``bar_open``/``bar_close``, while ``liqmap``/``stress`` gave the close: a pipeline joining
the night's outputs on ``as_of`` saw stops four hours behind. The rule
(docs/cascade.md "Times in the JSON, plainly", :func:`liqcascade.market.market_times`):
the top-level ``as_of`` is the bar's close, the instant the market is known, with
``bar_open`` and ``bar_close``; the ``market`` block's ``as_of`` is the bar's open, its
label. Beside them, ``data_age_days`` and ``stale`` (finding R5): whether the market is
older than :data:`liqcascade._time.STALE_DAYS`, what a pipeline checks.
"""

from __future__ import annotations

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade._time import STALE_DAYS

#: Each market command with options that keep it fast (a static book, few paths).
COMMANDS = {
    "cascade": ("cascade", "--shock", "-5%", "--liquidity", "static"),
    "solvency": ("solvency", "--scenario=x=-0.5", "--liquidity", "static"),
    "contagion": ("contagion", "--preset", "oct-2025", "--liquidity", "static"),
    "stops recommend": ("stops", "recommend", "--side", "long", "--entry", "3500", "--size", "10",
                        "--leverage", "10", "--vol-source", "atr", "--liquidity", "static"),
    "liqmap": ("liqmap",),
    "stress": ("stress", "--portfolio", "sample", "--scenario", "shock", "--shocks", "-5%"),
}  # fmt: skip


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_as_of_is_the_bar_close_with_both_ends_and_the_age(args: tuple[str, ...]) -> None:
    r = run_cli(*args, "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    as_of, bar_open, bar_close = (pd.Timestamp(out[k]) for k in ("as_of", "bar_open", "bar_close"))
    assert as_of == bar_close and bar_open < bar_close
    assert bar_close - bar_open == pd.Timedelta(hours=4)  # the 4-hour open-interest bar
    market = out["market"]
    assert pd.Timestamp(market["as_of"]) == bar_open  # the market's label: its open
    assert pd.Timestamp(market["close_time"]) == bar_close
    days = out["data_age_days"]
    assert isinstance(days, int) and days > STALE_DAYS  # the bundled market, 2025-08-01
    assert out["stale"] is True


def test_collateral_has_no_estimated_market_and_so_no_market_times() -> None:
    """``collateral`` runs a preset's own episode (no estimated market): no time to label."""
    r = run_cli("collateral", "--preset", "oct-2025", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert not {"as_of", "bar_open", "bar_close", "market", "data_age_days", "stale"} & set(out)
