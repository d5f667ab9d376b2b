"""A portfolio file's columns are one list: what ``from_frame`` reads is what the note names.

Session 24: ``PORTFOLIO_COLUMNS`` (the columns the unread-column note leaves out) was a
literal beside ``Portfolio.from_frame``'s own required list; a column read in one and
not listed in the other would be read *and* called unread. Both now come from
``REQUIRED_COLUMNS`` and ``OPTIONAL_COLUMNS``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.stress import _portfolio
from liqcascade.stress._portfolio import (
    OPTIONAL_COLUMNS,
    PORTFOLIO_COLUMNS,
    REQUIRED_COLUMNS,
    Portfolio,
)


def test_the_columns_read_are_the_two_lists() -> None:
    assert frozenset(REQUIRED_COLUMNS) | frozenset(OPTIONAL_COLUMNS) == PORTFOLIO_COLUMNS
    assert not set(REQUIRED_COLUMNS) & set(OPTIONAL_COLUMNS)


def _column_keys(fn: object) -> set[str]:
    """The keys ``from_frame`` reads columns by: ``cols["x"]``, ``"x" in cols``, ``num("x")``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))  # type: ignore[arg-type]
    keys = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "cols":
            key = node.slice
        elif isinstance(node, ast.Compare) and getattr(node.comparators[0], "id", None) == "cols":
            key = node.left
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "num":
            key = node.args[0]
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            keys.add(key.value)
    return keys


def test_every_column_from_frame_reads_is_listed() -> None:
    read = _column_keys(Portfolio.from_frame)
    assert read, "the parse found no column read: the check would pass on nothing"
    assert read <= PORTFOLIO_COLUMNS, sorted(read - PORTFOLIO_COLUMNS)


def test_a_missing_required_column_is_named_from_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    df = pd.DataFrame({"symbol": ["ETH"], "side": ["long"], "size": [1.0], "leverage": [10]})
    with pytest.raises(
        InputError,
        match=r"^p\.csv: missing column: entry_price "
        r"\(columns seen: symbol, side, size, leverage\)$",
    ):
        Portfolio.from_frame(df, source="p.csv")
    # the list is the one from_frame checks (not a copy of it)
    monkeypatch.setattr(_portfolio, "REQUIRED_COLUMNS", (*REQUIRED_COLUMNS, "venue"))
    df["entry_price"] = 2000.0
    with pytest.raises(
        InputError, match=r"missing column: venue \(columns seen: [^)]*entry_price\)$"
    ):
        Portfolio.from_frame(df, source="p.csv")
