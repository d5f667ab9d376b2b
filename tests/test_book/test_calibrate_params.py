"""``book._calibrate`` names its parameters in errors (``param=``), never a CLI flag."""

from __future__ import annotations

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
