"""What a stored event back-test scores, and what a figure quoted at a date covers.

- ``cascade calibrate --start S`` stores a back-test of the fitted months only (from
  S's month), never of the earlier events only the prior predicts, and says so
  (``start``, ``scored``); every answer quoting it prints that period.
- Every liquidation diagnostic (book alone, background alone, book + background, the
  realised-path and known-move ceilings) is scored on the same events as ``liq_corr``:
  a stored back-test keeps their per-event columns, so a score restricted to the
  events after a market date restricts them too. The shipped ETH / BTC back-tests
  predate those columns: their diagnostics are only quoted for the whole back-test,
  whose period is printed with them.
"""

from __future__ import annotations

import json
import math
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import CliResult, run_cli
from floats import assert_same, same_value
from liqcascade.cascade._backtest import _metrics
from liqcascade.cascade._clock import MIN_SCORE_EVENTS, backtest_score
from liqcascade.cascade._scores import (
    DIAGNOSTIC_KEYS,
    PER_EVENT_DIAGNOSTIC_COLUMNS,
    liquidation_diagnostics,
    move_scores,
    per_event_record,
)


def _events(n: int = 40, seed: int = 0) -> pd.DataFrame:
    """A back-test event table of random figures with every column the scores read."""
    rng = np.random.default_rng(seed)
    usd = lambda: 10 ** rng.uniform(5, 8.5, n)  # noqa: E731
    real = rng.normal(0, 0.03, n)
    pred = real * rng.uniform(0.3, 1.2, n) + rng.normal(0, 0.01, n)
    ev = pd.DataFrame(
        {
            "ts": pd.date_range("2025-01-01", periods=n, freq="37h", tz="UTC"),
            "direction": np.where(rng.uniform(size=n) < 0.6, "down", "up"),
            "realised_move": real,
            "predicted_move": pred,
            "predicted_move_p10": pred - 0.02,
            "predicted_move_p90": pred + 0.02,
            "empirical_baseline": real + rng.normal(0, 0.02, n),
            "trigger_baseline": rng.normal(0, 0.03, n),
            "predicted_long_usd": usd(),
            "predicted_short_usd": usd(),
            "recorded_long_usd": usd(),
            "recorded_short_usd": usd(),
            **{c: usd() for c in PER_EVENT_DIAGNOSTIC_COLUMNS},
        }
    )
    # as in real back-tests: some events lack a record, a background or a realised path
    ev.loc[[3, 17], ["recorded_long_usd", "recorded_short_usd"]] = np.nan
    ev.loc[[0, 1, 2], ["background_long_usd", "background_short_usd"]] = np.nan
    ev.loc[[5, 30], ["realised_path_long_usd", "realised_path_short_usd"]] = np.nan
    return ev


@pytest.mark.parametrize("seed", range(6))
def test_stored_record_rescored_equals_the_back_tests_own_scores(seed: int) -> None:
    """Twin: the record's re-score (all events) is the back-test's own scores, key by key."""
    ev = _events(seed=seed)
    want = _metrics(ev)
    rec = json.loads(json.dumps(per_event_record(ev)))  # as stored: JSON, NaN as null
    assert rec["direction"] == list(ev["direction"])
    got = move_scores(rec)
    assert got["n_events"] == len(ev)
    for k in ("move_mae_pp", "coverage_80", "liq_corr", "liq_within_2x_share", *DIAGNOSTIC_KEYS):
        assert_same(got[k], want[k], rtol=1e-12)


def test_after_a_date_every_diagnostic_covers_the_same_events() -> None:
    ev = _events(seed=7)
    rec = json.loads(json.dumps(per_event_record(ev)))
    after = ev["ts"].iloc[25]
    sub = move_scores(rec, after)
    later = ev[ev["ts"] >= after].reset_index(drop=True)
    assert sub["n_events"] == len(later) == 15
    want = liquidation_diagnostics(later) | {"liq_corr": _metrics(later)["liq_corr"]}
    full = move_scores(rec)
    for k in ("liq_corr", *DIAGNOSTIC_KEYS):
        assert_same(sub[k], want[k], rtol=1e-12)
    # the restriction is real: the figures of the later events are not the whole period's
    for k in ("book_only_liq_corr", "realised_path_liq_corr", "known_move_liq_corr"):
        assert not math.isclose(sub[k], full[k], rel_tol=1e-6), k


def test_a_record_without_diagnostic_columns_scores_none_of_them() -> None:
    """A record written before the diagnostics' columns (session 6): the move and
    liq_corr only, never a diagnostic of another period. The shipped files carry the
    columns since session 7, so a dated score there carries every diagnostic."""
    for asset in ("ETH", "BTC"):
        bt = json.loads((files("liqcascade.cascade") / "calibrated" / f"{asset}.json").read_text())[
            "backtest"
        ]
        assert set(PER_EVENT_DIAGNOSTIC_COLUMNS) <= set(bt["per_event"])
        old = {k: v for k, v in bt["per_event"].items() if k not in PER_EVENT_DIAGNOSTIC_COLUMNS}
        sub = move_scores(old, "2025-03-01")
        assert "liq_corr" in sub and not set(DIAGNOSTIC_KEYS) & set(sub)
        full = move_scores(bt["per_event"], "2025-03-01")
        assert set(DIAGNOSTIC_KEYS) <= set(full) and same_value(full["liq_corr"], sub["liq_corr"])
        # quoted at a date with enough later events: the later events' diagnostics
        mid = backtest_score(asset, False, after="2025-03-01")
        assert mid is not None and mid["scope"] == "events after the market date"
        assert set(DIAGNOSTIC_KEYS) <= set(mid)


@pytest.fixture(scope="module")
def sol_fit(sol_liquidity_fit: tuple[Path, CliResult]) -> tuple[Path, dict]:
    """SOL (BTC's data relabelled) calibrated from 2024-12 to 2025-01 with its back-test.

    The run test_calibrate_any_asset.py checks too (tests/test_liquidity/conftest.py):
    with the follow-through, which is stored after the fits and the back-test and
    changes neither (this file ran ``--no-follow-through`` on a store of its own).
    """
    store, r = sol_liquidity_fit
    assert r.exit_code == 0, r.stderr
    assert "event back-test 2024-12-01 → 2025-01-31 (the fitted months)" in r.stderr
    return store, r.json()


def test_calibrate_start_scores_the_fitted_months_only(sol_fit: tuple[Path, dict]) -> None:
    _, out = sol_fit
    # the prior (2024-11-01) is kept as the fallback of earlier dates, but not scored
    assert [c["as_of"][:10] for c in out["calibrations"]] == [
        "2024-11-01", "2024-12-01", "2025-01-01"
    ]  # fmt: skip
    bt = out["backtest"]
    assert bt["start"].startswith("2024-12-01") and bt["end"].startswith("2025-01-31")
    assert bt["scored"].startswith("events from 2024-12-01 to 2025-01-31 (the fitted months)")
    ts = pd.to_datetime(pd.Series(bt["per_event"]["ts"]), utc=True)
    assert len(ts) == bt["n_events"] >= MIN_SCORE_EVENTS
    assert ts.min() >= pd.Timestamp("2024-12-01", tz="UTC")
    assert ts.max() <= pd.Timestamp("2025-01-31 23:59", tz="UTC")
    # the stored figures are the scores of exactly those events
    again = move_scores(bt["per_event"])
    for k in ("move_mae_pp", "liq_corr", *DIAGNOSTIC_KEYS):
        assert_same(again[k], bt[k], rtol=1e-9)


def test_every_answer_prints_the_period_scored(sol_fit: tuple[Path, dict]) -> None:
    store, _ = sol_fit
    env = {"LIQCASCADE_STORE": str(store)}
    r = run_cli("cascade", "--asset", "SOL", "--as-of", "2025-01-31", "--shock", "-0.05",
                "--json", env=env)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    oos = r.json()["out_of_sample"]
    # the events whose 24 h closed by the market's time (2025-02-01 00:00), beside the
    # store's whole back-test, which reads the last day's later hours
    assert oos["scope"] == "events closed by the market date"
    assert oos["start"].startswith("2024-12-01")
    whole = oos["package_score"]
    assert whole["scope"] == "store score" and whole["n_events"] > oos["n_events"]
    r = run_cli("cascade", "--asset", "SOL", "--as-of", "2025-01-31", "--shock", "-0.05",
                env=env)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    flat = " ".join(r.stdout.split())
    assert f"event back-test 2024-12-01 → {oos['end'][:10]} ({oos['n_events']} events" in flat
    assert "store score, event back-test 2024-12-01 → 2025-01-31" in flat


def test_an_early_date_restricts_every_diagnostic(sol_fit: tuple[Path, dict]) -> None:
    """At an early market date, every figure quoted covers the events at or after it only."""
    store, out = sol_fit
    pe = out["backtest"]["per_event"]
    ts = pd.to_datetime(pd.Series(pe["ts"]), utc=True)
    after = ts.iloc[len(ts) - MIN_SCORE_EVENTS].floor("h")  # the last 10 events
    sub = backtest_score("SOL", store, after=after)
    full = backtest_score("SOL", store)
    assert sub is not None and full is not None
    assert sub["scope"] == "events after the market date"
    assert sub["n_events"] == int((ts >= after).sum()) < full["n_events"]
    keep = [i for i, t in enumerate(ts) if t >= after]
    only = {k: [v[i] for i in keep] if isinstance(v, list) else v for k, v in pe.items()}
    want = move_scores(only)
    changed = 0
    for k in ("liq_corr", *DIAGNOSTIC_KEYS):
        assert k in sub, k
        assert_same(sub[k], want[k], rtol=1e-12)
        changed += not math.isclose(sub[k], full[k], rel_tol=1e-9, abs_tol=1e-12)
    assert changed >= 6  # the later events' figures, not the whole period's
