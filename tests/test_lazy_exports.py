"""Each package's lazy exports (``_LAZY``, PEP 562) stay what they claim: every name
resolves to its private module's own object, and the ``TYPE_CHECKING`` block that type
checkers read names the same objects (it is written by hand beside the table)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import liqcascade

PACKAGES = sorted(
    p.name
    for p in Path(liqcascade.__file__).parent.iterdir()
    if (p / "__init__.py").exists() and "_LAZY" in (p / "__init__.py").read_text()
)


def _type_checking_imports(module: object) -> dict[str, tuple[str, str]]:
    """{exported name: (private module, attribute)} of a module's TYPE_CHECKING block."""
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    out: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for imp in node.body:
                if isinstance(imp, ast.ImportFrom) and imp.module:
                    for a in imp.names:
                        out[a.asname or a.name] = (imp.module.rsplit(".", 1)[-1], a.name)
    return out


def test_there_are_packages_with_lazy_exports() -> None:
    assert {"book", "cascade", "market", "positions", "report"} <= set(PACKAGES)


@pytest.mark.parametrize("name", PACKAGES)
def test_lazy_names_resolve_to_the_private_objects(name: str) -> None:
    pkg = importlib.import_module(f"liqcascade.{name}")
    for export, (module, attr) in pkg._LAZY.items():
        private = importlib.import_module(f"liqcascade.{name}.{module}")
        assert getattr(pkg, export) is getattr(private, attr), (name, export)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        pkg.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", PACKAGES)
def test_the_type_checking_block_names_the_lazy_table(name: str) -> None:
    pkg = importlib.import_module(f"liqcascade.{name}")
    static = _type_checking_imports(pkg)
    lazy = dict(pkg._LAZY)
    missing = sorted(set(lazy) - set(static))
    assert not missing, f"liqcascade.{name}: lazy names a type checker does not see: {missing}"
    differ = sorted(k for k in lazy if static[k] != lazy[k])
    assert not differ, f"liqcascade.{name}: TYPE_CHECKING and _LAZY disagree on {differ}"


# ---- dir(): one rule (liqcascade._exports.package_dir) for every package -----------------

#: dir() of the top-level package and of ``liqcascade.book`` in a fresh interpreter, as
#: each package's own ``def __dir__`` gave them before the one rule replaced the copies.
PINNED = {
    "liqcascade": [
        "CascadeConfig", "CascadeResult", "__all__", "__builtins__", "__cached__", "__dir__",
        "__doc__", "__file__", "__getattr__", "__loader__", "__name__", "__package__",
        "__path__", "__spec__", "__version__", "_version", "simulate_cascade",
    ],
    "liqcascade.book": [
        "BETA_FUTURES", "OrderBook", "SNAPSHOT_DISTANCES", "_LAZY", "__all__",
        "__annotations__", "__builtins__", "__cached__", "__dir__", "__doc__", "__file__",
        "__getattr__", "__loader__", "__name__", "__package__", "__path__", "__spec__",
        "_calibrate", "_orderbook", "assumed_beta", "assumed_beta_words", "beta_for",
        "book_from_snapshot",
        "book_from_totals", "book_totals_at", "calibrated_book", "depth_beta",
        "depth_calibration", "fit_beta", "snapshot_at",
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PINNED))
def test_dir_of_a_fresh_package_is_pinned(name: str) -> None:
    import json
    import os
    import subprocess
    import sys

    src = str(Path(liqcascade.__file__).parents[1])
    code = f"import importlib, json; print(json.dumps(dir(importlib.import_module({name!r}))))"
    env = {**os.environ, "PYTHONPATH": src}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    # __annotations__ is there or not by the Python version (3.14 defers annotations)
    assert [n for n in got if n != "__annotations__"] == [
        n for n in PINNED[name] if n != "__annotations__"
    ]


@pytest.mark.parametrize("name", ["", *PACKAGES], ids=lambda n: n or "liqcascade")
def test_every_package_lists_its_namespace_and_all_by_the_one_rule(name: str) -> None:
    from liqcascade import _exports

    pkg = importlib.import_module(f"liqcascade.{name}" if name else "liqcascade")
    assert pkg.__dir__.__qualname__ == "package_dir.<locals>.__dir__"
    # the rule each package's own copy had, less the helper's module the packages import
    want = sorted({*vars(pkg), *pkg.__all__} - {"TYPE_CHECKING", "Any", "annotations"})
    assert dir(pkg) == [n for n in want if n != "_exports"]
    assert set(pkg.__all__) <= set(dir(pkg)) and "_exports" in vars(pkg)
    assert _exports.HIDDEN == {"TYPE_CHECKING", "Any", "annotations", "_exports"}


def test_no_package_keeps_its_own_dir() -> None:
    src = Path(liqcascade.__file__).parent
    own = [str(f.relative_to(src)) for f in src.rglob("*.py") if "def __dir__" in f.read_text()]
    assert own == ["_exports.py"]
