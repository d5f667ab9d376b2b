"""Review 8's front-page truths: units of the book's dollars, suspect recorded bars for
the report's own asset, the VaR card's sample reproducible from the CLI, the bad-debt
card's static bound and the critical shock's statistic in ``cascade --fragility``."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.report._units import cascade_consequence, front_line, qualifier, share_text


# ------------------------------------------------------------------------------- units
def test_share_text_has_two_significant_digits() -> None:
    assert share_text(0.0011) == "about 0.11 %"
    assert share_text(0.0045) == "about 0.45 %"
    assert share_text(0.012) == "about 1.2 %"
    assert share_text(0.25) == "about 25 %"
    assert share_text(float("nan")) == "a fraction"
    assert share_text(0.0) == "a fraction"


def test_units_texts_name_the_feed_and_market_dollars() -> None:
    line = front_line({"ETH": 0.0045, "BTC": 0.0011})
    assert line.startswith("Units: book dollars")
    assert "Binance's recorded liquidation feed (ETH 0.45 %, BTC 0.11 % of open interest)" in line
    assert "market dollars" in line
    q = qualifier("BTC", 0.0011)
    assert "about 0.11 % of BTC's aggregated open interest" in q and "not market dollars" in q
    c = cascade_consequence("BTC", 0.0011)
    assert "walked against order-book depth in market dollars" in c and "lower bounds" in c


def test_book_share_is_the_book_over_open_interest() -> None:
    from liqcascade.report._section import ReportContext
    from liqcascade.report._units import book_share

    ctx = ReportContext(quick=True, asset="BTC")
    f = ctx.market.fingerprint()
    got = book_share(ctx)
    want = (f["long_notional_usd"] + f["short_notional_usd"]) / f["open_interest_usd"]
    assert_same(got, want)
    # the record-implied book is a small fraction of the market (review 8: about 0.1 %)
    assert 1e-4 < got < 0.02


# ----------------------------------------------------------------- suspect recorded bars
def test_btc_replay_day_is_flagged_for_its_implausible_bar() -> None:
    from liqcascade.report._suspects import day_flag, rows, suspect_bars, within

    s = suspect_bars(["BTC"], "2025-07-31")
    assert len(s) and set(s["asset"]) == {"BTC"}
    day = pd.Timestamp("2025-06-12", tz="UTC")
    f = within(s, "BTC", day, day + pd.Timedelta(hours=23))
    assert len(f) == 1 and f.iloc[0]["side"] == "long"
    assert pd.Timestamp(f.iloc[0]["ts"]) == pd.Timestamp("2025-06-12 20:00", tz="UTC")
    # the day's recorded total (both sides), as the replay reads it
    from liqcascade import datasets

    liq = datasets.load_liquidations(asset="BTC")
    total = float(liq.loc["2025-06-12", ["long_usd", "short_usd"]].to_numpy().sum())
    text = day_flag(f, "BTC", day, total)
    share = float(f["usd"].sum()) / total
    assert 0.85 < share < 0.95  # review 8: "92 % of the day"
    assert "is dominated by a bar flagged as implausible" in text
    assert "longs 2025-06-12 20:00 UTC" in text and "kept in every score" in text
    assert day_flag(f, "BTC", day + pd.Timedelta(days=1), total) == ""
    r = rows(f)
    assert r[0]["side"] == "long" and r[0]["usd"] > 1e8


# --------------------------------------------------------------------- the VaR sample
def test_sample_portfolio_for_every_asset() -> None:
    from liqcascade import stress

    prices = {"ETH": 3000.0, "BTC": 100000.0, "SOL": 200.0}
    for a in ("ETH", "BTC"):
        pf, ref = stress.sample_portfolio_for(prices, a), stress.sample_portfolio(prices)
        assert list(pf.names) == list(ref.names)
        assert_same(pf.size, ref.size)
    sol = stress.sample_portfolio_for(prices, "sol")
    assert set(sol.assets) == {"SOL"}
    assert_same(sol.size * sol.entry_price, [30000.0, 100000.0, 15000.0])
    with pytest.raises(InputError, match="no price of SOL"):
        stress.sample_portfolio_for({"ETH": 1.0, "BTC": 2.0}, "SOL")


def test_stress_portfolio_sample_is_the_reports_sample(tmp_path: Path) -> None:
    """``--portfolio sample`` stresses the report's sample; the same rows from a file agree."""
    from liqcascade import stress

    args = ("stress", "--asset", "BTC", "--paths", "300", "--seed", "7", "--json")
    r = run_cli(*args, "--portfolio", "sample")
    assert r.exit_code == 0, r.stderr
    got = r.json()
    assert got["portfolio_file"].startswith("sample (the report's sample portfolio")
    assert got["n_positions"] == 3
    lo, hi = got["var_95_interval"]
    assert lo <= got["var_95"] <= hi
    m = stress.stress_market(asset="BTC")
    pf = stress.sample_portfolio(m.prices)
    rows = pd.DataFrame(
        {
            "symbol": ["ETHUSDT", "BTCUSDT", "ETHUSDT"],
            "side": ["long", "long", "short"],
            "size": [10.0, 1.0, 5.0],
            "entry_price": list(pf.entry_price),
            "leverage": [20.0, 10.0, 5.0],
        }
    )
    f = tmp_path / "pf.csv"
    rows.to_csv(f, index=False)
    again = run_cli(*args, "--portfolio", str(f)).json()
    for k in ("var_95", "var_99", "es_95", "es_99"):
        assert_same(got[k], again[k])
    # the text view prints the VaR's interval
    text = run_cli("stress", "--asset", "BTC", "--paths", "300", "--portfolio", "sample")
    assert text.exit_code == 0 and "95 % interval, Monte Carlo sampling" in text.stdout


def test_a_missing_portfolio_file_is_still_refused(tmp_path: Path) -> None:
    r = run_cli("stress", "--portfolio", str(tmp_path / "sample"), "--json")
    assert r.exit_code == 2 and "no such file" in r.stderr


# ------------------------------------------------------------------- bad debt's bound
def test_static_bad_debt_reads_the_static_upper_bound() -> None:
    from liqcascade.report._solvency_section import static_bad_debt

    o = SimpleNamespace(bad_debt_usd=7.0, static_upper_bound={"bad_debt_usd": 19.0})
    assert static_bad_debt(o) == 19.0
    assert static_bad_debt(SimpleNamespace(bad_debt_usd=7.0, static_upper_bound=None)) == 7.0


# --------------------------------------------------------- the critical shock's statistic
def _critical_line(critical: dict, start: str = "critical shock") -> str:
    from liqcascade._cli import _common
    from liqcascade._cli.cascade_backtest import _render_calibrated_fragility

    curve = [
        {"shock": s, "move_median": 1.4 * s, "move_p10": 2 * s, "move_p90": s,
         "liquidated_median_usd": 1e6, "static_final_move": 1.1 * s}
        for s in (-0.05, -0.1)
    ]  # fmt: skip
    result = {"as_of": "2025-07-31", "curve": curve, "critical_shock": critical}
    import io

    from rich.console import Console

    buf = io.StringIO()
    saved = _common.stdout
    _common.stdout = Console(file=buf, width=600)
    try:
        _render_calibrated_fragility(result)
    finally:
        _common.stdout = saved
    return next(x for x in buf.getvalue().splitlines() if x.startswith(start))


_PER_DRAW = dict(
    critical_shock=-0.0659, critical_shock_p10=-0.0574, critical_shock_p90=-0.0735,
    curve_crossing=-0.068, n_draws=120, curve_n_paths=120,
)  # fmt: skip


def test_fragility_prints_the_reports_statistic_first() -> None:
    # the figure labelled the report's is the one computed as the report computes it
    # (review acceptance 9: the label sat on the 120-path curve's crossing, -6.80 %,
    # while the report printed -6.6 %)
    report = {
        "critical_shock": -0.0658, "total_move": -0.1, "n_paths": 360, "seed": 0,
        "shocks": [-0.01 * k for k in range(1, 11)],
    }  # fmt: skip
    line = _critical_line(dict(total_move=-0.1, **_PER_DRAW, report_statistic=report))
    assert (
        "(the report's statistic, run as the report runs it: where the median of 360 pooled "
        "paths crosses it, first falls -1 % … -10 %, seed 0): -6.58 %" in line
    )
    assert line.index("-6.58 %") < line.index("-6.59 %") < line.index("-6.80 %")
    assert "other statistic, the median over 120 parameter draws" in line
    assert "the curve above (120 pooled paths) crosses at -6.80 %" in line


def test_fragility_prints_the_report_cards_history_check() -> None:
    from liqcascade.cascade import critical_history_check
    from liqcascade.report._calibrated import history_text

    # 3 real falls of 5.4 % or more, 2 reached -10 %; the model's reach at those depths
    falls, totals = [-0.06, -0.08, -0.055], [-0.12, -0.11, -0.04]
    check = critical_history_check(falls, totals, critical=-0.054, shocks=[-0.05, -0.1],
                                   reach=[0.4, 0.9], n_paths=360)  # fmt: skip
    said = history_text(check)
    assert said.startswith("History (4-hour falls, in sample): 2 of 3 real falls of 5.4 % or more")
    report = {
        "critical_shock": -0.054, "total_move": -0.1, "n_paths": 360, "seed": 0,
        "shocks": [-0.01 * k for k in range(1, 11)], "history_text": said,
    }  # fmt: skip
    line = _critical_line(dict(total_move=-0.1, **_PER_DRAW, report_statistic=report),
                          start="against history")  # fmt: skip
    assert line == f"against history (the report's check): {said}"
    # none off the report's move: the report checks its own critical shock only
    with pytest.raises(StopIteration):
        _critical_line(dict(total_move=-0.15, **_PER_DRAW, report_statistic=None),
                       start="against history")  # fmt: skip


def test_fragility_off_the_reports_move_claims_no_report_figure() -> None:
    line = _critical_line(dict(total_move=-0.15, **_PER_DRAW, report_statistic=None))
    assert "report's statistic" not in line
    assert "(where the curve's pooled median path crosses it): -6.80 %" in line
    assert "the report gives a critical shock for a -10 % move only" in line


def test_fragility_help_promises_no_next_wave_levels_it_does_not_print() -> None:
    r = run_cli("cascade", "--help")
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())
    assert "critical shock and next-wave levels" not in text
    assert "with --liquidity static also the next-wave levels" in text.replace("│ ", "")


def test_nan_share_is_said_without_a_figure() -> None:
    assert "a fraction of" in qualifier("SOL", math.nan)
