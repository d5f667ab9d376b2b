"""Reading a user's table file (positions, stops, order book): CSV or Parquet.

One reader so that every such file fails the same way, naming the real cause: a
missing file or a folder, an empty file, a JSON file (not read), text that is not
UTF-8, and CSV with ``;``, tab or ``|`` between its fields (read as such, as
``data ingest`` does).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from liqcascade.errors import InputError

__all__ = ["PARQUET_SUFFIXES", "read_user_table"]

#: File name endings read as Parquet.
PARQUET_SUFFIXES = (".parquet", ".pq")
_SEPARATORS = (",", ";", "\t", "|")


def read_user_table(path: str | Path, *, skipinitialspace: bool = True) -> pd.DataFrame:
    """The file as a frame with lower-cased, stripped column names.

    Parameters
    ----------
    path : str or Path
        CSV (header row; ``,``, ``;``, tab or ``|`` between fields, UTF-8 with or
        without BOM) or Parquet (``.parquet``/``.pq``).
    skipinitialspace : bool, default True
        Skip spaces after a separator.

    Raises
    ------
    InputError
        Naming the file and the cause: missing, a folder, empty, JSON, not UTF-8,
        unreadable, malformed, duplicate column.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a file")
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if not p.is_file():
        raise InputError(f"{p}: not a file")
    try:
        if p.suffix.lower() in PARQUET_SUFFIXES:
            df = pd.read_parquet(p)
        else:
            df = _read_csv(p, skipinitialspace)
    except InputError:
        raise
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{p}: cannot read: {msg}") from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    dup = df.columns[df.columns.duplicated()]
    if len(dup):
        raise InputError(f"{p}: duplicate column {dup[0]!r}")
    return df.reset_index(drop=True)


def _read_csv(p: Path, skipinitialspace: bool) -> pd.DataFrame:
    data = p.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 "
            "CSV, or give a Parquet file"
        ) from None
    head = text.lstrip()
    if not head:
        raise InputError(f"{p}: the file is empty (a header row is needed)")
    if head[0] in "[{" or p.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        raise InputError(f"{p}: a JSON file; this table is read from CSV (header row) or Parquet")
    first = head.splitlines()[0]
    sep = max(_SEPARATORS, key=first.count)
    # default NA parsing: empty cells and NaN/NA/null/None read as missing
    return pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=skipinitialspace)
