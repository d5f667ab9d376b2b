"""Unsorted or duplicated timestamps are refused by the volatility entries (session 23).

``fit_volatility`` fitted a shuffled series as it came (γ 0.059 against 0.073 sorted)
and a series with repeated rows as more data; ``log_returns`` sorted but kept repeated
timestamps, and made returns between two closes of one time. Both now refuse, naming
the first timestamp out of order, through the one check
(:func:`liqcascade._time.check_time_order`) ``detect_support``'s rule states.

The same session's leftovers: ``detect_support`` calls that check instead of its own
(which named no row), ``realized_volatility`` refuses what it sorted silently, and
``fit_joint_model(closes=...)`` names ``closes``, its own parameter, not ``close``.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from liqcascade._time import check_time_order
from liqcascade.errors import InputError
from liqcascade.events import detect_support
from liqcascade.stress import fit_joint_model
from liqcascade.volatility import fit_volatility, log_returns, realized_volatility


def _series(n: int = 6) -> pd.Series:
    idx = pd.date_range("2024-01-01", periods=n, freq="D", tz="UTC")
    return pd.Series([100.0 + i for i in range(n)], index=idx)


def test_fit_volatility_refuses_a_shuffled_series(eth_returns_2022_2025: pd.Series) -> None:
    shuffled = eth_returns_2022_2025.sample(frac=1, random_state=0)
    with pytest.raises(InputError, match="timestamps must be strictly increasing") as e:
        fit_volatility(shuffled)
    assert e.value.param == "returns"
    # the first row not after the one before it is named, with its time
    v = shuffled.index.asi8
    i = next(k for k in range(1, len(v)) if v[k] <= v[k - 1])
    assert f"row {i + 1}, {shuffled.index[i]}, comes before {shuffled.index[i - 1]}" in str(e.value)


def test_fit_volatility_refuses_repeated_rows(eth_returns_2022_2025: pd.Series) -> None:
    r = eth_returns_2022_2025
    with pytest.raises(InputError, match="timestamps must be strictly increasing") as e:
        fit_volatility(pd.concat([r, r.iloc[:5]]))  # was fitted with n_obs 1465
    assert e.value.param == "returns"
    assert f"row {len(r) + 1}, {r.index[0]}, comes before {r.index[-1]}" in str(e.value)


def test_log_returns_refuses_duplicated_closes_instead_of_inventing_returns() -> None:
    close = _series()
    doubled = pd.concat([close, close.iloc[-2:] * 1.1]).sort_index(kind="stable")
    with pytest.raises(InputError) as e:
        log_returns(doubled)  # made ±9.5 % returns between two closes of one day
    assert e.value.param == "close"
    assert str(e.value) == (
        "close: timestamps must be strictly increasing (sorted, no duplicates): "
        f"row 6, {close.index[4]}, repeats the one before it"
    )


def test_log_returns_refuses_an_unsorted_series_it_used_to_sort() -> None:
    close = _series()
    want = r"row 2, 2024-01-05 00:00:00\+00:00, comes before 2024-01-06"
    with pytest.raises(InputError, match=want):
        log_returns(close.iloc[::-1])


def test_sorted_series_pass_and_a_missing_timestamp_is_named() -> None:
    close = _series()
    check_time_order(close.index, "close")  # sorted and unique: nothing raised
    check_time_order(pd.RangeIndex(3)[::-1], "close")  # not a time index: not this check's
    idx = close.index.insert(2, pd.NaT)
    with pytest.raises(InputError, match=r"^close: row 3: the timestamp is missing \(NaT\)$"):
        check_time_order(idx, "close")


def test_detect_support_names_the_first_bar_out_of_order() -> None:
    close = _series()
    bars = pd.DataFrame({"low": close - 1.0, "close": close})
    with pytest.raises(InputError) as e:
        detect_support(bars.iloc[[0, 1, 3, 2, 4, 5]])
    assert e.value.param == "ohlcv"
    assert str(e.value) == (
        "ohlcv: timestamps must be strictly increasing (sorted, no duplicates): "
        f"row 4, {close.index[2]}, comes before {close.index[3]}"
    )  # was "OHLCV frame: ts must be strictly increasing", no row named
    with pytest.raises(InputError, match=r"row 2, .*, repeats the one before it"):
        detect_support(bars.iloc[[0, 0, 1, 2]])


def _hourly(n: int = 48) -> pd.Series:
    idx = pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC")
    return pd.Series(100.0 + (pd.RangeIndex(n) % 5).to_numpy(float), index=idx)


def test_realized_volatility_refuses_an_unsorted_series_it_used_to_sort() -> None:
    close = _hourly()
    ok = realized_volatility(close, min_bars=1)
    assert len(ok) == 2 and ok.notna().all()
    with pytest.raises(InputError) as e:
        realized_volatility(close.iloc[::-1], min_bars=1)  # was sorted: the same figures
    assert e.value.param == "intraday_close"
    assert f"row 2, {close.index[-2]}, comes before {close.index[-1]}" in str(e.value)


def test_realized_volatility_refuses_a_repeated_time() -> None:
    close = _hourly()
    doubled = pd.concat([close, close.iloc[[10]] * 1.05]).sort_index(kind="stable")
    with pytest.raises(InputError, match=r"^intraday_close: .*row 12, .*repeats the one before"):
        realized_volatility(doubled, min_bars=1)  # made a 4.9 % return within one hour


def test_fit_joint_model_names_its_closes_param() -> None:
    close = _series(200)
    shuffled = close.iloc[[*range(100), 101, 100, *range(102, 200)]]
    with pytest.raises(InputError) as e:
        fit_joint_model(["ETH"], {"ETH": 100.0}, as_of=close.index[-1], closes={"ETH": shuffled})
    assert e.value.param == "closes"  # was "close": log_returns' own name
    assert str(e.value).startswith("closes: timestamps must be strictly increasing")
    with pytest.raises(InputError, match="closes must be a pandas Series") as e:
        fit_joint_model(["ETH"], {"ETH": 100.0}, as_of=close.index[-1], closes={"ETH": [1.0]})
    assert e.value.param == "closes"
    # a close that is no positive price: named as the caller's closes too (was "close")
    bad = close.copy()
    bad.iloc[50] = -1.0
    want = f"closes must be a positive number (got -1.0 at {close.index[50]})"
    with pytest.raises(InputError, match=f"^{re.escape(want)}$") as e:
        fit_joint_model(["ETH"], {"ETH": 100.0}, as_of=close.index[-1], closes={"ETH": bad})
    assert e.value.param == "closes"
    # log_returns called alone names its own parameter
    with pytest.raises(InputError, match=r"^close must be a positive number") as e:
        log_returns(bad)
    assert e.value.param == "close"
