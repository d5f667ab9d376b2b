"""Positions written with Hyperliquid's API field names, read as the positions layout.

Hyperliquid's ``clearinghouseState`` answers each position as ``coin``, ``szi`` (the
signed size: positive long, negative short, in coins), ``entryPx``, ``liquidationPx``
(empty where the account cannot be liquidated), ``leverage`` (``{type, value}``;
flattened by a spreadsheet or ``pandas.json_normalize`` into ``leverage.type`` and
``leverage.value``), ``marginUsed`` and more. A file of those columns is read as the
Hyperliquid positions layout it carries (:func:`liqcascade.positions._files.read_positions`):
``szi`` as ``side`` and ``size``, ``entryPx`` as ``entry_price``, ``liquidationPx`` as
``liq_price`` and ``leverage.value`` as ``leverage`` (``leverage.type`` is read as
``margin_mode`` by the reader itself). ``marginUsed`` is not read: for a cross position
it is the position's share of the account's margin, not the isolated margin a
``margin`` column states.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from liqcascade._typed_numbers import number_refusal
from liqcascade.errors import InputError

__all__ = ["API_COLUMNS", "from_api_fields"]

#: The API's field, as files' column names are read (lower snake case: ``entryPx`` is
#: ``entry_px``, ``leverage.value`` is ``leverage_value``) -> the positions layout's column.
API_COLUMNS = {
    "entry_px": "entry_price",
    "liquidation_px": "liq_price",
    "leverage_value": "leverage",
}

_API_NAMES = {
    "entry_px": "entryPx",
    "liquidation_px": "liquidationPx",
    "leverage_value": "leverage.value",
}


def from_api_fields(df: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, str | None]:
    """``df`` with Hyperliquid's API fields as the positions layout's columns.

    Parameters
    ----------
    df : pandas.DataFrame
        The file as read (column names in lower snake case).
    path : Path
        The file, for errors and the note.

    Returns
    -------
    tuple
        ``(frame, note)``: the frame with ``szi`` read as ``side`` (long where > 0,
        short where < 0) and ``size`` (its absolute value, coins) and the other fields
        renamed (:data:`API_COLUMNS`), and the ``note`` text naming what was read; a
        file without a ``szi`` column, or with a ``side`` or ``size`` of its own, is
        returned as it is, with None.

    Raises
    ------
    InputError
        A ``szi`` that is blank, not a number or zero (no position), naming the file
        and the 1-based data row.
    """
    cols = set(df.columns)
    if "szi" not in cols or "side" in cols or "size" in cols:
        return df, None
    raw = df["szi"].astype("string").str.strip()
    szi = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(szi) | (szi == 0))
    if bad.size:
        i = int(bad[0])
        got = "" if pd.isna(raw.iloc[i]) else str(raw.iloc[i])
        fix = number_refusal(got, percent=None)  # 1,5 or 2.5k: the number to write
        what = (
            "0 is no position"
            if szi[i] == 0
            else f"is not a number ({got!r})" + (f": {fix}" if fix else "")
        )
        raise InputError(
            f"szi (Hyperliquid's signed size: > 0 long, < 0 short) {what}",
            file=str(path),
            row=i + 1,
        )
    renames: dict[str, str] = {}
    for k, v in API_COLUMNS.items():  # a column of the layout's own name wins
        if k in cols and v not in cols and v not in renames.values():
            renames[k] = v
    out = df.drop(columns="szi").rename(columns=renames)
    out.insert(0, "side", np.where(szi > 0, "long", "short"))
    out.insert(1, "size", np.abs(szi))
    named = ", ".join(f"{_API_NAMES[k]} as {v}" for k, v in renames.items())
    note = (
        f"{path}: Hyperliquid's API fields read: szi as side and size"
        f"{', ' + named if named else ''}"
    )
    return out, note
