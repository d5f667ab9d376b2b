"""The benchmarks' smoke mode: every row's code path on a tiny input.

``python -m benchmarks --smoke`` (and ``tests/test_benchmarks_smoke.py``) set
:data:`SMOKE` before calling a module's ``run()``. A module never branches on it: it
writes each size as ``scaled(full, smoke)`` and each repeat count goes through
:func:`repeats` (:func:`benchmarks._timing.best_of` does it itself), so the smoke run
executes the same statements, calls the same functions and builds the same rows as the
full run, only on smaller inputs and once. Its seconds mean nothing; it shows that the
code still runs (a new input check in the library, a renamed function) in seconds,
where ``make bench`` takes minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

SMOKE = False


def scaled(full: T, smoke: T) -> T:
    """``full`` in a benchmark run, ``smoke`` in smoke mode (a size, a count, a date)."""
    return smoke if SMOKE else full


def repeats(n: int) -> int:
    """How many times to repeat a timing: ``n``, or 1 in smoke mode."""
    return 1 if SMOKE else n


@contextmanager
def smoke_mode() -> Iterator[None]:
    """Run the benchmarks inside the block in smoke mode (restored on exit)."""
    global SMOKE
    before, SMOKE = SMOKE, True
    try:
        yield
    finally:
        SMOKE = before
