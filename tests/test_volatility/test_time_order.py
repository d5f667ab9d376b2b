"""Unsorted or duplicated timestamps are refused by the volatility entries (session 23).

``fit_volatility`` fitted a shuffled series as it came (γ 0.059 against 0.073 sorted)
and a series with repeated rows as more data; ``log_returns`` sorted but kept repeated
timestamps, and made returns between two closes of one time. Both now refuse, naming
the first timestamp out of order, through the one check
(:func:`liqcascade._time.check_time_order`) ``detect_support``'s rule states.
"""

from __future__ import annotations

import pandas as pd
import pytest

from liqcascade._time import check_time_order
from liqcascade.errors import InputError
from liqcascade.volatility import fit_volatility, log_returns


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
