"""Words a fund's head of risk could not follow (session 24): each follows from its figures."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pandas as pd

# the protect section's row on the bundled data, 2020–2025 (hourly)
FIXED = {"stop_outs": 0.5009, "total_return": 3.4967}
VOL = {"stop_outs": 0.2200, "total_return": 2.2657}
DECLUSTERED = {"stop_outs": 0.2226, "total_return": 2.1246}


def test_a_not_significant_gamma_is_not_said_to_move_the_median() -> None:
    from liqcascade.report._stress_section import median_words

    btc = median_words((-0.006, 0.76, "not significant", -0.92))  # BTC's daily fit
    assert "makes falls more volatile" not in btc
    assert "not significant" in btc and "γ = −0.006" in btc and "p = 0.76" in btc
    assert "not a leverage effect" in btc and "skewed to the left" in btc
    assert "lifts" in btc
    inverted = median_words((-0.1, 0.01, "inverted", 0.3))
    assert "not a leverage effect" in inverted and "skewed to the right" in inverted
    assert "lowers" in inverted
    significant = median_words((0.08, 0.001, "significant", -0.4))
    assert "makes falls more volatile" in significant and "p = 0.001" in significant


def _crowd(verdict: str, s: tuple, r: tuple) -> dict:
    """A de-clustering verdict as ``protect.declustering_verdict`` gives it."""
    return {"verdict": verdict, "difference": {"stop_outs": list(s), "total_return": list(r)}}


#: The report's window on ETH (2020–2025-12-31): more stop-outs beyond the noise.
WORSE = _crowd("not supported", (0.0025, 0.0008, 0.0051), (-0.1246, -0.2922, 0.0011))


#: The report's volatility-scaling part on ETH: far fewer stop-outs beyond the noise, the
#: summed return's difference holds 0.
PARTLY = _crowd("partly supported", (-0.2885, -0.31, -0.27), (-0.365, -0.9, 0.2))


def test_the_stops_claim_says_the_crowd_part_adds_nothing() -> None:
    from liqcascade.report._protect_section import stops_claim

    text, verdict = stops_claim(FIXED, VOL, DECLUSTERED, "2020", "2025", WORSE, PARTLY)
    assert verdict == "partly supported"
    assert "away from the crowd not supported: worse beyond the noise (more stop-outs, less" in text
    assert "Volatility scaling partly supported (fewer stop-outs, less return than a fixed" in text
    assert "stop-outs −28.85 pp (90 % −31.00 pp to −27.00 pp)" in text  # the scaling part's
    assert "22.26 %" in text and "212.46 %" in text  # the figures stay as they were
    # the differences and their 90 % intervals, as the report writes intervals
    assert "stop-outs +0.25 pp (90 % +0.08 pp to +0.51 pp)" in text
    assert "summed return −12.46 pp (90 % −29.22 pp to +0.11 pp) of one entry" in text
    better = {"stop_outs": 0.20, "total_return": 2.5}
    ok = _crowd("supported", (-0.02, -0.03, -0.01), (0.2, 0.1, 0.3))
    tie = _crowd("ties", (-0.001, -0.003, 0.0), (0.03, -0.03, 0.1))
    text, verdict = stops_claim(
        FIXED, {**VOL, "total_return": 3.6}, better, "2020", "2025", tie, PARTLY
    )
    assert verdict == "partly supported" and "worse beyond the noise" not in text
    both = stops_claim(FIXED, {"stop_outs": 0.3, "total_return": 3.6},
                       {"stop_outs": 0.2, "total_return": 3.7}, "2020", "2025", ok, ok)  # fmt: skip
    assert both[1] == "supported"
    # a crowd part that ties supports nothing: with a supported volatility part, partly
    vol, d = {"stop_outs": 0.3, "total_return": 3.6}, {"stop_outs": 0.2, "total_return": 3.7}
    text, verdict = stops_claim(FIXED, vol, d, "2020", "2025", tie, ok)
    assert verdict == "partly supported"
    assert "away from the crowd ties with volatility alone" in text
    # two parts that tie, or one worse and one tied, support nothing
    worse = {"stop_outs": 0.6, "total_return": 3.0}
    text, verdict = stops_claim(FIXED, worse, {**worse, "stop_outs": 0.7}, "2020", "2025", tie, tie)
    assert verdict == "not supported" and "Volatility scaling ties with a fixed 5 % stop" in text
    assert stops_claim(FIXED, VOL, DECLUSTERED, "2020", "2025", WORSE, tie)[1] == "not supported"


def test_the_history_check_reads_as_plain_sentences() -> None:
    from liqcascade.report._cascade_section import _why_checks_differ
    from liqcascade.report._units import CARRY_LOWER_BOUND

    every = NS(n_dates=125, median_within_2pp=True, model_total_median=-0.093,
               history_total_median=-0.085)  # fmt: skip
    v = NS(every_date=every, critical_check=NS(n=100, verdict="contradicts"))
    text = _why_checks_differ(v)  # type: ignore[arg-type]
    assert text.startswith(". Yet the median fall after real 5 % falls") and text.endswith(".")
    assert "0.8 points" in text and "follow-through check" not in text
    assert "feed-dollar" not in CARRY_LOWER_BOUND and "lower bound" in CARRY_LOWER_BOUND
    # said only where the two checks disagree
    assert _why_checks_differ(NS(every_date=every, critical_check=NS(n=100,  # type: ignore[arg-type]
                                 verdict="consistent"))) == ""  # fmt: skip


def test_the_glossary_defines_the_report_s_terms() -> None:
    from liqcascade.report._build import GLOSSARY

    g = dict(GLOSSARY)
    for key in ("Book draws, parameter draws", "Cohort", "De-clustered (stop)",
                "Pivot, zone, band"):  # fmt: skip
        assert key in g, key
    assert "GJR-t" in g["GJR-GARCH, EGARCH"] and "Student-t" in g["GJR-GARCH, EGARCH"]
    from liqcascade.report._support_section import SENSITIVITY_COLUMNS

    assert {"pivot", "min_away"} <= set(SENSITIVITY_COLUMNS)  # no raw key as a header


def test_a_date_in_a_table_never_breaks() -> None:
    from liqcascade.report._format import table_html

    page = table_html(pd.DataFrame({"window": ["2022-06-13"], "move": [-0.15]}))
    assert '<span class="nw">2022-06-13</span>' in page


def test_a_claim_links_to_the_section_its_text_cites() -> None:
    from liqcascade.report._build import claims_linked
    from liqcascade.report._section import Claim, Section

    claim = Claim("Liquidation cascades turn ordinary moves into crashes.", "…", "x",
                  section="cascade")  # fmt: skip
    stress = Section(id="stress", title="Stress", claims=[claim])
    both = claims_linked([Section(id="cascade", title="Cascade"), stress])
    assert [c.section for c in both] == ["cascade"]
    assert [c.section for c in claims_linked([stress])] == ["stress"]  # no cascade section


def test_the_var_card_names_the_horizons_that_fail_kupiec() -> None:
    from liqcascade.report._stress_section import kupiec_fails

    p = {(1, 0.99): 0.023, (10, 0.95): 0.044, (30, 0.95): 0.098}  # ETH's scored windows

    def row(h: int, lv: float, who: str) -> dict[str, float]:  # too few exceedances
        return {"n": 2161 // h, "expected": 1 - lv, "rate": 0.0, "kupiec_p": p[(h, lv)]}

    bt = NS(settings={"horizons": [1, 10, 30], "levels": [0.95, 0.99]}, row=row)
    assert kupiec_fails(bt, skip=(30, 0.95)) == ["1-day 99 %", "10-day 95 %"]
    p[(10, 0.95)] = 0.2
    assert kupiec_fails(bt) == ["1-day 99 %"]
