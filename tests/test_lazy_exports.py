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
