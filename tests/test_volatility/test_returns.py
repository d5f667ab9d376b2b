from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from floats import assert_same
from liqcascade import datasets
from liqcascade.errors import InputError
from liqcascade.volatility import bars_per_day, bars_per_year, load_close, log_returns
from reference.volatility_reference import log_returns_py


def test_returns_by_hand_on_real_bars() -> None:
    eth = datasets.load_ohlcv("ETH", "1d", start="2022-06-15", end="2022-06-19")["close"]
    r = log_returns(eth, "2022-06-16", "2022-06-18")
    # closes inside [16, 18] are the 16th, 17th, 18th -> two returns, stamped 17th and 18th
    c16, c17, c18 = (float(eth.loc[pd.Timestamp(f"2022-06-{d}", tz="UTC")]) for d in (16, 17, 18))
    assert list(r.index.strftime("%Y-%m-%d")) == ["2022-06-17", "2022-06-18"]
    assert r.iloc[0] == pytest.approx(100 * math.log(c17 / c16), rel=1e-12)
    assert r.iloc[1] == pytest.approx(100 * math.log(c18 / c17), rel=1e-12)
    assert c18 == pytest.approx(995.1, abs=0.05)  # the known print (data README)


def test_inclusive_end_date_takes_the_whole_hourly_day() -> None:
    h = datasets.load_ohlcv("ETH", "1h", start="2024-08-04", end="2024-08-06")["close"]
    r = log_returns(h, "2024-08-05", "2024-08-05")
    assert r.index.min() > pd.Timestamp("2024-08-05 00:00", tz="UTC")
    assert r.index.max() == pd.Timestamp("2024-08-05 23:00", tz="UTC")
    assert len(r) == len(h.loc["2024-08-05"]) - 1
    # the day by any spelling pandas reads as a day; a time at midnight is that instant
    for day in ("2024-8-5", "Aug 5 2024", "August 5, 2024", " 2024-08-05 "):
        assert log_returns(h, "2024-08-05", day).equals(r)
    assert log_returns(h, "2024-08-05", "2024-08-06 00:00").index.max() == pd.Timestamp(
        "2024-08-06 00:00", tz="UTC"
    )


def test_matches_plain_python_reference_on_real_data() -> None:
    close = datasets.load_ohlcv("ETH", "1d")["close"]
    rng = np.random.default_rng(5)
    for _ in range(20):
        i, j = sorted(rng.integers(0, len(close), 2))
        s, e = close.index[i], close.index[j]
        ref = log_returns_py(list(close.index), list(close.to_numpy()), s, e)
        if not ref:  # one close in the range gives no return: refused, not an empty series
            with pytest.raises(InputError, match="too few closes in the range: 1"):
                log_returns(close, s, e.strftime("%Y-%m-%d"))
            continue
        got = log_returns(close, s, e.strftime("%Y-%m-%d"))
        assert len(got) == len(ref)
        if ref:
            assert list(got.index) == [t for t, _ in ref]
            # numpy's log and math.log are different libms: 100 x the difference of two logs
            # of ~8 keeps their last-bit differences (1.8e-13 seen with numpy 1.26)
            assert_same(got.to_numpy(), [v for _, v in ref])


def test_start_after_end_is_an_input_error(eth_close: pd.Series) -> None:
    with pytest.raises(InputError) as e:
        log_returns(eth_close, "2023-01-02", "2023-01-01")
    assert e.value.params == ("start", "end")
    assert str(e.value) == "start (2023-01-02) is after end (2023-01-01)"
    flags = {"start": "--start", "end": "--end"}
    assert e.value.for_flags(flags) == "--start (2023-01-02) is after --end (2023-01-01)"


def test_bad_close_is_an_input_error() -> None:
    idx = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
    with pytest.raises(InputError, match="positive"):
        log_returns(pd.Series([1.0, 2.0, 0.0, 3.0], index=idx))


def test_too_few_closes_are_refused_naming_what_is_short() -> None:
    idx = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")
    close = pd.Series([100.0, 101.0, 99.0], index=idx)
    for n in (0, 1):  # no return from 0 or 1 close: an error, not an empty series
        with pytest.raises(InputError) as e:
            log_returns(close.iloc[:n], name="closes")
        assert e.value.param == "closes"
        word = "close" if n == 1 else "closes"
        assert str(e.value) == f"closes is too short: {n} {word}, and a log return needs 2"
    with pytest.raises(InputError) as e:
        log_returns(close, "2024-01-03")  # one close from the start on
    assert e.value.params == ("start",)
    assert str(e.value) == (
        "start: too few closes in the range: 1 (a log return needs 2; close runs "
        "2024-01-01 to 2024-01-03)"
    )
    with pytest.raises(InputError) as e:
        log_returns(close, "2025-01-01", "2025-02-01")
    assert e.value.for_flags({"start": "--start", "end": "--end"}).startswith(
        "--start/--end: too few closes in the range: 0 (a log return needs 2; close runs"
    )
    hourly = pd.Series([1.0], index=pd.DatetimeIndex(["2024-01-01 05:00"], tz="UTC"))
    with pytest.raises(InputError, match=r"close runs 2024-01-01 05:00 to 2024-01-01 05:00\)"):
        log_returns(hourly, end="2024-01-02")
    # two closes are enough: one return
    assert len(log_returns(close, "2024-01-02")) == 1


def test_callers_that_count_returns_keep_their_own_words(eth_close: pd.Series) -> None:
    from liqcascade.volatility import Period, leverage_by_period, volatility_study

    with pytest.raises(InputError) as e:  # the study's minimum, not log_returns' 2
        volatility_study(eth_close, start="2024-01-01", end="2024-01-01", asset="ETH")
    assert "too few observations: 0 returns of ETH 1d in the range (need >= 100)" in str(e.value)
    day = pd.Timestamp("2024-01-01", tz="UTC")
    rows = leverage_by_period(eth_close, periods=[Period("one day", day, day)]).to_list()
    # the day's own return (31 Dec -> 1 Jan, from the whole series) is in it: one return
    assert [(r["verdict"], r["n_obs"]) for r in rows] == [("too few observations", 1)]


def test_scaling_constants() -> None:
    assert bars_per_year("1d") == 365
    assert bars_per_year("1h") == 8760
    assert bars_per_day("1h") == 24
    with pytest.raises(InputError, match=r"^interval must be one of 1d, 4h, 1h, 30m") as e:
        bars_per_day("7m")
    assert e.value.param == "interval"


def test_load_close_bundled_and_data_file(tmp_path) -> None:
    c = load_close("ETH", "1d")
    assert len(c) == 3059 and c.index.tz is not None
    f = tmp_path / "px.csv"
    pd.DataFrame(
        {
            "ts": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "open": [99.0, 100.0, 110.0],
            "high": [101.0, 111.0, 112.0],
            "low": [98.0, 99.0, 97.0],
            "close": [100.0, 110.0, 99.0],
            "volume": [5.0, 6.0, 7.0],
        }
    ).to_csv(f, index=False)
    u = load_close("ETH", "1d", data_file=f)
    r = log_returns(u)
    assert r.iloc[0] == pytest.approx(100 * math.log(1.1))
    assert r.iloc[1] == pytest.approx(100 * math.log(99 / 110))


@pytest.mark.parametrize(
    ("end", "whole_day"),
    [
        (pd.Timestamp("2024-08-05", tz="UTC"), False),
        (pd.Timestamp("2024-08-05"), False),
        (dt.datetime(2024, 8, 5), False),
        (np.datetime64("2024-08-05T00:00"), False),
        ("2024-08-05 00:00", False),
        ("2024-08-05", True),
        (dt.date(2024, 8, 5), True),
    ],
    ids=["ts-utc", "ts-naive", "datetime", "datetime64", "str-midnight", "str-day", "date"],
)
def test_a_midnight_end_is_read_as_load_bars_reads_it(end: Any, whole_day: bool) -> None:
    """One rule (docs/data.md, "Dates on the command line"): a day (a bare date string or
    a datetime.date) holds that whole day; a time, a Timestamp or a datetime at midnight
    is that instant. log_returns read a midnight Timestamp as the whole day, load_bars as
    the instant: the same end gave closes to 23:00 in one and to 00:00 in the other."""
    from liqcascade.events._load import load_bars

    h = datasets.load_ohlcv("ETH", "1h", start="2024-08-04", end="2024-08-06")["close"]
    bars, _ = load_bars("ETH", "1h", start="2024-08-04", end=end)
    r = log_returns(h, "2024-08-04", end)
    last = pd.Timestamp("2024-08-05 23:00" if whole_day else "2024-08-05 00:00", tz="UTC")
    assert r.index.max() == last
    assert bars.index.max() == last
