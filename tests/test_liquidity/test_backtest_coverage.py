"""The event back-test on windows the data do not fully cover (review findings 4, 5, 11).

Events past the recorded liquidations keep their move score but not a liquidation
score (NaN recorded, not 0); events without a market (no open interest) are counted by
reason and named; a window wholly outside the derivatives data is exit 2 naming the
spans.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.cascade._backtest import (
    covered_span,
    detect_events,
    liquidation_metrics,
    recorded_liquidations,
)

UTC = "UTC"


def test_recorded_liquidations_need_the_whole_24_hours() -> None:
    idx = pd.date_range("2025-01-01", periods=12, freq="4h", tz=UTC)  # to 01-02 20:00
    liq = pd.DataFrame({"long_usd": np.arange(12.0), "short_usd": np.ones(12)}, index=idx)
    ok = recorded_liquidations(liq, pd.Timestamp("2025-01-01 05:00", tz=UTC))
    assert ok == (float(sum(range(1, 8))), 7.0)
    # 24 h from 2025-01-02 00:00 run to 01-03 00:00: the bar of 01-02 20:00 is the last one
    assert recorded_liquidations(liq, pd.Timestamp("2025-01-02 00:00", tz=UTC)) == (
        float(sum(range(6, 12))),
        6.0,
    )
    # one hour later the record ends before the 24 h do: NaN, never a partial sum
    late = recorded_liquidations(liq, pd.Timestamp("2025-01-02 01:00", tz=UTC))
    assert all(math.isnan(v) for v in late)
    # a gap inside the 24 h, or a NaN bar, is not a full record either
    gap = recorded_liquidations(liq.drop(idx[3]), pd.Timestamp("2025-01-01 05:00", tz=UTC))
    assert all(math.isnan(v) for v in gap)
    bad = liq.copy()
    bad.iloc[2, 0] = np.nan
    assert math.isnan(recorded_liquidations(bad, pd.Timestamp("2025-01-01 05:00", tz=UTC))[0])


def test_liquidation_metrics_leave_out_unrecorded_events() -> None:
    rng = np.random.default_rng(0)
    ev = pd.DataFrame(
        {
            "predicted_long_usd": 10 ** rng.uniform(5, 8, 20),
            "predicted_short_usd": 10 ** rng.uniform(5, 8, 20),
            "recorded_long_usd": 10 ** rng.uniform(5, 8, 20),
            "recorded_short_usd": 10 ** rng.uniform(5, 8, 20),
        }
    )
    with_nan = pd.concat(
        [ev, ev.iloc[:3].assign(recorded_long_usd=np.nan, recorded_short_usd=np.nan)],
        ignore_index=True,
    )
    assert liquidation_metrics(with_nan) == liquidation_metrics(ev)
    only = ev.iloc[:2].assign(recorded_long_usd=np.nan, recorded_short_usd=np.nan)
    assert all(math.isnan(v) for v in liquidation_metrics(only))


def test_keep_short_finds_the_same_events() -> None:
    n = 60
    idx = pd.date_range("2025-01-01", periods=n, freq="h", tz=UTC)
    close = np.full(n, 100.0)
    low, high = close.copy(), close.copy()
    low[10], low[50] = 97.0, 97.0  # two falls of 3 %: the second has 9 h after it
    ohlc = pd.DataFrame({"open": close, "high": high, "low": low, "close": close}, index=idx)
    ev = detect_events(ohlc, 0.02)
    kept = detect_events(ohlc, 0.02, keep_short=True)
    assert list(ev["ts"]) == [idx[10]]
    assert list(kept["ts"]) == [idx[10], idx[50]]
    assert math.isnan(kept["realised_move"].iloc[1])
    assert kept["realised_move"].iloc[0] == ev["realised_move"].iloc[0]


def test_covered_span() -> None:
    idx = pd.date_range("2025-01-01", periods=24 * 10, freq="h", tz=UTC)
    ohlc = pd.DataFrame({"close": 1.0}, index=idx)
    t = pd.Timestamp
    oi = (t("2025-01-03", tz=UTC), t("2025-01-05", tz=UTC))
    got = covered_span(ohlc, t("2024-12-01", tz=UTC), t("2025-02-01", tz=UTC), oi)
    assert got == oi
    got = covered_span(ohlc, t("2024-12-01", tz=UTC), t("2025-02-01", tz=UTC), None)
    assert got == (idx[1], idx[-1] - pd.Timedelta(hours=23))
    assert covered_span(ohlc, t("2025-01-06", tz=UTC), t("2025-02-01", tz=UTC), oi) is None


def test_backtest_past_the_open_interest_counts_and_names_the_skips() -> None:
    r = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--start", "2025-07-25", "--end",
        "2025-09-30", "--paths", "40", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["covered_start"] == "2025-07-25T00:00:00+00:00"
    assert out["covered_end"] == "2025-08-01T00:00:00+00:00"  # the last bar's close
    skipped = out["n_skipped"]
    assert skipped["no open interest"] > 10 and skipped["no 24 h of prices after it"] == 0
    (sk,) = out["skipped"]
    assert pd.Timestamp(sk["first"]) > pd.Timestamp("2025-08-01", tz=UTC)
    # every scored event is inside the covered span; its move is scored
    ts = [pd.Timestamp(e["ts"]) for e in out["events"]]
    assert out["n_events"] >= 2 and max(ts) <= pd.Timestamp(out["covered_end"])
    assert all(e["predicted_move"] is not None for e in out["events"])
    # events whose 24 h pass the record's end: no recorded liquidations (null, not 0)
    none = [e for e in out["events"] if e["recorded_long_usd"] is None]
    assert len(none) == out["n_without_liquidation_record"] >= 1
    assert all(pd.Timestamp(e["ts"]) > pd.Timestamp("2025-07-31", tz=UTC) for e in none)
    # the liquidation scores are those of the recorded events only
    ev = pd.DataFrame([e for e in out["events"] if e["recorded_long_usd"] is not None])
    _, within = liquidation_metrics(ev)
    assert out["metrics"]["liq_within_2x_share"] == pytest.approx(within, abs=1e-12)
    text = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--start", "2025-07-25", "--end",
        "2025-09-30", "--paths", "40",
    )  # fmt: skip
    assert text.exit_code == 0, text.stderr
    n = skipped["no open interest"]
    assert f"{n} events after 2025-07-31 20:00 not scored: no open interest" in text.stdout
    assert "scored span 2025-07-25 00:00 → 2025-08-01 00:00 UTC" in text.stdout
    assert "no full 24 h of recorded liquidations" in text.stdout


@pytest.mark.parametrize(
    "start,end", [("2026-01-01", "2026-03-31"), ("2017-09-01", "2017-12-31"),
                  ("2027-01-01", "2027-03-31")],
)  # fmt: skip
def test_backtest_window_outside_the_derivatives_is_exit_2(start: str, end: str) -> None:
    r = run_cli("cascade", "backtest", "--asset", "ETH", "--start", start, "--end", end)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: --start/--end")
    assert "open interest 2024-11-22 20:00 → 2025-07-31 20:00" in lines[0]


def test_skipped_lines_name_the_side_of_the_open_interest() -> None:
    from liqcascade._cli.cascade_backtest import skipped_lines

    res = {
        "open_interest_span": ["2024-11-23T00:00:00+00:00", "2025-08-01T00:00:00+00:00"],
        "skipped": [
            {"reason": "no open interest", "n": 13, "first": "2024-11-01T05:00:00+00:00",
             "last": "2024-11-21T09:00:00+00:00"},
            {"reason": "no 24 h of prices after it", "n": 1,
             "first": "2026-03-31T02:00:00+00:00", "last": "2026-03-31T02:00:00+00:00"},
        ],
        "n_without_liquidation_record": 2,
    }  # fmt: skip
    lines = skipped_lines(res)
    assert lines[0] == (
        "13 events before 2024-11-23 00:00 (the first open-interest bar's close) not scored: "
        "no open interest"
    )
    assert lines[1] == "1 event at 2026-03-31 02:00 not scored: no 24 h of prices after it"
    assert lines[2].startswith("2 scored events have no full 24 h of recorded liquidations")
    res["skipped"][0].update(first="2025-08-02T00:00:00+00:00", last="2025-09-30T00:00:00+00:00")
    assert skipped_lines(res)[0] == "13 events after 2025-07-31 20:00 not scored: no open interest"
