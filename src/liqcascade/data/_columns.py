"""Column access on a raw frame (normalised names): numbers, and the first present name.

The readers and the layouts read a file's columns through these helpers, so a number is
parsed one way everywhere: numeric columns as float64, text stripped and coerced (a cell
that is not a number becomes NaN). Text that is not a number is not lost there:
:func:`text_cells` finds it in the raw column, and the layouts refuse it where an empty
cell would be accepted (validation names it where a value is required).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["first_of", "num", "objects", "put_num", "text_cells"]

#: Text pandas itself reads as "no number" (as ``read_csv`` does): not text at fault.
_NAN_WORDS = frozenset({"nan", "-nan", "+nan", "na", "n/a", "null", "none", "<na>", "#n/a"})


def num(df: pd.DataFrame, col: str) -> pd.Series:
    """Column ``col`` of ``df`` as float64 (text stripped; not a number -> NaN).

    The result keeps the raw column's name, which tells the layouts where a NaN came
    from (see :func:`text_cells`).
    """
    s = df[col]
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    return pd.to_numeric(s.astype("string").str.strip(), errors="coerce").astype("float64")


def objects(s: pd.Series) -> pd.Series:
    """``s.astype(object)``, each distinct text one Python object shared by its rows.

    The same values as ``astype(object)`` (a missing cell the dtype's missing value), but
    an Arrow-backed text column's ``astype(object)`` makes one ``str`` per row: about
    70 bytes a row for a side or a status, 140 MB per such column of a 2-million-row
    liquidation file, held through the whole ingest. Other dtypes: ``astype(object)``.
    """
    if not isinstance(s.dtype, pd.StringDtype):
        return s.astype(object)
    codes, uniques = pd.factorize(s)  # a missing cell: code -1, the table's last entry
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = np.asarray(uniques, dtype=object)
    table[-1] = s.dtype.na_value
    return pd.Series(table[codes], index=s.index, name=s.name, dtype=object)


def text_cells(raw: pd.Series) -> np.ndarray:
    """Per cell of a raw column: whether it holds text that is not a number.

    An empty cell, a missing value and the words pandas reads as missing (``NaN``,
    ``N/A``, ``null``...) are not text; ``"many"``, ``"1,234"`` or ``"$5"`` are.
    """
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        return np.zeros(len(raw), dtype=bool)
    text = raw.astype("string").str.strip()
    filled = text.notna() & (text != "") & ~text.str.lower().isin(_NAN_WORDS)
    not_number = pd.to_numeric(text, errors="coerce").isna()
    return (filled & not_number).fillna(False).to_numpy(dtype=bool)


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
