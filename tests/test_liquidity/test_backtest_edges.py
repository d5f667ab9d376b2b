"""The event back-test and its calibration on edge inputs (CLI edge-case sweep, bt12).

A trigger no bar reaches (the calibration crashed on the empty event table), windows
of one to four events (correlations of ±1 by construction and "model beats" verdicts
from a bootstrap over two cases), windows whose events all lack open interest (they
printed "no bar moved the trigger"), the follow-through's deep level named as an
internal parameter, and the wording of counts, spans and the trigger.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as student_t

from clihelpers import CliResult, run_cli
from liqcascade._significance import LEVEL
from liqcascade.cascade._backtest import detect_events, move_comparisons, trigger_text
from liqcascade.cascade._scores import (
    MIN_COMPARISON_EVENTS,
    MIN_CORR_PAIRS,
    known_move_liq_corr,
    liquidation_metrics,
    move_verdicts,
)

UTC = "UTC"


def _one_error(r: CliResult) -> str:
    """The one ``error: …`` line of an exit-2 run."""
    assert r.exit_code == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


# ------------------------------------------------------------------ finding 1: no event


def _hourly(n: int = 200) -> pd.DataFrame:
    idx = pd.date_range("2025-01-01", periods=n, freq="h", tz=UTC)
    close = 100.0 * np.exp(np.cumsum(np.full(n, 1e-4)))
    return pd.DataFrame({"open": close, "high": close * 1.001, "low": close * 0.999,
                         "close": close}, index=idx)  # fmt: skip


def test_no_event_is_a_typed_empty_table() -> None:
    ohlc = _hourly()
    some = detect_events(ohlc, 0.0005)  # every bar's high is 0.1 % above the previous close
    none = detect_events(ohlc, 0.5)
    assert len(some) > 0 and len(none) == 0
    assert none.dtypes.to_dict() == some.dtypes.to_dict()
    # the calibration's selection of the events closed by an as-of date (a TypeError on
    # the untyped empty frame)
    sel = (none["ts"] + pd.Timedelta(hours=24) <= pd.Timestamp("2025-02-01", tz=UTC)).to_numpy()
    assert sel.dtype == bool and sel.size == 0


def test_calibrate_with_a_trigger_no_bar_reaches_writes_the_prior(tmp_path: Path) -> None:
    out = tmp_path / "eth.json"
    r = run_cli(
        "cascade", "calibrate", "--asset", "ETH", "--trigger", "0.5", "--start", "2025-07-01",
        "--end", "2025-07-31", "--no-follow-through", "--out", str(out),
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    doc = json.loads(out.read_text())
    cals = doc["calibrations"]
    # the month asked and the first (the prior every earlier date falls back to)
    assert [c["as_of"][:10] for c in cals] == ["2024-11-01", "2025-07-01"]
    assert all(c["n_events"] == 0 and c["note"].startswith("prior") for c in cals)
    assert doc["backtest"]["n_events"] == 0 and doc["backtest"]["per_event"]["ts"] == []
    # the count said before the fit is the table's rows (it said "1 as-of months")
    assert (
        "calibrating ETH: 2 as-of months: 2024-11 (the first, the prior: always fitted) and "
        "2025-07" in r.stderr
    )
    assert "trigger 50.00 % (given)" in r.stdout


def test_months_text_counts_the_rows_fitted() -> None:
    from liqcascade._cli.cascade_backtest import _months_text

    months = pd.date_range("2024-11-01", "2025-08-01", freq="MS", tz=UTC)
    assert _months_text(months, months) == "10 as-of months, 2024-11 … 2025-08"
    assert _months_text(months, months[:1]) == "1 as-of month, 2024-11"
    assert _months_text(months, months[6:9]) == (
        "4 as-of months: 2024-11 (the first, the prior: always fitted) and 2025-05 … 2025-07"
    )


# ------------------------------------------------------------------ finding 2: too few


def _events(n: int) -> pd.DataFrame:
    """``n`` events on each of which the model errs less than both baselines."""
    real = np.linspace(-0.03, -0.06, n)
    return pd.DataFrame({
        "realised_move": real,
        "predicted_move": real + 0.002,
        "empirical_baseline": real + 0.01,
        "trigger_baseline": np.full(n, -0.02),
    })  # fmt: skip


def test_a_comparison_needs_five_events() -> None:
    # the rule: below 5 events, every event favouring the model has a chance 2^-n of at
    # least 1/16 under no difference, above the interval's 5 % tail
    tail = (1.0 - LEVEL) / 2.0
    assert MIN_COMPARISON_EVENTS == min(n for n in range(1, 30) if 0.5**n < tail)
    few = move_comparisons(_events(MIN_COMPARISON_EVENTS - 1))
    assert all(math.isnan(v) for v in few.values())
    assert set(move_verdicts(few).values()) == {None}
    enough = move_comparisons(_events(MIN_COMPARISON_EVENTS))
    assert move_verdicts(enough) == {"empirical": "beats", "trigger": "beats"}
    assert enough["move_mae_diff_vs_empirical_pp"] == pytest.approx(-0.8, abs=1e-9)


def _liq(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rec = 10 ** rng.uniform(5.5, 8.0, (n, 2))
    pred = rec * 10 ** rng.normal(0.0, 0.2, (n, 2))
    down = np.arange(n) % 2 == 0
    return pd.DataFrame({
        "predicted_long_usd": pred[:, 0], "predicted_short_usd": pred[:, 1],
        "recorded_long_usd": rec[:, 0], "recorded_short_usd": rec[:, 1],
        "realised_move": np.where(down, -0.04, 0.04) * (1 + np.arange(n) / n),
        "direction": np.where(down, "down", "up"),
    })  # fmt: skip


def test_a_liquidation_correlation_needs_five_events() -> None:
    # the rule: below 9 points a correlation at the goal (0.7) is not told from 0 at 5 %
    from liqcascade._cli.cascade_backtest import LIQ_CORR_GOAL

    def r_crit(points: int) -> float:
        t = float(student_t.ppf(0.975, points - 2))
        return t / math.sqrt(t * t + points - 2)

    assert MIN_CORR_PAIRS == 2 * MIN_COMPARISON_EVENTS
    assert r_crit(MIN_CORR_PAIRS - 2) > LIQ_CORR_GOAL > r_crit(MIN_CORR_PAIRS)
    one_corr, one_within = liquidation_metrics(_liq(1))  # two points: ±1 by construction
    assert math.isnan(one_corr) and 0.0 <= one_within <= 1.0
    assert math.isnan(liquidation_metrics(_liq(MIN_COMPARISON_EVENTS - 1))[0])
    assert math.isnan(known_move_liq_corr(_liq(MIN_COMPARISON_EVENTS - 1)))
    corr, _ = liquidation_metrics(_liq(MIN_COMPARISON_EVENTS))
    ev = _liq(MIN_COMPARISON_EVENTS)
    lp = np.log10(np.concatenate([ev["predicted_long_usd"], ev["predicted_short_usd"]]))
    lr = np.log10(np.concatenate([ev["recorded_long_usd"], ev["recorded_short_usd"]]))
    assert corr == pytest.approx(float(np.corrcoef(lp, lr)[0, 1]), rel=1e-12)


def test_backtest_of_one_and_two_events_has_no_correlation_and_no_verdict() -> None:
    one = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--start", "2025-07-27", "--end",
        "2025-07-31", "--paths", "20", "--json",
    )  # fmt: skip
    assert one.exit_code == 0, one.stderr
    d = one.json()
    assert d["n_events"] == 1 and d["metrics"]["liq_corr"] is None  # it was 1.0
    two = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--start", "2025-07-25", "--end",
        "2025-07-27", "--paths", "20",
    )  # fmt: skip
    assert two.exit_code == 0, two.stderr
    assert "2 events scored" in two.stdout
    assert "model beats" not in two.stdout and "too few events" in two.stdout
    assert "too few events to compare the model with its baselines" in two.stdout
    assert "liquidation log-corr: prediction n/a" in two.stdout
    assert "meets it" not in two.stdout


def test_prices_only_backtest_of_four_events_has_no_verdict() -> None:
    r = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--prices-only", "--start", "2026-03-25",
        "--end", "2026-03-31", "--paths", "20",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "4 events scored" in r.stdout
    assert "model beats" not in r.stdout and "0.032" not in r.stdout
    assert "too few events to compare the model with its baselines" in r.stdout
    # the one unscored event: "at" its hour, not "between" it and itself
    assert "1 event at 2026-03-31 01:00 not scored: no 24 h of prices after it" in r.stdout


# ------------------------------------------------------------------ finding 3: unscorable


@pytest.mark.parametrize(
    "start,end,where",
    [("2025-08-01", "2026-03-31", "after 2025-07-31 20:00"),
     ("2024-11-01", "2024-11-20", "before 2024-11-23 00:00")],
)  # fmt: skip
def test_events_found_but_none_scorable_is_one_error(start: str, end: str, where: str) -> None:
    for extra in ((), ("--json",)):
        line = _one_error(run_cli("cascade", "backtest", "--asset", "BTC", "--start", start,
                                  "--end", end, *extra))  # fmt: skip
        assert line.startswith(f"error: --start/--end: {start} → {end} has ")
        assert re.search(r"has \d+ events at trigger 1\.50 %, none the back-test can score: ", line)
        assert re.search(rf"score: \d+ {re.escape(where)}( \([^()]*\))? have no open interest",
                         line)  # fmt: skip
        depth, deepest = 0, 0  # one plain line: no bracket inside another
        for ch in line:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            deepest = max(deepest, depth)
        assert deepest == 1 and depth == 0, line
        assert "open interest 2024-11-22 20:00 → 2025-07-31 20:00" in line
        assert line.endswith("--prices-only scores the move on prices alone, wherever hourly "
                             "prices are")  # fmt: skip
        assert "no bar moved the trigger" not in line


def test_a_window_no_bar_triggers_says_so() -> None:
    args = ("cascade", "backtest", "--start", "2025-02-01", "--end", "2025-02-10",
            "--trigger", "0.5")  # fmt: skip
    t = run_cli(*args)
    assert t.exit_code == 0, t.stderr
    said = "no events in this range: no bar moved the trigger 50.00 % from the previous close"
    assert said in t.stdout and "outside the data" not in t.stdout
    j = run_cli(*args, "--json")
    assert j.exit_code == 0 and j.json()["n_events"] == 0
    assert f"warning: {said}" in j.stderr


# ------------------------------------------------------------------ finding 4: --shock


def test_follow_through_shock_deeper_than_the_deep_level_names_shock() -> None:
    for shock in ("--shock=-0.3", "--shock=-27%"):
        line = _one_error(run_cli("cascade", "follow-through", shock))
        assert line.startswith("error: --shock must be a shallower fall than −27 %, the level "
                               "whose chance is compared (got −")  # fmt: skip
        assert "beyond" not in line


# ------------------------------------------------------------------ finding 5: wording


def test_trigger_text_keeps_the_digits_it_needs() -> None:
    assert trigger_text(0.02) == "2.00 %" and trigger_text(0.015) == "1.50 %"
    assert trigger_text(0.5) == "50.00 %"
    assert trigger_text(1e-6) == "0.0001 %"  # it printed 0.00 %
    assert trigger_text(0.01234) == "1.234 %"


def test_an_empty_subset_has_no_line() -> None:
    from liqcascade._cli.cascade_backtest import subset_lines

    sub = {"n_events": 2, "move_mae_pp": 1.0, "empirical_baseline_move_mae_pp": 1.2,
           "trigger_baseline_move_mae_pp": 1.5, "coverage_80": 1.0}  # fmt: skip
    res = {
        "book_out_of_sample_from": "2025-03-01T00:00:00+00:00",
        "metrics_book_in_sample": {"n_events": 0},
        "metrics_book_out_of_sample": sub,
    }
    lines = subset_lines(res)
    assert len(lines) == 1 and lines[0].startswith("both out of sample: 2 events from 2025-03-01")


def test_no_event_before_the_window_says_the_empirical_ratio_is_one() -> None:
    r = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--prices-only", "--start", "2000-01-01",
        "--end", "2017-08-31", "--paths", "20",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert (
        "no events before the window: the empirical ratio is 1 (the Empirical baseline is the "
        "Trigger baseline)" in r.stdout
    )
    j = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--prices-only", "--start", "2000-01-01",
        "--end", "2017-08-31", "--paths", "20", "--json",
    )  # fmt: skip
    d = j.json()
    assert d["n_events_before_window"] == 0
    m = d["metrics"]
    assert m["empirical_baseline_move_mae_pp"] == pytest.approx(
        m["trigger_baseline_move_mae_pp"], rel=1e-12
    )


def test_the_empirical_baseline_reads_only_events_closed_when_the_window_opens() -> None:
    """An event triggered in the last 24 h before the window ends inside it: not history.

    ETH's 2024-10-31 14:00 fall (trigger 2 %) closes 2024-11-01 14:00, 14 h into a
    window opening 2024-11-01: the baseline's ratio must not read it. Recomputed here
    from the events (plain median over those whose 24 h closed by the window's start).
    """
    from liqcascade import datasets

    r = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--prices-only", "--start", "2024-11-01",
        "--end", "2024-11-30", "--paths", "20", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    ev = detect_events(datasets.load_ohlcv("ETH", "1h"), 0.02, None, "2024-11-30 23:59")
    ev = ev[np.isfinite(ev["realised_move"].to_numpy(float))]
    t0 = pd.Timestamp("2024-11-01", tz=UTC)
    closed = ev[ev["ts"] + pd.Timedelta(hours=24) <= t0]
    straddling = ev[(ev["ts"] < t0) & (ev["ts"] + pd.Timedelta(hours=24) > t0)]
    assert len(straddling) >= 1  # the case the rule is about exists in the data
    assert d["n_events_before_window"] == len(closed)

    def ratio(hist: pd.DataFrame, direction: str) -> float:
        b = hist[hist["direction"] == direction]
        src = b if len(b) >= 10 else hist
        return float(np.median(src["realised_move"] / src["trigger_move"]))

    def mae(hist: pd.DataFrame) -> float:
        err = [abs(e["trigger_move"] * ratio(hist, e["direction"]) - e["realised_move"])
               for e in d["events"]]  # fmt: skip
        return 100 * float(np.mean(err))

    got = d["metrics"]["empirical_baseline_move_mae_pp"]
    assert got == pytest.approx(mae(closed), rel=1e-9)
    assert mae(ev[ev["ts"] < t0]) != pytest.approx(got, rel=1e-9)  # the old rule differs
