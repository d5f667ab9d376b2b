"""Import structure of ``src/liqcascade``, read with ``ast`` (nothing is imported).

Fails on any import cycle between modules, any import of the command line (``_cli``,
``cli``) from the library, any import of the bundled datasets outside ``data``,
``market``, ``report`` and the command line, any library string that names a
command-line flag instead of its parameter (``InputError(..., param=...)``), and any
import of another package's private module (``liqcascade.P._x`` from outside ``P``).
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "liqcascade"

#: Violations allowed while a branch of their own removes them. Empty; a new entry needs
#: a maintainer's reason.
ALLOWED_CYCLES: set[frozenset[str]] = set()
ALLOWED_CLI_IMPORTS: set[str] = set()
ALLOWED_DATASET_IMPORTS: set[str] = set()

#: Library modules whose errors still name command-line flags. Empty; nothing may be added.
ALLOWED_FLAG_MESSAGES: frozenset[str] = frozenset()

#: Library packages whose strings outside errors and warnings may name flags, and why.
#: Their errors and warnings are still scanned like every module's.
ALLOWED_FLAG_TEXT: dict[str, str] = {
    "liqcascade.report": (
        "the report quotes whole command lines that reproduce its figures (`liqcascade "
        "stress --portfolio FILE --horizon-days 3`, `liqcascade report --refresh`) for its "
        "reader to run: commands, not a parameter a library caller passed"
    ),
}

_DATA_DOORS = ("liqcascade.data", "liqcascade.market", "liqcascade.report", "liqcascade._cli")
_BUNDLED = ("liqcascade.datasets", "liqcascade.data.bundled")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@functools.cache
def _module_paths() -> tuple[tuple[str, Path], ...]:
    """The package's modules, found once per test process (the source does not change
    while the tests run)."""
    return tuple((_module_name(p), p) for p in PKG.rglob("*.py"))


def _modules() -> dict[str, Path]:
    return dict(_module_paths())


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


@functools.cache
def _frozen_graph() -> tuple[tuple[str, frozenset[str]], ...]:
    """The import graph, parsed once per test process: every test reads the same
    unchanged source, so one parse serves them all."""
    known = _modules()
    return tuple((n, frozenset(_imports(n, p, known))) for n, p in known.items())


def _graph() -> dict[str, set[str]]:
    """A fresh, mutable copy of the package's import graph (module → modules it imports)."""
    return {n: set(deps) for n, deps in _frozen_graph()}


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
        # the console script (``python -m liqcascade``) is the command line's entry
        if name.startswith("liqcascade._cli") or name in ("liqcascade.cli", "liqcascade.__main__"):
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


#: Private modules another package may still import (below). A subpackage ``P`` (``data``,
#: ``cascade`` ... and ``_cli``) is reached from outside through ``liqcascade.P`` or a
#: public module of it (``liqcascade.solvency.pol``), never through ``liqcascade.P._x``
#: (or ``liqcascade.P.sub._x``): what another package needs, ``P``'s ``__init__``
#: re-exports (lazily where it would load heavy modules). The top-level private modules
#: (``liqcascade._time``, ``liqcascade._paths``, ``liqcascade._version`` ...) belong to no
#: subpackage: they are the whole package's shared plumbing, open to every module. Tests
#: may import private modules (they test internals); ``liqcascade.cli``, the command
#: line's entry point, may import ``_cli``'s. This list only shrinks.
ALLOWED_PRIVATE_IMPORTS: set[tuple[str, str]] = {
    # `from liqcascade.P import _module`, used as a namespace in the function bodies (and
    # patched there by tests): each needs a body edit, left to the files' owners
    ("liqcascade._cli.data", "liqcascade.data._ops"),
    ("liqcascade._cli.liqmap_validate", "liqcascade.market._liqmap"),
    ("liqcascade._cli.pol", "liqcascade.solvency._pol_io"),
}


def _package(module: str) -> str | None:
    """The subpackage ``P`` of ``liqcascade.P...`` (None for top-level modules).

    ``liqcascade.cli``, the command line's entry point, belongs to ``_cli``.
    """
    if module == "liqcascade.cli":
        return "_cli"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (PKG / parts[1]).is_dir() else None


def _private_reach_ins(g: dict[str, set[str]]) -> set[tuple[str, str]]:
    """``(importer, module)`` where ``module`` is a private module of another package."""
    out = set()
    for a, deps in g.items():
        for b in deps:
            parts = b.split(".")
            owner = _package(b)
            private = any(p.startswith("_") for p in parts[2:])
            if owner is not None and private and _package(a) != owner:
                out.add((a, b))
    return out


def test_packages_import_each_other_through_public_names() -> None:
    bad = sorted(_private_reach_ins(_graph()) - ALLOWED_PRIVATE_IMPORTS)
    assert not bad, (
        "modules importing another package's private module (import the name from the "
        "package; re-export it in its __init__ if it is missing):\n"
        + "\n".join(f"  {a} imports {b}" for a, b in bad)
    )
    stale = sorted(ALLOWED_PRIVATE_IMPORTS - _private_reach_ins(_graph()))
    assert not stale, f"no longer reaching in: remove from ALLOWED_PRIVATE_IMPORTS: {stale}"


def test_the_private_import_check_sees_a_reach_in() -> None:
    g = {
        "liqcascade._cli.report": {"liqcascade.report._build", "liqcascade._cli._common"},
        "liqcascade.report._run": {"liqcascade.report._build", "liqcascade.cascade"},
        "liqcascade.report": {"liqcascade.report._build"},
        "liqcascade.live._watch": {"liqcascade.data.bundled._registry", "liqcascade._time"},
        "liqcascade.cli": {"liqcascade._cli._common", "liqcascade.solvency.pol"},
        "liqcascade.solvency": {"liqcascade.solvency._adl", "liqcascade.data"},
        "liqcascade._time": {"liqcascade.data._time"},
    }
    assert _private_reach_ins(g) == {
        ("liqcascade._cli.report", "liqcascade.report._build"),
        ("liqcascade.live._watch", "liqcascade.data.bundled._registry"),
        ("liqcascade._time", "liqcascade.data._time"),
    }


#: docs/design.md's data flow: data -> (margin, book, positions) -> market -> cascade ->
#: (stress, solvency, contagion, protect) -> report; volatility and events read data
#: only. The rank of each subpackage: a module never imports a higher rank's.
LAYERS: dict[str, int] = {
    "data": 0, "datasets": 0,
    "margin": 1, "book": 1, "positions": 1, "volatility": 1, "events": 1,
    "market": 2, "cascade": 3,
    "stress": 4, "solvency": 4, "contagion": 4, "protect": 4,
    "live": 5, "report": 5,
}  # fmt: skip

#: Upward imports still allowed: none since session 10, which moved the bundled-data
#: defaults into the data layer (``data._defaults``), ``MarketState.prepare`` into
#: ``cascade`` (``prepare_market``, ``prepared_draws``) and the loading of the book's
#: back-test into ``market`` (``book_backtest``). Imports inside functions count (a lazy
#: import is still a dependency). This list only shrinks.
ALLOWED_UPWARD: set[tuple[str, str]] = set()


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def _upward(g: dict[str, set[str]]) -> set[tuple[str, str]]:
    out = set()
    for a, deps in g.items():
        ra = _layer(a)
        for b in deps:
            rb = _layer(b)
            if ra is not None and rb is not None and rb > ra:
                out.add((a, b))
    return out


def test_lower_layers_never_import_higher_ones() -> None:
    bad = sorted(_upward(_graph()) - ALLOWED_UPWARD)
    assert bad == [], [f"{a} -> {b}" for a, b in bad]


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    g = {"liqcascade.data._x": {"liqcascade.report._y"}, "liqcascade.report._y": set()}
    assert _upward(g) == {("liqcascade.data._x", "liqcascade.report._y")}
    assert set(LAYERS) <= {p.name for p in PKG.iterdir() if p.is_dir()} | {"datasets"}
    # an import inside a function is an edge (only ``if TYPE_CHECKING:`` ones are not)
    src = tmp_path / "_x.py"
    src.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from liqcascade.cascade import _t\n"
        "def f():\n    from liqcascade.report._y import z\n    return z\n"
    )
    known = {m: src for m in ("liqcascade.report._y", "liqcascade.cascade._t")}
    deps = _imports("liqcascade.data._x", src, known)
    assert deps == {"liqcascade.report._y"}
    assert _upward({"liqcascade.data._x": deps}) == {("liqcascade.data._x", "liqcascade.report._y")}


def _stale(
    g: dict[str, set[str]],
    upward: set[tuple[str, str]],
    dataset: set[str],
    cli: set[str],
    cycles: set[frozenset[str]],
) -> list[str]:
    """The allow-list entries that no longer violate anything in ``g``."""
    out = [f"upward {a} -> {b}" for a, b in sorted(upward - _upward(g))]
    out += [
        f"dataset {n}"
        for n in sorted(dataset)
        if not any(d.startswith(_BUNDLED) for d in g.get(n, ()))
    ]
    out += [
        f"cli {n}"
        for n in sorted(cli)
        if not any(d.startswith("liqcascade._cli") for d in g.get(n, ()))
    ]
    found = _cycles(g)
    out += [
        f"cycle {sorted(c)}" for c in sorted(cycles, key=sorted) if not any(c <= f for f in found)
    ]
    return out


def test_the_allow_lists_hold_only_real_violations() -> None:
    # an entry that no longer violates must leave the list
    g = _graph()
    allowed = (ALLOWED_UPWARD, ALLOWED_DATASET_IMPORTS, ALLOWED_CLI_IMPORTS, ALLOWED_CYCLES)
    assert _stale(g, *allowed) == []
    # the check itself: on a small graph, a live entry stays and a fixed one is named
    g = {
        "liqcascade.book._a": {"liqcascade.market._b", "liqcascade.data.bundled"},
        "liqcascade.market._b": {"liqcascade.book._a"},
        "liqcascade.book._c": {"liqcascade._cli.x"},
        "liqcascade.data.bundled": set(),
        "liqcascade._cli.x": set(),
    }
    up = {
        ("liqcascade.book._a", "liqcascade.market._b"),
        ("liqcascade.book._c", "liqcascade.market._b"),
    }
    cyc = {
        frozenset({"liqcascade.book._a", "liqcascade.market._b"}),
        frozenset({"liqcascade.book._c", "liqcascade.market._b"}),
    }
    both = {"liqcascade.book._a", "liqcascade.book._c"}
    assert _stale(g, up, both, both, cyc) == [
        "upward liqcascade.book._c -> liqcascade.market._b",
        "dataset liqcascade.book._c",
        "cli liqcascade.book._a",
        "cycle ['liqcascade.book._c', 'liqcascade.market._b']",
    ]


_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


def _strings(node: ast.AST) -> list[str]:
    """The string literals inside ``node`` (f-string parts included).

    A command in backticks is scanned too: a library message may name the command to
    run (```liqcascade data ingest FILE```), not its flags. Session 21's scan left
    whole commands out, and ``MarketSpec("SOL")`` told a Python caller to run
    ``--kind open_interest``.
    """
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")


def flag_defaults(source: str) -> dict[str, tuple[int, str, str]]:
    """Functions with a flag as a default: name -> (position, parameter, flag)."""
    out = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name.startswith("__"):  # __init__ & co.: their calls are not by name
                continue
            a = node.args
            positional = [*a.posonlyargs, *a.args]
            pairs = list(
                zip(positional[len(positional) - len(a.defaults) :], a.defaults, strict=True)
            )
            pairs += [
                (k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None
            ]
            for arg, default in pairs:
                if isinstance(default, ast.Constant) and _FLAG.fullmatch(str(default.value)):
                    pos = positional.index(arg) if arg in positional else 10**6
                    out[node.name] = (pos, arg.arg, str(default.value))
    return out


def flag_messages(
    source: str,
    defaults: dict[str, tuple[int, str, str]] | None = None,
    *,
    every_string: bool = True,
) -> list[tuple[int, str]]:
    """``(line, flag)`` of every command-line flag named by library code's strings.

    Four forms: a ``--flag`` in any string literal but a docstring (a message template
    held in a tuple and formatted at raise time, a log line, a note: ``every_string``;
    else only a literal that is a flag alone, ``option="--x"`` handed to a helper that
    puts it in its message, or ``for nm in ("--x", ...)``); a string literal with a
    ``--flag`` inside a ``raise`` or inside a call constructing an exception
    (``InputError("--x must ...")``, ``fail("--x ...")``) or a warning; and a call that
    leaves such a helper its flag default (``check_seed(seed)``; ``defaults`` from
    :func:`flag_defaults`, methods included by name). A docstring is a string
    statement: a module's, class's or function's, or an attribute's below it.
    """
    defaults = defaults or {}
    tree = ast.parse(source)
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }
    hits: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        scopes: list[ast.AST] = []
        if isinstance(node, ast.Raise) and node.exc is not None:
            scopes.append(node.exc)
        elif isinstance(node, ast.Call):
            name = _name(node)
            # errors, and the warnings a reader hands back (`warnings.append(...)`,
            # `warn(...)`): the command line prints both
            if name.endswith(("Error", "Exception")) or name in ("fail", "_fail", "warn"):
                scopes.append(node)
            elif name == "append" and "warning" in ast.unparse(node.func).lower():
                scopes.append(node)
            if name in defaults:
                pos, arg, flag = defaults[name]
                if len(node.args) <= pos and arg not in {k.arg for k in node.keywords}:
                    hits.add((node.lineno, flag))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            if every_string:
                hits.update((node.lineno, m) for m in _FLAG.findall(node.value))
            elif _FLAG.fullmatch(node.value):
                hits.add((node.lineno, node.value))
        for scope in scopes:
            for text in _strings(scope):
                hits.update((node.lineno, m) for m in _FLAG.findall(text))
    return sorted(hits)


def _library_flag_messages() -> dict[str, list[tuple[int, str]]]:
    library = {
        name: path.read_text()
        for name, path in _modules().items()
        if not (name.startswith("liqcascade._cli") or name == "liqcascade.cli")
    }
    defaults: dict[str, tuple[int, str, str]] = {}
    for source in library.values():
        defaults.update(flag_defaults(source))
    out = {}
    for name, source in library.items():
        allowed = any(name == p or name.startswith(p + ".") for p in ALLOWED_FLAG_TEXT)
        found = flag_messages(source, defaults, every_string=not allowed)
        if found:
            out[name] = found
    return out


_SAMPLE = '''
def f(x, option="--seed"):
    """Docstring naming --as-of and "--x" is fine."""
    if x < 0:
        raise InputError(f"--entry must be > 0 (got {x})")
    for nm, v in (("--size", x),):
        pass
    raise InputError(f"entry must be > 0 (got {x}); see liqcascade stops", param="entry")
    err = ValueError("a --flag-name here")
    log("--a-log-line names a flag too")
    warnings.append(f"{x}: labelled ETHUSDT (pass --symbol)")
    raise InputError(f"ingest it with `liqcascade data ingest --kind ohlcv {x}`")
    f(x, "x"), f(x, option="x"), f(x)
    return "x--y", "-- 5", "---", "--"
    CHECKS = (("symbol {s!r} is not known, or give --venue", 1),)
    """An attribute's docstring naming --depth is fine."""
'''


def test_flag_scan_sees_what_it_should() -> None:
    defaults = flag_defaults(_SAMPLE)
    assert defaults == {"f": (1, "option", "--seed")}
    assert flag_messages(_SAMPLE, defaults) == [
        (2, "--seed"),
        (5, "--entry"),
        (6, "--size"),
        (9, "--flag-name"),
        (10, "--a-log-line"),
        (11, "--symbol"),
        (12, "--kind"),
        (13, "--seed"),
        (15, "--venue"),  # a template held apart from its raise
    ]
    # a package allowed to quote command lines: errors and warnings are still scanned
    assert flag_messages(_SAMPLE, defaults, every_string=False) == [
        (2, "--seed"),
        (5, "--entry"),
        (6, "--size"),
        (9, "--flag-name"),
        (11, "--symbol"),
        (12, "--kind"),
        (13, "--seed"),
    ]


def test_library_errors_name_parameters_not_flags() -> None:
    # the library raises InputError("as_of must ...", param="as_of"); the command line
    # shows the flag (--as-of). See CONTRIBUTING.md, "Errors name parameters".
    found = _library_flag_messages()
    assert len(_modules()) > 100  # the scan saw the package
    bad = {k: v for k, v in found.items() if k not in ALLOWED_FLAG_MESSAGES}
    assert not bad, (
        "library strings naming --flags (name the parameter: InputError(param=...), or a "
        f"log line starting with it, which the command line shows as its flag): {bad}"
    )
    stale = sorted(ALLOWED_FLAG_MESSAGES - set(found))
    assert not stale, f"no longer naming flags: remove from ALLOWED_FLAG_MESSAGES: {stale}"
    packages = {m.rsplit(".", 1)[0] for m in _modules()} | set(_modules())
    assert set(ALLOWED_FLAG_TEXT) <= packages  # each allowance names a package that exists


def test_tests_import_their_helpers_by_module_not_through_a_tests_package() -> None:
    """``tests`` is on the path (pyproject), not a package: ``from tests.floats`` only
    resolves when pytest runs from the repository root, so such a file fails to collect
    under plain ``pytest`` or from another folder."""
    tests = Path(__file__).resolve().parent
    bad = [
        f"{p.relative_to(tests)}:{i}"
        for p in sorted(tests.rglob("*.py"))
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if re.match(r"\s*(from tests\.|import tests\b)", line)
    ]
    assert not bad, "import helpers as `from floats import ...`: " + ", ".join(bad)
