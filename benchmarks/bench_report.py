"""The full report end to end: ``liqcascade report`` in a fresh subprocess (ETH and BTC).

One warm-up run first (numba's on-disk cache filled, as after installation and a first
run), then the timed run: Python start, imports, every section of both assets, the page
and summary.json written. The row also states the process's CPU seconds (the report
runs in two lanes on a 2-core machine), each lane's section CPU seconds, the slowest
sections from summary.json and the machine's 1-minute load average when the timed run
started (other jobs' load stretches the wall time: compare CPU seconds then), and the
peak memory of the larger lane (:mod:`benchmarks._memory`). Both runs read the bundled
data only (a store path that does not exist, as ``bench_memory``'s report row): with
the developer's default store present (``~/.liqcascade/store.duckdb``, even a nearly
empty one) every section looks its series up there first, which cost about 3 s of this
row on the 2-core machine in session 25 (18.5 s against 15.1 s, the same code).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from benchmarks._memory import run_child
from benchmarks._scale import scaled


def _run_once(out: Path) -> tuple[float, float, float | None]:
    """Wall seconds, CPU seconds (both lanes) and peak RSS in MiB (the larger lane)."""
    smoke = scaled([], ["--quick", "--asset", "ETH", "--section", "data"])
    env = {"LIQCASCADE_STORE": str(out.parent / "none.duckdb")}  # the bundled data only
    wall, usage, peak = run_child(["report", *smoke, "--out", str(out)], env=env)
    return wall, usage.ru_utime + usage.ru_stime, peak


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(scaled(1, 0)):
            _run_once(Path(tmp) / "warm")  # fills numba's cache if it is cold
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        wall, cpu, peak = _run_once(Path(tmp) / "timed")
        timings = json.loads((Path(tmp) / "timed" / "summary.json").read_text())["timings"]
    slow = sorted(timings.items(), key=lambda kv: -kv[1]["cpu_s"])[:3]
    top = ", ".join(f"{k} {v['cpu_s']:.1f} s" for k, v in slow)
    lanes = " + ".join(
        f"{sum(v['cpu_s'] for v in timings.values() if v['lane'] == n):.1f}"
        for n in sorted({v["lane"] for v in timings.values()})
    )
    return [
        {
            "name": "liqcascade report, end to end (ETH + BTC, every section, subprocess)",
            "seconds": wall,
            "target_seconds": 15.0,
            "repeats": 1,
            "peak_rss_mib": peak,
            "notes": (
                f"CPU {cpu:.1f} s over two lanes (sections {lanes} s by lane); slowest "
                f"sections (CPU): {top}; load average {load:.1f} at the start; bundled data "
                "only (no store)"
            ),
        }
    ]
