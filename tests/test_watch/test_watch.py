"""``liqcascade watch`` against a local fake exchange replaying the bundled data, with faults."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from floats import assert_same, same_value
from liqcascade.data import Store
from liqcascade.errors import InputError
from liqcascade.live import Watcher, WatchOptions, cluster_metrics, parse_rule, run_watch

from .fake import FAULTS, H, ReplayExchange

ROOT = Path(__file__).resolve().parents[2]
START = int(pd.Timestamp("2025-07-20 00:30", tz="UTC").value // 1_000_000)
SINCE = "2025-07-01"


Run = tuple[list[dict[str, Any]], list[str], ReplayExchange]


def _run(store: Path, faults: dict[str, list[Any]] | None, n: int, start: int = START,
         rules: tuple[str, ...] = ()) -> Run:  # fmt: skip
    ex = ReplayExchange(start, faults)
    lines: list[dict[str, Any]] = []
    log: list[str] = []

    def sleep(s: float) -> None:  # the interval passes on the fake's clock; retries do not
        if s >= 60:
            ex.now_ms += H

    opts = WatchOptions(exchanges=[ex], store=store, since=SINCE, max_iterations=n,
                        interval=3600, draws=2, rules=rules)  # fmt: skip
    run_watch(opts, emit=lines.append, clock=lambda: ex.now_ms, sleep=sleep, log=log.append)
    return lines, log, ex


def _dump(path: Path) -> dict[str, pd.DataFrame]:
    with Store(path, read_only=True) as s:
        kinds = ("ohlcv", "open_interest", "funding", "liquidation_events", "depth")
        return {k: s.read(k).reset_index(drop=True) for k in kinds}


def _same_store(a: Path, b: Path, *, depth: bool = True) -> None:
    """Same rows; ``depth=False``: a session stopped for a while took fewer order-book
    snapshots (the book is only seen live), so those are not compared."""
    da, db = _dump(a), _dump(b)
    for k in da:
        if k == "depth" and not depth:
            continue
        assert len(da[k]) > 0, k
        pd.testing.assert_frame_equal(da[k], db[k])  # values read from files: exact


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    store = tmp_path_factory.mktemp("clean") / "store.duckdb"
    lines, log, _ = _run(store, None, 6)
    assert log == []
    return store, lines


def test_clean_run_prints_one_line_per_interval(clean: tuple) -> None:
    store, lines = clean
    assert len(lines) == 6
    labels = {ln["market_as_of"] for ln in lines}
    assert len(labels) >= 2  # a new 4-hour bar closed during the run: the book advanced
    for ln in lines:
        assert -0.10 <= ln["critical_shock"] < 0 and ln["liquidity"] == "calibrated"
        lo, hi = ln["critical_shock_range"]  # the 10 % path reaches -10 % first
        assert lo >= ln["critical_shock"] >= hi or math.isnan(hi)
        assert -0.20 <= ln["static_critical_shock"] < 0
        assert ln["static_critical_shock_p05"] <= ln["static_critical_shock_p95"]
        assert ln["notional_5pct_usd"] >= ln["notional_2pct_usd"] >= 0
        assert ln["cluster_below_pct"] > 0 and ln["cluster_above_pct"] > 0
        assert ln["bid_2pct_usd"] > ln["bid_1pct_usd"] > 0
        assert ln["stale"] is False and ln["stale_reason"] is None  # live bars every poll
    with Store(store, read_only=True) as s:
        px = s.read("ohlcv")
    # closed bars only: the last stored candle closed by the last poll
    last_poll = pd.Timestamp(lines[-1]["time"])
    assert px["ts"].max() + pd.Timedelta(hours=1) <= last_poll
    assert px["ts"].is_unique and px["ts"].is_monotonic_increasing


def test_faults_are_retried_reported_and_the_store_equals_a_clean_run(
    clean: tuple, tmp_path: Path
) -> None:
    store = tmp_path / "faulty.duckdb"
    lines, log, ex = _run(store, FAULTS, 6)
    assert len(lines) == 6
    text = "\n".join(log)
    for what in ("timed out", "429", "bad candle", "expected a list", "order book",
                 "forceOrders", "liquidations: bad record"):  # fmt: skip
        assert what in text, what
    assert all(not v for v in ex.faults.values())  # every fault was served
    _same_store(clean[0], store)
    for a, b in zip(clean[1], lines, strict=True):
        assert same_value(a["critical_shock"], b["critical_shock"])


def test_restart_resumes_without_duplicates_or_gaps(clean: tuple, tmp_path: Path) -> None:
    store = tmp_path / "restart.duckdb"
    _run(store, None, 2)
    # stopped for 4 hours: the restart fetches from the last stored bar, filling the gap
    lines, _, _ = _run(store, None, 1, start=START + 5 * H)
    assert lines[0]["rows_added"] > 0
    _same_store(clean[0], store, depth=False)
    # no order-book snapshot was taken in the hour before the bar's close (the watch
    # was stopped): the market falls back to the calibrated depth, the clean run's not
    assert clean[1][-1]["depth_source"].startswith("live")
    assert lines[0]["depth_source"] == "calibrated"
    assert lines[0]["market_as_of"] == clean[1][-1]["market_as_of"]


_CHILD = r"""
import sys, time
sys.path[:0] = [{src!r}, {tests!r}]
from pathlib import Path
from liqcascade.data import Store
from liqcascade.live import WatchOptions, run_watch
from test_watch.fake import ReplayExchange
orig = Store.ingest
def slow(self, series, on_progress=None, **kw):
    def hook(done, total):
        Path({marker!r}).write_text(str(done))
        time.sleep(60)  # killed here, in the middle of the transaction
    return orig(self, series, on_progress=hook, **kw)
Store.ingest = slow
ex = ReplayExchange({start})
run_watch(WatchOptions(exchanges=[ex], store={store!r}, since={since!r}, max_iterations=1,
                       draws=0), emit=print, clock=lambda: ex.now_ms)
"""


def test_kill_9_in_the_middle_of_a_write_leaves_nothing_half_written(
    clean: tuple, tmp_path: Path
) -> None:
    store = tmp_path / "killed.duckdb"
    _run(store, None, 2)  # some rows already stored
    with Store(store, read_only=True) as s:
        before = {k: s.count(k) for k in ("ohlcv", "open_interest", "funding")}
    marker = tmp_path / "in_write"
    code = _CHILD.format(src=str(ROOT / "src"), tests=str(ROOT / "tests"), marker=str(marker),
                         start=START + 4 * H, store=str(store), since=SINCE)  # fmt: skip
    env = {**os.environ, "LIQCASCADE_INGEST_CHUNK": "100"}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    t0 = time.monotonic()
    while not marker.exists():
        assert proc.poll() is None, "the child ended before writing"
        assert time.monotonic() - t0 < 120
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with Store(store, read_only=True) as s:
        after = {k: s.count(k) for k in before}
    assert after == before  # the killed transaction left nothing
    lines, _, _ = _run(store, None, 4, start=START + 2 * H)  # restart: resumes
    _same_store(clean[0], store, depth=False)
    assert lines[-1]["critical_shock"] == pytest.approx(clean[1][-1]["critical_shock"], abs=1e-12)


def test_critical_shock_equals_a_batch_walk_of_the_same_store(clean: tuple) -> None:
    """The incremental books give the market a one-go walk of the store gives."""
    from liqcascade.book._calibrate import beta_for
    from liqcascade.book._live import book_from_snapshot, snapshot_at
    from liqcascade.cascade import critical_shock, prepare_cascade
    from liqcascade.market import load_market_inputs
    from liqcascade.market._inputs import closed_by, ohlc_bars
    from liqcascade.positions import model_stops_detailed
    from liqcascade.positions._expanding import load_asset_calibration
    from liqcascade.positions._model import MarketFrames, walk

    store, lines = clean
    ln = lines[-1]
    label = pd.Timestamp(ln["market_as_of"])
    assert ln["critical_shock_current"] and ln["critical_shock_as_of"] == ln["market_as_of"]
    inputs = load_market_inputs("ETH", store=store)
    hourly = closed_by(inputs.prices, label + pd.Timedelta(hours=4), pd.Timedelta(hours=1))
    bars = ohlc_bars(hourly, "4h")
    bars = bars[bars.index <= label]
    oi = inputs.open_interest[inputs.open_interest.index <= label]
    fund = inputs.funding[inputs.funding.index <= label]
    fit, _ = load_asset_calibration("ETH").fit_for(pd.Timestamp("2025-07-01", tz="UTC"))
    run = walk(MarketFrames(oi=oi[["oi_usd"]], ohlc=bars, funding=fund), fit.params)
    book = run.book(venue_share=fit.params.scale, symbol="ETHUSDT")
    ms = model_stops_detailed(book, bars, as_of=label)
    mid = float(hourly["close"].iloc[-1])
    # the order book: the live snapshot the watch stored in the hour before the close
    assert ln["depth_source"].startswith("live")
    assert inputs.sources["live_depth"].startswith("store:")
    snap = snapshot_at(inputs.live_depth, label + pd.Timedelta(hours=4))
    assert snap is not None and pd.Timestamp(ln["depth_source"][5:]) == snap.index[0]
    # the depth exponent of the bar's date: bars of book totals closed by its close
    beta, _ = beta_for("ETH", inputs.book_totals, label + pd.Timedelta(hours=4))
    ob = book_from_snapshot(snap, mid, beta=beta)
    cs = critical_shock(prepare_cascade(ob, ms.positions, ms.stops), total_move=-0.10)
    assert math.isclose(cs.shock, ln["static_critical_shock"], rel_tol=1e-9, abs_tol=1e-9)
    assert same_value(mid, ln["market_mid"])


def test_static_bound_equals_cascade_fragility_static_on_the_same_store(clean: tuple) -> None:
    store, lines = clean
    ln = lines[-1]
    env = {**os.environ, "LIQCASCADE_STORE": str(store), "PYTHONPATH": str(ROOT / "src")}
    # the same time: the close of the 4-hour bar the watch's market stands on
    at = (pd.Timestamp(ln["market_as_of"]) + pd.Timedelta(hours=4)).isoformat()
    r = subprocess.run(
        [sys.executable, "-m", "liqcascade.cli", "cascade", "--fragility", "--liquidity",
         "static", "--as-of", at, "--json"], env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    # the watch labels its market by the bar's open; the cascade's as_of is its close
    assert pd.Timestamp(out["bar_open"]) == pd.Timestamp(ln["market_as_of"])
    assert pd.Timestamp(out["as_of"]) == pd.Timestamp(at)
    assert same_value(out["mid"], ln["market_mid"])
    assert math.isclose(out["critical_shock"]["shock"], ln["static_critical_shock"], abs_tol=1e-9)


def test_alerts_fire_and_run_the_command(tmp_path: Path) -> None:
    out = tmp_path / "alert.json"
    ex = ReplayExchange(START)
    lines: list[dict[str, Any]] = []
    opts = WatchOptions(exchanges=[ex], store=tmp_path / "s.duckdb", since=SINCE, max_iterations=1,
                        draws=0, rules=("critical_shock>-0.5", "cluster_within_pct<0.0001"),
                        on_alert=f"cat > {out}")  # fmt: skip
    run_watch(opts, emit=lines.append, clock=lambda: ex.now_ms, sleep=lambda s: None,
              log=lambda s: None)  # fmt: skip
    alerts = lines[0]["alerts"]
    assert [a["rule"] for a in alerts] == ["critical_shock>-0.5"]
    assert json.loads(out.read_text())["metric"] == "critical_shock"


@pytest.mark.parametrize(
    "rule", ["critical_shock", "nope<1", "price<abc", "price=-1", "critical_shock>>1"]
)
def test_bad_rules_are_refused(rule: str) -> None:
    with pytest.raises(InputError, match="alert"):
        parse_rule(rule)


def test_rule_comparisons() -> None:
    r = parse_rule(" Critical_Shock > -0.02 ")
    assert r.check({"critical_shock": -0.01}) and not r.check({"critical_shock": -0.03})
    assert not r.check({"critical_shock": float("nan")}) and not r.check({})
    assert parse_rule("price<=10").check({"price": 10})


def test_cluster_metrics_by_hand() -> None:
    from liqcascade.positions._book import PositionBook

    liq = np.array([90.0, 97.0, 99.0, 101.0, 104.0, 120.0])
    size = np.array([1.0, 10.0, 1.0, 1.0, 10.0, 1.0])
    side = np.array([1, 1, 1, -1, -1, -1], np.int8)
    book = PositionBook(side=side, size=size, entry_price=np.full(6, 100.0), margin=np.ones(6),
                        liq_price=liq, bankruptcy_price=liq)  # fmt: skip
    m = cluster_metrics(book, 100.0)
    assert m["cluster_below_price"] == 97.0 and m["cluster_above_price"] == 104.0
    assert m["cluster_below_pct"] == pytest.approx(3.0) and m[
        "cluster_within_pct"
    ] == pytest.approx(3.0)
    assert m["notional_2pct_usd"] == pytest.approx(99.0 + 101.0)
    assert m["notional_5pct_usd"] == pytest.approx(970 + 99 + 101 + 1040)


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="interval"):
        Watcher(WatchOptions(exchanges=[ReplayExchange(START)], interval=0, store=tmp_path / "x"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--alert", "critical_shock=>1"], "--alert"),
        (["--alert", "volume>1"], "unknown metric"),
        (["--interval", "0"], "--interval"),
        (["--max-iterations", "0"], "--max-iterations"),
    ],
)
def test_cli_bad_options_exit_2_with_one_line(args: list[str], message: str) -> None:
    from clihelpers import run_cli

    r = run_cli("watch", *args)
    assert r.exit_code == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]


def test_refits_recomputed_in_turn_equal_a_fresh_session(tmp_path: Path) -> None:
    """After a new bar the refits' shocks catch up one per interval, to the values a
    session started at that time computes at once (a book's state at a bar does not
    depend on when it was advanced there)."""
    start = int(pd.Timestamp("2025-07-20 03:30", tz="UTC").value // 1_000_000)
    ex = ReplayExchange(start)
    opts = WatchOptions(exchanges=[ex], store=tmp_path / "a.duckdb", since=SINCE, draws=3)
    w = Watcher(opts, clock=lambda: ex.now_ms, sleep=lambda s: None, log=lambda s: None)
    first = w.tick()
    assert first["n_draws"] == first["n_draws_current"] == 3
    ex.now_ms += H  # a new 4-hour bar: the fit's book only
    line = w.tick()
    assert line["market_as_of"] != first["market_as_of"]
    assert line["n_draws_current"] == 0 and line["n_draws"] == 3
    assert line["static_critical_shock_interval_as_of"] == first["market_as_of"]
    for k in (1, 2, 3):
        ex.now_ms += H
        line = w.tick()  # no idle time between the ticks: one refit per interval
        assert line["n_draws_current"] == k
    assert line["static_critical_shock_interval_as_of"] == line["market_as_of"]
    # the calibrated critical shock is the idle time's: still the first bar's
    assert line["critical_shock_as_of"] == first["market_as_of"]
    assert not line["critical_shock_current"] and same_value(
        line["critical_shock"], first["critical_shock"]
    )
    assert w.catch_up() is True
    line = w.tick()  # the same hour again: the idle time's figure is on the line
    assert line["critical_shock_current"] and line["critical_shock_as_of"] == line["market_as_of"]
    w.close()
    # a fresh session on a copy of that store (the same order-book snapshots)
    import shutil

    shutil.copy(tmp_path / "a.duckdb", tmp_path / "b.duckdb")
    ex2 = ReplayExchange(ex.now_ms)
    opts2 = WatchOptions(exchanges=[ex2], store=tmp_path / "b.duckdb", since=SINCE, draws=3)
    w2 = Watcher(opts2, clock=lambda: ex2.now_ms, sleep=lambda s: None, log=lambda s: None)
    fresh = w2.tick()
    w2.close()
    assert fresh["market_as_of"] == line["market_as_of"]
    for key in ("static_critical_shock", "static_critical_shock_p05",
                "static_critical_shock_p95", "critical_shock"):  # fmt: skip
        assert same_value(fresh[key], line[key]), key
    assert_same(np.asarray(fresh["critical_shock_range"]), np.asarray(line["critical_shock_range"]))
    with pytest.raises(InputError, match="refits_per_interval"):
        WatchOptions(refits_per_interval=0).check()


def test_liquidations_are_stored_once_and_a_silent_venue_is_said_once(
    clean: tuple, tmp_path: Path
) -> None:
    from liqcascade.data import bundled

    store, lines = clean
    with Store(store, read_only=True) as s:
        ev = s.read("liquidation_events")
    assert len(ev) > 0 and ev.groupby(["ts", "side"]).size().max() == 1
    assert set(ev["side"]) == {"long", "short"}
    # every record published by the last poll, USD as bundled (price x qty)
    agg = bundled.load_liquidations(asset="ETH")
    last = pd.Timestamp(lines[-1]["time"])
    want = agg[(agg.index >= pd.Timestamp(SINCE, tz="UTC"))
               & (agg.index + pd.Timedelta(hours=4) <= last)]  # fmt: skip
    longs = ev[ev["side"] == "long"].set_index("ts")
    got = (longs["price"] * longs["qty"]).groupby(longs.index.floor("4h")).sum()
    assert_same(got.to_numpy(), want["long_usd"][want["long_usd"] > 0].to_numpy(), rtol=1e-9)
    # a venue without fetch_liquidations: said once on stderr, the loop goes on
    ex = ReplayExchange(START, liquidations=False)
    log: list[str] = []
    opts = WatchOptions(exchanges=[ex], store=tmp_path / "q.duckdb", since=SINCE,
                        max_iterations=3, draws=0)  # fmt: skip

    def sleep(s: float) -> None:
        if s >= 60:
            ex.now_ms += H

    out: list[dict[str, Any]] = []
    run_watch(opts, emit=out.append, clock=lambda: ex.now_ms, sleep=sleep, log=log.append)
    assert len(out) == 3 and "liq" not in ex.calls
    assert sum("does not publish liquidations" in ln for ln in log) == 1
    with Store(tmp_path / "q.duckdb", read_only=True) as s:
        assert s.count("liquidation_events") == 0
