"""``data.resample_ohlcv`` (the one OHLCV resample) and ``data.bars_per_day``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade import events, volatility
from liqcascade.data import bars_per_day, resample_ohlcv
from liqcascade.errors import InputError
from liqcascade.market import ohlc_bars


def _hours(start: str, n: int) -> pd.DataFrame:
    idx = pd.date_range(start, periods=n, freq="1h", tz="UTC", name="ts")
    x = np.arange(1.0, n + 1.0)
    return pd.DataFrame(
        {"open": x, "high": x + 0.5, "low": x - 0.5, "close": x + 0.25, "volume": 2 * x},
        index=idx,
    )


def test_bins_count_from_the_epoch_whatever_the_first_bar() -> None:
    # hourly bars from 02:00: the first 4-hour bar is 00:00-04:00 (two hours of it)
    b = resample_ohlcv(_hours("2024-03-01 02:00", 10), "4h")
    assert list(b.index.strftime("%H:%M")) == ["00:00", "04:00", "08:00"]
    assert b.iloc[0].to_dict() == {
        "open": 1.0, "high": 2.5, "low": 0.5, "close": 2.25, "volume": 6.0
    }  # fmt: skip
    assert b["volume"].sum() == pytest.approx(2 * sum(range(1, 11)), rel=1e-12)


def test_data_layer_labels_and_pandas_frequencies() -> None:
    h = _hours("2024-03-01", 72)
    # "30m" is thirty minutes (pandas alone would read a month end), "1d" a UTC day
    pd.testing.assert_frame_equal(resample_ohlcv(h, "1h"), resample_ohlcv(h, "60min"))
    d = resample_ohlcv(h, "1d")
    assert list(d.index.strftime("%Y-%m-%d")) == ["2024-03-01", "2024-03-02", "2024-03-03"]
    pd.testing.assert_frame_equal(d, resample_ohlcv(h, "1D"))
    assert len(resample_ohlcv(h.iloc[:1], "30m")) == 1
    assert ohlc_bars is resample_ohlcv and events.resample_ohlcv is resample_ohlcv


def test_columns_it_lacks_are_left_out_and_others_dropped() -> None:
    h = _hours("2024-03-01", 8)[["high", "low", "close"]].assign(note=1.0)
    assert list(resample_ohlcv(h, "4h").columns) == ["high", "low", "close"]


@pytest.mark.parametrize("bad", ["7x", "events", "0h", "-4h", ""])
def test_a_bad_interval_is_an_input_error(bad: str) -> None:
    with pytest.raises(InputError, match=r"^interval") as e:
        resample_ohlcv(_hours("2024-03-01", 8), bad)
    assert e.value.param == "interval"


def test_bars_per_day_one_definition() -> None:
    assert (bars_per_day("1h"), bars_per_day("4h"), bars_per_day("30m")) == (24.0, 6.0, 48.0)
    assert bars_per_day("1w") == pytest.approx(1 / 7, rel=1e-12)
    assert events.BARS_PER_DAY == {"1d": 1, "4h": 6, "1h": 24}
    assert {iv: volatility.bars_per_day(iv) for iv in ("1d", "4h", "1h", "30m")} == {
        "1d": 1.0, "4h": 6.0, "1h": 24.0, "30m": 48.0
    }  # fmt: skip
    with pytest.raises(InputError) as e:
        bars_per_day("events")
    assert e.value.param == "interval"
