"""Every public function taking a time-indexed frame reads a naive index as UTC and refuses text.

``_time.utc_indexed`` was called at the entry of ``log_returns``, ``price_at``,
``estimate_book``, ``detect_events``…; the functions below compared a naive index with
an aware time (pandas' TypeError) or cast text to numbers. Each is run on a bundled
frame and on its naive copy: the results agree within ``RTOL`` (the same floats are
expected: the tolerance only spares bit-for-bit comparisons); and a text column is
refused with InputError naming the parameter.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.data import load_book_totals, load_series
from liqcascade.errors import InputError

RTOL = 1e-9
Frame = pd.DataFrame | pd.Series
Change = Callable[[Frame], Frame]


@functools.cache
def _eth_daily() -> pd.DataFrame:
    return datasets.load_ohlcv("ETH", "1d")


@functools.cache
def _eth_hourly() -> pd.DataFrame:
    return load_series("ohlcv", asset="ETH", interval="1h", store=False)


@functools.cache
def _usde() -> pd.DataFrame:
    return datasets.load_ohlcv("USDE", "1m")


def _leverage(change: Change) -> Any:
    from liqcascade.volatility import leverage_by_period

    return leverage_by_period(change(_eth_daily()["close"])).to_frame()


def _study(change: Change) -> Any:
    from liqcascade.volatility import volatility_study

    s = volatility_study(change(_eth_daily()["close"]), start="2023-01-01", by_period=True)
    return {"params": s.fit.params, "periods": s.periods.to_frame() if s.periods else None}


def _var(change: Change) -> Any:
    from liqcascade.stress import var_backtest

    # ETH's closes from 2022 (four years: about 24 monthly refits after the 730 days of
    # the first, against 70 on the whole series): reading a naive index as UTC does not
    # depend on how many month-ends are refitted
    close = _eth_daily()["close"].loc["2022-01-01":]
    return var_backtest(change(close), paths=50, horizons=(1,), levels=(0.95,)).forecasts


def _replay(change: Change) -> Any:
    from liqcascade.stress import replay_bars

    return replay_bars("2025-03-01/2025-03-05", hourly=change(_eth_hourly()))[0]


def _backtest(change: Change) -> Any:
    from liqcascade._cli.cascade_backtest import load_inputs
    from liqcascade.cascade import load_liquidity
    from liqcascade.cascade._backtest import run_backtest

    ohlc, liq, market_at = load_inputs("ETH", False)
    cal_at = lambda ts: load_liquidity("ETH", ts, False)  # noqa: E731
    kw = {"asset": "ETH", "start": "2025-04-01", "end": "2025-04-07", "n_paths": 10}
    return run_backtest(change(ohlc), liq, market_at, cal_at, **kw).events


def _calibrate(change: Change) -> Any:
    from liqcascade._cli.cascade_backtest import load_inputs
    from liqcascade.cascade._calibrate import fit_liquidity_document

    ohlc, liq, market_at = load_inputs("ETH", False)
    doc = fit_liquidity_document(
        ohlc, change(liq), market_at, asset="ETH", months=["2024-12-01"], backtest=False,
        follow_through=False,
    )  # fmt: skip
    return doc["calibrations"]


def _early_warning(change: Change) -> Any:
    from liqcascade.protect import METRICS, early_warning

    liq = datasets.load_liquidations("ETH")[["long_usd", "short_usd"]].sum(axis=1)
    liq = liq.resample("1D").sum()
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({c: rng.normal(size=len(liq)) for c in METRICS}, index=liq.index)
    frame["stop_density"] = liq.shift(-1).to_numpy() + rng.normal(size=len(liq))
    return early_warning(change(frame), liq)


def _depth(change: Change) -> Any:
    from liqcascade.protect._backtest import FillModel, depth_series

    at = pd.DatetimeIndex(["2025-03-10 03:00", "2024-06-10 03:00"], tz="UTC")
    totals = load_book_totals("ETH", "futures", store=False)
    return depth_series(at, FillModel(), "ETH", hourly=change(_eth_hourly()), totals=totals)


def _own_book(change: Change) -> Any:
    from liqcascade.collateral import calibrate_own_book

    return calibrate_own_book(change(_usde()), "2025-10-10 20:00").summary()


def _own_book_scored(change: Change) -> Any:
    from liqcascade.collateral import calibrate_own_book, own_book_out_of_sample

    fit = calibrate_own_book(_usde(), "2025-10-10 20:00")
    return own_book_out_of_sample(change(_usde()), fit, "2025-10-10 20:00")


def _minute_path(change: Change) -> Any:
    from liqcascade.collateral import ETH_BARS, eth_minute_path

    bars = datasets.load(ETH_BARS["binance-30m"])
    return eth_minute_path(change(bars), "2025-10-10T12:00:00Z", "2025-10-11T12:00:00Z")


#: (id, run, the parameter a text column is refused as, that column or None for a series)
CASES = [
    ("leverage_by_period", _leverage, "close", None),
    ("volatility_study", _study, "close", None),
    ("var_backtest", _var, "close", None),
    ("replay_bars", _replay, "hourly", "low"),
    ("run_backtest", _backtest, "ohlc", "close"),
    ("fit_liquidity_document", _calibrate, "liquidations", "long_usd"),
    ("early_warning", _early_warning, "frame", "stop_density"),
    ("depth_series", _depth, "hourly", "volume"),
    ("calibrate_own_book", _own_book, "bars", "volume"),
    ("own_book_out_of_sample", _own_book_scored, "bars", "close"),
    ("eth_minute_path", _minute_path, "eth_bars", "high"),
]


def _naive(obj: Frame) -> Frame:
    return obj.tz_localize(None)


def _same(got: Any, want: Any, where: str = "") -> None:
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=RTOL)
    elif isinstance(want, pd.Series):
        pd.testing.assert_series_equal(got, want, check_exact=False, rtol=RTOL)
    elif isinstance(want, np.ndarray):
        np.testing.assert_allclose(got, want, rtol=RTOL, err_msg=where)
    elif isinstance(want, dict):
        assert got.keys() == want.keys(), where
        for k in want:
            _same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _same(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=RTOL, nan_ok=True), where
    else:
        assert got == want, where


@pytest.mark.parametrize(
    ("run", "param", "column"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_naive_index_is_read_as_utc(
    run: Callable[[Change], Any], param: str, column: str | None
) -> None:
    want = run(lambda f: f)
    got = run(_naive)
    _same(got, want)


@pytest.mark.parametrize(
    ("run", "param", "column"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_text_column_is_refused_naming_the_parameter(
    run: Callable[[Change], Any], param: str, column: str | None
) -> None:
    def text(obj: Frame) -> Frame:
        out = obj.copy()
        if column is None:
            return out.astype(str)
        out[column] = out[column].astype(str)
        return out

    with pytest.raises(InputError, match="must be numbers") as e:
        run(text)
    assert e.value.param == param
