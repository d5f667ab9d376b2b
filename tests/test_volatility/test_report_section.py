from __future__ import annotations

import json
from pathlib import Path

from liqcascade.report._section import CHECK_MARKS
from pages import section_html

VERDICTS = {"supported", "partly supported", "not supported", "contradicted"}


def test_volatility_section_quick(report: dict[str, Path]) -> None:
    out = report  # the default quick report (conftest): its ETH volatility section
    s = json.loads(out["summary"].read_text())
    v = s["sections"]["volatility"]
    # clustering: overwhelming in raw squared returns, gone after the fit
    assert v["clustering"]["daily"]["arch_lm_pvalue"] < 1e-6
    assert v["clustering"]["hourly"]["ljung_box_pvalue"] < 1e-6
    assert v["clustering"]["daily_std_resid"]["arch_lm_pvalue"] > 0.05
    assert v["n_obs_daily"] == 2905  # daily returns to the market date, 2025-07-31
    # the leverage verdict, per period, whatever it says
    periods = v["periods_daily"]
    assert [p["label"] for p in periods][:2] == ["2017–2021", "2022–2025"]
    assert all(p["verdict"] in {"significant", "inverted", "not significant"} for p in periods)
    lev = v["leverage_daily_gjr"]
    assert (lev["pvalue"] < 0.05) == (lev["verdict"] != "not significant")
    assert v["leverage_claim_verdict"] in VERDICTS
    # the fitted model equals the memo'd one others reuse, and it has the leverage term
    assert "gamma[1]" in v["fit_eth_1d_gjr_t"]["params"]
    assert 0.3 < v["realized_vs_model_log_corr"] <= 1
    claims = {c["claim"]: c for c in s["claims"]}
    assert claims["Large moves cluster (volatility clustering)"]["verdict"] == "supported"
    lc = claims["ETH shows a pronounced leverage effect (falls raise volatility more than rises)"]
    assert lc["verdict"] == v["leverage_claim_verdict"]
    assert f"{lev['gamma']:.3f}" in lc["computed"]
    # ETH's section alone: BTC's (the page has both) cannot stand in for it
    page = out["html"].read_text()
    o = v["oos"]
    assert o["available"] and o["end"] == "2025-07-31" and len(o["scores"]) == 2
    for sid, summary in (("volatility", v), ("volatility-btc", s["sections"]["volatility-btc"])):
        html = section_html(page, sid)
        assert "News impact curve" in html and "Leverage effect by period" in html, sid
        # the out-of-sample score: each model's mark against the better baseline, and AIC's
        # choice named as in sample beside QLIKE's
        assert summary["oos"]["available"], sid
        assert "variance forecasts out of sample" in html, sid
        assert "Best model by AIC (in sample)" in html and "lowest QLIKE out of sample" in html
        # one mark per model in the sentence, one per model and proxy in the table (3 × 3)
        marks = sum(html.count(m) for m in CHECK_MARKS.values())
        assert marks >= 9, (sid, marks)


def test_the_years_named_are_each_models_own() -> None:
    """ "Calendar years with a significant effect" names each model's years (EGARCH 2024 lost)."""
    from types import SimpleNamespace

    import pandas as pd

    from liqcascade.report._volatility_section import _years

    rows = pd.DataFrame(
        {
            "label": ["2021", "2022", "2023", "2022", "2024", "2019"],
            "model": ["gjr", "gjr", "gjr", "egarch", "egarch", "egarch"],
            "verdict": ["not significant", "significant", "significant", "significant",
                        "significant", "inverted"],
        }
    )  # fmt: skip
    v = SimpleNamespace(yearly=lambda model="gjr": rows[rows["model"] == model])
    assert _years(v, "significant") == "GJR 2022 and 2023, EGARCH 2022 and 2024"  # type: ignore[arg-type]
    assert _years(v, "inverted") == "EGARCH 2019"  # type: ignore[arg-type]
    assert _years(v, "did not converge") == "none"  # type: ignore[arg-type]


def test_holm_counts_only_the_periods_a_fit_tested() -> None:
    """An unreliable or non-converged fit tests nothing: its p-value is not in m."""
    from types import SimpleNamespace

    import pandas as pd

    from liqcascade.report._volatility_section import VolatilityView

    frame = pd.DataFrame(
        {
            "verdict": ["significant", "not significant", "unreliable (singular Hessian)",
                        "did not converge", "not significant"],
            "pvalue": [0.012, 0.4, 0.0, float("nan"), 0.7],
        }
    )  # fmt: skip
    v = SimpleNamespace(daily_periods=SimpleNamespace(to_frame=lambda: frame))
    v.tested = lambda: VolatilityView.tested(v)  # type: ignore[arg-type]
    v.holm_survivors = lambda alpha=0.05: VolatilityView.holm_survivors(v, alpha)  # type: ignore[arg-type]
    assert len(VolatilityView.tested(v)) == 3  # type: ignore[arg-type]
    # a p-value the count decides: 0.05 / 3 = 0.0167 > 0.015 > 0.0125 = 0.05 / 4 (or / 5)
    frame.loc[0, "pvalue"] = 0.015
    assert VolatilityView.periods_significant_after_correction(v)  # type: ignore[arg-type]


def test_holm_steps_down_and_the_text_gives_the_margin() -> None:
    """Holm keeps rows while the k-th smallest p is below 0.05 / (m − k); the text says so."""
    from types import SimpleNamespace

    import pandas as pd

    from liqcascade.report._volatility_section import VolatilityView, _holm_text

    frame = pd.DataFrame(
        {
            "label": ["2022", "2024", "2021", "2023"],
            "model": ["gjr", "egarch", "gjr", "gjr"],
            "verdict": ["significant", "significant", "not significant", "not significant"],
            "pvalue": [0.016, 0.0022, 0.5, 0.9],
        }
    )  # fmt: skip
    v = SimpleNamespace(daily_periods=SimpleNamespace(to_frame=lambda: frame))
    v.tested = lambda: VolatilityView.tested(v)  # type: ignore[arg-type]
    v.holm_survivors = lambda alpha=0.05: VolatilityView.holm_survivors(v, alpha)  # type: ignore[arg-type]
    # 0.0022 < 0.05/4 = 0.0125 kept; 0.016 against 0.05/3 = 0.0167 kept too
    assert list(VolatilityView.holm_survivors(v)["label"]) == ["2024", "2022"]  # type: ignore[arg-type]
    text = _holm_text(v)  # type: ignore[arg-type]
    assert "EGARCH 2024 and GJR 2022 still significant once the 4 periods" in text
    assert "p = 0.0022 against 0.05/4 = 0.0125" in text
    frame.loc[0, "pvalue"] = 0.03  # 0.03 > 0.05/3: one survivor, said alone
    assert "EGARCH 2024 alone still significant once the 4 periods" in _holm_text(v)  # type: ignore[arg-type]
    frame.loc[0, "pvalue"] = 0.016
    frame.loc[1, "pvalue"] = 0.013  # misses 0.0125: nothing survives, and the margin is given
    text = _holm_text(v)  # type: ignore[arg-type]
    assert "none once the 4 periods tested are counted" in text
    assert "smallest p = 0.0130 against 0.05/4 = 0.0125" in text


def test_pronounced_needs_size_as_well_as_significance() -> None:
    """The claim's rule: significant and >= 2× is pronounced; a modest hourly effect is not."""
    from types import SimpleNamespace

    from liqcascade.report._volatility_section import (
        PRONOUNCED_RATIO,
        VolatilityView,
        _effect_words,
        _leverage_front,
        pronounced,
    )

    def fit(verdict: str, ratio: float) -> SimpleNamespace:
        return SimpleNamespace(
            leverage_verdict=verdict, asymmetry=(ratio, ratio - 0.1, ratio + 0.1)
        )

    assert PRONOUNCED_RATIO == 2.0
    assert pronounced(fit("significant", 2.4)) and not pronounced(fit("significant", 1.35))
    assert not pronounced(fit("not significant", 3.0))

    def view(daily: SimpleNamespace, egarch: str, hourly: SimpleNamespace | None) -> str:
        v = SimpleNamespace(gjr=daily, egarch=SimpleNamespace(leverage_verdict=egarch),
                            hourly_fit=hourly)  # fmt: skip
        return VolatilityView.verdict(v)  # type: ignore[arg-type]

    # ETH's case: none daily (1.07×), modest hourly (1.35×): not supported
    eth = (fit("not significant", 1.07), "not significant", fit("significant", 1.35))
    assert view(*eth) == "not supported"
    assert view(fit("not significant", 1.07), "not significant", fit("significant", 2.5)) == (
        "partly supported"
    )
    assert view(fit("significant", 2.5), "significant", None) == "supported"
    assert view(fit("significant", 2.5), "not significant", None) == "partly supported"
    assert view(fit("inverted", 0.5), "inverted", None) == "contradicted"
    # the words a non-specialist reads
    v = SimpleNamespace(gjr=eth[0], hourly_fit=eth[2], span=lambda: "2017-08-18 → 2025-07-31")
    assert _effect_words(v) == "A modest effect on hourly data, none on daily"  # type: ignore[arg-type]
    front = _leverage_front(v)  # type: ignore[arg-type]
    assert front.startswith("A modest effect on hourly data, none on daily: ")
    assert "1.35×" in front and "1.07×" in front and "2×" in front and len(front) <= 170


def test_part_years_are_counted_apart_from_full_years() -> None:
    """ "negative in 4 of 9 years" counted 2017 (136 returns) and 2025 (211) as years."""
    from types import SimpleNamespace

    import pandas as pd

    from liqcascade.report._volatility_section import _negative_years

    years = pd.DataFrame(
        {
            "label": ["2017", "2018", "2019", "2025"],
            "start": ["2017-08-18", "2018-01-01", "2019-01-01", "2025-01-01"],
            "end": ["2017-12-31", "2018-12-31", "2019-12-31", "2025-07-31"],
            "gamma": [0.4, 0.001, -0.008, -0.56],
        }
    )
    v = SimpleNamespace(yearly=lambda model="gjr": years)
    assert _negative_years(v) == (  # type: ignore[arg-type]
        "negative in 1 of 2 full calendar years and in 1 of 2 part-years "
        "(2017 08-18 → 12-31, 2025 01-01 → 07-31)"
    )


def test_the_oos_sentence_says_each_mark_once() -> None:
    """ "ties its baseline (ties EWMA λ 0.94, p 0.99)" said the verdict twice: now once,
    the brackets naming the baseline and the Diebold–Mariano p only."""
    from types import SimpleNamespace

    import pandas as pd

    from liqcascade.report._volatility_section import _oos_text

    sc = SimpleNamespace(
        proxy="realised variance (hourly bars)", n=731, best_baseline="ewma",
        verdict={"garch": "ties", "gjr": "beats", "egarch": "loses"},
        dm_pvalue={"garch": 0.99, "gjr": 0.012, "egarch": 0.03},
        qlike={"garch": 3.54, "gjr": 3.53, "egarch": 3.56, "ewma": 3.538,
               "trailing_30d": 3.59},
    )  # fmt: skip
    v = SimpleNamespace(
        aic=pd.DataFrame({"model": ["egarch"], "dist": ["t"]}),
        oos=SimpleNamespace(start="2023-08-01", end="2025-07-31", scores=[sc]),
    )
    text = _oos_text(v)  # type: ignore[arg-type]
    assert (
        "GARCH-t ties its baseline (EWMA λ 0.94, DM p 0.99), GJR-t passes its check (EWMA "
        "λ 0.94, DM p 0.012) and EGARCH-t fails its check (EWMA λ 0.94, DM p 0.030)."
    ) in text
    # no mark is followed by a bracket that repeats it
    for said in ("(ties", "(beats", "(loses", "(passes", "(fails"):
        assert said not in text


def test_an_inverted_hourly_year_is_said_beside_the_daily_years() -> None:
    """reg35: the claim read "inverted: none" (the daily fits' years) while ETH's hourly
    GJR-t for 2023 is inverted (γ −0.049, p 0.025), data against the claim."""
    from types import SimpleNamespace

    import pandas as pd

    from liqcascade.report._volatility_section import _hourly_inverted

    rows = pd.DataFrame(
        {
            "label": ["2017–2021", "2022–2025", "2022", "2023", "2024"],
            "verdict": ["inverted", "significant", "significant", "inverted", "significant"],
        }
    )  # fmt: skip
    v = SimpleNamespace(hourly_periods=rows)
    assert _hourly_inverted(v) == " (by calendar year the hourly fit is inverted in 2023)"  # type: ignore[arg-type]
    rows.loc[4, "verdict"] = "inverted"
    assert _hourly_inverted(v).endswith("inverted in 2023 and 2024)")  # type: ignore[arg-type]
    assert _hourly_inverted(SimpleNamespace(hourly_periods=None)) == ""  # type: ignore[arg-type]
    calm = SimpleNamespace(hourly_periods=rows.assign(verdict="significant"))
    assert _hourly_inverted(calm) == ""  # type: ignore[arg-type]
