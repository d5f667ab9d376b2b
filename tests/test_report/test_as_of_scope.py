"""One out-of-sample rule in a report at an earlier market date (review 8, finding 3).

At a market date, the report scores only the events and months whose outcome was known
by then (each predicted by a fit before it); the whole stored back-test, which reads
later data, is shown beside it and marked so. The event back-test card prints the
``cascade backtest`` command that re-runs exactly its events.
"""

from __future__ import annotations

import json
import shlex
from importlib.resources import files
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clihelpers import run_cli
from floats import assert_same
from liqcascade.cascade._clock import MIN_SCORE_EVENTS, backtest_score
from liqcascade.cascade._scores import move_scores
from liqcascade.report._cascade_section import (
    _calibration_method,
    _oos_text,
    _p_text,
    backtest_command,
)
from liqcascade.report._section import IdentifiedScore

MARKET_TIME = "2025-05-01"  # a report as of 2025-04-30: the market's last bar closes here


def _stored(asset: str) -> dict[str, Any]:
    text = (files("liqcascade.cascade") / "calibrated" / f"{asset}.json").read_text()
    return json.loads(text)["backtest"]


def _closed_by(asset: str, t: str) -> list[str]:
    """The stored events whose 24 h ended by ``t`` (a plain twin of the rule)."""
    cut = pd.Timestamp(t, tz="UTC")
    return [
        ts
        for ts in _stored(asset)["per_event"]["ts"]
        if pd.Timestamp(ts) + pd.Timedelta(hours=24) <= cut
    ]


def _card(o: dict[str, Any], asset: str, short: bool = True) -> str:
    return _oos_text(SimpleNamespace(oos=o), short=short, asset=asset)  # type: ignore[arg-type]


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_at_an_earlier_date_only_the_events_closed_by_it_are_scored(asset: str) -> None:
    o = backtest_score(asset, False, before=MARKET_TIME)
    assert o is not None and o["scope"] == "events closed by the market date"
    want = _closed_by(asset, MARKET_TIME)
    whole = o["package_score"]
    assert MIN_SCORE_EVENTS <= o["n_events"] == len(want) < whole["n_events"]
    assert pd.Timestamp(o["end"]) == pd.Timestamp(want[-1])  # the last event scored
    assert o["start"] == whole["start"] and whole["scope"] == "package score"
    # the whole back-test beside it is the one stored, unchanged
    stored = _stored(asset)
    for k in ("move_mae_pp", "empirical_baseline_move_mae_pp", "trigger_baseline_move_mae_pp"):
        assert_same(whole[k], stored[k], rtol=1e-12)
    # the book split covers the same events
    assert o["n_book_in_sample"] + o["metrics_book_out_of_sample"]["n_events"] == o["n_events"]


def test_every_event_closed_gives_the_whole_back_test_and_too_few_are_marked() -> None:
    full = backtest_score("BTC", False)
    late = backtest_score("BTC", False, before="2025-08-02")
    assert full is not None and late is not None and late == full
    early = backtest_score("BTC", False, before="2024-11-20")
    assert early is not None and early["reads_after_market_date"] is True
    assert early["n_events_by_market_date"] < MIN_SCORE_EVENTS
    assert early["n_events"] == full["n_events"]
    card = _card(early, "BTC")
    assert "reading later data" in card and "re-run" not in card
    assert "not knowable then" in _card(early, "BTC", short=False)


@given(st.integers(0, 87), st.integers(0, 30))
def test_move_scores_before_keeps_the_events_whose_day_closed(i: int, hours: int) -> None:
    pe = _stored("BTC")["per_event"]
    t = pd.Timestamp(pe["ts"][i]) + pd.Timedelta(hours=hours)
    got = move_scores(pe, before=t)
    ts = pd.to_datetime(pd.Series(pe["ts"]), utc=True)
    keep = (ts + pd.Timedelta(hours=24) <= t).to_numpy()
    assert got["n_events"] == int(keep.sum())
    if keep.any():
        real = np.asarray(pe["realised_move"], float)[keep]
        pred = np.asarray(pe["predicted_move"], float)[keep]
        assert_same(got["move_mae_pp"], float(np.abs(pred - real).mean() * 100))


def test_the_card_prints_the_command_and_the_later_whole_score() -> None:
    o = backtest_score("BTC", False, before=MARKET_TIME)
    assert o is not None
    cmd = backtest_command(o, "BTC")
    assert cmd == (
        "liqcascade cascade backtest --asset BTC --start 2024-11-01 --end 2025-04-30T00:00"
    )
    card = _card(o, "BTC")
    # the scored events start where the open interest does, not at the window's start
    assert f"{o['n_events']} events 2024-11-23 → 2025-04" in card
    assert "later data" not in card and "re-run" not in card  # the card links to the section
    full = _card(o, "BTC", short=False)
    assert full.endswith(f"re-run: {cmd}")
    assert "whose 24 h closed by the market's time, 2025-05-01 00:00 UTC" in full
    assert "reads data after the market date and was not knowable then" in full
    assert "p = 0.00;" not in full and "p = 0.00)" not in full
    # at the default date: the whole back-test and the CLI's default window
    whole = backtest_score("BTC", False)
    assert whole is not None
    assert backtest_command(whole, "BTC").endswith("--start 2024-11-01 --end 2025-07-31")
    assert "later data" not in _card(whole, "BTC")
    assert _card(whole, "BTC", short=False).endswith(backtest_command(whole, "BTC"))


def test_the_method_sentence_is_true_at_any_date() -> None:
    o = backtest_score("BTC", False, before=MARKET_TIME)
    text = _calibration_method(o)
    assert f"at this date, {o['n_events']} of its 88 events" in text  # type: ignore[index]
    assert "at this date, all 88" in _calibration_method(backtest_score("BTC", False))
    assert "no back-test" in _calibration_method(None)


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.0019, "p = 0.002"), (0.0004, "p < 0.001"), (0.08, "p = 0.080"), (0.95, "p = 0.95")],
)
def test_p_values_use_the_shared_formatter(p: float, text: str) -> None:
    assert _p_text(p) == text


def test_liqmap_prints_the_validation_score_at_an_earlier_date() -> None:
    from liqcascade.report._liqmap_section import SCOPED, score_at_date, score_text

    package = {"corr_daily": 0.53, "range_baseline_corr_daily": 0.51, "start": "2025-03-01",
               "end": "2025-07-31", "days": 153, "scope": "package score"}  # fmt: skip
    metrics = {"corr_daily": 0.84, "range_baseline_corr_daily": 0.83,
               "range_baseline_corr_diff_daily": 0.01,
               "range_baseline_corr_diff_daily_p05": -0.02,
               "range_baseline_corr_diff_daily_p95": 0.04}  # fmt: skip
    bt = SimpleNamespace(
        metrics=metrics,
        metrics_out_of_sample=metrics,  # every month of the window is out of sample
        start=pd.Timestamp("2025-03-01", tz="UTC"),
        end=pd.Timestamp("2025-04-30 23:59", tz="UTC"),
    )
    scored = IdentifiedScore.from_backtest(bt)
    ctx = SimpleNamespace(as_of="2025-04-30", asset="BTC", identified_score=lambda a: scored)
    got = score_at_date(ctx, package)  # type: ignore[arg-type]
    assert got is not None and got["scope"] == SCOPED and got["package_score"] is package
    assert (got["start"], got["end"], got["days"]) == ("2025-03-01", "2025-04-30", 61)
    assert got["verdict"] == "ties"
    text = score_text(got)
    assert "0.84" in text and "2025-03-01 → 2025-04-30" in text
    assert "(2025-03-01 → 2025-07-31: 0.53 vs 0.51) reads data after the market date" in text
    # at or after the stored score's end: the stored score, as before
    ctx_late = SimpleNamespace(as_of="2025-07-31", asset="BTC", identified_score=lambda a: scored)
    assert score_at_date(ctx_late, package) is package  # type: ignore[arg-type]

    # no score to the market date: the stored one, flagged, and the section says why
    why = "the identified book's back-test of BTC cannot run (no open interest)"
    ctx_bad = SimpleNamespace(as_of="2025-02-10", asset="BTC", identified_score=lambda a: None,
                              no_identified_score=lambda a: why)  # fmt: skip
    flagged = score_at_date(ctx_bad, package)  # type: ignore[arg-type]
    assert flagged is not None and flagged["reads_after_market_date"] is True
    assert "not what was knowable then" in score_text(flagged)
    assert f"no score to the market date: {why})" in score_text(flagged)


@pytest.mark.slow
def test_the_printed_command_reproduces_the_card() -> None:
    """The command the card prints re-runs its events: the same scores (BTC, 2025-04-30)."""
    o = backtest_score("BTC", False, before=MARKET_TIME)
    assert o is not None
    args = shlex.split(backtest_command(o, "BTC"))[1:]
    r = run_cli(*args, "--json")
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["n_events"] == o["n_events"]
    for k in ("move_mae_pp", "empirical_baseline_move_mae_pp", "trigger_baseline_move_mae_pp",
              "coverage_80", "move_mae_diff_vs_empirical_pp_p05",
              "move_mae_diff_vs_empirical_pp_p95"):  # fmt: skip
        assert_same(got["metrics"][k], o[k], rtol=1e-9, atol=1e-12)
