"""The back-test on a window the open interest only partly covers (review findings 1, 9)."""

from __future__ import annotations

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.data import bundled
from liqcascade.market import book_backtest
from liqcascade.positions._backtest import uncovered_line, uncovered_spans

_BAR = pd.Timedelta(hours=4)


@pytest.fixture(scope="module")
def oi_end() -> pd.Timestamp:
    return pd.Timestamp(bundled.load_open_interest(asset="ETH").index[-1])


def test_end_two_months_after_the_data_predicts_what_exists(oi_end: pd.Timestamp) -> None:
    # the window runs two whole months past the last open interest (it used to crash)
    first = (oi_end.normalize() - pd.offsets.MonthBegin(1)).normalize()
    end = (oi_end.normalize() + pd.offsets.MonthEnd(2)).normalize()
    res = book_backtest("ETH", first, f"{end:%Y-%m-%d}", store=False, bands=False)
    assert res.covered_start == first
    assert res.covered_end == oi_end
    assert res.bars == int((oi_end - first) / _BAR) + 1
    months = {m["month"]: m for m in res.months}
    after = [m for k, m in months.items() if k > f"{oi_end:%Y-%m}"]
    assert len(after) == 2
    for m in after:
        assert m["bars"] == 0 and m["note"] == "no open interest" and m["metrics"] is None
    assert months[f"{oi_end:%Y-%m}"]["bars"] > 0
    (span,) = res.uncovered
    assert span["start"] == oi_end + _BAR
    assert uncovered_line(span) == (
        f"{oi_end + _BAR:%Y-%m-%d} → {end:%Y-%m-%d}: no open interest "
        f"(data end {oi_end:%Y-%m-%d %H:%M}), not predicted"
    )
    d = res.to_dict(series=False)
    assert d["covered_end"] == oi_end.isoformat()
    assert d["uncovered"][0]["reason"].startswith("no open interest (data end")
    assert "no open interest" not in res.params_source  # the months after are not IN SAMPLE


def test_cli_names_the_span_not_predicted_and_the_covered_one(oi_end: pd.Timestamp) -> None:
    end = (oi_end.normalize() + pd.offsets.MonthEnd(2)).normalize()
    r = run_cli(
        "liqmap", "backtest", "--asset", "ETH", "--start", f"{oi_end:%Y-%m}-01",
        "--end", f"{end:%Y-%m-%d}", "--no-bands",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert f"covering {oi_end:%Y-%m}-01 00:00 -> {oi_end:%Y-%m-%d %H:%M}" in r.stdout
    assert (
        f"{oi_end + _BAR:%Y-%m-%d} → {end:%Y-%m-%d}: no open interest (data end "
        f"{oi_end:%Y-%m-%d %H:%M}), not predicted"
    ) in r.stdout


def test_window_wholly_after_the_data_is_one_error_line(oi_end: pd.Timestamp) -> None:
    a = oi_end.normalize() + pd.offsets.MonthBegin(1)
    b = a + pd.offsets.MonthEnd(1)
    r = run_cli("liqmap", "backtest", "--asset", "ETH", "--start", f"{a:%Y-%m-%d}",
                "--end", f"{b:%Y-%m-%d}", "--json")  # fmt: skip
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no open interest for ETH 4h")
    assert f"-> {oi_end:%Y-%m-%d %H:%M} UTC" in lines[0]


def test_window_starting_before_the_data_says_the_covered_span() -> None:
    first = pd.Timestamp(bundled.load_open_interest(asset="ETH").index[0])
    res = book_backtest("ETH", "2024-11-01", "2024-12-31", store=False, bands=False)
    assert res.covered_start == first
    assert res.start == pd.Timestamp("2024-11-01", tz="UTC")
    (span,) = res.uncovered
    assert span["end"] < first <= span["end"] + pd.Timedelta(microseconds=1)
    assert uncovered_line(span) == (
        f"2024-11-01 → {first:%Y-%m-%d %H:%M}: no open interest "
        f"(data start {first:%Y-%m-%d %H:%M}), not predicted"
    )
    d = res.to_dict(series=False)
    assert d["covered_start"] == first.isoformat() and d["start"].startswith("2024-11-01")
    assert res.bars == len(res.frame) < int((res.end - res.start) / _BAR)


def test_uncovered_spans_of_a_covered_window_are_empty() -> None:
    idx = pd.date_range("2025-01-01", periods=60, freq="4h", tz="UTC")
    assert uncovered_spans(idx, idx[0], idx[-1] + _BAR - pd.Timedelta(microseconds=1), _BAR) == []
    # less than a bar short of either end is not a gap; a whole bar is
    assert uncovered_spans(idx, idx[0] - pd.Timedelta(hours=3), idx[-1] + _BAR, _BAR) == []
    end = idx[-1] + 2 * _BAR - pd.Timedelta(microseconds=1)
    assert uncovered_spans(idx, idx[0] - _BAR, end, _BAR) == [
        {"start": idx[0] - _BAR, "end": idx[0] - pd.Timedelta(microseconds=1),
         "reason": f"no open interest (data start {idx[0]:%Y-%m-%d %H:%M})"},
        {"start": idx[-1] + _BAR, "end": end,
         "reason": f"no open interest (data end {idx[-1]:%Y-%m-%d %H:%M})"},
    ]  # fmt: skip
