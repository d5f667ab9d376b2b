"""Reading a user's table file (positions, stops, order book): CSV or Parquet.

One reader so that every such file fails the same way, naming the real cause: a
missing file or a folder, an empty file, a JSON file (not read), text that is not
UTF-8, and CSV with ``;``, tab or ``|`` between its fields (read as such, as
``data ingest`` does; a ``;`` file's decimal commas are read as decimal points,
:func:`read_decimal_commas`). :func:`decode_utf8`, :func:`sniff_separator`,
:func:`read_decimal_commas` and :func:`check_parse_memory` are shared with ``data ingest``'s reader
(``liqcascade.data``), so both name the same bad byte and pick the same separator.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from liqcascade._limits import PARSE_BYTES_PER_BYTE, check_memory, format_bytes, real_number
from liqcascade._paths import read_parquet_bytes
from liqcascade._prices import names_text
from liqcascade.errors import InputError

__all__ = [
    "MAX_EXPANSION_RATIO",
    "MIN_EXPANDED_LIMIT",
    "PARQUET_ERRORS",
    "PARQUET_SUFFIXES",
    "SEEN_COLUMNS_SHOWN",
    "SEPARATORS",
    "UTF16_TEXT",
    "check_columns",
    "check_frame",
    "check_not_workbook",
    "check_parse_memory",
    "check_short_lines",
    "columns_seen",
    "decode_utf8",
    "decompress",
    "file_line",
    "float32_as_decimal",
    "is_headerless",
    "is_utf16",
    "norm_column",
    "read_decimal_commas",
    "read_user_table",
    "records_frame",
    "sniff_separator",
    "with_file_line",
]

#: File name endings read as Parquet.
PARQUET_SUFFIXES = (".parquet", ".pq")
#: What reading a damaged Parquet file raises (tried on thousands of randomly damaged
#: files): pyarrow's errors (its ArrowInvalid is also a ValueError, its IO errors
#: OSErrors), ValueError (pandas' metadata in the file not JSON, or not UTF-8), and
#: KeyError / TypeError (that metadata valid JSON with a damaged key or type name).
PARQUET_ERRORS: tuple[type[Exception], ...] = (
    pa.ArrowException,
    OSError,
    ValueError,
    KeyError,
    TypeError,
)
#: Field separators a CSV may use; the one its first line holds most of is used.
SEPARATORS = (",", ";", "\t", "|")


def decode_utf8(data: bytes, name: str, *, partial: bool = False) -> str:
    """The text of a user's file: UTF-8, with or without a byte-order mark (dropped).

    Parameters
    ----------
    data : bytes
        The file's bytes (or, with ``partial``, its first bytes).
    name : str
        The file, for the message.
    partial : bool, default False
        ``data`` is the head of a longer file: a character cut at its end is not an
        error (the text stops before it).

    Returns
    -------
    str
        The decoded text.

    Raises
    ------
    InputError
        ``"NAME: not UTF-8 text (byte N is not UTF-8): ..."``, N counted from 1 from the
        start of the file (the byte-order mark included); ``"NAME: UTF-16 text: ..."``
        for UTF-16 (:func:`is_utf16`).
    """
    if is_utf16(data[:512]):  # ASCII in UTF-16 without a mark decodes as UTF-8, NULs and all
        raise InputError(f"{name}: {UTF16_TEXT}")
    try:
        if partial:
            return codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=False)
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if is_utf16(data):
            raise InputError(f"{name}: {UTF16_TEXT}") from None
        bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0  # not counted
        raise InputError(
            f"{name}: not UTF-8 text (byte {exc.start + bom + 1:,} is not UTF-8): save the "
            "file as UTF-8, or give a Parquet file"
        ) from None


def sniff_separator(first_line: str) -> str:
    """The field separator of a CSV, from its first line (header row).

    The one of :data:`SEPARATORS` the line holds most of; ``,`` when it holds none.

    Parameters
    ----------
    first_line : str
        The header row.

    Returns
    -------
    str
        One of :data:`SEPARATORS`.
    """
    return max(SEPARATORS, key=first_line.count)


#: File name endings of spreadsheet workbooks (Excel, OpenDocument).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
#: The first bytes of an OLE2 compound file: a legacy ``.xls`` workbook.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip_is_workbook(data: bytes) -> bool:
    """Whether a zip's members are those of an xlsx/xlsm/xlsb or an OpenDocument sheet."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.namelist()
            if any(m.startswith("xl/") for m in members):
                return True
            if "mimetype" in members:
                return b"spreadsheet" in zf.read("mimetype")[:100]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return False
    return False


def check_not_workbook(data: bytes, name: str, then: str = "give that file") -> None:
    """Refuse a spreadsheet workbook (xlsx, xlsm, xlsb, xls, ods): it is not read.

    Told by its first bytes (a zip holding a workbook's parts, or an OLE2 file) or, for
    a zip or OLE2 file, by its name's ending (:data:`WORKBOOK_SUFFIXES`).

    Parameters
    ----------
    data : bytes
        The file's bytes.
    name : str
        The file, for the message.
    then : str, default "give that file"
        What to do with the CSV (``data ingest``'s reader: ``"ingest that"``).

    Raises
    ------
    InputError
        ``"NAME is an Excel workbook: save the sheet as CSV and ingest that"``.
    """
    named = str(name).lower().endswith(WORKBOOK_SUFFIXES)
    if data[:8] == _OLE2 or (data[:4] == b"PK\x03\x04" and (named or _zip_is_workbook(data))):
        raise InputError(f"{name} is an Excel workbook: save the sheet as CSV and {then}")


#: A number written with a decimal comma (``3456,78``, ``-0,5``) or none (``3456``).
_DECIMAL_COMMA = re.compile(r"^-?\d+(?:,\d+)?$")


def read_decimal_commas(df: pd.DataFrame, sep: str) -> pd.DataFrame:
    """``df`` with each column of decimal-comma numbers read as floats (``;`` files only).

    A ``;``-separated file is the layout of a spreadsheet saved where the comma is the
    decimal mark (``3456,78``): there the comma cannot be a field separator, so a text
    column whose every value is a number with a decimal comma (``-0,5``, ``3456,78``; or a
    whole number), at least one of them with the comma, is read as those numbers. Any
    other column is left as it is, and a file with another separator is returned
    unchanged (there a comma inside a value is a thousands separator or a quoted field).

    Parameters
    ----------
    df : pandas.DataFrame
        The frame pandas read (text columns as ``object`` or ``str``).
    sep : str
        The file's field separator (:func:`sniff_separator`).

    Returns
    -------
    pandas.DataFrame
        ``df``, or a copy with those columns as float64.
    """
    if sep != ";":
        return df
    out = df
    for col in df.columns:
        s = df[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue
        text = s.dropna()
        if text.empty or not all(isinstance(v, str) for v in text):
            continue
        text = text.str.strip()
        if text.str.match(_DECIMAL_COMMA).all() and text.str.contains(",").any():
            if out is df:
                out = df.copy()
            out[col] = pd.to_numeric(s.str.strip().str.replace(",", ".", regex=False))
    return out


def check_parse_memory(n_bytes: int, name: str) -> None:
    """Refuse a file of ``n_bytes`` (decompressed) whose parse would not fit in memory.

    Parameters
    ----------
    n_bytes : int
        Size of the data, decompressed, bytes.
    name : str
        The file, as named in the message.

    Raises
    ------
    InputError
        ``"NAME (N MB of data) needs about ... of memory ...; split the file"``.
    """
    check_memory(
        n_bytes * PARSE_BYTES_PER_BYTE,
        f"{name} ({format_bytes(n_bytes)} of data)",
        hint="; split the file",
    )


def records_frame(records: Iterable[Mapping[str, Any]], dtypes: Mapping[str, Any]) -> pd.DataFrame:
    """A result's rows as a frame: the same columns, and dtypes, with rows or without.

    ``pd.DataFrame([])`` has no columns and ``pd.DataFrame([], columns=...)`` object
    ones: an empty result (no clusters, no periods) then reads unlike a full one.

    Parameters
    ----------
    records : iterable of mapping
        One mapping per row, keyed by column.
    dtypes : mapping of str to dtype
        Every column, in order, with the dtype its values have (applied to an empty
        frame only: rows keep what pandas infers from them).

    Returns
    -------
    pandas.DataFrame
    """
    df = pd.DataFrame(list(records), columns=list(dtypes))
    return df if len(df) else df.astype(dict(dtypes))


def norm_column(col: object) -> str:
    """Normalise a column name: camelCase, spaces and punctuation to lower snake case.

    ``"Entry Price"``, ``"entryPrice"`` and ``"entry_price"`` all read as
    ``entry_price``; what ``data ingest`` and every user table share.

    Parameters
    ----------
    col : object
        A header cell (its ``str``).

    Returns
    -------
    str
        The name in lower snake case.
    """
    s = str(col).strip()
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)  # camelCase -> snake
    return re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()


def check_frame(value: Any, name: str, *, param: str | None = None) -> pd.DataFrame:
    """``value`` if a DataFrame, else InputError: the one check where a table is read.

    A Series (one column, or one row: ``df.iloc[0]``) or an array where a frame is
    expected raised pandas' or numpy's own errors (an AttributeError on ``.columns``).

    Parameters
    ----------
    value : Any
        What was given.
    name : str
        What the table is, first in the message (the parameter).
    param : str, optional
        The parameter that gave it (default ``name``).

    Returns
    -------
    pandas.DataFrame
        ``value``, unchanged.

    Raises
    ------
    InputError
        ``NAME must be a DataFrame (got Series ...)``.
    """
    if isinstance(value, pd.DataFrame):
        return value
    hint = (
        ": a column or a row of the frame? give the whole frame"
        if isinstance(value, pd.Series)
        else ""
    )
    raise InputError(
        f"{name} must be a DataFrame (got {type(value).__name__}{hint})", param=param or name
    )


#: At most this many of a table's columns are named when one it needs is missing.
SEEN_COLUMNS_SHOWN = 12


def columns_seen(columns: Iterable[object]) -> str:
    """``"columns seen: a, b"``: what a table holds, for a refusal naming what it lacks.

    The columns as the table spells them, in its order; past :data:`SEEN_COLUMNS_SHOWN`
    the rest are counted (``"a, b, ... and 30 more"``); ``"no columns seen"`` for none.

    Parameters
    ----------
    columns : iterable
        The table's column names.

    Returns
    -------
    str

    Examples
    --------
    >>> columns_seen(["Symbol", "Side", "Qty"])
    'columns seen: Symbol, Side, Qty'
    >>> columns_seen(f"c{i}" for i in range(15))
    'columns seen: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11 and 3 more'
    """
    names = [str(c) for c in columns]
    if not names:
        return "no columns seen"
    shown = ", ".join(names[:SEEN_COLUMNS_SHOWN])
    more = len(names) - SEEN_COLUMNS_SHOWN
    return f"columns seen: {shown}" + (f" and {more} more" if more > 0 else "")


def check_columns(
    columns: Iterable[object],
    required: Sequence[str],
    name: str,
    *,
    param: str | None = None,
    then: str = "",
) -> None:
    """Refuse a table that lacks a required column, in the package's one wording.

    The refusal names the missing columns and the ones the table has
    (:func:`columns_seen`): a header misspelt, or a file of another layout, shows at once.

    Parameters
    ----------
    columns : iterable
        The table's column names (a frame's ``columns``, or the frame itself; a mapping
        of the names read to the names as spelt: the latter are shown).
    required : sequence of str
        The columns it needs, in the order the message lists the missing ones.
    name : str
        What the table is, first in the message: its file, or the parameter.
    param : str, optional
        The parameter that gave it (a frame passed to a function).
    then : str, default ""
        What the columns hold, after the message (``"collateral in tokens ..."``).

    Raises
    ------
    InputError
        ``NAME: missing columns: a, b (columns seen: x, y)`` (``missing column: a``:
        :func:`names_text`), then ``: THEN`` if given.
    """
    cols = list(columns)
    have = set(cols)
    missing = [c for c in required if c not in have]
    if missing:
        tail = f": {then}" if then else ""
        seen = columns_seen(columns.values() if isinstance(columns, Mapping) else cols)
        raise InputError(
            f"{name}: missing {names_text('column', missing)} ({seen}){tail}",
            param=param,
        )


#: The mark of "no value found" in :func:`check_numeric` (None is a value it may meet).
_NONE = object()


def _missing(value: object) -> bool:
    """Whether ``value`` is a missing value of an object column (None or ``pd.NA``)."""
    return value is None or value is pd.NA


def check_numeric(
    frame: pd.DataFrame | pd.Series, columns: Sequence[str], name: str, *, param: str | None = None
) -> None:
    """Refuse a column (or a Series) that does not hold numbers, in one wording.

    A column of text (``frame.astype(str)``: numpy's ufuncs and pyarrow raised their own
    errors, or text that reads as a number was taken as one), of bools or of objects
    that are not all real numbers is refused; integers and floats pass (NaN, and None or
    ``pd.NA`` among objects, included: whether missing values are allowed is the
    caller's rule).

    Parameters
    ----------
    frame : pandas.DataFrame or pandas.Series
        The table (a column it lacks is not checked: :func:`check_columns` names
        it), or one series (``columns`` then ignored).
    columns : sequence of str
        The columns that must be numbers.
    name : str
        What the table is, first in the message (the parameter).
    param : str, optional
        The parameter that gave it.

    Raises
    ------
    InputError
        ``NAME: column 'C' must be numbers (got str values such as '3000.5')``.
    """
    items: list[tuple[str | None, pd.Series]]
    if isinstance(frame, pd.Series):
        items = [(None, frame)]
    else:  # a missing column is check_columns' to name
        items = [(c, frame[c]) for c in columns if c in frame.columns]
    for col, values in items:
        kind = values.dtype.kind
        if kind in "iuf":
            continue
        # a missing value (None, pd.NA) is no fault here, and is not the "none found" mark
        first = (
            next((v for v in values if not _missing(v) and real_number(v) is None), _NONE)
            if kind == "O"
            else _NONE
        )
        if kind == "O" and first is _NONE:
            continue  # real numbers, as objects (or missing)
        sample = values.iloc[0] if first is _NONE and len(values) else first
        what = f"{type(sample).__name__} values such as {sample!r}" if len(values) else values.dtype
        where = name if col is None else f"{name}: column {col!r}"
        raise InputError(f"{where} must be numbers (got {what})", param=param)


def number_series(values: Any, name: str, *, column: str | None = None) -> pd.Series:
    """``values`` as a Series of numbers, a naive time index read as UTC; else InputError.

    The entry check of a function that takes one series (closes, returns): a frame with
    ``column`` gives that column (``log_returns(bars)`` takes the closes); a numpy array,
    a list, a frame without it, or a series of text is refused naming ``name`` and the
    type expected (``.dropna`` and a length mismatch raised pandas' own errors). The
    index is not checked here (a RangeIndex passes): a time index is the caller's rule
    where it reads one.

    Parameters
    ----------
    values : pandas.Series
        The series given.
    name : str
        The parameter's name, for the error and its ``param``.
    column : str, optional
        The column a frame is read from (``"close"``).

    Returns
    -------
    pandas.Series
        The series (:func:`~liqcascade._time.utc_indexed`).

    Raises
    ------
    InputError
        ``param=name``: not a Series (nor a frame with ``column``), or not numbers.
    """
    from liqcascade._time import utc_indexed

    if isinstance(values, pd.DataFrame) and column is not None and column in values.columns:
        values = values[column]
    if not isinstance(values, pd.Series):
        frame = f", or a DataFrame with a {column!r} column" if column else ""
        raise InputError(
            f"{name} must be a pandas Series{frame} (got {type(values).__name__})",
            param=name,
        )
    check_numeric(values, (), name, param=name)
    return utc_indexed(values)


#: Compressed input may expand at most this many times its size on disk (over every layer
#: of a ``.gz`` / ``.zip``), or to :data:`MIN_EXPANDED_LIMIT`, whichever is larger. Market
#: CSVs compress 3-15x; a file expanding 100x is refused as a likely decompression bomb.
MAX_EXPANSION_RATIO = 100
#: Expanded size always allowed, bytes (small, very repetitive files compress past 100x).
MIN_EXPANDED_LIMIT = 64 * 2**20
_READ_CHUNK = 2**20


def _expanded_limit(compressed: int) -> int:
    return max(MIN_EXPANDED_LIMIT, MAX_EXPANSION_RATIO * max(compressed, 1))


def _inflate(stream: Any, name: str, what: str, on_disk: int, limit: int) -> bytes:
    """Read a decompressing stream in chunks, refusing past ``limit`` bytes.

    The chunks are gathered in a :class:`io.BytesIO`, whose ``getvalue()`` hands over
    its buffer without a copy (``bytes(bytearray)`` held the data twice at the end).
    """
    out = io.BytesIO()
    while True:
        chunk = stream.read(_READ_CHUNK)
        if not chunk:
            return out.getvalue()
        out.write(chunk)
        if out.tell() > limit:
            raise InputError(
                f"{name}: {what} data expands past {format_bytes(limit)} from "
                f"{format_bytes(on_disk)} on disk (more than {MAX_EXPANSION_RATIO}x, or "
                f"{format_bytes(MIN_EXPANDED_LIMIT)} for small files): refused as a likely "
                "decompression bomb; decompress it yourself if it is genuine"
            )


def decompress(
    data: bytes, name: str, on_disk: int | None = None, then: str = "ingest that"
) -> tuple[bytes, str]:
    """Undo gzip / zip layers, streaming, within the expansion limit of the file on disk.

    The one reader of compressed input: ``data ingest`` and the tables of positions,
    books and stops (:func:`read_user_table`) read ``.gz`` and one-file ``.zip`` alike.

    Parameters
    ----------
    data : bytes
        The file's bytes (any number of gzip / zip layers, or none).
    name : str
        The file, for messages.
    on_disk : int, optional
        Size of the file on disk, bytes (default ``len(data)``).
    then : str, default "ingest that"
        What to do with a workbook's sheet saved as CSV (:func:`check_not_workbook`).

    Returns
    -------
    (bytes, str)
        The innermost bytes, and ``name``.

    Raises
    ------
    InputError
        Corrupt gzip or zip, a zip of several files, an encrypted member, a workbook,
        or data expanding past the limit (a likely decompression bomb).
    """
    size = len(data) if on_disk is None else on_disk
    limit = _expanded_limit(size)
    check_not_workbook(data, name, then)
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
                inner = _inflate(gz, name, "gzip", size, limit)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{name}: corrupt gzip data: {exc}") from exc
        check_parse_memory(len(inner), name)
        return decompress(inner, name, size, then)
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [i for i in zf.infolist() if not i.is_dir()]
                members = [m for m in members if not m.filename.startswith("__MACOSX")]
                if len(members) != 1:
                    raise InputError(
                        f"{name}: a zip must hold exactly one file (holds {len(members)})"
                    )
                with zf.open(members[0]) as member:
                    inner = _inflate(member, name, "zip", size, limit)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise InputError(f"{name}: corrupt zip: {exc}") from exc
        except RuntimeError as exc:  # encrypted member
            raise InputError(f"{name}: unreadable zip: {exc}") from exc
        check_parse_memory(len(inner), name)
        return decompress(inner, name, size, then)
    return data, name


#: What a file in UTF-16 is told (Windows' "Unicode" text: a NUL beside every ASCII byte).
UTF16_TEXT = "UTF-16 text: save the file as UTF-8, or give a Parquet file"


def is_utf16(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) is UTF-16 text.

    A UTF-16 byte-order mark, or ASCII text in UTF-16: at least 90 % of the bytes at
    odd (little-endian) or even (big-endian) positions of the first 512 are NUL.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (at least a few dozen for the NUL rule).
    """
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return True
    h = head[:512]
    if len(h) < 8:
        return False
    return any(h[k::2].count(0) >= 0.9 * len(h[k::2]) for k in (0, 1))


def float32_as_decimal(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its float32 columns as the float64 of their shortest decimal text.

    A Parquet writer that stores one price column as float32 (``323.46`` kept as
    323.4599914...) would otherwise be compared, as float64, with float64 columns
    holding 323.46 and found below them. float32 keeps about 7 significant digits; its
    shortest round-trip text (``323.46``) is the number written, read as float64.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame as read from a Parquet file.

    Returns
    -------
    pandas.DataFrame
        The same frame, changed in place where a column was float32.
    """
    for c in df.columns:
        if df[c].dtype == "float32":
            v = df[c].to_numpy()
            out = np.empty(v.size, dtype=np.float64)
            for i in range(0, v.size, _TEXT_CHUNK):  # the text is 32x the column: in chunks
                out[i : i + _TEXT_CHUNK] = v[i : i + _TEXT_CHUNK].astype(str).astype("float64")
            df[c] = out
    return df


#: Values turned into text at once by :func:`float32_as_decimal` (each text 128 bytes).
_TEXT_CHUNK = 1 << 20


def read_user_table(path: str | Path, *, skipinitialspace: bool = True) -> pd.DataFrame:
    """The file as a frame with normalised column names (:func:`norm_column`).

    Parameters
    ----------
    path : str or Path
        CSV (header row; ``,``, ``;``, tab or ``|`` between fields, UTF-8 with or
        without BOM) or Parquet (``.parquet``/``.pq``, or by its content), either
        one possibly gzip-compressed or in a one-file zip (:func:`decompress`).
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
        check_parse_memory(p.stat().st_size, str(p))
        data, _ = decompress(p.read_bytes(), str(p), then="give that file")  # .gz, .zip
        df = (
            _read_parquet(p, data)
            if data[:4] == b"PAR1" or p.suffix.lower() in PARQUET_SUFFIXES
            else _read_csv(p, data, skipinitialspace)
        )
    except InputError:
        raise
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise _cannot_read(p, exc) from exc
    df.columns = [norm_column(c) for c in df.columns]
    dup = df.columns[df.columns.duplicated()]
    if len(dup):
        raise InputError(f"{p}: duplicate column {dup[0]!r} (once its name is normalised)")
    return df.reset_index(drop=True)


class EmptyFileError(InputError):
    """A table file with nothing in it, not even a header (or only blank lines).

    Its own type so that a caller reading a file given as a parameter can name the
    parameter, as it does for a file with a header only
    (:func:`liqcascade.positions.read_given_positions`).
    """


def _cannot_read(p: Path, exc: Exception) -> InputError:
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(f"{p}: cannot read: {msg}")


def _read_parquet(p: Path, data: bytes) -> pd.DataFrame:
    try:
        return float32_as_decimal(read_parquet_bytes(data))
    except PARQUET_ERRORS as exc:
        raise _cannot_read(p, exc) from exc


def _read_csv(p: Path, data: bytes, skipinitialspace: bool) -> pd.DataFrame:
    check_not_workbook(data, str(p))
    text = decode_utf8(data, str(p))
    head = text.lstrip()
    if not head:
        raise EmptyFileError(f"{p}: the file is empty (a header row is needed)")
    if head[0] in "[{" or p.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        raise InputError(f"{p}: a JSON file; this table is read from CSV (header row) or Parquet")
    sep = sniff_separator(head.splitlines()[0])
    check_short_lines(data, sep, str(p), headerless=False)  # before pandas: its own count
    # default NA parsing: empty cells and NaN/NA/null/None read as missing
    df = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=skipinitialspace)
    return read_decimal_commas(df, sep)


def _field_counts(data: bytes, sep: str) -> list[tuple[int, int]]:
    """(file line, number of fields) of each non-blank line of a CSV, in order.

    Without a quote character in the file a field is what lies between separators (one
    count per line, fast on large files); with one the lines are parsed by :mod:`csv`,
    so a separator or a line break inside a quoted field is not counted.
    """
    text = data.decode("utf-8-sig", errors="replace")
    if '"' not in text:
        return [
            (i, line.count(sep) + 1)
            for i, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        ]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    out: list[tuple[int, int]] = []
    start = 1
    for fields in reader:
        if any(f.strip() for f in fields):
            out.append((start, len(fields)))
        start = reader.line_num + 1
    return out


def check_short_lines(data: bytes, sep: str, name: str, *, headerless: bool) -> None:
    """Refuse a CSV line with fewer or more fields than the header (the first line when headerless).

    pandas refuses a line with *more* fields naming a line of its own count (neither the
    data row nor, past a blank line or a quoted line break, the file line) and reads one
    with fewer as if the missing fields were empty: a file cut off mid-line (an
    interrupted download: the last line short, no final newline) then stores the cut
    number (volume ``87`` for ``8732.8219``). No market layout nor user table (positions,
    stops, portfolio, book) has optional trailing fields, so a short line is refused like
    a long one, before pandas reads the file: ``data row N (file line M): malformed CSV:
    expected 7 fields, saw 6`` (:func:`~liqcascade.errors.row_ref`).

    Parameters
    ----------
    data : bytes
        The CSV's bytes (decompressed).
    sep : str
        Its field separator.
    name : str
        The file, for the message.
    headerless : bool
        Whether the first line is a data row.
    """
    counts = _field_counts(data, sep)
    if not counts:
        return
    width = counts[0][1]
    for row, (line, n) in enumerate(counts[0 if headerless else 1 :], start=1):
        if n != width:
            cut = " (the last line, without a final newline: a file cut off?)"
            last = row == len(counts) - (0 if headerless else 1)
            ended = data.rstrip(b" \t").endswith((b"\n", b"\r"))
            hint = cut if n < width and last and not ended else ""
            raise InputError(
                f"malformed CSV: expected {width} fields, saw {n}{hint}",
                file=name,
                row=row,
                line=line,
            )


#: ``FILE: data row N`` in an error's text, not yet followed by its file line.
_ROW_OF_FILE = re.compile(r"(?:^|: )(?P<file>[^:\n]+?): data row (?P<row>\d+)(?! \(file line)")


def file_line(path: str | Path, row: int) -> int | None:
    """The 1-based line of the CSV ``path`` where its data row ``row`` starts.

    Rows are counted as :func:`~liqcascade.errors.row_ref` counts them (after the
    header; blank lines not counted); a quoted field's line break is inside its row.

    Parameters
    ----------
    path : str or Path
        A user's CSV with a header row (possibly gzip-compressed or in a one-file zip).
    row : int
        1-based data row.

    Returns
    -------
    int or None
        The line; None when ``path`` is no readable CSV text file (Parquet, missing,
        too large to read again) or has fewer rows.
    """
    p = Path(path)
    try:
        if not p.is_file() or p.suffix.lower() in PARQUET_SUFFIXES:
            return None
        check_parse_memory(p.stat().st_size, str(p))
        data, _ = decompress(p.read_bytes(), str(p), then="give that file")
        if data[:4] == b"PAR1":
            return None
        text = decode_utf8(data, str(p))
    except (InputError, OSError, ValueError):
        return None
    head = text.lstrip()
    if not head:
        return None
    sep = sniff_separator(head.splitlines()[0])
    counts = _field_counts(data, sep)
    skip = 0 if is_headerless(head.splitlines()[0], sep) else 1
    at = row - 1 + skip  # a file of numbers has no header (``data ingest``'s rule)
    return counts[at][0] if row > 0 and at < len(counts) else None


def _number_text(text: str) -> bool:
    """Whether ``text`` reads as a number (a field of a headerless file's first line)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def is_headerless(first_line: str, sep: str) -> bool:
    """Whether a CSV's first line is data, not a header (``data ingest``'s rule).

    Two fields or more, every non-empty one a number (quotes and spaces around a field
    ignored): ``1704067200000,3600.5,3610`` is a bar, ``ts,open,close`` a header.

    Parameters
    ----------
    first_line : str
        The file's first line, as decoded.
    sep : str
        Its field separator (:func:`sniff_separator`).
    """
    fields = [f.strip().strip('"') for f in first_line.split(sep)]
    return len(fields) > 1 and all(_number_text(f) for f in fields if f)


def with_file_line(text: str) -> str:
    """An error's text with the file line after its first ``FILE: data row N``.

    ``positions.csv: data row 2: size is not a number ('abc')`` reads ``positions.csv:
    data row 2 (file line 4): ...`` when data row 2 starts on the file's line 4
    (:func:`file_line`), and ``data row 2 (file line 3)`` in a file with its header on
    line 1 and no blank line: a user opens the file at the line named. The text is
    unchanged when it names no row of a CSV file there is, or names its line already.
    For the command line's ``error:`` lines: the file is read again only once a row was
    refused.

    Parameters
    ----------
    text : str
        The error's message.

    Returns
    -------
    str
    """
    for m in _ROW_OF_FILE.finditer(text):
        line = file_line(m["file"].strip(), int(m["row"]))
        if line is not None:
            return f"{text[: m.end()]} (file line {line}){text[m.end() :]}"
    return text
