"""Every benchmark module runs, in smoke mode, under ``make test``.

``make bench`` takes minutes and is run rarely, so a library change that breaks a
benchmark (a new input check, a renamed function) was found late. Each module's
``run()`` runs here in :mod:`benchmarks._scale`'s smoke mode: the same statements on
tiny inputs, each timing once. Its rows must be the rows of the last full run
(``benchmarks/RESULTS.md``), in order, with the same fields: a name equal but for its
numbers, seconds > 0, a target, a pure-Python reference and a peak memory where the full
run has them, and the figures ``benchmarks/__main__.py`` derives from them computable.
"""

from __future__ import annotations

import ast
import math
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _scale  # noqa: E402
from benchmarks.__main__ import modules, run_module  # noqa: E402

MODULES = modules()
#: Whether this machine measures a child's peak memory (benchmarks/_memory.run_child reads
#: /proc/self/status; None elsewhere, macOS): where it cannot, a row the full run (Linux)
#: gives a peak for has none here.
PEAKS = Path("/proc/self/status").is_file()


def _masked(name: str) -> str:
    """A row's name with its numbers (and the hashing backend, a machine's) masked."""
    name = re.sub(r"\w+ backend\b", "# backend", name)
    return re.sub(r"[-+]?\d[\d,.]*", "#", name).strip()


def _full_rows() -> dict[str, list[dict[str, str]]]:
    """RESULTS.md's rows by module: name, target, reference and peak memory columns."""
    out: dict[str, list[dict[str, str]]] = {}
    for line in (ROOT / "benchmarks" / "RESULTS.md").read_text().splitlines():
        if not line.startswith("| bench_"):
            continue
        cells = [c.strip() for c in line.split("|")[1:-1]]
        module, name, _, target, _, ref, _, peak, _ = cells
        out.setdefault(module, []).append(
            {"name": name, "target": target, "ref": ref, "peak": peak}
        )
    return out


FULL = _full_rows()


def test_every_module_is_in_results() -> None:
    """The smoke test compares each module with a full run: every module has one."""
    assert MODULES, "no benchmark module found"
    assert sorted(FULL) == MODULES


def test_modules_never_branch_on_the_mode() -> None:
    """A module reads smoke mode only through ``scaled``/``repeats``: one code path."""
    for name in MODULES:
        tree = ast.parse((ROOT / "benchmarks" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "benchmarks._scale":
                used = {a.name for a in node.names}
                assert used <= {"scaled", "repeats"}, f"{name} imports {used}"
            if isinstance(node, ast.ImportFrom) and node.module == "benchmarks":
                assert "_scale" not in {a.name for a in node.names}, name
            if isinstance(node, ast.Name | ast.Attribute):
                ident = node.id if isinstance(node, ast.Name) else node.attr
                assert ident not in {"SMOKE", "smoke_mode"}, f"{name} reads {ident}"


def test_smoke_mode_is_restored() -> None:
    """``smoke_mode`` switches the sizes inside its block only."""
    assert _scale.scaled(1_000, 10) == 1_000
    with _scale.smoke_mode():
        assert _scale.scaled(1_000, 10) == 10
        assert _scale.repeats(5) == 1
    assert _scale.scaled(1_000, 10) == 1_000
    assert _scale.repeats(5) == 5


@pytest.mark.parametrize("name", MODULES)
def test_module_runs_in_smoke_mode(name: str) -> None:
    """The module's smoke rows match its full run's, with every figure computable."""
    with _scale.smoke_mode():
        rows = run_module(name)
    full = FULL[name]
    assert [_masked(str(r["name"])) for r in rows] == [_masked(f["name"]) for f in full]
    for r, f in zip(rows, full, strict=True):
        sec = float(r["seconds"])  # type: ignore[arg-type]
        assert math.isfinite(sec) and sec > 0, (r["name"], sec)
        assert r["module"] == name
        for key, col in (
            ("target_seconds", "target"),
            ("reference_seconds", "ref"),
            ("peak_rss_mib", "peak"),
        ):
            if key == "peak_rss_mib" and not PEAKS and r.get(key) is None:
                continue  # not measurable on this machine
            assert (key in r and r[key] is not None) == bool(f[col]), (r["name"], key)
            if f[col]:
                v = float(r[key])  # type: ignore[arg-type]
                assert math.isfinite(v) and v > 0, (r["name"], key, v)
                assert math.isfinite(v / sec) and v / sec > 0, (r["name"], key)
        assert isinstance(r.get("notes", ""), str)
