"""``vol`` / ``support-study`` with a range past the default cut say so and how to use it."""

from __future__ import annotations

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
