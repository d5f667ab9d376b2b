"""What the market commands say about their inputs (session 25, a supervisor's review).

- ``solvency`` and ``stress`` on a date whose liquidity response is the prior warn as
  ``cascade`` does (one check, one message) and say so in the JSON;
- ``cascade``, ``solvency``, ``stress`` and ``contagion`` on the estimated market say
  what the book's dollars are: one ``units:`` line, one ``units`` field (the book's
  share of open interest);
- the static cascade's key/value table names its units; ``contagion`` notes a central
  figure at an end of its range and what its contagion share adds up.
"""

from __future__ import annotations

import math

import pytest

from clihelpers import run_cli
from liqcascade._cli._book_units import book_units

PRIOR = "the liquidity response at 2024-12-02 00:00 UTC is the prior, not a fit: 3 events"


def _warnings(stderr: str) -> list[str]:
    return [x for x in stderr.splitlines() if x.startswith("warning: the liquidity response")]


def test_solvency_warns_on_the_prior_as_cascade_does() -> None:
    args = ("solvency", "--as-of", "2024-12-01", "--scenario", "-0.3")
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    assert [w for w in _warnings(r.stderr) if PRIOR in w] == _warnings(r.stderr)
    assert len(_warnings(r.stderr)) == 1
    assert r.stdout.splitlines()[-1].startswith("units: the estimated book's dollars")
    j = run_cli(*args, "--json")
    assert j.exit_code == 0, j.stderr
    d = j.json()
    assert d["calibration"]["prior"] is True and d["calibration"]["n_events"] == 3
    u = d["units"]
    m = d["market"]
    share = (m["long_notional_usd"] + m["short_notional_usd"]) / m["open_interest_usd"]
    assert u["book_share_of_oi"] == pytest.approx(share, rel=1e-12)
    # the venue holds 20 % of open interest: 0.8 of the identified (25 %) book
    assert u["run_book_share_of_oi"] == pytest.approx(0.8 * share, rel=1e-12)
    # a venue of 20 %, not a book "sized to 20 %" that reads 0.36 %
    assert "(this run's, for a venue of 20 % of open interest: 0." in u["text"]
    assert "sized" not in u["text"]
    # the fund and liabilities given meet the bad debt on the book's (feed's) scale
    assert "--insurance-fund and --liabilities are read as Binance-feed dollars" in u["text"]


def test_solvency_on_a_fitted_date_does_not_warn() -> None:
    r = run_cli("solvency", "--as-of", "2025-07-31", "--scenario", "-0.3", "--json")
    assert r.exit_code == 0, r.stderr
    assert _warnings(r.stderr) == []
    assert r.json()["calibration"]["prior"] is False


def test_stress_shock_warns_on_the_prior_as_cascade_does() -> None:
    args = ("stress", "--portfolio", "sample", "--scenario", "shock", "--shocks=-5%",
            "--as-of", "2024-12-01")  # fmt: skip
    r = run_cli(*args, "--json")
    assert r.exit_code == 0, r.stderr
    assert len(_warnings(r.stderr)) == 1 and PRIOR in _warnings(r.stderr)[0]
    d = r.json()
    assert d["calibration"]["prior"] is True and d["calibration"]["n_events"] == 3
    assert 0 < d["units"]["book_share_of_oi"] < 0.02  # a fraction of a percent or so
    t = run_cli(*args)
    assert t.stdout.splitlines()[-1] == d["units"]["text"]
    # the portfolio's P&L is not the feed's: only the market's liquidations are
    text = d["units"]["text"]
    assert text.startswith("units: market liquidations (the estimated book's) are Binance-feed")
    assert "the portfolio's P&L, VaR and ES are the sample portfolio's own dollars" in text
    assert "positions, liquidations, stops" not in text


def test_stress_on_a_file_says_its_pnl_is_the_file_s_dollars() -> None:
    r = run_cli("stress", "--portfolio", "tests/data/stress/portfolio.csv", "--scenario",
                "shock", "--shocks=-5%", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "the portfolio's P&L, VaR and ES are your file's dollars" in r.json()["units"]["text"]


def test_static_cascade_names_its_units() -> None:
    r = run_cli("cascade", "--shock", "-0.05", "--liquidity", "static")
    assert r.exit_code == 0, r.stderr
    rows = {x.split("  ")[0].strip(): x for x in r.stdout.splitlines() if x.startswith(" ")}
    assert "insurance_fund_end (USD)" in rows
    assert "amplification (× the shock's move)" in rows
    assert r.stdout.splitlines()[-1].startswith("units: ")
    assert "0.45 % of ETH's aggregated open interest" in r.stdout


def test_contagion_says_units_mixed_share_and_central_at_the_low_end() -> None:
    r = run_cli("contagion", "--preset", "oct-2025")
    assert r.exit_code == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert "contagion share 54.7 % (of Binance-feed-scale exchange liquidations plus real-" in out
    assert "(central run 15,537,324: the range's low end)" in out
    assert "units: the estimated book's dollars" in out


def test_book_units_without_a_market_or_open_interest() -> None:
    assert book_units(None) is None and book_units({}) is None
    u = book_units({"asset": "X", "long_notional_usd": 1.0, "short_notional_usd": 1.0,
                    "open_interest_usd": 0.0, "share": 0.25})  # fmt: skip
    assert u is not None and u["book_share_of_oi"] is None
    assert "of X's" not in u["text"] and "market dollars" in u["text"]
    u = book_units({"asset": "X", "long_notional_usd": 3.0, "short_notional_usd": 1.5,
                    "open_interest_usd": 1000.0, "share": 0.25})  # fmt: skip
    assert u is not None and math.isclose(u["book_share_of_oi"], 0.0045, rel_tol=1e-12)
    assert "0.45 % of X's aggregated open interest" in u["text"] and "this run's" not in u["text"]


def test_a_typo_of_sample_is_answered_with_it(tmp_path: object) -> None:
    r = run_cli("stress", "--portfolio", "sampel", "--scenario", "shock")
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: --portfolio: sampel: no such file (did you mean 'sample', the bundled "
        "sample portfolio?)"
    )
    r = run_cli("stress", "--portfolio", "book.csv", "--scenario", "shock")
    assert r.exit_code == 2 and "did you mean" not in r.stderr


def test_warn_if_prior_uses_the_calibration_it_is_given(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``cascade --fragility`` loaded the calibration, then ``warn_if_prior`` loaded it again."""
    import pandas as pd

    import liqcascade.cascade as cascade_mod
    from liqcascade._cli.cascade_backtest import warn_if_prior

    ts = pd.Timestamp("2024-12-02", tz="UTC")
    cal = cascade_mod.load_liquidity("ETH", ts)

    def no_second_load(*_: object, **__: object) -> None:
        raise AssertionError("the calibration was loaded again")

    monkeypatch.setattr(cascade_mod, "load_liquidity", no_second_load)
    said = warn_if_prior("ETH", ts, cal)
    assert said == {
        "as_of": pd.Timestamp(cal.as_of).isoformat(),
        "n_events": 3,
        "prior": True,
    }
    assert "is the prior, not a fit: 3 events" in capsys.readouterr().err
