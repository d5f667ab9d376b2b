"""Thin commands: no function of the command line is longer than 60 lines.

A command parses its options, makes one library call and prints (issue 13). Length is
counted from ``def`` to the last line, without the decorators, without the docstring
(a command's ``--help`` text: help is not code, and a longer help never asks for a
thinner command) and without the nested functions (counted on their own: ``register``
holding a command is not long itself).
"""

from __future__ import annotations

import ast
from pathlib import Path

MAX_LINES = 60
#: This checkout's command line (not the installed package's, which may be another
#: checkout's when a shared environment installed that one in editable mode).
CLI_DIR = Path(__file__).resolve().parents[1] / "src" / "liqcascade" / "_cli"

#: Functions allowed over the limit (``file:function``), each while it is being thinned
#: on a branch of its own. Empty; a new entry needs a maintainer's reason.
ALLOWED_LONG: frozenset[str] = frozenset()


def _nested(node: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions defined directly inside ``node`` (not inside those)."""
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(child)
        else:
            found.extend(_nested(child))
    return found


def _span(fn: ast.FunctionDef | ast.AsyncFunctionDef, *, decorators: bool) -> int:
    assert fn.end_lineno is not None
    first = min([fn.lineno] + [d.lineno for d in fn.decorator_list]) if decorators else fn.lineno
    return fn.end_lineno - first + 1


def _docstring_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of ``fn``'s docstring (0 without one)."""
    first = fn.body[0] if fn.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        assert first.end_lineno is not None
        return first.end_lineno - first.lineno + 1
    return 0


def _own_length(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of ``fn`` (from ``def``) minus its docstring's and its nested functions'."""
    nested = sum(_span(f, decorators=True) for f in _nested(fn))
    return _span(fn, decorators=False) - _docstring_lines(fn) - nested


def function_lengths() -> dict[str, int]:
    """``file:function`` -> own length in lines, for every function under ``_cli``."""
    out: dict[str, int] = {}
    for path in sorted(CLI_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                out[f"{path.name}:{node.name}"] = max(
                    _own_length(node), out.get(f"{path.name}:{node.name}", 0)
                )
    return out


def test_measure_counts_what_it_should() -> None:
    src = "def register(app):\n    x = 1\n\n    @app.command()\n    def cmd():\n" + (
        "        y = 2\n" * 70
    )
    src += 'def helped():\n    """Help,\n\n    over\n    lines.\n    """\n    return 1\n'
    tree = ast.parse(src)
    fns = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert _own_length(fns["cmd"]) == 71
    assert _own_length(fns["register"]) == 3
    assert _own_length(fns["helped"]) == 2  # the docstring (its --help) is not counted


def test_no_command_function_longer_than_60_lines() -> None:
    lengths = function_lengths()
    assert len(lengths) > 20  # the scan found the commands
    long = {k: v for k, v in lengths.items() if v > MAX_LINES and k not in ALLOWED_LONG}
    assert not long, (
        f"functions over {MAX_LINES} lines, docstrings not counted (thin them: parse the "
        f"options, make one library call, print; a long help= string or a long literal can "
        f"move to a module constant): {long}"
    )


def test_allow_list_holds_only_long_functions_that_exist() -> None:
    lengths = function_lengths()
    stale = sorted(k for k in ALLOWED_LONG if lengths.get(k, 0) <= MAX_LINES)
    assert not stale, f"thinned or gone: remove from ALLOWED_LONG: {stale}"
