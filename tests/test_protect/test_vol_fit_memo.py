"""The stop back-test's yearly GJR-t fits are made once per exact returns.

``_gjr_t_params`` keeps each fit under its returns (values, times, asset): a repeat is
the fit made afresh (a fit is a deterministic function of its returns), and other
returns (one more day) are fitted anew.
"""

from __future__ import annotations

import pandas as pd
import pytest

from liqcascade.protect import _backtest as bt


def _returns() -> pd.Series:
    from liqcascade.data import load_series
    from liqcascade.volatility import log_returns

    daily = load_series("ohlcv", asset="ETH", interval="1d", store=False)
    return log_returns(daily["close"][daily.index >= bt.VOL_FIT_START]).iloc[:800]


def test_a_repeat_is_the_fresh_fit_and_other_returns_are_fitted_anew() -> None:
    from liqcascade.volatility import fit_volatility

    r = _returns()
    bt._GJR_FITS.clear()
    first = bt._gjr_t_params(r, "ETH")
    assert len(bt._GJR_FITS) == 1
    again = bt._gjr_t_params(r.copy(), "ETH")
    assert len(bt._GJR_FITS) == 1 and again is not first  # the memo's own stays inside
    fresh = fit_volatility(r, "gjr", "t", interval="1d", asset="ETH").result.params
    pd.testing.assert_series_equal(again, fresh, rtol=1e-12)  # a deterministic fit
    again.iloc[0] = 99.0  # a caller's change does not reach the memo
    pd.testing.assert_series_equal(bt._gjr_t_params(r, "ETH"), first, rtol=0)
    shorter = bt._gjr_t_params(r.iloc[:-1], "ETH")
    assert len(bt._GJR_FITS) == 2 and not shorter.equals(first)


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    r = _returns().iloc[:200]
    monkeypatch.setattr(bt, "_GJR_FITS_MAX", 3)
    bt._GJR_FITS.clear()
    for k in range(5):
        bt._gjr_t_params(r, f"X{k}")  # another label: another key
    assert [key[0] for key in bt._GJR_FITS] == ["X2", "X3", "X4"]  # the oldest went first
