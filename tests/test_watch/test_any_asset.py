"""``watch`` for an asset the package does not bundle, and its price/book gap (review F17).

The store holds BTC's real series relabelled SOL (prices / 500) and BTC's shipped book
and liquidity calibrations written as SOL's own. The venue is offline (every request
fails as without a network), so each line is made from the store alone.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.data import bundled
from liqcascade.errors import InputError, VenueUnreachable
from liqcascade.live import WatchOptions, refresh
from liqcascade.live._watch import Watcher
from newasset import copy_calibrations, relabelled_store

from .fake import OfflineExchange

_Offline = OfflineExchange


@pytest.fixture(scope="module")
def sol_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = relabelled_store(tmp_path_factory.mktemp("sol") / "sol.duckdb")
    return copy_calibrations(store, kinds=("book", "liquidity"))


def _ms(at: str) -> int:
    return int(pd.Timestamp(at, tz="UTC").value // 1_000_000)


def _line(store: Path, now: str) -> dict[str, Any]:
    ms = _ms(now)
    opts = WatchOptions(asset="SOL", exchanges=(_Offline(ms),), store=store, draws=2)
    w = Watcher(opts, clock=lambda: ms, sleep=lambda s: None, log=lambda s: None)
    try:
        return w.tick()
    finally:
        w.close()


def test_sol_watch_at_its_books_date_gives_figures_in_sols_scale(sol_store: Path) -> None:
    ln = _line(sol_store, "2025-08-01 00:30")
    assert ln["asset"] == "SOL" and ln["figures_at_price"] is True
    assert ln["market_as_of"].startswith("2025-07-31T20:00")
    btc = bundled.load_ohlcv("BTC", "1h")
    assert_same(ln["price"] * 500.0, float(btc["close"].loc["2025-07-31 23:00"]), rtol=1e-9)
    assert 1e5 < ln["notional_5pct_usd"] < 1e10  # USD: BTC's order (the same data)
    assert ln["cluster_below_pct"] > 0 or math.isnan(ln["cluster_below_pct"])
    assert -0.5 < ln["critical_shock"] < 0 and ln["liquidity"] == "calibrated"
    assert ln["liquidity_as_of"] is not None and not ln["liquidity_prior"]  # the store's fit
    assert -0.5 < ln["static_critical_shock"] < 0


def test_a_price_far_from_the_book_gives_no_figures_around_it(sol_store: Path) -> None:
    # the store's prices run to 2026-03, its open interest (so its book) to 2025-07-31
    ln = _line(sol_store, "2026-04-01 00:30")
    assert ln["figures_at_price"] is False and ln["stale"] is True
    assert ln["price_book_gap_hours"] > 24 * 200
    for k in ("cluster_below_pct", "cluster_above_pct", "notional_2pct_usd",
              "notional_5pct_usd", "cluster_within_pct"):  # fmt: skip
        assert math.isnan(ln[k]), k
    assert "no cluster or within-2/5 % figures" in ln["stale_reason"]
    assert -0.5 < ln["critical_shock"] < 0  # the book's own, labelled with its date
    assert ln["critical_shock_as_of"] == ln["market_as_of"]


def test_an_asset_without_a_liquidity_calibration_watches_the_static_book_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = copy_calibrations(relabelled_store(tmp_path / "sol.duckdb"), kinds=("book",))
    with pytest.raises(InputError, match="needs a liquidity calibration for SOL") as e:
        WatchOptions(asset="SOL", store=store).check()
    assert e.value.param == "liquidity"
    assert WatchOptions(asset="SOL", store=store, liquidity="static").check() == []
    ms = _ms("2025-08-01 00:30")
    opts = WatchOptions(asset="SOL", exchanges=(_Offline(ms),), store=store, draws=0,
                        liquidity="static")  # fmt: skip
    w = Watcher(opts, clock=lambda: ms, sleep=lambda s: None, log=lambda s: None)
    try:
        ln = w.tick()
        assert w.catch_up() is True and w.calibrated_shock is None  # nothing calibrated
    finally:
        w.close()
    assert ln["liquidity"] == "static" and ln["critical_shock"] == ln["static_critical_shock"]
    # the daily job only fetches: it needs no liquidity calibration (offline, it says that
    # no venue answered, not that it added 0 rows: ops29 R7). refresh() takes no sleep: its
    # retry pauses (17 s of this test's 19 s) are recorded instead of slept, and checked
    pauses: list[float] = []
    unreachable = r"no venue answered the refresh of SOL \(binance\)"
    with monkeypatch.context() as mp:
        mp.setattr("liqcascade.live._watch.time.sleep", pauses.append)
        with pytest.raises(VenueUnreachable, match=unreachable):
            refresh("SOL", (_Offline(ms),), store=store, clock=lambda: ms, log=lambda s: None)
    # doubling from 1 s, within the poller's default budget of 20 s an interval
    assert pauses and set(pauses) <= {1.0, 2.0, 4.0, 8.0} and sum(pauses) <= 20.0, pauses
    r = run_cli("watch", "--asset", "SOL", "--store", str(store), "--max-iterations", "1")
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 2 and len(lines) == 1
    assert lines[0].startswith("error: --liquidity calibrated needs a liquidity calibration")


def test_unknown_asset_and_future_since_are_refused(sol_store: Path) -> None:
    assert WatchOptions(asset="SOL", store=sol_store).check() == []
    with pytest.raises(InputError, match="no calibrated book for XRP") as e:
        WatchOptions(asset="XRP", store=sol_store).check()
    assert e.value.param == "asset"
    with pytest.raises(InputError, match="since: 2027-01-01 is in the future") as e:
        WatchOptions(asset="SOL", store=sol_store, since="2027-01-01").check(_ms("2026-04-02"))
    assert e.value.param == "since"
    WatchOptions(asset="SOL", store=sol_store, since="2026-01-01").check(_ms("2026-04-02"))
    for args, what in ((["--asset", "XRP"], "XRP"), (["--since", "2999-01-01"], "future")):
        r = run_cli("watch", "--store", str(sol_store), "--max-iterations", "1", *args)
        lines = r.stderr.strip().splitlines()
        assert r.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error:")
        assert what in lines[0]


def test_a_replay_of_a_store_asset_reads_its_book_totals_and_writes_nothing(
    sol_store: Path,
) -> None:
    """Was "no all-venue futures order-book totals for SOL: not in the store and not
    bundled": the replay's scratch store shared the calibrations only."""
    from liqcascade.live import run_replay

    before = hashlib.sha256(sol_store.read_bytes()).hexdigest()
    lines: list[dict[str, Any]] = []
    opts = WatchOptions(asset="SOL", store=sol_store, draws=2, liquidity="static")
    res = run_replay(opts, "2025-07-30 02:00/2025-07-30 04:00", emit=lines.append,
                     log=lambda s: None)  # fmt: skip
    assert res.intervals == len(lines) == 2 and lines[0]["asset"] == "SOL"
    assert all(ln["replay"] and ln["figures_at_price"] for ln in lines)
    assert all(1e5 < ln["notional_5pct_usd"] < 1e10 for ln in lines)  # USD, the store's depth
    assert hashlib.sha256(sol_store.read_bytes()).hexdigest() == before  # nothing written
