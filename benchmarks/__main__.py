"""Run every ``benchmarks/bench_*.py`` and write ``benchmarks/RESULTS.md``.

Each benchmark module exposes ``run() -> list[dict]``; each dict has ``name``,
``seconds`` (best of the repeats), and optionally ``target_seconds``,
``reference_seconds`` (the pure-Python twin on the same input), ``peak_rss_mib`` (the
peak resident memory of the run, MiB), ``repeats`` and ``notes``. Usage:
``python -m benchmarks [--smoke] [name-filter]``.

Smoke mode (``--smoke``; :mod:`benchmarks._scale`): each module's ``run()`` builds the
same rows through the same code on tiny inputs, each timing once, in seconds per
module; its figures mean nothing and RESULTS.md is not written. A module writes each
size, count or period as ``scaled(full, smoke)`` and never branches on the mode;
``tests/test_benchmarks_smoke.py`` runs every module this way under ``make test`` and
checks its rows against the last full run's (RESULTS.md).
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import _scale
from liqcascade._blas import pin_blas

pin_blas()  # as the command line runs, before any benchmark imports numpy
HERE = Path(__file__).resolve().parent


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024**2:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import numba
    import numpy

    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, numba {numba.__version__}"
    )


def modules(pattern: str = "") -> list[str]:
    """The benchmark modules' names (``bench_*``) containing ``pattern``, sorted."""
    return sorted(p.stem for p in HERE.glob("bench_*.py") if pattern in p.stem)


def run_module(name: str) -> list[dict[str, object]]:
    """The rows of ``benchmarks.<name>.run()``, each with its ``module``, printed."""
    t0 = time.perf_counter()
    print(f"running {name} ...", flush=True)
    mod = importlib.import_module(f"benchmarks.{name}")
    rows: list[dict[str, object]] = []
    for r in mod.run():
        r.setdefault("module", name)
        rows.append(r)
        peak = r.get("peak_rss_mib")
        rss = "" if peak is None else f", peak {float(peak):,.0f} MiB"  # type: ignore[arg-type]
        print(f"  {r['name']}: {float(r['seconds']):.4f} s{rss}", flush=True)  # type: ignore[arg-type]
    print(f"  ({time.perf_counter() - t0:.1f} s)", flush=True)
    return rows


def main(argv: list[str]) -> int:
    smoke = "--smoke" in argv
    args = [a for a in argv if a != "--smoke"]
    pattern = args[0] if args else ""
    rows: list[dict[str, object]] = []
    if smoke:
        with _scale.smoke_mode():
            for name in modules(pattern):
                rows.extend(run_module(name))
        print(f"(smoke run of {len(rows)} rows: RESULTS.md not rewritten)")
        return 0
    for name in modules(pattern):
        rows.extend(run_module(name))
    lines = [
        "# Benchmark results",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}",
        f"- machine: {_machine()}",
        "- command: `make bench` (`python -m benchmarks`); best of the repeats, wall-clock seconds",
        "",
        "| module | benchmark | seconds | target (s) | meets target "
        "| pure-Python reference (s) | speed-up | peak memory (MiB) | notes |",
        "|---|---|---:|---:|:---:|---:|---:|---:|---|",
    ]
    for r in rows:
        sec = float(r["seconds"])  # type: ignore[arg-type]
        tgt = r.get("target_seconds")
        ref = r.get("reference_seconds")
        meets = "" if tgt is None else ("yes" if sec <= float(tgt) else "**no**")  # type: ignore[arg-type]
        speed = "" if not ref else f"{float(ref) / sec:,.0f}×"  # type: ignore[arg-type]
        rss = r.get("peak_rss_mib")
        lines.append(
            f"| {r['module']} | {r['name']} | {sec:.4g} | {'' if tgt is None else tgt} | {meets} | "
            f"{'' if not ref else f'{float(ref):.4g}'} | {speed} | "  # type: ignore[arg-type]
            f"{'' if rss is None else f'{float(rss):,.0f}'} | {r.get('notes', '')} |"  # type: ignore[arg-type]
        )
    if pattern:
        print("(filtered run: RESULTS.md not rewritten; printed only)")
        print("\n".join(lines))
        return 0
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {HERE / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
