"""``liqcascade cascade backtest`` and ``cascade --liquidity`` on the bundled data."""

from __future__ import annotations

import math

from clihelpers import run_cli

EVENT_KEYS = {
    "ts",
    "direction",
    "trigger_move",
    "predicted_move",
    "predicted_move_p10",
    "predicted_move_p90",
    "realised_move",
    "predicted_long_usd",
    "predicted_short_usd",
    "recorded_long_usd",
    "recorded_short_usd",
}
METRIC_KEYS = {
    "move_mae_pp",
    "trigger_baseline_move_mae_pp",
    "empirical_baseline_move_mae_pp",
    "coverage_80",
    "liq_corr",
    "liq_within_2x_share",
}


def test_backtest_json_layout() -> None:
    r = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--start", "2025-02-01", "--end",
        "2025-02-20", "--paths", "40", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    # issue 18's keys, then the coverage keys (review findings 4, 5): added, never renamed
    assert set(out) == {"asset", "start", "end", "trigger", "n_events", "events", "metrics",
                        "covered_start", "covered_end", "open_interest_span", "n_skipped",
                        "skipped", "n_without_liquidation_record",
                        # session 7: the events whose book is in sample, and the split
                        "n_book_in_sample", "book_out_of_sample_from", "n_beta_assumed",
                        "metrics_book_in_sample", "metrics_book_out_of_sample",
                        # the events the empirical baseline's ratio is read from (0: ratio 1)
                        "n_events_before_window",
                        # session 16: where the prices and the record were read
                        "sources"}  # fmt: skip
    assert out["sources"] == {"prices": "bundled:eth_1h",
                              "liquidations": "bundled:eth_liquidations_4h",
                              # the calibrations it read, the text's store line names them
                              "liquidity_calibration": "package:calibrated/ETH.json",
                              "book_calibration":
                                  "package:liqcascade/positions/calibrated/ETH.json"}  # fmt: skip
    assert out["n_skipped"] == {r: 0 for r in out["n_skipped"]} and out["skipped"] == []
    assert out["n_without_liquidation_record"] == 0
    assert out["asset"] == "ETH" and out["trigger"] == 0.02
    assert out["n_events"] == len(out["events"]) >= 5
    extra = {"book_only_liq_corr", "book_only_liq_within_2x_share",
             "background_baseline_liq_corr", "background_baseline_liq_within_2x_share",
             "book_background_liq_corr", "book_background_liq_within_2x_share",
             # diagnostic ceilings (they read the outcome; test_event_liq_ceiling.py)
             "realised_path_liq_corr", "realised_path_liq_within_2x_share",
             "known_move_liq_corr", "known_move_with_prediction_liq_corr",
             # the paired comparison with each baseline (test_backtest_significance.py)
             *(f"move_mae_diff_vs_{b}_pp{x}" for b in ("empirical", "trigger", "expanding")
               for x in ("", "_p05", "_p95")),
             "move_mae_dm_pvalue_vs_empirical", "move_mae_dm_pvalue_vs_trigger",
             # session 8: the empirical ratio re-estimated before each event
             "expanding_baseline_move_mae_pp", "move_mae_dm_pvalue_vs_expanding"}  # fmt: skip
    assert set(out["metrics"]) == METRIC_KEYS | extra
    parts = {"book_long_usd", "book_short_usd", "background_long_usd", "background_short_usd"}
    parts |= {f"identified_{s}_{q}_usd" for s in ("long", "short") for q in ("p10", "p90")}
    parts |= {"realised_path_long_usd", "realised_path_short_usd"}  # the diagnostic ceiling
    parts |= {"book_in_sample", "beta_assumed"}  # per event: the book after it, the β assumed
    parts |= {"expanding_baseline"}  # per event: the ratio of the events ended before it
    for e in out["events"]:
        assert set(e) == EVENT_KEYS | parts
        # the prediction is the identified book's record along the paths (test_event_liq.py)
        assert e["predicted_long_usd"] > 0 and e["predicted_short_usd"] > 0
        assert e["direction"] in ("down", "up")
        s = -1 if e["direction"] == "down" else 1
        # the interval holds the median; the trigger is the least a move can be
        assert s * e["predicted_move_p90"] <= s * e["predicted_move"] <= s * e["predicted_move_p10"]
        assert s * e["predicted_move_p90"] >= 0.02 - 1e-12
        assert s * e["realised_move"] >= 0.02 - 1e-12
    assert out["metrics"]["trigger_baseline_move_mae_pp"] > 0
    # every event of February 2025 uses the 2025-03 book fit: none is strictly out of sample
    assert out["n_book_in_sample"] == out["n_events"]
    assert out["metrics_book_out_of_sample"] == {"n_events": 0}
    assert all(e["book_in_sample"] for e in out["events"])


def test_backtest_btc_default_trigger_and_bad_input() -> None:
    r = run_cli(
        "cascade", "backtest", "--asset", "BTC", "--start", "2025-03-01", "--end",
        "2025-03-10", "--paths", "20", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["trigger"] == 0.015
    bad = run_cli("cascade", "backtest", "--trigger", "1.5")
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "error: --trigger must be a fraction in (0, 1) (got 1.5)"
    # the library's check (n_paths), shown as the command's flag
    bad = run_cli("cascade", "backtest", "--paths", "5")
    assert bad.exit_code == 2 and bad.stderr.strip() == "error: --paths must be >= 10 (got 5)"
    bad = run_cli("cascade", "backtest", "--asset", "DOGE")
    assert bad.exit_code == 2 and "error:" in bad.stderr


def test_calibrated_is_the_default_on_the_estimated_market() -> None:
    r = run_cli("cascade", "--asset", "ETH", "--as-of", "2025-07-31", "--shock", "-0.05", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["liquidity"] == "calibrated"
    assert out["move_p10"] <= out["move_median"] <= out["move_p90"] <= -0.05 + 1e-12
    sb = out["static_upper_bound"]
    # the static book is the upper bound of the cascade it carries on its own
    assert sb["final_move"] <= -0.05
    assert math.isfinite(out["liquidated_median"])
    # printed with its out-of-sample score and the baselines' (the shipped back-test)
    oos = out["out_of_sample"]
    assert oos["n_events"] > 50 and oos["empirical_baseline_move_mae_pp"] > 0
    late = run_cli("cascade", "--asset", "ETH", "--as-of", "2026-01-01", "--shock", "-0.05")
    assert late.exit_code == 2 and "--as-of" in late.stderr
    s = run_cli(
        "cascade", "--liquidity", "static", "--asset", "ETH", "--as-of", "2025-07-31",
        "--shock", "-0.05", "--json",
    )  # fmt: skip
    assert s.exit_code == 0, s.stderr
    assert "rounds" in s.json()
    bad = run_cli("cascade", "--liquidity", "nope", "--shock", "-0.05")
    assert bad.exit_code == 2 and "--liquidity" in bad.stderr


def test_backtest_one_scored_event_renders_without_correlations() -> None:
    # After the last bundled open interest (2025-07-31 20:00) only the event at the
    # window's first hour can be scored: one event has no liquidation correlation and
    # no paired comparison, and the table says n/a instead of failing.
    r = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--start", "2025-08-01", "--end",
        "2025-09-30", "--paths", "20",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "1 event scored" in r.stdout
    assert "log-corr n/a" in r.stdout
    assert "too few events to compare the model with its baselines" in r.stdout


def test_the_data_row_names_the_stores_liquidity_calibration() -> None:
    """`cascade --shock` named the store's book calibration, not the liquidity one it used."""
    from liqcascade._cli.cascade_backtest import _market_line, data_note

    book = "store:/x/x.calibrations/book/XYZ.json (fit 2025-07)"
    result = {
        "market": {"sources": {"open_interest": "store:/x/x.duckdb", "book_calibration": book}},
        "calibration": {"source": "store:/x/x.calibrations/liquidity/XYZ.json",
                        "as_of": "2025-08-01T00:00:00+00:00", "n_events": 125, "prior": False},
    }  # fmt: skip
    note = data_note(result)
    assert note is not None
    assert note.endswith(
        "liquidity calibration from the store (x.calibrations/liquidity/XYZ.json), "
        "fitted on 125 events before 2025-08-01"
    )
    assert "book calibration from the store (x.calibrations/book/XYZ.json" in note
    # the bundle's and the package's are the default: not named, as before
    package = {"market": {"sources": {}}, "calibration": {"source": "package:calibrated/ETH.json"}}
    assert data_note(package) is None
    assert _market_line.store_note({"sources": {}}) is None


def test_the_shock_text_says_what_it_assumed_for_an_asset_not_shipped() -> None:
    """The venue share, the book's limits and ETH's tiers were said nowhere beside the figures."""
    from liqcascade._cli.cascade_backtest import assumed_text

    assert assumed_text("ETH") is None and assumed_text("BTC") is None  # shipped: fitted
    said = assumed_text("XYZ")
    assert said is not None and said.startswith("for XYZ, not fitted on its data: ")
    assert "venue share 25 %" in said and "leverage cap 125x" in said
    assert "maintenance margin 0.4 %" in said and said.endswith("ETHUSDT's margin tiers")
