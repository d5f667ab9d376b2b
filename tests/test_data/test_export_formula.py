"""The CSV export's formula-cell warning, computed on the frame written (no read-back)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from liqcascade.data._ops import _formula_cells


def _frame(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame({
        "ts": pd.date_range("2025-01-01", periods=n, freq="h", tz="UTC"),
        "venue": ["binance"] * n,
        "symbol": ["ETHUSDT"] * n,
        "close": -np.ones(n),  # a negative number is not a text cell
    })  # fmt: skip


def test_no_formula_cell_no_warning() -> None:
    assert _formula_cells(_frame(), Path("x.csv")) is None
    assert _formula_cells(_frame(0), Path("x.csv")) is None


def test_the_first_row_s_first_cell_is_named_and_the_others_counted() -> None:
    df = _frame()
    df.loc[4, "venue"] = "@SUM(A1)"
    df.loc[2, "symbol"] = "-2+3"
    df.loc[3, "venue"] = np.nan  # an empty cell is not one
    df["venue"] = df["venue"].astype(object)  # any text dtype
    w = _formula_cells(df, Path("out.csv"))
    assert w is not None
    assert w.startswith("out.csv: the symbol of data row 3 starts with '-', '-2+3' (and 1 more")
