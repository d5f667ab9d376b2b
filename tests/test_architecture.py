"""Import structure of ``src/liqcascade``, read with ``ast`` (nothing is imported).

Fails on any import cycle between modules, any import of the command line (``_cli``,
``cli``) from the library, and any import of the bundled datasets outside ``data``,
``market``, ``report`` and the command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "liqcascade"

#: Modules whose violations belong to other helpers' branches (issue 13/14 work in
#: progress). The coordinator empties these after merging; nothing else may be added.
ALLOWED_CYCLES: set[frozenset[str]] = set()
ALLOWED_CLI_IMPORTS: set[str] = set()
ALLOWED_DATASET_IMPORTS: set[str] = set()

_DATA_DOORS = ("liqcascade.data", "liqcascade.market", "liqcascade.report", "liqcascade._cli")
_BUNDLED = ("liqcascade.datasets", "liqcascade.data.bundled")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PKG.rglob("*.py")}


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Modules of the package that ``name`` imports (module level and inside functions;
    not the ``if TYPE_CHECKING:`` imports, which never run)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for b in node.body
        for n in ast.walk(b)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:  # annotations only: no import at run time
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                out.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_pkg else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            for a in node.names:  # `from pkg import submodule`
                if f"{mod}.{a.name}" in known:
                    out.add(f"{mod}.{a.name}")
    # a module's own packages run before it whatever it imports: no edge to them
    ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
    return {m for m in out if m in known and m != name and m not in ancestors}


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {n: _imports(n, p, known) for n, p in known.items()}


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[frozenset[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(frozenset(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_the_package() -> None:
    g = _graph()
    assert len(g) > 100
    assert "liqcascade.market._state" in g
    assert "liqcascade.market._inputs" in g["liqcascade.market._state"]
    # a cycle is found when there is one
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset({"a", "b", "c"})]


def test_no_import_cycles() -> None:
    cycles = [sorted(c) for c in _cycles(_graph()) if c not in ALLOWED_CYCLES]
    assert cycles == []


def test_the_library_never_imports_the_command_line() -> None:
    bad = []
    for name, deps in _graph().items():
        if name.startswith("liqcascade._cli") or name == "liqcascade.cli":
            continue
        if name in ALLOWED_CLI_IMPORTS:
            continue
        for d in deps:
            if d.startswith("liqcascade._cli") or d == "liqcascade.cli":
                bad.append(f"{name} -> {d}")
    assert bad == []


def test_only_data_market_report_and_cli_load_bundled_data() -> None:
    bad = []
    for name, deps in _graph().items():
        if name.startswith(_DATA_DOORS) or name in ("liqcascade.cli", *_BUNDLED):
            continue
        if name.startswith("liqcascade.datasets") or name in ALLOWED_DATASET_IMPORTS:
            continue
        for d in deps:
            if d.startswith(_BUNDLED):
                bad.append(f"{name} -> {d}")
    assert bad == []


def test_the_allow_lists_hold_only_real_violations() -> None:
    # an entry that no longer violates must leave the list
    g = _graph()
    for name in ALLOWED_DATASET_IMPORTS:
        assert any(d.startswith(_BUNDLED) for d in g[name]), name
    for name in ALLOWED_CLI_IMPORTS:
        assert any(d.startswith("liqcascade._cli") for d in g[name]), name
    found = set(_cycles(g))
    for c in ALLOWED_CYCLES:
        assert any(c <= f for f in found), sorted(c)
