"""Column access on a raw frame (normalised names): numbers, and the first present name.

The readers and the layouts read a file's columns through these three helpers, so a
number is parsed one way everywhere: numeric columns as float64, text stripped and
coerced (a cell that is not a number becomes NaN, which validation then names).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["first_of", "num", "put_num"]


def num(df: pd.DataFrame, col: str) -> pd.Series:
    """Column ``col`` of ``df`` as float64 (text stripped; not a number -> NaN)."""
    s = df[col]
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    return pd.to_numeric(s.astype("string").str.strip(), errors="coerce").astype("float64")


def first_of(df: pd.DataFrame, *names: str) -> str | None:
    """The first of ``names`` that is a column of ``df``, or None."""
    for n in names:
        if n in df.columns:
            return n
    return None


def put_num(out: dict[str, pd.Series], df: pd.DataFrame, key: str, *names: str) -> None:
    """Set ``out[key]`` to the first of the columns ``names`` in ``df`` (as float), if any."""
    col = first_of(df, *names)
    if col is not None:
        out[key] = num(df, col)
