"""The watch's critical shock is the calibrated liquidity response's (issue 18, item 2).

The line's ``critical_shock`` (what ``critical_shock`` alert rules compare) is the
figure ``cascade --fragility`` gives as ``critical_shock.curve_crossing`` for the same
market: the library's :func:`liqcascade.cascade.calibrated_fragility` run on the
estimated market of the same store and bar, with the same book draws, equals it. The
static book's critical shock is beside it as ``static_critical_shock``, the bound. A
new bar's calibrated figure is computed in the idle time after that bar's interval:
that interval's line carries the previous bar's, labelled as such.
"""

from __future__ import annotations

import inspect
import math
import re
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from floats import assert_same, same_value
from liqcascade._prices import percent_text
from liqcascade.cascade import prepare_market, prepared_draws
from liqcascade.errors import InputError
from liqcascade.live import Watcher, WatchOptions, run_watch

from .fake import H, ReplayExchange

START = int(pd.Timestamp("2025-07-20 00:30", tz="UTC").value // 1_000_000)
SINCE = "2025-07-01"
#: Rules that fire on any line whose figures are there: one per critical shock.
RULES = ("critical_shock>-0.5", "static_critical_shock>-0.5")


def _quiet(ex: ReplayExchange) -> dict[str, Any]:
    return {"clock": lambda: ex.now_ms, "sleep": lambda s: None, "log": lambda s: None}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """Six hourly intervals of ``run_watch`` from 00:30 (a new 4-hour bar closes at 04:00)."""
    store = tmp_path_factory.mktemp("calibrated") / "store.duckdb"
    ex = ReplayExchange(START)

    def sleep(s: float) -> None:  # the interval passes on the fake's clock
        if s >= 60:
            ex.now_ms += H

    lines: list[dict[str, Any]] = []
    opts = WatchOptions(exchanges=[ex], store=store, since=SINCE, max_iterations=6,
                        interval=3600, draws=2, rules=RULES)  # fmt: skip
    run_watch(opts, emit=lines.append, clock=lambda: ex.now_ms, sleep=sleep, log=lambda s: None)
    return store, lines


def test_the_paths_and_seed_are_cascade_fragilitys() -> None:
    from liqcascade.cascade import calibrated_fragility
    from liqcascade.live import _watch

    params = inspect.signature(calibrated_fragility).parameters
    assert _watch.CALIBRATED_PATHS == params["n_paths"].default
    assert _watch.CALIBRATED_SEED == params["seed"].default


def test_the_critical_shock_is_the_librarys_calibrated_one(session: tuple) -> None:
    """Equal (float tolerance) to ``calibrated_fragility`` on the estimated market of the
    same store and bar: its ``curve_crossing`` and the crossings of its 10 % and 90 %
    curves; the static bound beside it is the static book's."""
    from liqcascade.cascade import calibrated_fragility, critical_shock, load_liquidity
    from liqcascade.cascade._backtest import hourly_volatility
    from liqcascade.cascade._calibrated_fragility import _critical
    from liqcascade.market import MarketSpec, estimated_market, load_market_inputs

    store, lines = session
    ln = lines[-1]
    assert ln["critical_shock_current"] and ln["critical_shock_as_of"] == ln["market_as_of"]
    close = pd.Timestamp(ln["market_as_of"]) + pd.Timedelta(hours=4)
    state = estimated_market(MarketSpec(asset="ETH", as_of=close, store=store))
    assert pd.Timestamp(state.as_of) == pd.Timestamp(ln["market_as_of"])
    px = load_market_inputs("ETH", store=store).prices
    sigma, resid = hourly_volatility(px[px.index <= close - pd.Timedelta(hours=1)])
    cf = calibrated_fragility(
        prepare_market(state), calibration=load_liquidity("ETH", close, store=store),
        sigma_hourly=sigma, residuals=resid, total_move=-0.10,
        books=prepared_draws(state, n=ln["n_draws"]),
    )  # fmt: skip
    assert same_value(ln["critical_shock"], cf.curve_crossing, rtol=1e-9)
    grid = cf.curve["shock"].to_numpy()
    want = [_critical(grid, cf.curve[c].to_numpy(), -0.10) for c in ("move_p10", "move_p90")]
    assert_same(np.asarray(ln["critical_shock_range"]), np.asarray(want), rtol=1e-9)
    # not the static figure: the book refills (here a larger fall is needed)
    static = critical_shock(prepare_market(state), total_move=-0.10).shock
    assert same_value(ln["static_critical_shock"], static, rtol=1e-9)
    assert abs(ln["critical_shock"] - ln["static_critical_shock"]) > 0.005


def test_a_new_bars_line_carries_the_previous_bars_figure_labelled(session: tuple) -> None:
    _, lines = session
    bars = [ln["market_as_of"] for ln in lines]
    k = next(i for i in range(1, len(lines)) if bars[i] != bars[i - 1])  # 04:30
    new, before, after = lines[k], lines[k - 1], lines[k + 1]
    assert new["critical_shock_as_of"] == before["market_as_of"] != new["market_as_of"]
    assert new["critical_shock_current"] is False
    assert same_value(new["critical_shock"], before["critical_shock"])
    assert new["static_critical_shock_interval_as_of"] == before["market_as_of"]  # refits too
    # the idle time after the new bar's interval computed the new bar's figures
    assert after["critical_shock_current"] and after["critical_shock_as_of"] == new["market_as_of"]
    assert after["static_critical_shock_interval_as_of"] == new["market_as_of"]
    assert after["n_draws_current"] == after["n_draws"] == 2
    # what the one late line costs: the figure moves little from one bar to the next
    # (docs/watch.md: at most 1.0 point over the 66 bars of 2025-07-20 -> 07-31)
    assert abs(after["critical_shock"] - new["critical_shock"]) <= 0.01
    for ln in lines:
        assert ln["critical_shock_current"] == (ln["critical_shock_as_of"] == ln["market_as_of"])


def test_alerts_compare_the_calibrated_figure_and_the_bound_by_name(session: tuple) -> None:
    _, lines = session
    for ln in lines:
        alerts = {a["metric"]: a for a in ln["alerts"]}
        assert set(alerts) == {"critical_shock", "static_critical_shock"}
        assert alerts["critical_shock"]["value"] == ln["critical_shock"]  # the line's own
        assert alerts["static_critical_shock"]["value"] == ln["static_critical_shock"]
        assert alerts["critical_shock"]["critical_shock_as_of"] == ln["critical_shock_as_of"]


def test_catch_up_stops_at_its_deadline_and_goes_on_where_it_stopped(tmp_path: Path) -> None:
    start = int(pd.Timestamp("2025-07-20 03:30", tz="UTC").value // 1_000_000)
    ex = ReplayExchange(start)
    w = Watcher(WatchOptions(exchanges=[ex], store=tmp_path / "a.duckdb", since=SINCE, draws=1),
                **_quiet(ex))  # fmt: skip
    first = w.tick()
    assert first["critical_shock_current"] and w.catch_up() is True  # nothing left
    ex.now_ms += H  # 04:30: a new bar
    line = w.tick()
    assert not line["critical_shock_current"]
    assert w.catch_up(deadline=time.monotonic() - 1.0) is False  # no room: nothing done
    assert w.tick()["n_draws_current"] == 1  # the tick's own refit (refits_per_interval)
    job = w._calibrated_job()
    assert job.step() is False  # one fall of the grid run, more to go
    w._pending = job  # as if an earlier idle time had run that far
    assert w.catch_up() is True and w.calibrated_shock is not None
    resumed = w.calibrated_shock
    w.close()
    assert resumed.label == pd.Timestamp(line["market_as_of"]) and resumed.done
    # the same figure as a fresh session computes at once on a copy of the store

    shutil.copy(tmp_path / "a.duckdb", tmp_path / "b.duckdb")
    ex2 = ReplayExchange(ex.now_ms)
    w2 = Watcher(WatchOptions(exchanges=[ex2], store=tmp_path / "b.duckdb", since=SINCE, draws=1),
                 **_quiet(ex2))  # fmt: skip
    fresh = w2.tick()
    w2.close()
    assert fresh["critical_shock_as_of"] == line["market_as_of"]
    assert same_value(fresh["critical_shock"], resumed.critical_shock)


def test_the_grid_stops_once_the_90pct_path_reaches_the_move(
    session: tuple, tmp_path: Path
) -> None:
    """The falls after the first whose 90 % path reaches -10 % change no crossing: the
    figures equal those of the whole grid (here: the grid run to its end)."""
    from liqcascade.cascade._calibrated_fragility import DEFAULT_SHOCKS
    from liqcascade.live._watch import CalibratedShock

    store = tmp_path / "copy.duckdb"
    shutil.copy(session[0], store)
    ex = ReplayExchange(START + 4 * H)
    w = Watcher(WatchOptions(exchanges=[ex], store=store, since=SINCE, draws=0), **_quiet(ex))
    w.tick()
    part = w.calibrated_shock
    assert part is not None and part.done and len(part.median) < DEFAULT_SHOCKS.size
    assert part.p90[-1] <= -0.10 and all(p > -0.10 for p in part.p90[:-1])
    whole = CalibratedShock(**{**part.__dict__, "median": [], "p10": [], "p90": [],
                               "done": False, "total_move": -1.0 + 1e-9})  # fmt: skip
    while not whole.step():  # never stops early: every fall of the grid
        pass
    w.close()
    assert len(whole.median) == DEFAULT_SHOCKS.size
    assert_same(np.asarray(whole.median[: len(part.median)]), np.asarray(part.median))
    whole.total_move = -0.10
    assert same_value(whole.critical_shock, part.critical_shock)
    assert_same(np.asarray(whole.critical_range), np.asarray(part.critical_range))


def test_static_mode_prints_and_alerts_the_static_book(tmp_path: Path) -> None:
    ex = ReplayExchange(START)
    opts = WatchOptions(exchanges=[ex], store=tmp_path / "s.duckdb", since=SINCE, draws=0,
                        liquidity="static", rules=("critical_shock>-0.5",))  # fmt: skip
    w = Watcher(opts, **_quiet(ex))
    ln = w.tick()
    assert w.calibrated_shock is None
    w.close()
    assert ln["liquidity"] == "static" and ln["critical_shock"] == ln["static_critical_shock"]
    assert ln["alerts"][0]["value"] == ln["static_critical_shock"]
    with pytest.raises(InputError, match="liquidity must be one of calibrated, static") as e:
        WatchOptions(liquidity="dynamic").check()
    assert e.value.param == "liquidity"


def test_the_text_line_names_both_figures(session: tuple) -> None:
    from liqcascade._cli.watch import _line

    _, lines = session
    ln = lines[-1]
    text = _line(ln)
    lo, hi = ln["critical_shock_range"]
    assert (
        f"critical shock {percent_text(ln['critical_shock'], 2)} (paths 10-90 %: "
        f"{percent_text(lo, 2)} … "
        f"{'beyond -20 %' if math.isnan(hi) else percent_text(hi, 2)}; "
        f"market {ln['market_as_of'][:16]})"
    ) in text
    assert f"static-book carry bound {percent_text(ln['static_critical_shock'], 2)} [" in text
    assert not re.search(r"\d%", text), text  # the package's "8.43 %", never "8.43%"
    late = next(x for x in lines if not x["critical_shock_current"])
    assert "the previous bar's: this bar's next interval" in _line(late)
    assert "liquidity: the prior" not in text
    assert "; liquidity: the prior, not a fit)" in _line({**ln, "liquidity_prior": True})
    static = {**ln, "liquidity": "static"}
    sc = percent_text(ln["static_critical_shock"], 2)
    assert f"critical shock (static book) {sc} [" in _line(static)


def test_cli_liquidity_option_is_checked() -> None:
    from clihelpers import run_cli

    r = run_cli("watch", "--liquidity", "dynamic", "--max-iterations", "1")
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert r.exit_code == 2 and len(lines) == 1, r.stderr
    assert lines[0].startswith("error: --liquidity must be one of calibrated, static")


@pytest.mark.slow
def test_critical_shock_equals_cascade_fragility_on_the_same_store(tmp_path: Path) -> None:
    """With every book draw (the watch's default 10): ``cascade --fragility --json`` on
    the same store and bar prints the watch's figure as ``critical_shock.curve_crossing``.

    The command runs in-process (the store chosen by ``$LIQCASCADE_STORE``, as a user's
    shell would): its ``--fragility --json`` in a child process of its own is
    tests/test_cascade/test_cli.py::test_estimated_fragility_subprocess."""
    from clihelpers import run_cli

    store = tmp_path / "store.duckdb"
    ex = ReplayExchange(START)
    w = Watcher(WatchOptions(exchanges=[ex], store=store, since=SINCE), **_quiet(ex))
    ln = w.tick()
    w.close()
    assert ln["n_draws"] == 10 and ln["critical_shock_current"]
    at = (pd.Timestamp(ln["market_as_of"]) + pd.Timedelta(hours=4)).isoformat()
    r = run_cli("cascade", "--fragility", "--as-of", at, "--json",
                env={"LIQCASCADE_STORE": str(store)})  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["liquidity"] == "calibrated" and out["calibration"]["n_book_draws"] == 10
    # the watch labels its market by the bar's open; the cascade's as_of is its close
    assert pd.Timestamp(out["bar_open"]) == pd.Timestamp(ln["market_as_of"])
    assert pd.Timestamp(out["as_of"]) == pd.Timestamp(at)
    assert same_value(out["critical_shock"]["curve_crossing"], ln["critical_shock"], rtol=1e-9)


def test_a_bad_store_chosen_by_the_variable_is_blamed_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No store option: the default store's errors name $LIQCASCADE_STORE, not --store."""
    bad = tmp_path / "notduck.csv"
    bad.write_text("a,b\n1,2\n")
    monkeypatch.setenv("LIQCASCADE_STORE", str(bad))
    ex = ReplayExchange(START)
    with pytest.raises(InputError, match=r"\$LIQCASCADE_STORE: .*notduck\.csv: cannot open") as e:
        w = Watcher(WatchOptions(exchanges=[ex], since=SINCE), **_quiet(ex))
        try:
            w.tick()
        finally:
            w.close()
    assert "--store" not in str(e.value) and "store:" not in str(e.value).split("$")[0]
