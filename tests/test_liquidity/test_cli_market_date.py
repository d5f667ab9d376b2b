"""`cascade` names its market's bar by both ends, says when the liquidity is the prior,
flags moves at the book's edge, and scopes its out-of-sample score (review findings
3, 13, 20b)."""

from __future__ import annotations

import functools

import pandas as pd
import pytest

import fragilitymemo
from clihelpers import run_cli
from floats import assert_same

BAR = "bar 2024-11-25 20:00–2024-11-26 00:00 UTC"


def test_cascade_before_any_fit_says_prior_and_names_the_bar() -> None:
    r = run_cli("cascade", "--asset", "ETH", "--as-of", "2024-11-25", "--shock", "-0.05", "--json")
    assert r.exit_code == 0, r.stderr
    warn = [ln for ln in r.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warn) == 1 and "prior" in warn[0] and "0 events" in warn[0]
    out = r.json()
    assert pd.Timestamp(out["bar_open"]) == pd.Timestamp("2024-11-25 20:00", tz="UTC")
    assert pd.Timestamp(out["bar_close"]) == pd.Timestamp("2024-11-26 00:00", tz="UTC")
    assert out["as_of"] == out["bar_close"]  # the key keeps its meaning (the close)
    assert out["calibration"]["prior"] is True and out["calibration"]["n_events"] == 0
    # the score quoted: what was knowable at this market; too few events had closed by
    # then (the shipped per-event record), so the whole back-test, labelled as later data
    oos = out["out_of_sample"]
    assert oos["scope"] == "package score" and oos["reads_after_market_date"] is True
    assert oos["n_events_by_market_date"] < 10
    assert pd.Timestamp(oos["scored_by"]) == pd.Timestamp(out["bar_close"])
    text = run_cli("cascade", "--asset", "ETH", "--as-of", "2024-11-25", "--shock", "-0.05")
    assert text.exit_code == 0, text.stderr
    flat = " ".join(text.stdout.split())
    assert BAR in flat and "the prior, not a fit" in flat
    assert f"only {oos['n_events_by_market_date']} closed by the market's time" in flat
    assert "(125 events, reading data after the market date)" in flat


def test_cascade_scores_the_events_closed_by_its_date_as_the_report_does() -> None:
    """``cascade --as-of D`` quotes the events whose 24 h closed by its market's time, the
    report's rule (``backtest_score(before=...)``), never the events after it; the whole
    back-test follows on its own line, labelled as reading data after the market date."""
    from liqcascade.cascade._clock import backtest_score

    r = run_cli("cascade", "--asset", "ETH", "--as-of", "2025-03-01", "--shock", "-0.05", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    oos = out["out_of_sample"]
    close = pd.Timestamp(out["bar_close"])
    assert oos["scope"] == "events closed by the market date"
    assert pd.Timestamp(oos["scored_by"]) == close
    assert pd.Timestamp(oos["end"]) + pd.Timedelta(hours=24) <= close  # the last event
    report = backtest_score("ETH", False, before=close)  # what the report at D scores
    assert report is not None and oos["n_events"] == report["n_events"] >= 10
    assert_same(oos["move_mae_pp"], report["move_mae_pp"])
    whole = oos["package_score"]
    assert whole["n_events"] == oos["package_n_events"] > oos["n_events"]
    text = run_cli("cascade", "--asset", "ETH", "--as-of", "2025-03-01", "--shock", "-0.05")
    flat = " ".join(text.stdout.split())
    assert (
        f"the {oos['n_events']} events whose 24 h closed by the market's time, "
        f"{close:%Y-%m-%d %H:%M} UTC" in flat
    )
    assert "re-run: liqcascade cascade backtest --asset ETH --start 2024-11-01 --end" in flat
    assert f"({oos['n_events']} events closed by the market date)" in flat
    assert (
        "whole back-test reads data after the market date, not knowable then: "
        f"package score, event back-test 2024-11-23 → 2025-07-31 ({whole['n_events']} events)"
        in flat
    )
    assert "events after the market date" not in flat


def test_a_fitted_date_has_no_warning_and_scores_the_events_before_it() -> None:
    r = run_cli("cascade", "--asset", "ETH", "--as-of", "2025-05-15", "--shock", "-0.05", "--json")
    assert r.exit_code == 0, r.stderr
    assert "warning:" not in r.stderr
    out = r.json()
    assert out["calibration"]["prior"] is False
    oos = out["out_of_sample"]
    assert oos["scope"] == "events closed by the market date" and oos["n_events"] >= 10
    assert pd.Timestamp(oos["end"]) <= pd.Timestamp("2025-05-15", tz="UTC")
    # at the data's end every event has closed: the package score, the whole back-test
    late = run_cli("cascade", "--asset", "ETH", "--as-of", "2025-07-31", "--shock", "-0.05")
    assert late.exit_code == 0, late.stderr
    flat = " ".join(late.stdout.split())
    assert "package score, event back-test 2024-11-23 → 2025-07-31 (125 events)" in flat
    assert "every one closed by the market's time" in flat
    assert "whole back-test reads data after" not in flat
    # the scored events start where the open interest does; the window's earlier
    # triggers are counted, not dropped silently
    assert "the whole back-test, 125 events 2024-11-23 → 2025-07-31" in flat
    assert "13 triggers of the window are not scored (no open interest: 13)" in flat


def test_moves_at_the_book_edge_are_flagged() -> None:
    r = run_cli("cascade", "--asset", "ETH", "--as-of", "2024-11-25", "--shock", "0.3", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    edge = out["book_edge_move"]
    assert 0.39 < edge <= 0.4 + 1e-9  # the parametric book ends at +40 % of mid
    assert out["move_p90_at_book_edge"] is True
    assert out["move_p90"] >= edge - 1e-6
    text = run_cli("cascade", "--asset", "ETH", "--as-of", "2024-11-25", "--shock", "0.3")
    flat = " ".join(text.stdout.split())
    assert "≥ +40 % — beyond the modelled book" in flat
    move_row = flat.split("extreme move in 24 h")[1].split("liquidated")[0]
    assert "40.00 %" not in move_row


def test_fragility_names_the_bar_flags_the_edge_and_reads_its_interval(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command's own ``calibrated_fragility`` call, run once per run of the suite
    for its inputs (test_fragility_interval.py runs it on the same ones: :mod:`fragilitymemo`)."""
    import liqcascade.cascade

    monkeypatch.setattr(
        liqcascade.cascade,
        "calibrated_fragility",
        functools.partial(fragilitymemo.calibrated_fragility, tmp_path_factory),
    )
    r = run_cli("cascade", "--asset", "ETH", "--as-of", "2024-11-25", "--fragility", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert pd.Timestamp(out["bar_open"]) == pd.Timestamp("2024-11-25 20:00", tz="UTC")
    assert out["as_of"] == out["bar_close"]  # the close, as every cascade view (was the open)
    assert pd.Timestamp(out["bar_close"]) == pd.Timestamp("2024-11-26 00:00", tz="UTC")
    assert out["calibration"]["prior"] is True
    assert sum("warning:" in ln for ln in r.stderr.splitlines()) == 1
    deep = [c for c in out["curve"] if c["move_p10_at_book_edge"]]
    assert deep and all(c["move_p10"] <= c["book_edge_move"] + 1e-6 for c in deep)
    cs = out["critical_shock"]
    assert cs["critical_shock_p90"] <= cs["critical_shock"] <= cs["critical_shock_p10"]
    from liqcascade._cli import _common
    from liqcascade._cli.cascade_backtest import _render_calibrated_fragility

    with _common.stdout.capture() as cap:  # the text view of the same result
        _render_calibrated_fragility(out)
    text = cap.get()
    assert BAR in text and "≤ -40 %*" in text
    assert "not a modelled move" in " ".join(text.split())
    static = run_cli(
        "cascade", "--liquidity", "static", "--asset", "ETH", "--as-of", "2024-11-25", "--fragility"
    )
    assert static.exit_code == 0 and BAR in static.stdout
