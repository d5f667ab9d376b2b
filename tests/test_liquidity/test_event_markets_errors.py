"""The event back-test's markets: only "no market at this date" reads as no market.

A market build that fails for another reason (a calibration that cannot be used, a
store that cannot be read) must reach the user, not skip the event as if the data had
no market then.
"""

from __future__ import annotations

import pandas as pd
import pytest

from liqcascade.errors import InputError


@pytest.fixture(scope="module")
def markets():
    from liqcascade.cascade._event_markets import EventMarkets
    from liqcascade.market import load_market_inputs

    inp = load_market_inputs("ETH", store=False)
    return EventMarkets("ETH", store=False, inputs=inp, check=False)


_T = pd.Timestamp("2025-03-03 09:00", tz="UTC")


def test_a_date_before_the_data_has_no_market(markets) -> None:
    assert markets(pd.Timestamp("2024-11-05 10:00", tz="UTC"), 2500.0) is None


def test_a_broken_depth_calibration_is_not_read_as_no_market(markets, monkeypatch) -> None:
    import liqcascade.book as book

    def broken(*args, **kwargs):
        raise InputError("depth_calibration.json: depth_beta ETH is not a number", file="x")

    monkeypatch.setattr(book, "book_from_totals", broken)  # the name the event markets read
    with pytest.raises(InputError) as got:
        markets(_T, 2380.0)
    assert str(got.value) == "x: depth_calibration.json: depth_beta ETH is not a number"
    assert (_T, 2380.0) not in markets._cache  # not remembered as "no market"


def test_no_market_reads_the_date_and_missing_series_only() -> None:
    from liqcascade.cascade._event_markets import no_market
    from liqcascade.data import SeriesNotFound

    assert no_market(InputError("as_of 2017-01-01: the series starts 2024", param="as_of"))
    assert no_market(SeriesNotFound("no book totals for XRP"))
    assert not no_market(InputError("calibration file: not JSON", file="BTC.json"))
    assert not no_market(InputError("store: cannot open it", param="store"))
