"""``vol`` / ``support-study`` with a range past the default cut say so and how to use it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clihelpers import run_cli

_CUT = (
    "; the default cut at the market date (bars closed by 2025-08-01 00:00 UTC) left out "
    "the 153 later bars of the range: --as-of 2025-12-31 to use them"
)


def test_vol_range_after_the_market_date() -> None:
    r = run_cli("vol", "--start", "2025-08-01", "--end", "2025-12-31")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == (
        "error: --start/--end: too few observations: 0 returns of ETH 1d in the range "
        "(need >= 100)" + _CUT
    )
    ok = run_cli("vol", "--start", "2025-08-01", "--end", "2025-12-31", "--as-of", "2025-12-31")
    assert ok.exit_code == 0, ok.stderr


def test_support_study_range_after_the_market_date() -> None:
    r = run_cli("support-study", "--start", "2025-08-01", "--end", "2025-12-31")
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: --start/--end: 0 1d bars in the range, fewer than the longest horizon "
        "(60 days = 60 bars) needs" + _CUT
    )


def test_no_hint_when_the_cut_is_not_the_cause() -> None:
    # an explicit --as-of, or nothing left out: the message is the study's own
    r = run_cli("vol", "--start", "2025-07-30", "--end", "2025-07-31")
    assert r.stderr.strip() == (
        "error: --start/--end: too few observations: 1 return of ETH 1d in the range (need >= 100)"
    )
    r = run_cli("vol", "--start", "2025-08-01", "--end", "2025-12-31", "--model", "bogus")
    assert r.stderr.strip() == "error: --model must be one of garch, gjr, egarch (got 'bogus')"


def test_a_short_series_with_no_range_names_what_made_it_short(tmp_path: Path) -> None:
    # neither --start nor --end was given: '--start/--end: too few observations' named
    # options the user never wrote; the cut (--as-of) or the file (--data) is the cause
    r = run_cli("vol", "--as-of", "2017-10-01")
    assert r.exit_code == 2 and r.stdout == ""
    assert (
        r.stderr.strip()
        == "error: --as-of: too few observations: 45 returns of ETH 1d (need >= 100)"
    )
    f = tmp_path / "d1.csv"
    days = pd.date_range("2024-01-01", periods=60, freq="D", tz="UTC")
    close = 2000.0 * np.exp(np.cumsum(np.full(60, 0.001)))
    pd.DataFrame({"ts": days, "open": close, "high": close * 1.01, "low": close * 0.99,
                  "close": close, "volume": 1.0}).to_csv(f, index=False)  # fmt: skip
    r = run_cli("vol", "--data", str(f))
    assert r.exit_code == 2 and r.stdout == ""
    assert (
        r.stderr.strip()
        == "error: --data: too few observations: 59 returns of ETH 1d (need >= 100)"
    )
