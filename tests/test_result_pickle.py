"""Every public result type has ``to_dict()`` and pickles (the library trial of session 23).

``pickle.dumps(simulate_cascade(...))`` failed on a closure the result kept
(``simulate_cascade.<locals>.closes``), which blocks multiprocessing and joblib;
``CalibratedCascade``, ``VarBacktest``, ``StopRecommendation``, ``StopBacktest`` and
the other types with a ``summary()`` had no ``to_dict()``. Here: every public type with
a ``summary()`` (but the input books and tables of :data:`INPUTS`) has ``to_dict()``,
and each result type, built small, survives a pickle round trip with an equal
``to_dict()`` (JSON text compared: the same 17 digits of every float).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import pickle
import pkgutil
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import liqcascade
from test_result_to_dict import CASES as TO_DICT_CASES

#: Public types with a summary() that are inputs, not results: no to_dict() asked of them.
INPUTS = {"OrderBook", "PositionBook", "TierTable", "SeriesFrame"}


def _public_types() -> set[type]:
    out: set[type] = set()
    for m in pkgutil.iter_modules(liqcascade.__path__):
        if m.name.startswith("_"):
            continue
        mod = importlib.import_module(f"liqcascade.{m.name}")
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                out.add(obj)
    return out


def test_every_public_result_type_with_a_summary_has_to_dict() -> None:
    with_summary = {t for t in _public_types() if hasattr(t, "summary")}
    names = {t.__name__ for t in with_summary}
    assert INPUTS <= names  # the exemptions still exist
    results = {t for t in with_summary if t.__name__ not in INPUTS}
    assert sorted(t.__qualname__ for t in results if not hasattr(t, "to_dict")) == []
    assert {"CalibratedCascade", "VarBacktest", "StopRecommendation", "StopBacktest"} <= names
    assert len(results) >= 35  # docs/design.md counts them (session 23)


# ---------------------------------------------------------------- small builders
def _book() -> Any:
    from liqcascade.book import OrderBook

    return OrderBook.parametric(3000.0, 30e6, beta=0.73)


def _positions() -> Any:
    from liqcascade.positions import PositionBook

    return PositionBook([1, 1, -1], [10.0, 400.0, 5.0], [3100.0, 3050.0, 2900.0],
                        [1550.0, 10000.0, 1450.0], [2960.0, 2900.0, 3040.0],
                        [2945.0, 2880.0, 3045.0])  # fmt: skip


def _prepared() -> Any:
    from liqcascade.cascade import prepare_cascade

    return prepare_cascade(_book(), _positions(), None)


def _calibration() -> Any:
    from liqcascade.cascade import load_liquidity

    return load_liquidity("ETH", "2025-07-31")


def _chunked_cascade() -> Any:  # the per-order kernel's path (chunks): closes kept at once
    from liqcascade import simulate_cascade
    from liqcascade.cascade import CascadeConfig

    cfg = CascadeConfig(partial_liquidation=True, partial_threshold_usd=1e5)
    return simulate_cascade(_book(), _positions(), shock=-0.05, config=cfg)


def _clock() -> Any:
    from liqcascade.cascade import LiquidityParams, simulate_clock

    return simulate_clock(_prepared(), shock=-0.05, params=LiquidityParams())


def _calibrated() -> Any:
    from liqcascade.cascade import calibrated_cascade

    return calibrated_cascade(_prepared(), shock=-0.05, calibration=_calibration(),
                              sigma_hourly=0.006, n_paths=16)  # fmt: skip


def _calibrated_fragility() -> Any:
    from liqcascade.cascade import calibrated_fragility

    return calibrated_fragility(_prepared(), calibration=_calibration(), sigma_hourly=0.006,
                                shocks=np.array([-0.02, -0.05]), n_paths=8)  # fmt: skip


def _critical() -> Any:
    from liqcascade.cascade import critical_shock

    return critical_shock(_book(), _positions(), grid=40)


def _fragility() -> Any:
    from liqcascade.cascade import fragility_curve

    return fragility_curve(_book(), _positions(), shocks=np.array([-0.02, -0.05]))


def _next_wave() -> Any:
    from liqcascade.cascade import next_wave_levels

    return next_wave_levels(_positions(), None, 3000.0)


def _hourly() -> pd.DataFrame:
    from liqcascade import datasets

    return datasets.load_ohlcv("ETH", "1h", "2024-07-20", "2024-08-10")


def _follow_through() -> Any:
    from liqcascade.cascade import follow_through

    return follow_through(_hourly())


def _aave() -> Any:
    from liqcascade.margin import aave_liquidation

    return aave_liquidation(10.0, 3000.0, 26000.0, 1.0, 0.83, 1.05)


def _heatmap() -> Any:
    from liqcascade.positions import heatmap_from_books

    t = pd.Timestamp("2025-07-31", tz="UTC")
    return heatmap_from_books([(t, _positions(), None, 3000.0)])


def _modelled_stops() -> Any:
    from liqcascade.positions import model_stops_detailed

    return model_stops_detailed(_positions(), _hourly())


def _adl() -> Any:
    from liqcascade.solvency import allocate_adl

    return allocate_adl("binance", side=np.array([1, -1, -1]),
                        size=np.array([1.0, 2.0, 1.0]), entry_price=np.array([2000.0] * 3),
                        margin=np.array([100.0, 200.0, 300.0]), mark_price=1800.0,
                        deficit=50.0, loss_side=1)  # fmt: skip


def _failed() -> Any:
    from liqcascade.stress import FailedScenario

    return FailedScenario(scenario=3, label="x", error="boom", error_type="InputError")


def _daily_close() -> pd.Series:
    from liqcascade import datasets

    return datasets.load_ohlcv("ETH", "1d", "2019-01-01", "2021-12-31")["close"]


def _var_backtest() -> Any:
    from liqcascade.stress import var_backtest

    return var_backtest(_daily_close(), asset="ETH", horizons=(1,), levels=(0.95,), paths=100)


def _support_detection() -> Any:
    from liqcascade import datasets
    from liqcascade.events import detect_support

    return detect_support(datasets.load_ohlcv("ETH", "1d", "2024-01-01", "2024-12-31"))


def _by_period() -> Any:
    from liqcascade.volatility import Period, leverage_by_period

    p = Period("2020", pd.Timestamp("2020-01-01", tz="UTC"), pd.Timestamp("2020-12-31", tz="UTC"))
    return leverage_by_period(_daily_close(), periods=[p])


def _paths() -> Any:
    from liqcascade.volatility import fit_volatility, log_returns

    return fit_volatility(log_returns(_daily_close())).simulate(horizon=5, n_paths=10, seed=1)


@functools.cache
def _state() -> Any:
    from liqcascade.market import MarketSpec, estimated_market

    return estimated_market(MarketSpec("ETH", "2025-07-31"))


def _recommendation() -> Any:
    from liqcascade.protect import recommend_stop

    return recommend_stop("long", 3800.0, 1.0, 10, asset="ETH", state=_state(), liquidity="static")


def _stop_backtest() -> Any:
    from liqcascade.protect import backtest_stops

    return backtest_stops(("fixed",), ("long",), ("random",), start="2024-06-01",
                          end="2024-06-30", asset="ETH")  # fmt: skip


def _transparency() -> Any:
    from liqcascade.protect import transparency_metrics

    return transparency_metrics("2025-03-01", "2025-03-12")


def _critical_history() -> Any:
    from liqcascade.cascade import critical_history_check

    span = (pd.Timestamp("2020-01-01", tz="UTC"), pd.Timestamp("2020-03-01", tz="UTC"))
    return critical_history_check([-0.06, -0.08, -0.11], [-0.12, -0.09, -0.11], critical=-0.06,
                                  shocks=[-0.05, -0.1], reach=[0.4, 1.0], n_paths=360,
                                  span=span)  # fmt: skip


def _collateral() -> Any:
    from liqcascade.collateral import simulate_collateral
    from test_collateral.test_loop_hand import PATH, _setup  # two accounts, one collateral

    return simulate_collateral(_setup(), PATH)


def _own_book() -> Any:
    from liqcascade import datasets
    from liqcascade.collateral import calibrate_own_book

    return calibrate_own_book(datasets.load_ohlcv("USDE", "1m"), "2025-10-10T12:00:00Z")


def _joint_model() -> Any:
    from liqcascade.stress import fit_joint_model

    return fit_joint_model(["ETH"], {"ETH": 3000.0}, as_of=pd.Timestamp("2021-12-31", tz="UTC"),
                           closes={"ETH": _daily_close()})  # fmt: skip


def _study() -> Any:
    from liqcascade.volatility import volatility_study

    return volatility_study(_daily_close(), asset="ETH")


#: (result type, builder); with the eight of tests/test_result_to_dict.py.
BUILDERS: list[tuple[str, Callable[[], Any]]] = [
    *((name, build) for name, build, _ in TO_DICT_CASES),
    ("CascadeResult (chunked)", _chunked_cascade),
    ("ClockResult", _clock),
    ("CalibratedCascade", _calibrated),
    ("CalibratedFragility", _calibrated_fragility),
    ("CriticalShock", _critical),
    ("FragilityCurve", _fragility),
    ("NextWave", _next_wave),
    ("FollowThrough", _follow_through),
    ("CriticalHistoryCheck", _critical_history),
    ("AaveLiquidation", _aave),
    ("LiquidationHeatmap", _heatmap),
    ("ModelledStops", _modelled_stops),
    ("AdlResult", _adl),
    ("FailedScenario", _failed),
    ("VarBacktest", _var_backtest),
    ("SupportDetection", _support_detection),
    ("LeverageByPeriod", _by_period),
    ("VolatilityPaths", _paths),
    ("MarketState", _state),
    ("StopRecommendation", _recommendation),
    ("StopBacktest", _stop_backtest),
    ("TransparencyMetrics", _transparency),
    ("CollateralResult", _collateral),
    ("OwnBookFit", _own_book),
    ("JointModel", _joint_model),
    ("Calibration", _calibration),
    ("VolatilityStudy", _study),
]


@pytest.mark.parametrize("build", [b for _, b in BUILDERS], ids=[n for n, _ in BUILDERS])
def test_result_pickles_with_an_equal_to_dict(build: Callable[[], Any]) -> None:
    result = build()
    before = json.dumps(result.to_dict(), allow_nan=False, sort_keys=True)
    back = pickle.loads(pickle.dumps(result))
    assert type(back) is type(result)
    assert json.dumps(back.to_dict(), allow_nan=False, sort_keys=True) == before


def test_a_cascade_result_pickled_before_its_per_order_detail_gives_the_same_detail() -> None:
    # the block kernel leaves the per-order closes to be run when first asked: the
    # pickled result runs them after the round trip, and finds the same
    from liqcascade import simulate_cascade

    result = simulate_cascade(_book(), _positions(), shock=-0.05)
    back = pickle.loads(pickle.dumps(result))
    pd.testing.assert_frame_equal(
        back.position_outcomes(), result.position_outcomes(), check_exact=False, rtol=1e-12
    )


def test_var_backtest_to_frame_is_its_scores() -> None:
    vb = _var_backtest()
    frame = vb.to_frame()
    pd.testing.assert_frame_equal(frame, vb.scores)
    assert frame is not vb.scores  # a copy: the result is frozen
    assert len(frame) == len(vb.to_dict()["scores"])
