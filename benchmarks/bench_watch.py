"""``liqcascade watch``: one interval's work on the real bundled ETH data (issue 16).

A watch session is started on a store filled with 19 days of hourly candles, 4-hourly
open interest and funding replayed from the bundled data by a local fake exchange (no
network), then each timed interval is the one where a new 4-hour open-interest bar
closes: poll (closed-bar fetch of three series, the liquidations and the order book
from the fake), append to the DuckDB store (one transaction, the order-book snapshot
included), advance the identified book by the new
bar for the fit, rebuild the market (stops split off, calibrated depth) and compute
its static critical shock; the line carries the previous bar's calibrated critical
shock. The idle time after that interval (``Watcher.catch_up``, which ``run_watch``
calls before it sleeps) is timed on its own: the refits' books advanced to the bar and
their static shocks, then the bar's calibrated critical shock (one calibrated cascade
of 120 paths per fall of the grid, up to the fall whose 90 % path reaches -10 %). An
interval without a new 4-hour bar (most of them) is also timed: poll + append +
cluster metrics on the cached market (the refits are current after the idle time).
After every interval the idle time's work is done as :func:`liqcascade.live.run_watch`
does it (``catch_up``: after an interval without a new bar, merging the interval's
write-ahead log into the store file), timed apart from the interval.
A day of 60-second intervals (1,440) is then run on one session: the intervals' time
at the end of the day against its start shows what the session's history costs (each
interval stores an order-book snapshot).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks._scale import scaled

H = 3_600_000


def _session(draws: int, positions: Path | None = None) -> tuple[object, object]:
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "tests"))
    from liqcascade.live import Watcher, WatchOptions
    from test_watch.fake import ReplayExchange

    start = int(pd.Timestamp("2025-07-20 03:30", tz="UTC").value // 1_000_000)
    ex = ReplayExchange(start)
    store = Path(tempfile.mkdtemp()) / "watch.duckdb"
    opts = WatchOptions(exchanges=[ex], store=store, since="2025-07-01", draws=draws,
                        positions=positions)  # fmt: skip
    w = Watcher(opts, clock=lambda: ex.now_ms, sleep=lambda s: None, log=lambda s: None)
    w.tick()  # first interval: fills the store, walks the books once
    return w, ex


def run() -> list[dict[str, object]]:
    """Time one watch interval with and without a new 4-hour bar."""
    rows: list[dict[str, object]] = []
    day: dict[str, object] = {}
    for draws in (0, scaled(10, 1)):
        w, ex = _session(draws)
        new_bar, plain, idle, points, idle_plain = [], [], [], [], []
        cpu_new, cpu_plain = [], []  # process CPU (s): less swayed by other jobs than wall
        for _ in range(scaled(6, 1)):
            ex.now_ms += H  # 04:30: the 00:00 bar has closed
            t0, c0 = time.perf_counter(), time.process_time()
            w.tick()
            new_bar.append(time.perf_counter() - t0)
            cpu_new.append(time.process_time() - c0)
            t0 = time.perf_counter()
            w.catch_up()  # the idle time before the next interval
            idle.append(time.perf_counter() - t0)
            c = w.calibrated_shock  # type: ignore[attr-defined]
            points.append(len(c.median))
            for _ in range(scaled(3, 1)):
                ex.now_ms += H
                t0, c0 = time.perf_counter(), time.process_time()
                w.tick()
                plain.append(time.perf_counter() - t0)
                cpu_plain.append(time.process_time() - c0)
                t0 = time.perf_counter()
                w.catch_up()  # as run_watch does after every interval
                idle_plain.append(time.perf_counter() - t0)
        if draws == 0:
            day = _day(w, ex)
        w.close()
        shutil.rmtree(w.store.path.parent, ignore_errors=True)  # type: ignore[attr-defined]
        what = "point book only" if draws == 0 else f"point book + {draws} bootstrap refits"
        rows.append(
            {
                "name": f"watch: one interval with a new 4-hour bar ({what}): poll + append + "
                "book update + market + static critical shock",
                "seconds": min(new_bar),
                "target_seconds": 0.05,
                "repeats": len(new_bar),
                "notes": "real bundled ETH replayed by a local fake exchange (no network); "
                "store of 19 days; the line carries the previous bar's calibrated critical "
                "shock, the refits and this bar's calibrated one are the idle time's; "
                f"process CPU min {min(cpu_new) * 1e3:.1f} ms, median "
                f"{sorted(cpu_new)[len(cpu_new) // 2] * 1e3:.1f} ms",
            }
        )
        rows.append(
            {
                "name": f"watch: idle time after a new 4-hour bar ({what}): refits + the "
                "calibrated critical shock",
                "seconds": min(idle),
                "repeats": len(idle),
                "notes": f"falls of the grid run per bar: {min(points)}-{max(points)} (of 20), "
                f"each a calibrated cascade of 120 paths; max {max(idle):.2f} s; no target: "
                "it must end within the interval (60 s by default) for the next line to carry "
                "the new bar's figure",
            }
        )
        rows.append(
            {
                "name": f"watch: one interval without a new bar ({what}): poll + append + "
                "clusters on the cached market",
                "seconds": min(plain),
                "target_seconds": 0.05,
                "repeats": len(plain),
                "notes": "3 of every 4 hourly intervals (239 of 240 at the default 60 s); the "
                f"idle time after it {min(idle_plain) * 1e3:.1f} ms (the store's write-ahead "
                f"log merged into its file); process CPU min {min(cpu_plain) * 1e3:.1f} ms",
            }
        )
    rows.append(day)
    rows.extend(_positions_rows())
    return rows


#: The watched positions of the positions rows: five, four with a stop (checked against
#: the crowd once per price and book).
_POSITIONS = """side,size,entry_price,leverage,stop_price
long,2.5,3650,20,3560
short,1,3600,10,3720
long,0.5,3700,5,3590
short,3,3550,25,
long,1,3500,3,3400
"""


def _positions_rows() -> list[dict[str, object]]:
    """One interval with and without a new bar, five positions watched (point book only)."""
    path = Path(tempfile.mkdtemp()) / "mine.csv"
    path.write_text(_POSITIONS)
    w, ex = _session(0, path)
    new_bar, plain, cpu_new, cpu_plain = [], [], [], []
    for _ in range(scaled(6, 1)):
        for k in range(4):
            ex.now_ms += H  # type: ignore[attr-defined]
            t0, c0 = time.perf_counter(), time.process_time()
            w.tick()  # type: ignore[attr-defined]
            (new_bar if k == 0 else plain).append(time.perf_counter() - t0)
            (cpu_new if k == 0 else cpu_plain).append(time.process_time() - c0)
            w.catch_up()  # type: ignore[attr-defined]
    w.close()  # type: ignore[attr-defined]
    shutil.rmtree(w.store.path.parent, ignore_errors=True)  # type: ignore[attr-defined]
    shutil.rmtree(path.parent, ignore_errors=True)
    what = "five positions watched (--positions), four stops checked against the crowd"
    return [
        {"name": f"watch: one interval with a new 4-hour bar, {what}", "seconds": min(new_bar),
         "target_seconds": 0.05, "repeats": len(new_bar),
         "notes": "point book only; as the row without positions plus the positions' "
         f"distances and a crowd check per stop; process CPU min {min(cpu_new) * 1e3:.1f} ms"},
        {"name": f"watch: one interval without a new bar, {what}", "seconds": min(plain),
         "target_seconds": 0.05, "repeats": len(plain),
         "notes": "point book only; a new hourly price each interval: every stop checked "
         f"again; process CPU min {min(cpu_plain) * 1e3:.1f} ms"},
    ]  # fmt: skip


def _day(w: object, ex: object) -> dict[str, object]:
    """A day of 60-second intervals on the session: the last 100's mean time."""
    n, k = scaled(1_440, 20), scaled(100, 5)
    times, idle = [], 0.0
    for _ in range(n):
        ex.now_ms += 60_000  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        w.tick()  # type: ignore[attr-defined]
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        w.catch_up()  # type: ignore[attr-defined]  # the idle time, as run_watch
        idle += time.perf_counter() - t0
    held = len(w._inputs.live_depth)  # type: ignore[attr-defined]
    return {
        "name": f"watch: a day of {n:,} 60-second intervals on one session (point book "
        f"only): mean of the last {k}",
        "seconds": sum(times[-k:]) / k,
        "repeats": 1,
        "notes": f"first {k} intervals {sum(times[:k]) / k * 1e3:.1f} ms each; the day "
        f"{sum(times):.1f} s (and {idle:.1f} s of idle-time work); {held:,} rows of "
        "order-book snapshots held in memory at its end (every interval stores one)",
    }
