"""An empty result's ``to_frame()`` has the columns and dtypes of a full one (session 26).

An empty book or a result without rows (no clusters, no liquidations, no periods) gave
a frame without columns (``pd.DataFrame([])``), with object columns
(``pd.DataFrame([], columns=...)``), or raised (``set_index`` on missing columns).
Each case here builds the same result empty and full and compares the two frames'
columns, dtypes and index dtype.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from liqcascade import simulate_cascade
from liqcascade.book import OrderBook
from liqcascade.positions import PositionBook, heatmap_from_books, liquidation_map

TS = pd.Timestamp("2025-01-01", tz="UTC")


def _book() -> PositionBook:
    return PositionBook(
        side=[1, -1],
        size=[1.0, 2.0],
        entry_price=[2000.0, 2000.0],
        margin=[100.0, 100.0],
        liq_price=[1900.0, 2100.0],
        bankruptcy_price=[1890.0, 2110.0],
        opened_ms=[1735689600000, 1735689600000],
    )


def _same_shape(empty: pd.DataFrame, full: pd.DataFrame) -> None:
    assert len(empty) == 0 and len(full) > 0
    assert list(empty.columns) == list(full.columns)
    assert empty.dtypes.astype(str).to_dict() == full.dtypes.astype(str).to_dict()
    assert list(empty.index.names) == list(full.index.names)


def _prices() -> pd.DataFrame:
    from liqcascade.datasets import load_ohlcv

    return load_ohlcv("ETH", "1h").loc["2024-12-01":"2025-01-01"]


def _stop_model(book: PositionBook) -> pd.DataFrame:
    from liqcascade.positions import model_stops_detailed

    return model_stops_detailed(book, _prices()).to_frame()


def _cascade(book: PositionBook) -> pd.DataFrame:
    ob = OrderBook.from_levels(2000.0, [[1990, 1], [1900, 5]], [[2010, 1]])
    return simulate_cascade(ob, book, shock=-0.05).to_frame()


CASES: dict[str, Callable[[PositionBook], pd.DataFrame]] = {
    "position book": lambda b: b.to_frame(),
    "stop model": _stop_model,
    "liquidation map clusters": lambda b: liquidation_map(b, price=2000.0).clusters_frame(),
    "heatmap": lambda b: heatmap_from_books([(TS, b, None, 2000.0)]).to_frame(),
    "cascade trace": _cascade,
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_an_empty_book_s_frame_is_typed_as_a_full_one(case: str) -> None:
    fn = CASES[case]
    _same_shape(fn(PositionBook.empty()), fn(_book()))


def test_an_empty_stop_model_names_its_components_as_text() -> None:
    """The component column was ``object`` without stops, ``str`` with them."""
    assert (
        _stop_model(PositionBook.empty())["component"].dtype
        == _stop_model(_book())["component"].dtype
    )


def test_a_contagion_without_rounds() -> None:
    from liqcascade.contagion import ContagionResult

    def result(rows: list[dict[str, object]]) -> pd.DataFrame:
        return ContagionResult(
            venues={}, defi={}, shock_venue="a", direction="down", rounds=len(rows),
            rounds_to_spread=None, hit_max_rounds=False, _rows=rows,
        ).to_frame()  # fmt: skip

    row = {"round": 1, "venue": "a", "price": 1900.0, "cascade_price": 1890.0,
           "liquidated_usd": 1e6, "stops_usd": 0.0, "cascade_filled_base": 5.0,
           "arb_base": 0.0, "defi_sold_base": 0.0}  # fmt: skip
    empty, full = result([]), result([row])
    _same_shape(empty, full)
    assert empty["price"].dtype == np.float64 and empty["round"].dtype == np.int64


def test_a_calibration_without_metrics() -> None:
    from liqcascade.positions import CalibrationResult, EstimationParams

    def result(block: dict[str, dict[str, float] | None]) -> pd.DataFrame:
        return CalibrationResult(
            EstimationParams(), ("a", "b"), ("c", "d"), 0.0, in_sample=block, out_of_sample={}
        ).to_frame()

    empty = result({"model": None})  # raised KeyError: 'period'
    full = result({"model": {"corr_4h": 0.5, "mae_daily_usd": 1e6}})
    _same_shape(empty, full)
    assert full.loc[("in-sample", "model"), "corr_4h"] == pytest.approx(0.5, rel=1e-12)


def test_leverage_by_period_without_periods() -> None:
    from liqcascade.volatility import LeverageByPeriod, PeriodLeverage

    row = PeriodLeverage("2024", "2024-01-01", "2024-12-31", "gjr", "t", 365, 0.1, 0.05,
                         0.04, 0.0, 0.2, "significant", True)  # fmt: skip
    _same_shape(LeverageByPeriod([]).to_frame(), LeverageByPeriod([row]).to_frame())


def test_a_stop_policy_table_without_trades() -> None:
    """The back-test's crash table was ``pd.DataFrame()`` without a crash-hour entry."""
    from liqcascade.protect._backtest import _rows

    trades = pd.DataFrame(
        {"policy": ["fixed"], "side": ["long"], "entries": ["crash"], "stopped": [1.0],
         "ret": [-0.02], "slippage": [0.001], "exit_ts": [TS]}
    )  # fmt: skip
    full = _rows(trades)
    _same_shape(_rows(trades.iloc[:0]), full)
    assert full["stop_outs"].iloc[0] == pytest.approx(1.0, rel=1e-12)
