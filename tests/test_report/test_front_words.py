"""Words that say what the numbers are: a stale market, a band's coverage against its
nominal, a failed check called one, what sets a stop, which way the leverage mix errs."""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from liqcascade.report._build import STALE_DAYS, stale_text
from liqcascade.report._contagion_section import record_check
from liqcascade.report._leverage_check import mix_line, near_shares
from liqcascade.report._protect_section import max_fitting_leverage, what_sets_the_stop
from liqcascade.report._validation_section import coverage_words


def test_an_old_market_says_it_is_not_todays_and_how_to_get_todays() -> None:
    assert stale_text(0) == "" and stale_text(STALE_DAYS) == ""
    assert stale_text(491) == (
        "Not today's market: for today's, run liqcascade report --refresh (network)."
    )
    # a date the reader asked for is their choice: no refresh is offered
    assert stale_text(491, "2025-06-30") == "This is the market of the date asked, not today's."
    # after report --refresh (ops29 R7): not the advice to run the command just run
    assert stale_text(491, refreshed=True) == (
        "Not today's market: the refresh found nothing newer than this bar."
    )
    assert stale_text(STALE_DAYS, refreshed=True) == ""


@pytest.mark.parametrize(
    ("cov", "days", "want"),
    [
        # ETH 2025-03 -> 2025-07: 148 of 153 days inside (binomial p ~ 0.003 vs 90 %)
        (
            148 / 153,
            153,
            "97 % of days inside the 5–95 % band (nominal 90 %: the band is too wide)",
        ),
        # BTC: 88 % of 153 days, inside the binomial noise of 90 %
        (0.88, 153, "88 % of days inside the 5–95 % band (nominal 90 %)"),
        (0.70, 153, "70 % of days inside the 5–95 % band (nominal 90 %: the band is too narrow)"),
        (0.97, None, "97 % of days inside the 5–95 % band (nominal 90 %)"),  # no verdict
        (None, 153, "no band coverage (no band)"),
    ],
)
def test_band_coverage_is_read_against_its_nominal(
    cov: float | None, days: int | None, want: str
) -> None:
    assert coverage_words(cov, days) == want


def test_the_aave_leg_is_said_to_fail_outside_2x() -> None:
    assert record_check(0.02) == "fails"  # the 2025-10-10 replay: $981,194 vs $43.1 M
    assert record_check(0.5) == record_check(2.0) == record_check(1.3) == "passes"
    assert record_check(2.1) == "fails"
    # no finite ratio is no check (left out of the mark), never a failed one
    assert record_check(math.nan) is None and record_check(None) is None
    assert record_check(math.inf) is None


def _contagion(aave_ratio: float, bybit: dict[str, float]) -> SimpleNamespace:
    """A contagion view as the card reads it: the replay, the Aave row, Bybit's row."""
    replay = SimpleNamespace(contagion_share=0.6, defi_liquidated_usd=981_194.0)
    return SimpleNamespace(
        replay=replay,
        aave={"recorded": 43.1e6, "ratio": aave_ratio},
        bybit=lambda: bybit,
        runs={-0.1: replay, -0.06: replay},
        share_range=lambda: (0.5, 0.6),
        book_dollars="Binance-feed",
    )


def test_the_contagion_mark_says_it_is_about_the_legs_and_skips_a_missing_one() -> None:
    from liqcascade.report._contagion_section import _bybit_and, _checks, _headline

    # the bundled replay: the Aave leg 0.02 of the record, Bybit's fall 0.73 of its own
    h = _headline(_contagion(0.02, {"ratio": 0.73}))  # type: ignore[arg-type]
    assert h.check == "fails" and h.check_label == "a leg fails the record"
    assert "the Aave leg fails its check" in h.evidence
    # the share adds two scales, and the card says so (reg28 F6)
    assert h.evidence.startswith(
        "Model only for the share, which adds Binance-feed CEX dollars to real Aave dollars; "
    )
    assert "Bybit's modelled fall is 0.73" in h.evidence
    # a missing Bybit row: no "nan", its check left out; the Aave leg alone sets the mark
    h = _headline(_contagion(1.2, {}))  # type: ignore[arg-type]
    assert not re.search(r"\bnan\b", h.evidence) and "Bybit" not in h.evidence
    assert h.check == "passes" and h.check_label == "its legs pass the record"
    # the front row: Bybit's fall where its row is, else nothing (it printed "nan")
    assert _bybit_and({"ratio": 0.73}) == " and Bybit's fall 0.73"
    assert _bybit_and({}) == "" == _bybit_and({"ratio": math.nan})
    # a NaN ratio is no check: not a failed one
    assert _checks(_contagion(math.nan, {"ratio": math.nan})) == ""  # type: ignore[arg-type]
    h = _headline(_contagion(math.nan, {"ratio": 1.0}))  # type: ignore[arg-type]
    assert h.check == "passes" and not re.search(r"\bnan\b", h.evidence)
    assert "the Aave leg: model $0.98 M vs recorded $43.1 M;" in h.evidence  # no verdict


def _rec(leverage: float, vol: float) -> SimpleNamespace:
    from liqcascade.protect import liquidation_price

    entry, size = 3698.0, 10.0
    liq = liquidation_price(1, entry, size, leverage, "ETH")
    return SimpleNamespace(  # the report enters at the mid, from which the cap is laid off
        side="long",
        entry=entry,
        mid=entry,
        size=size,
        leverage=leverage,
        vol_distance=vol,
        liq_price=liq,
    )


def _room(lev: int) -> float:
    from liqcascade.protect import liquidation_price

    liq = liquidation_price(1, 3698.0, 10.0, float(lev), "ETH")
    return 1.0 if liq <= 0 else (3698.0 - liq) / 3698.0


def test_the_leverage_cap_not_volatility_sets_a_10x_stop() -> None:
    # the report's 10x long of 10 ETH at $3,698: an 8.43 % volatility distance lies beyond
    # 80 % of the 9.6 % way to liquidation; the highest leverage whose room holds it
    r = _rec(10.0, 0.0843)
    lev = max_fitting_leverage(r, "ETH", 0.8)
    assert lev is not None and 1 <= lev < 10
    assert 0.0843 <= 0.8 * _room(lev) and 0.0843 > 0.8 * _room(lev + 1)
    text = what_sets_the_stop(r, "ETH")
    assert text.startswith("At 10× your leverage, not volatility, sets this stop: the ")
    assert "volatility distance, 8.43 %, lies beyond the cap of 80 % of the way" in text
    assert f"(at {lev}× or less the volatility stop fits)" in text
    # at 3x the volatility distance fits inside the cap: volatility sets the stop
    assert what_sets_the_stop(_rec(3.0, 0.0843), "ETH").startswith("Volatility sets it: ")


def _check(data: list[float], model: list[float]) -> pd.DataFrame:
    idx = ["<2%", "2-5%", "5-10%", "10-20%", "20-50%", ">50%", "none"]
    return pd.DataFrame({"data": data, "model": model}, index=idx)


def test_the_leverage_mix_line_says_which_way_the_model_errs() -> None:
    # BTC on the bundled data: the model 55 % within 10 % of liquidation, the data 9 %
    btc = _check(
        [0.0073, 0.0208, 0.0635, 0.1666, 0.2804, 0.3916, 0.0698],
        [0.0998, 0.2210, 0.2342, 0.2060, 0.1642, 0.0301, 0.0446],
    )
    d, m = near_shares(btc)
    assert d == pytest.approx(0.0916) and m == pytest.approx(0.5550)
    line = mix_line("BTC", btc)
    assert "the model puts 55 % of notional within 10 % of liquidation against 9 % in " in line
    assert "so it is more fragile near the price" in line
    assert "it holds 4 % of notional that is never liquidated against 7 % in the data" in line
    less = mix_line(
        "ETH", _check([0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.1], [0, 0, 0.1, 0.3, 0.3, 0.2, 0.1])
    )
    assert "so it is less fragile near the price" in less
    assert mix_line("SOL", None) == ""


def test_a_cards_mark_is_its_worst_check() -> None:
    from liqcascade.errors import InputError
    from liqcascade.report._section import check_mark

    assert check_mark("passes", "ties", "fails") == "fails"
    assert check_mark("passes", None, "ties") == "ties"
    assert check_mark("passes") == "passes"
    assert check_mark(None) == ""  # no check ran: no mark, never a hand-set one
    with pytest.raises(InputError, match="outcomes"):
        check_mark("ok")


def _var_view(kupiec_p: float, lo: float, hi: float, expected: float = 0.05) -> SimpleNamespace:
    """A stress view whose VaR back-test says a Kupiec p and a pinball interval (fractions).

    Its row has 72 windows (the 30-day back-test's) at an exceedance rate of 1.39 %: at an
    expected rate of 5 % Kupiec's test can run (3.6 exceedances expected), at 1 % it cannot.
    """
    row = {"kupiec_p": kupiec_p, "n": 72, "expected": expected, "rate": 1 / 72}
    bt = SimpleNamespace(
        settings={"horizons": [1, 30], "levels": [0.95, 0.99]},
        best_baseline=lambda h, lv: "historical",
        row=lambda h, lv, who: row,
        pinball_difference=lambda h, lv, b, n_resamples: ((lo + hi) / 2, lo, hi),
    )
    return SimpleNamespace(backtest=bt)


def test_a_check_without_a_finite_figure_is_left_out_of_the_mark() -> None:
    from liqcascade.cascade._scores import BASELINES
    from liqcascade.report._cascade_section import _move_check
    from liqcascade.report._stress_section import _var_check

    # the VaR card: a missing pinball interval read "ties", a NaN Kupiec p "passes"
    assert _var_check(_var_view(0.3, math.nan, math.nan)) == "passes"  # Kupiec alone
    assert _var_check(_var_view(0.01, math.nan, math.nan)) == "fails"
    assert _var_check(_var_view(math.nan, -2e-4, -1e-4)) == "passes"  # beats: pinball alone
    assert _var_check(_var_view(math.nan, -1e-4, 1e-4)) == "ties"
    assert _var_check(_var_view(math.nan, math.nan, math.nan)) == ""  # no check ran
    assert _var_check(_var_view(0.3, 1e-4, 2e-4)) == "fails"  # loses to the baseline
    # under one exceedance expected Kupiec's test is not run (stress.kupiec_coverage)
    assert _var_check(_var_view(0.01, math.nan, math.nan, expected=0.01)) == ""
    assert _var_check(_var_view(0.01, -2e-4, -1e-4, expected=0.01)) == "passes"
    # the move card: a baseline without an interval is left out, not the whole mark
    first, *rest = BASELINES
    beats = {f"move_mae_diff_vs_{b}_pp_{q}": x for b in rest for q, x in (("p05", -2), ("p95", -1))}
    assert _move_check(beats) == "passes"  # the first baseline has no interval
    loses = beats | {
        f"move_mae_diff_vs_{first}_pp_p05": 1.0,
        f"move_mae_diff_vs_{first}_pp_p95": 2.0,
    }
    assert _move_check(loses) == "fails"
    assert _move_check({"n_events": 3}) == ""  # no interval at all: no mark


# the bundled report's distance tables (2025-07-31, shares of notional), data and model
ETH_DISTANCE = pd.DataFrame(
    {
        "data": [0.0001, 0.0043, 0.0155, 0.0801, 0.5073, 0.3648, 0.0279],
        "model": [0.0110, 0.0311, 0.0531, 0.0887, 0.1808, 0.0510, 0.5843],
    },
    index=["<2%", "2-5%", "5-10%", "10-20%", "20-50%", ">50%", "none"],
)


def test_the_distance_claim_compares_like_for_like_and_fails_on_the_main_band() -> None:
    from liqcascade.report._leverage_check import distance_claim, distance_verdict, like_for_like

    t = like_for_like(ETH_DISTANCE)
    # the model's "never" is its mass beyond a 50 % move: the two bands merged
    assert t.loc[">50% or never", "model"] == pytest.approx(0.0510 + 0.5843, abs=1e-9)
    assert "none" not in t.index and t["data"].sum() == pytest.approx(1.0, abs=1e-3)
    # the data's largest band (20-50 % away: 51 %) holds 18 % in the model: outside 2x
    assert distance_verdict(ETH_DISTANCE) == "not supported"
    close = ETH_DISTANCE.assign(model=ETH_DISTANCE["data"] * 1.5)
    assert distance_verdict(close) == "supported"
    # 30 % of the model's notional within 2 % of liquidation where the data hold 0.01 %:
    # the band holds 5 % or more of the model's notional, so it is checked (and fails)
    crowded = close.copy()
    crowded.loc["<2%", "model"] = 0.3
    assert distance_verdict(crowded) == "partly supported"
    # the reviewer's case: every band of the data's within 2x, the model's <2% band not
    seen = _check(
        [0.01, 0.04, 0.06, 0.17, 0.36, 0.30, 0.06], [0.30, 0.04, 0.04, 0.09, 0.26, 0.22, 0.05]
    )
    assert distance_verdict(seen) == "partly supported"
    small = close.copy()
    small.loc["<2%", "model"] = 0.04  # under 5 % in both: not checked
    assert distance_verdict(small) == "supported"
    part = ETH_DISTANCE.assign(model=ETH_DISTANCE["data"])
    part.loc["10-20%", "model"] = 0.5  # a main band, not the largest, outside 2x
    assert distance_verdict(part) == "partly supported"
    c = distance_claim({"ETH": ETH_DISTANCE, "BTC": close})
    assert c.verdict == "not supported"  # the assets together: the worst of theirs
    assert distance_claim({"ETH": part, "BTC": close}).verdict == "partly supported"
    assert "the assets together take the worst of their verdicts" in c.computed
    assert "in the data or in the model" in c.computed
    assert c.front.startswith("Hyperliquid notional (Feb 2026), data vs model: ETH never ")
    assert "never liquidated 3 % vs 58 %" in c.front and "20–50 % away 51 % vs 18 %" in c.front
    assert "20–50 % away 51 % / 18 %" in c.computed  # every band in the section's text
    assert distance_claim({}) is None


def test_bad_debt_over_the_liabilities_says_how() -> None:
    from liqcascade.report._solvency_section import _over_margin_words

    assert _over_margin_words(0.327) == ""
    words = _over_margin_words(1.852)  # BTC's static bound
    assert "bankruptcy" in words and "several times its margin" in words


def test_the_markets_age_counts_from_its_close() -> None:
    """The market of the bar 2025-07-31 20:00 is known at its close, 2025-08-01 00:00: a
    report 30 days 2 hours later says 30 days (from the open it said 31)."""
    from liqcascade.market import MARKET_BAR
    from liqcascade.report._build import market_age_days

    assert MARKET_BAR == pd.Timedelta(hours=4)
    bar = pd.Timestamp("2025-07-31 20:00", tz="UTC")
    assert market_age_days(bar, pd.Timestamp("2025-08-31 02:00", tz="UTC")) == 30
    assert market_age_days(bar, pd.Timestamp("2025-08-01 03:59", tz="UTC")) == 0
    assert market_age_days(bar, bar + MARKET_BAR + pd.Timedelta(days=STALE_DAYS + 1)) == (
        STALE_DAYS + 1
    )


def test_the_book_score_card_says_it_is_given_the_realised_range() -> None:
    from liqcascade.report._section import BookScore

    text = BookScore(model=0.81, baseline=0.82, period="2025-03 to 2025-07", verdict="ties").text()
    assert text == (
        "Book out of sample (2025-03 to 2025-07), given the realised range: daily correlation "
        "0.81, ties with the range baseline's 0.82"
    )
