"""One compile per kernel: kernels call kernels with typed arguments, not literals.

numba compiles a kernel once per tuple of argument types, and inside a kernel a bare
``0`` or ``False`` is typed ``Literal[int](0)`` / ``Literal[bool](False)``, a type apart
from the ``int64`` / ``bool`` a Python caller passes. A kernel that passes a literal to
another kernel (or a variable first assigned one: numba types the first pass of a loop
with the literal) makes numba compile the callee again, up to four times for
``_units_w``, and each compile of the big clock kernels costs seconds on a fresh
install and on every clean CI run. These tests keep that from coming back, and check
:func:`liqcascade._numba.read_only`, which does the same for read-only arrays.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade._numba import NUMBA_DISABLED, read_only

SRC = Path(__file__).resolve().parents[1] / "src" / "liqcascade"

#: (caller, callee): literal arguments kept. ``_close_step``'s ``jl = 0`` is merged with an
#: int64 (``np.searchsorted``) before the loop that calls ``_close_ranges``, so numba types
#: that call int64 at once (one compile per cold report, measured).
KEPT = {("_close_step", "_close_ranges")}


def _defs_of(texts: tuple[str, ...]) -> tuple[dict[str, ast.FunctionDef], set[str]]:
    """Every ``@njit`` function of ``texts`` (module sources) by name, and the
    ``inline="always"`` ones."""
    kernels: dict[str, ast.FunctionDef] = {}
    inline: set[str] = set()
    for text in texts:
        if "@njit" not in text:  # no kernel here: not worth parsing
            continue
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef):
                continue
            for dec in node.decorator_list:
                call = dec if isinstance(dec, ast.Call) else None
                name = call.func if call is not None else dec
                if isinstance(name, ast.Name) and name.id == "njit":
                    kernels[node.name] = node
                    if call is not None and any(k.arg == "inline" for k in call.keywords):
                        inline.add(node.name)  # inlined into the caller: no compile of its own
    return kernels, inline


@functools.cache
def _kernel_defs() -> tuple[dict[str, ast.FunctionDef], set[str]]:
    """The package's kernels (:func:`_defs_of` over every module of src/liqcascade)."""
    return _defs_of(tuple(p.read_text(encoding="utf-8") for p in sorted(SRC.rglob("*.py"))))


def _is_literal(value: ast.expr | None) -> bool:
    """An int or bool constant, also negated (``-1``)."""
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        value = value.operand
    return isinstance(value, ast.Constant) and type(value.value) in (int, bool)


def _literal_arguments(
    defs: tuple[dict[str, ast.FunctionDef], set[str]] | None = None,
) -> list[str]:
    """Kernel-to-kernel calls that pass an int or bool literal (also negated, also by
    keyword), or a variable whose first assignment (in source order) is one; in the
    package, or in ``defs`` (:func:`_defs_of`)."""
    kernels, inline = defs if defs is not None else _kernel_defs()
    found = []
    for caller, fn in kernels.items():
        first: dict[str, ast.expr] = {}
        assigns = [n for n in ast.walk(fn) if isinstance(n, ast.Assign)]
        for node in sorted(assigns, key=lambda n: (n.lineno, n.col_offset)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    first.setdefault(target.id, node.value)
        for call in ast.walk(fn):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
                continue
            callee = call.func.id
            if callee not in kernels or callee in inline or (caller, callee) in KEPT:
                continue
            named = [(str(i), a) for i, a in enumerate(call.args)]
            named += [(str(k.arg), k.value) for k in call.keywords]
            for i, arg in named:
                value = first.get(arg.id) if isinstance(arg, ast.Name) else arg
                if _is_literal(value):
                    found.append(f"{caller} -> {callee}, argument {i}: {ast.unparse(arg)}")
    return found


def test_the_scan_sees_the_kernels() -> None:
    """The scan finds the package's kernels and would flag a literal argument."""
    kernels, inline = _kernel_defs()
    assert {"clock_span", "clock_kernel", "cascade_fast_kernel", "_units_w"} <= set(kernels)
    assert "clock_span" not in inline
    assert "latent_weight" in inline
    # an exemption names a call that exists (a renamed kernel leaves no stale pass)
    assert all({caller, callee} <= set(kernels) for caller, callee in KEPT), KEPT


def test_the_scan_flags_each_kind_of_literal_argument() -> None:
    """A made-up module: positional, negated, keyword and first-assigned literals are
    flagged; typed ones (``np.int64(0)``), inlined callees and plain Python callers not."""
    source = """
@njit(cache=True)
def callee(a, b, flag):
    return a

@njit(cache=True, inline="always")
def inlined(a):
    return a

@njit(cache=True)
def caller(x):
    k = 0
    callee(x, 0, flag=np.bool_(False))
    callee(x, -1, np.bool_(True))
    callee(x, np.int64(0), flag=False)
    callee(x, k, np.bool_(True))
    inlined(0)
    return x

def python_caller(x):
    return callee(x, 0, False)
"""
    got = _literal_arguments(_defs_of((source,)))
    assert got == [
        "caller -> callee, argument 1: 0",
        "caller -> callee, argument 1: -1",
        "caller -> callee, argument flag: False",
        "caller -> callee, argument 1: k",
    ]


def test_no_kernel_passes_a_literal_to_a_kernel() -> None:
    """Each kernel gets one compile for the types its Python callers pass (int64, bool)."""
    assert _literal_arguments() == []


def test_read_only_is_a_view() -> None:
    """Same data, dtype, shape and strides, no copy; the caller's array stays writable."""
    a = np.arange(6.0)
    b = np.arange(12.0).reshape(3, 4)[:, 1]  # strided
    (va, vb) = read_only(a, b)
    assert np.shares_memory(va, a) and np.shares_memory(vb, b)
    assert not va.flags.writeable and not vb.flags.writeable
    assert a.flags.writeable and b.flags.writeable
    assert va.strides == a.strides and vb.strides == b.strides
    np.testing.assert_array_equal(vb, [1.0, 5.0, 9.0])
    a[0] = 7.0
    assert va[0] == 7.0  # a view, not a copy
    with pytest.raises(ValueError):
        va[1] = 0.0


@pytest.mark.skipif(NUMBA_DISABLED, reason="numba's types need numba")
def test_read_only_gives_one_numba_type() -> None:
    """A writable array and a pandas read-only one are one numba type once passed through."""
    import numba

    own = np.linspace(1.0, 2.0, 5)
    frozen = pd.Series(own.copy()).to_numpy()
    frozen.flags.writeable = False  # as pandas' copy-on-write hands some arrays out
    assert numba.typeof(own) != numba.typeof(frozen)
    assert numba.typeof(read_only(own)[0]) == numba.typeof(read_only(frozen)[0])
