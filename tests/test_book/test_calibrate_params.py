"""``book._calibrate`` names its parameters in errors (``param=``), never a CLI flag."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.book import depth_beta
from liqcascade.book._calibrate import book_totals_at
from liqcascade.errors import InputError


def test_depth_beta_of_an_uncalibrated_asset_names_asset() -> None:
    with pytest.raises(InputError) as e:
        depth_beta("DOGE")
    assert e.value.param == "asset"
    msg = str(e.value)
    assert msg.startswith("asset: no calibrated depth exponent for DOGE") and "--" not in msg
    assert "calibrated: ETH, BTC" in msg or "calibrated: BTC, ETH" in msg
    assert e.value.for_flags({"asset": "--asset"}).startswith("--asset: no calibrated depth")


def test_book_totals_at_a_bad_date_names_as_of() -> None:
    idx = pd.date_range("2025-07-01", periods=3, freq="4h", tz="UTC")
    totals = pd.DataFrame({"bids_usd": [1.0, 2.0, 3.0]}, index=idx)
    # bars are labelled by their open: at 05:00 only the 00:00 bar has closed
    assert book_totals_at(totals, "2025-07-01 05:00")["bids_usd"] == 1.0
    assert book_totals_at(totals, "2025-07-01 08:00")["bids_usd"] == 2.0
    for value, message in (
        ("notadate", "as_of: not a date or time: 'notadate'"),
        ("", "as_of is empty: give a date (YYYY-MM-DD) or a UTC time"),
    ):
        with pytest.raises(InputError) as e:
            book_totals_at(totals, value)
        assert e.value.param == "as_of" and str(e.value) == message
        assert e.value.for_flags({"as_of": "--as-of"}) == message.replace("as_of", "--as-of")


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_book_totals_each_is_book_totals_at_on_every_bundled_bar(asset: str) -> None:
    """:func:`book_totals_each` (one index read) gives :func:`book_totals_at`'s row at
    every bar close of the bundled totals, between two closes, and at bare dates."""
    from floats import assert_same
    from liqcascade._time import bar_step
    from liqcascade.book._calibrate import book_totals_each
    from liqcascade.market import load_market_inputs

    totals = load_market_inputs(asset).book_totals
    idx = pd.DatetimeIndex(totals.index)
    step = bar_step(idx)
    dates: list[object] = list(idx + step)  # each bar's close
    dates += list(idx[::7] + step + pd.Timedelta(hours=1, minutes=30))
    dates += [f"{t:%Y-%m-%d}" for t in idx[6::50]]
    got = book_totals_each(totals, dates)
    assert len(got) == len(dates)
    for a, row in zip(dates, got, strict=True):
        want = book_totals_at(totals, a)
        assert list(row) == list(want.index)
        assert_same(np.array(list(row.values()), dtype=float), want.to_numpy(float), rtol=0.0)


def test_book_totals_each_raises_as_book_totals_at() -> None:
    from liqcascade.book._calibrate import book_totals_each

    idx = pd.date_range("2025-07-01", periods=3, freq="4h", tz="UTC")
    totals = pd.DataFrame({"bids_usd": [1.0, 2.0, 3.0]}, index=idx)
    assert [r["bids_usd"] for r in book_totals_each(totals, ["2025-07-01 05:00", None])] == [
        1.0,
        3.0,
    ]
    for value in ("2025-06-30", "2025-07-03 00:00", "notadate"):
        with pytest.raises(InputError) as want:
            book_totals_at(totals, value)
        with pytest.raises(InputError) as got:
            book_totals_each(totals, ["2025-07-01 05:00", value])
        assert (str(got.value), got.value.param) == (str(want.value), want.value.param)
    with pytest.raises(InputError, match="no book-totals bars"):
        book_totals_each(totals.iloc[:0], ["2025-07-01"])
