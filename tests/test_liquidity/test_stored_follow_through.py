"""The follow-through stored with the liquidity calibration, which the report reads.

The shipped ETH and BTC files carry every date of 2024-11-23 → 2025-07-31 (400 paths,
seed 0); the stored rows are what a live ``calibrated_follow_through`` gives on those
dates (three dates here, one of them on prices cut at its own hour: no row reads
anything after its date); the loader cuts at a date, computes history from the prices
up to it, refuses a record of other settings or other prices, and extends a record
that ends before the date asked with the same rows a whole run gives.
"""

from __future__ import annotations

import json
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from floats import assert_same
from liqcascade.cascade import (
    ModelFollowThrough,
    calibrated_follow_through,
    follow_through,
    stored_follow_through,
)
from liqcascade.cascade._backtest import estimated_market_at
from liqcascade.cascade._follow_through import RECORD_SETTINGS, follow_through_record
from liqcascade.data import load_series
from liqcascade.errors import InputError

HOUR = pd.Timedelta(hours=1)
FIRST, LAST = pd.Timestamp("2024-11-23 20:00", tz="UTC"), pd.Timestamp("2025-07-31 20:00", tz="UTC")
#: One path either way: a path ending within float noise of −27 % may land on either side
#: on another CPU.
SHARE_ATOL = 1.0 / RECORD_SETTINGS["n_paths"] + 1e-12


def _shipped(asset: str) -> dict:
    return json.loads((files("liqcascade.cascade") / "calibrated" / f"{asset}.json").read_text())


def _hourly(asset: str) -> pd.DataFrame:
    return load_series("ohlcv", asset=asset, interval="1h", store=False)


def _rows(asset: str) -> pd.DataFrame:
    m = stored_follow_through(asset, False)
    assert m is not None
    return m.dates.set_index("ts")


def _same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Rows equal within the floats' tolerance (the share of paths: one path)."""
    assert list(got.index) == list(want.index)
    assert_same(got["seed"].to_numpy(), want["seed"].to_numpy())
    cols = ["mid", "sigma", "total_median", "total_p10", "total_p90"]
    assert_same(got[cols].to_numpy(float), want[cols].to_numpy(float), rtol=1e-9, atol=1e-9)
    assert_same(got["share_beyond"].to_numpy(float), want["share_beyond"].to_numpy(float),
                rtol=0.0, atol=SHARE_ATOL)  # fmt: skip


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_shipped_record_holds_every_date(asset: str) -> None:
    rec = _shipped(asset)["follow_through"]
    assert {k: rec[k] for k in RECORD_SETTINGS} == RECORD_SETTINGS
    assert rec["start"] == FIRST.isoformat() and rec["end"] == LAST.isoformat()
    d = rec["dates"]
    days = pd.date_range(FIRST, LAST, freq="D")
    assert rec["n_dates"] == len(days) == 251
    assert d["ts"] == [t.isoformat() for t in days]
    assert d["seed"] == list(range(251))  # seed 0 + the day count from the first date
    assert all(len(v) == 251 for v in d.values())
    # every path falls at least by the shock; the interval holds the median
    lo, med, hi = (np.array(d[k]) for k in ("total_p10", "total_median", "total_p90"))
    assert (hi <= -0.05 + 1e-12).all() and (lo <= med).all() and (med <= hi).all()
    size = (files("liqcascade.cascade") / "calibrated" / f"{asset}.json").read_bytes()
    assert len(size) < 400_000


@pytest.mark.parametrize(
    ("asset", "days"), [("ETH", ["2024-11-23", "2025-04-15"]), ("BTC", ["2025-02-03"])]
)
def test_stored_rows_are_a_live_run(asset: str, days: list[str]) -> None:
    """Three dates recomputed by ``calibrated_follow_through``: the stored rows.

    ETH's first date uses the prior (no event before it); BTC's is run on the hourly
    prices cut at its own 20:00: the row reads nothing after its date.
    """
    stored = _rows(asset)
    h = _hourly(asset)
    market_at = estimated_market_at(asset=asset, store=False)
    for day in days:
        ts = pd.Timestamp(day, tz="UTC") + 20 * HOUR
        cut = h[h.index < ts] if asset == "BTC" else h
        live = calibrated_follow_through(asset, day, day, store=False, hourly=cut,
                                         market_at=market_at)  # fmt: skip
        assert live.n_dates == 1
        _same_rows(live.dates.set_index("ts"), stored.loc[[ts]])


def test_loader_cuts_at_the_date_with_history_up_to_it() -> None:
    h = _hourly("ETH")
    m = stored_follow_through("ETH", False, end="2025-03-01")
    assert isinstance(m, ModelFollowThrough) and m.source == "package:calibrated/ETH.json"
    assert m.every == 1 and m.n_paths == 400 and m.asset == "ETH"
    assert m.period == (FIRST, pd.Timestamp("2025-03-01 20:00", tz="UTC"))
    assert m.n_dates == 99 and m.dates["ts"].iloc[-1] == m.period[1]
    # history: the real falls in the prices up to the end of that day, and no later
    cut = h[h.index <= pd.Timestamp("2025-03-01 23:00", tz="UTC")]
    pd.testing.assert_frame_equal(m.history.events, follow_through(cut, drop=-0.05).events)
    assert m.history_span == (cut.index[0], cut.index[-1])
    # the prices given instead: cut the same way, same rows
    g = stored_follow_through("ETH", False, end="2025-03-01", hourly=h)
    assert g is not None
    pd.testing.assert_frame_equal(g.dates, m.dates)
    assert g.history.n == m.history.n
    # the rows are the whole record's first 99
    pd.testing.assert_frame_equal(m.dates.set_index("ts"), _rows("ETH").iloc[:99])
    # a date before the first stored one: nothing stored up to it
    assert stored_follow_through("ETH", False, end="2024-11-22") is None


def test_loader_refuses_other_settings_and_other_prices() -> None:
    assert stored_follow_through("ETH", False, n_paths=48) is None
    assert stored_follow_through("ETH", False, shock=-0.03) is None
    assert stored_follow_through("ETH", False, beyond=-0.2) is None
    assert stored_follow_through("ETH", False, seed=1) is None
    assert stored_follow_through("XRP", False) is None  # no calibration at all
    h = _hourly("ETH")
    other = h.copy()
    other.loc[other.index >= pd.Timestamp("2025-06-01", tz="UTC"), "close"] *= 1.01
    assert stored_follow_through("ETH", False, end="2025-05-31", hourly=other) is not None
    assert stored_follow_through("ETH", False, end="2025-07-31", hourly=other) is None


def _doc_with(monkeypatch: pytest.MonkeyPatch, doc: dict) -> None:
    """Serve ``doc`` as ETH's liquidity document (the package's name)."""
    from liqcascade.cascade import _clock

    monkeypatch.setattr(_clock, "liquidity_document",
                        lambda asset, store=None: (doc, "package:calibrated/ETH.json"))  # fmt: skip


def test_a_malformed_record_names_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _shipped("ETH")
    del doc["follow_through"]["dates"]["sigma"]
    _doc_with(monkeypatch, doc)
    with pytest.raises(InputError, match=r"calibrated/ETH.json: follow_through.dates needs"):
        stored_follow_through("ETH", False)
    doc = _shipped("ETH")
    doc["follow_through"]["dates"]["mid"].pop()
    _doc_with(monkeypatch, doc)
    with pytest.raises(InputError, match="differ in length"):
        stored_follow_through("ETH", False)


def test_a_record_ending_early_is_extended_by_a_live_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prices after the record (a store with later data): the later dates are computed."""
    full = _rows("ETH")
    doc = _shipped("ETH")
    rec = doc["follow_through"]
    rec["dates"] = {k: v[:-2] for k, v in rec["dates"].items()}  # up to 2025-07-29
    rec["end"], rec["n_dates"] = "2025-07-29T20:00:00+00:00", 249
    _doc_with(monkeypatch, doc)
    short = stored_follow_through("ETH", False, end="2025-07-31")
    assert short is not None and short.n_dates == 249
    assert short.period == (FIRST, pd.Timestamp("2025-07-29 20:00", tz="UTC"))
    m = stored_follow_through("ETH", False, end="2025-07-31", extend=True)
    assert m is not None and m.n_dates == 251 and m.period == (FIRST, LAST)
    assert m.source == "package:calibrated/ETH.json; computed after 2025-07-29"
    _same_rows(m.dates.set_index("ts"), full)


def test_the_record_is_the_run_as_stored() -> None:
    """``follow_through_record`` writes the run's rows; a run that skips dates is refused."""
    m = stored_follow_through("ETH", False, end="2024-12-01")
    assert m is not None
    rec = follow_through_record(m, seed=0)
    assert rec["n_dates"] == 9 and rec["end"] == "2024-12-01T20:00:00+00:00"
    ship = _shipped("ETH")["follow_through"]["dates"]
    assert rec["dates"] == {k: v[:9] for k, v in ship.items()}
    with pytest.raises(InputError) as e:
        follow_through_record(ModelFollowThrough(m.dates, -0.05, -0.27, m.history, every=7), seed=0)
    assert e.value.param == "every"
