"""Which back-test events use a position book fitted after them, and the scores split by it.

The product review (F1): 50 of the 125 ETH events (before 2025-03-01) are simulated on
the 2025-03 book fit, trained on 2024-11-13 -> 2025-02-28; only their liquidity fit is
out of sample. Each event is flagged (``book_in_sample``), the scores are given on the
strictly out-of-sample events beside the pooled ones, and every place that quotes the
stored score says so.
"""

from __future__ import annotations

import json
import math
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clihelpers import run_cli
from floats import assert_same
from liqcascade._calibrations import find_calibration
from liqcascade.cascade._clock import backtest_score
from liqcascade.cascade._insample import (
    book_in_sample,
    book_in_sample_flags,
    book_out_of_sample_from,
)
from liqcascade.cascade._scores import book_split, event_scores
from liqcascade.positions._expanding import AssetCalibration
from profiles import examples


def _book_cal(asset: str) -> AssetCalibration:
    found = find_calibration("book", asset, False)
    return AssetCalibration.from_dict(found.doc, found.source)


def _stored(asset: str) -> dict:
    doc = json.loads((files("liqcascade.cascade") / "calibrated" / f"{asset}.json").read_text())
    return doc["backtest"]


def _col(pe: dict, k: str) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in pe[k]], dtype=np.float64)


def _by_hand(pe: dict, keep: np.ndarray) -> dict:
    """MAE, baselines, coverage, liq_corr and within 2x of the kept events, from the rows."""
    real = _col(pe, "realised_move")[keep]
    pred = _col(pe, "predicted_move")[keep]
    out = {
        "n_events": int(keep.sum()),
        "move_mae_pp": float(np.mean(np.abs(pred - real))) * 100,
        "empirical_baseline_move_mae_pp": float(
            np.mean(np.abs(_col(pe, "empirical_baseline")[keep] - real)) * 100
        ),
        "trigger_baseline_move_mae_pp": float(
            np.mean(np.abs(_col(pe, "trigger_baseline")[keep] - real)) * 100
        ),
    }
    lo = np.minimum(_col(pe, "predicted_move_p10"), _col(pe, "predicted_move_p90"))[keep]
    hi = np.maximum(_col(pe, "predicted_move_p10"), _col(pe, "predicted_move_p90"))[keep]
    out["coverage_80"] = float(np.mean((real >= lo) & (real <= hi)))
    p, r = [], []
    for side in ("long", "short"):
        p += list(_col(pe, f"predicted_{side}_usd")[keep])
        r += list(_col(pe, f"recorded_{side}_usd")[keep])
    pa, ra = np.array(p), np.array(r)
    ok = np.isfinite(ra)
    lp, lr = np.log10(np.maximum(pa[ok], 1e5)), np.log10(np.maximum(ra[ok], 1e5))
    out["liq_corr"] = float(np.corrcoef(lp, lr)[0, 1])
    out["liq_within_2x_share"] = float(np.mean(np.abs(lp - lr) <= math.log10(2.0)))
    return out


def test_the_rule_at_the_first_fit_boundary() -> None:
    for asset in ("ETH", "BTC"):
        cal = _book_cal(asset)
        first = book_out_of_sample_from(cal)
        assert first == pd.Timestamp("2025-03-01", tz="UTC")  # fit 2025-03: to 2025-02-28
        # an event's market is the last 4-hour bar closed by it: at 2025-03-01 00:00 that
        # bar closes at 00:00, when the 2025-03 fit's data have ended
        assert book_in_sample(cal, "2025-02-28 23:00") is True
        assert book_in_sample(cal, "2025-03-01 00:00") is False
        assert book_in_sample(cal, "2024-11-23 12:00") is True
        assert book_in_sample(cal, "2025-07-30 09:00") is False


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_the_shipped_scores_split_by_the_book(asset: str) -> None:
    """The shipped files store the flag; it equals the rule derived at read time."""
    pe = _stored(asset)["per_event"]
    ts = np.array(pe["ts"])
    before = ts < "2025-03-01"  # independently: the events before the first fit's month
    assert list(pe["book_in_sample"]) == before.tolist()
    out = backtest_score(asset, False)
    assert out is not None and out["scope"] == "package score"
    assert out["n_book_in_sample"] == int(before.sum()) > 0
    assert out["book_out_of_sample_from"].startswith("2025-03-01")
    for key, keep in (("metrics_book_in_sample", before),
                      ("metrics_book_out_of_sample", ~before)):  # fmt: skip
        got, want = out[key], _by_hand(pe, keep)
        assert got["n_events"] == want["n_events"]
        for k, v in want.items():
            assert_same(got[k], v, rtol=1e-12, atol=1e-12)
    n_in = out["metrics_book_in_sample"]["n_events"]
    assert n_in + out["metrics_book_out_of_sample"]["n_events"] == out["n_events"]
    if asset == "ETH":  # the review's split: 50 of 125
        assert (out["n_events"], n_in) == (125, 50)
    # after a date: the same split of the later events only
    mid = backtest_score(asset, False, after="2025-01-15")
    assert mid is not None and mid["scope"] == "events after the market date"
    later = ts >= "2025-01-15"
    assert mid["n_book_in_sample"] == int((later & before).sum())
    assert mid["metrics_book_out_of_sample"]["n_events"] == int((~before).sum())
    assert_same(mid["metrics_book_out_of_sample"]["move_mae_pp"],
                _by_hand(pe, ~before)["move_mae_pp"], rtol=1e-12)  # fmt: skip


_ROW = st.tuples(
    st.floats(-0.3, 0.3), st.floats(-0.3, 0.3), st.floats(0.0, 0.1), st.floats(0.0, 0.1),
    st.booleans(),
)  # fmt: skip


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(_ROW, min_size=4, max_size=40))
def test_the_subsets_partition_the_pooled_scores(rows: list) -> None:
    """MAE and coverage are means: the subsets' count-weighted means are the pooled ones."""
    real = np.array([r[0] for r in rows])
    pred = np.array([r[1] for r in rows])
    flags = np.array([r[4] for r in rows])
    ev = pd.DataFrame({
        "ts": pd.date_range("2025-01-01", periods=len(rows), freq="D", tz="UTC"),
        "realised_move": real, "predicted_move": pred,
        "predicted_move_p10": pred - np.array([r[2] for r in rows]),
        "predicted_move_p90": pred + np.array([r[3] for r in rows]),
        "empirical_baseline": pred * 0.5, "trigger_baseline": np.full(len(rows), -0.02),
    })  # fmt: skip
    pooled = event_scores(ev)
    split = book_split(ev, flags)
    a, b = split["metrics_book_in_sample"], split["metrics_book_out_of_sample"]
    assert a["n_events"] + b["n_events"] == pooled["n_events"] == len(rows)
    assert split["n_book_in_sample"] == int(flags.sum())
    for k in ("move_mae_pp", "empirical_baseline_move_mae_pp", "trigger_baseline_move_mae_pp",
              "coverage_80"):  # fmt: skip
        parts = [s[k] * s["n_events"] for s in (a, b) if s["n_events"]]
        assert_same(sum(parts) / len(rows), pooled[k], rtol=1e-9, atol=1e-12)


def test_backtest_across_the_boundary_flags_counts_and_says_it() -> None:
    args = ("cascade", "backtest", "--asset", "ETH", "--start", "2025-02-10", "--end",
            "2025-03-20", "--paths", "20")  # fmt: skip
    r = run_cli(*args, "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    ts = [e["ts"] for e in out["events"]]
    before = sum(t < "2025-03-01" for t in ts)
    assert 0 < before < out["n_events"]
    assert out["n_book_in_sample"] == before
    assert [e["book_in_sample"] for e in out["events"]] == [t < "2025-03-01" for t in ts]
    # the read-time rule gives the back-test's own flags
    assert book_in_sample_flags(_book_cal("ETH"), ts) == [e["book_in_sample"] for e in
                                                          out["events"]]  # fmt: skip
    strict = out["metrics_book_out_of_sample"]
    assert strict["n_events"] == out["n_events"] - before
    real = np.array([e["realised_move"] for e in out["events"]])
    pred = np.array([e["predicted_move"] for e in out["events"]])
    keep = np.array([not e["book_in_sample"] for e in out["events"]])
    assert_same(strict["move_mae_pp"], float(np.mean(np.abs(pred - real)[keep])) * 100,
                rtol=1e-12)  # fmt: skip
    assert out["n_beta_assumed"] == 0  # ETH's own beta from 2024-12 on
    # one counted warning, not the first market's caveat
    warned = [x for x in r.stderr.splitlines() if x.startswith("warning:")]
    assert warned == [
        f"warning: {before} of {out['n_events']} events before 2025-03-01 use a position book "
        "fitted after them (in sample; their liquidity fit is out of sample): the score of "
        "the events with both out of sample is printed beside the pooled one"
    ]
    t = run_cli(*args)
    assert t.exit_code == 0, t.stderr
    text = " ".join(t.stdout.split())
    n_after = out["n_events"] - before
    assert f"liquidity out of sample, book in sample: {before} events before 2025-03-01" in text
    assert f"both out of sample: {n_after} events from 2025-03-01: move MAE " in text
    assert f"{strict['move_mae_pp']:.2f} pp" in text


def test_the_assumed_beta_is_said_to_be_a_look_ahead_before_the_shipped_span() -> None:
    from liqcascade.market import MarketSpec, estimated_market
    from liqcascade.market._state import _beta_caveat

    m = estimated_market(MarketSpec("ETH", "2024-11-25", store=False))
    (c,) = [c for c in m.caveats if c.startswith("depth exponent beta")]
    assert c.endswith(
        "those betas are fitted on 2024-11-21 -> 2025-07-31: a look-ahead for this date"
    )
    src = "assumed: median of the shipped assets' beta (ETH 0.73, BTC 0.79); x"
    # the last bar of the shipped span closes 2025-08-01 00:00: from then on, history
    late = _beta_caveat(0.76, src, pd.Timestamp("2025-08-01 00:00", tz="UTC"))
    early = _beta_caveat(0.76, src, pd.Timestamp("2025-07-31 20:00", tz="UTC"))
    assert late is not None and "look-ahead" not in late
    assert early is not None and early.endswith("a look-ahead for this date")
    assert _beta_caveat(0.73, "fitted: median of ...", pd.Timestamp("2024-12-01", tz="UTC")) is None


def test_the_cascade_answer_quotes_the_split_and_the_liquidation_score() -> None:
    r = run_cli("cascade", "--asset", "ETH", "--as-of", "2025-07-31", "--shock", "-0.05")
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())
    oos = backtest_score("ETH", False, after="2025-08-01")
    assert oos is not None and oos["scope"] == "package score"  # too few later events
    strict = oos["metrics_book_out_of_sample"]
    assert (
        f"50 of the 125 events (those before 2025-03-01) use a position book fitted after "
        f"them (book in sample, liquidity out of sample); both out of sample (75 events): "
        f"move MAE {strict['move_mae_pp']:.2f} pp"
    ) in text
    # the liquidation score under "liquidated", with the stored baselines of the period
    assert (
        f"liquidation score event back-test (125 events): log-corr {oos['liq_corr']:.2f}, "
        f"within 2x {oos['liq_within_2x_share']:.2f} (background baseline "
        f"{oos['background_baseline_liq_corr']:.2f}, "
        f"{oos['background_baseline_liq_within_2x_share']:.2f}; static book + background "
        f"{oos['book_background_liq_corr']:.2f}, "
        f"{oos['book_background_liq_within_2x_share']:.2f}); both out of sample (75 events): "
        f"log-corr {strict['liq_corr']:.2f}"
    ) in text
    assert text.index("liquidated ") < text.index("liquidation score") < text.index("out of sample")
    s = run_cli("cascade", "--liquidity", "static", "--asset", "ETH", "--shock", "-0.05")
    assert s.exit_code == 0, s.stderr
    assert "upper bound on the cascade's own carry, not a forecast" in " ".join(s.stdout.split())
    j = run_cli("cascade", "--liquidity", "static", "--asset", "ETH", "--shock", "-0.05", "--json")
    assert j.exit_code == 0 and "rounds" in j.json()  # the JSON is unchanged


def test_the_stored_events_on_the_assumed_beta_are_derived_from_the_book_totals() -> None:
    """Regulator F17: the shipped back-tests lack the per-event β flag; it is derived.

    The back-test run now flags ETH's events of 2024-11-23, -25 and -26 18:00 and BTC's of
    2024-11-25 and -26 (fewer than 30 book-totals bars before them); the read-time rule
    gives the same events from the stored times.
    """
    from liqcascade.cascade._insample import stored_beta_assumed

    flagged = {
        "ETH": ["2024-11-23T16:00:00+00:00", "2024-11-25T09:00:00+00:00",
                "2024-11-26T18:00:00+00:00"],
        "BTC": ["2024-11-25T14:00:00+00:00", "2024-11-26T16:00:00+00:00"],
    }  # fmt: skip
    for asset, want in flagged.items():
        pe = _stored(asset)["per_event"]
        assert "beta_assumed" not in pe  # the shipped record predates the flag
        flags = stored_beta_assumed(asset, pe, False)
        assert flags is not None and len(flags) == len(pe["ts"])
        assert [t for t, f in zip(pe["ts"], flags, strict=True) if f] == want
        score = backtest_score(asset, store=False)
        assert score is not None and score["n_beta_assumed"] == len(want)
    # a stored column wins over the derivation (a record written by calibrate)
    pe = {"ts": ["2024-11-23T16:00:00+00:00", "2025-05-01T00:00:00+00:00"],
          "beta_assumed": [False, True]}  # fmt: skip
    assert stored_beta_assumed("ETH", pe, False) == [False, True]


def test_the_per_event_record_keeps_the_beta_flag_when_every_event_has_it() -> None:
    from liqcascade.cascade._scores import per_event_record

    ev = pd.DataFrame({
        "ts": pd.to_datetime(["2025-01-01 10:00", "2025-01-03 10:00"], utc=True),
        "realised_move": [-0.05, -0.03], "predicted_move": [-0.04, -0.02],
        "predicted_move_p10": [-0.08, -0.05], "predicted_move_p90": [-0.02, -0.02],
        "empirical_baseline": [-0.03, -0.03], "trigger_baseline": [-0.02, -0.02],
        "predicted_long_usd": [1e6, 2e6], "predicted_short_usd": [0.0, 1e5],
        "recorded_long_usd": [3e6, float("nan")], "recorded_short_usd": [1e5, float("nan")],
        "beta_assumed": [True, False],
    })  # fmt: skip
    assert per_event_record(ev)["beta_assumed"] == [True, False]
    assert "beta_assumed" not in per_event_record(ev.assign(beta_assumed=[True, None]))


def test_the_report_says_which_events_use_the_assumed_beta() -> None:
    from liqcascade.report._cascade_section import _beta_assumed_text

    text = _beta_assumed_text({"n_beta_assumed": 3, "n_events": 125})
    assert text.startswith("; 3 of 125 events use the assumed depth exponent beta 0.76 (median of ")
    assert "fitted on bars to 2025-07-31: a look-ahead" in text
    assert _beta_assumed_text({"n_beta_assumed": 0, "n_events": 125}) == ""


def test_the_calibrated_cascade_says_the_events_on_the_assumed_beta() -> None:
    r = run_cli("cascade", "--asset", "ETH", "--shock", "-0.05", "--json")
    assert r.exit_code == 0, r.stderr
    oos = r.json()["out_of_sample"]
    assert oos["n_beta_assumed"] == 3
    t = run_cli("cascade", "--asset", "ETH", "--shock", "-0.05")
    text = " ".join(t.stdout.split())
    assert "(75 events): move MAE" in text
    assert ". 3 of 125 events use the assumed depth exponent beta 0.76 (" in text
