"""The report at dates with too little out-of-sample record to score the book.

At ``--as-of 2025-03-01`` the identified book's back-test holds one day out of sample:
its daily correlations are NaN (a correlation over fewer than three days says
nothing). The front page, the validation and liquidation-map sections and the claims
table printed ``nan`` and a verdict ("does not beat", "partly supported") made on it;
now they say how many days there were and that it is too few, and the claim is "not
testable with these data". A date before the first month with a fit is refused before
any section runs.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.report._liqmap_section import after_date_note, dated_score, score_text
from liqcascade.report._section import (
    FRONT_CHARS,
    IdentifiedScore,
    ReportContext,
    front_chars,
    score_outcome,
)
from liqcascade.report._validation_section import AssetValidation, ValidationView, _asset_line
from liqcascade.report._validation_section import _claim as validation_claim

NAN = math.nan
START = pd.Timestamp("2025-03-01", tz="UTC")


def _metrics(days: int, corr: float, diff_interval: bool = False) -> dict[str, float]:
    """Out-of-sample metrics of ``days`` days: correlations ``corr`` (NaN: too few days)."""
    m = {"days": float(days), "coverage_90_daily": 1.0}
    for k in ("corr_daily", "corr_daily_long", "corr_daily_short", "spearman_daily",
              "spearman_daily_long", "spearman_daily_short", "baseline_corr_daily",
              "baseline_spearman_daily", "baseline_corr_daily_long",
              "baseline_corr_daily_short"):  # fmt: skip
        m[k] = corr
    for side in ("", "_long", "_short"):
        for kind in ("corr", "spearman"):
            m[f"range_baseline_{kind}_daily{side}"] = corr - 0.1 if corr == corr else NAN
            d = f"range_baseline_{kind}_diff_daily{side}"
            m[d] = 0.1 if corr == corr else NAN
            m[f"{d}_p05"] = m[f"{d}_p95"] = 0.05 if diff_interval else NAN
    return m


def _bt(m: dict[str, float] | None, days: int = 1) -> Any:
    end = START + pd.Timedelta(days=days) - pd.Timedelta(microseconds=1)
    return SimpleNamespace(
        metrics=m, metrics_out_of_sample=m, metrics_in_sample=None, start=START, end=end,
        recorded_bars=6 * days, months=[],
    )  # fmt: skip


def test_one_day_is_no_score_and_says_how_many_days() -> None:
    bt = _bt(_metrics(1, NAN))
    assert IdentifiedScore.from_backtest(bt) is None
    why = score_outcome(lambda: bt, "ETH")
    assert why == (
        "only 1 day of 2025-03-01 → 2025-03-01 has a recorded ETH liquidation: too few to "
        "score the identified book (a daily correlation needs at least 3 days)"
    )
    # the context (front page's BookScore, the cascade card) reads the same
    ctx = ReportContext(quick=True, asset="ETH", as_of="2025-03-01")
    ctx.identified = lambda a=None: bt  # type: ignore[method-assign]
    assert ctx.book_score is None and ctx.no_identified_score() == why


def test_enough_days_still_score() -> None:
    s = score_outcome(lambda: _bt(_metrics(20, 0.6, diff_interval=True), 20), "ETH")
    assert isinstance(s, IdentifiedScore) and s.corr_daily == pytest.approx(0.6, abs=1e-12)
    assert s.verdict == "beats"


def _view(days: int, corr: float, interval: bool = False) -> ValidationView:
    bt = _bt(_metrics(days, corr, interval), days)
    return ValidationView([AssetValidation("ETH", bt, None, {})])


def test_validation_line_and_claim_at_one_day() -> None:
    v = _view(1, NAN)
    av = v.assets[0]
    assert set(av.beats().values()) == {None} and av.misses() == []
    line = _asset_line(av)
    assert "nan" not in line and "beat" not in line
    assert line == (
        "ETH: out of sample, 1 day with a recorded liquidation: too few days to score (a "
        "daily correlation needs at least 3); no comparison with the baselines."
    )
    c = validation_claim(v, intrabar=False)
    assert c.verdict == "not testable with these data"
    assert "1 day with a recorded liquidation: too few days to score" in c.computed
    assert "nan" not in c.computed and "at least 14 days" in c.would_test
    assert c.front.startswith("ETH's book has no out-of-sample score") and "nan" not in c.front
    assert 0 < front_chars(c.front) <= FRONT_CHARS


def test_validation_claim_without_an_interval_is_not_testable() -> None:
    v = _view(5, 0.6)  # a correlation, but too few days for the interval of a difference
    c = validation_claim(v, intrabar=False)
    assert c.verdict == "not testable with these data"
    assert "5 days with a recorded liquidation: too few to test the book" in c.computed
    assert "no verdict" in _asset_line(v.assets[0])
    full = validation_claim(_view(20, 0.6, interval=True), intrabar=False)
    assert full.verdict == "partly supported" and "ETH 0.60 vs 0.50" in full.computed
    assert "(90 % intervals): ETH 0.60 vs 0.50, 6/0/0;" in full.computed
    assert "adds nothing" not in full.computed and "by price level) is not tested" in full.computed


def test_validation_claim_says_when_the_book_beats_the_range_baseline_on_nothing() -> None:
    m = _metrics(20, 0.6, diff_interval=True)
    m["range_baseline_spearman_diff_daily_short_p05"] = -0.06  # loses shorts Spearman
    m["range_baseline_spearman_diff_daily_short_p95"] = -0.01
    for side in ("", "_long", "_short"):
        for kind in ("corr", "spearman") if side != "_short" else ("corr",):
            m[f"range_baseline_{kind}_diff_daily{side}_p05"] = -0.02  # ties: interval spans 0
    v = ValidationView([AssetValidation("ETH", _bt(m, 20), None, {})])
    c = validation_claim(v, intrabar=False)
    said = "ETH 0.60 vs 0.50, 0/5/1: the assumed leverage adds nothing measurable to them;"
    assert said in c.computed
    assert c.verdict == "not supported"
    # the verdict says it: the row ends at the count (the full text keeps the words)
    assert c.front.endswith("beats it on 0 of 6 scores; levels untested.")
    assert c.front.startswith("Given the realised range (not a forecast), ")
    assert "Supported by the correlations: nothing beyond range × OI." in c.computed
    assert "given the realised path, not a forecast" in c.computed
    # another asset's win makes it partly supported, and the row says whose
    btc = ValidationView(
        [AssetValidation("ETH", _bt(m, 20), None, {}),
         AssetValidation("BTC", _bt(_metrics(20, 0.6, diff_interval=True), 20), None, {})]
    )  # fmt: skip
    c2 = validation_claim(btc, intrabar=False)
    assert c2.verdict == "partly supported" and "adds nothing" not in c2.computed
    assert "ETH 0.60 vs 0.50, 0/5/1; BTC 0.60 vs 0.50, 6/0/0;" in c2.computed
    assert "ETH 0.60 vs 0.50, BTC 0.60 vs 0.50; beats it on 6 of 12 scores;" in c2.front
    # the row names the part supported (BTC's scores beaten), and what is not tested (F7)
    assert (
        "Supported: only how the book's daily amounts move with the record given the "
        "realised path, beyond range × OI on BTC "
        "total (Pearson), total (Spearman), longs (Pearson), longs (Spearman), shorts "
        "(Pearson) and shorts (Spearman); elsewhere it ties or loses." in c2.computed
    )
    assert "nor is a forecast of how much will be liquidated" in c2.computed


def test_the_front_row_fits_when_two_assets_beat_the_baseline_on_nothing() -> None:
    """Two assets tied on every daily score: the row was 186 characters, past FRONT_CHARS."""
    m = _metrics(60, 0.6, diff_interval=True)
    for k in [k for k in m if k.endswith("_p05")]:
        m[k] = -0.05  # every difference's interval straddles 0: a tie
    v = ValidationView(
        [AssetValidation("ETH", _bt(m, 60), None, {}),
         AssetValidation("BTC", _bt(dict(m), 60), None, {})]
    )  # fmt: skip
    c = validation_claim(v, intrabar=False)
    assert c.verdict == "not supported"
    assert front_chars(c.front) <= FRONT_CHARS
    assert c.front.endswith("ETH 0.60 vs 0.50, BTC 0.60 vs 0.50; beats it on 0 of 12 scores; "
                            "levels untested.")  # fmt: skip
    assert "the assumed leverage adds nothing measurable" in c.computed


def test_a_stored_score_without_one_to_the_date_is_flagged() -> None:
    package = {"corr_daily": 0.81, "range_baseline_corr_daily": 0.82, "start": "2025-03-01",
               "end": "2025-07-31", "days": 153, "scope": "package score"}  # fmt: skip
    why = score_outcome(lambda: _bt(_metrics(1, NAN)), "ETH")
    got = dated_score(package, "2025-03-01", lambda: why)
    assert got is not None and got["reads_after_market_date"] is True
    note = after_date_note(got)
    assert note.startswith(" (it reads data after the market date: not what was knowable then")
    assert f"no score to the market date: {why})" in note
    assert "nan" not in score_text(got)
    # a stored score that ends by the date is not touched, and the outcome not run
    assert dated_score(package, "2025-07-31", lambda: pytest.fail("ran")) is package


def _text(html: str) -> str:
    body = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


@pytest.mark.slow
def test_report_at_the_first_fit_day_prints_no_nan(tmp_path: Path) -> None:
    out = tmp_path / "r"
    r = run_cli("report", "--as-of", "2025-03-01", "--out", str(out), "--section",
                "validation", "--section", "liqmap", "--quick")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    text = _text((out / "report.html").read_text())
    assert not re.search(r"\bnan\b", text)
    assert "ETH: out of sample, 1 day with a recorded liquidation: too few days" in text
    assert "no score to the market date: only 1 day of 2025-03-01 → 2025-03-01" in text
    claim = re.search(r"Liquidation heatmaps \(open interest.*?§", text)
    assert claim is not None and "not testable with these data" in claim.group(0)
    s = json.loads((out / "summary.json").read_text())
    v = s["sections"]["validation"]["assets"]["ETH"]
    assert set(v["beats_range_baseline"].values()) == {None}


def test_a_date_before_the_first_fit_is_refused_before_any_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import liqcascade.report
    from liqcascade.report import _build

    built: list[Any] = []

    def build(out: Any, options: Any, **kw: Any) -> dict[str, Path]:
        built.append(options)
        (tmp_path / "x.html").write_text("")
        return {"html": tmp_path / "x.html", "summary": tmp_path / "x.html"}

    # the name the command reads: tests/test_procs.py's patch of it, undone, leaves the
    # function bound there, and a patch of _build's alone then ran the whole report
    monkeypatch.setattr(liqcascade.report, "run_report", build)
    monkeypatch.setattr(_build, "run_report", build)
    r = run_cli("report", "--as-of", "2024-11-23", "--out", str(tmp_path / "r"))
    assert r.exit_code == 2 and built == []
    assert r.stderr.strip() == (
        "error: --as-of 2024-11-23 is before the first month with a fit (2025-03): no month "
        "to predict out of sample"
    )
    r = run_cli("report", "--as-of", "2024-11-23", "--out", str(tmp_path / "r"),
                "--section", "validation")  # fmt: skip
    assert r.exit_code == 2 and built == []
    # the sections that do not score the book out of sample still take the date
    r = run_cli("report", "--as-of", "2024-11-23", "--out", str(tmp_path / "r"),
                "--section", "cascade")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert built and built[0].sections == ("cascade",)


@pytest.mark.parametrize("section", [(), ("--section", "validation")])
def test_the_report_checks_its_date_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, section: tuple[str, ...]
) -> None:
    """The command checked the date (check_as_of, check_first_fit) in report_options,
    before --refresh, and build_report checked it all again: each ran twice a report."""
    from liqcascade.errors import InputError
    from liqcascade.report import _build, _run

    calls: list[str] = []
    for name in ("check_as_of", "check_first_fit"):

        def count(*a: Any, _f: Any = getattr(_build, name), _n: str = name) -> Any:
            calls.append(_n)
            return _f(*a)

        monkeypatch.setattr(_build, name, count)

    def run_all(*a: Any, **k: Any) -> Any:
        raise InputError("stopped before the sections")

    monkeypatch.setattr(_run, "run_all", run_all)
    r = run_cli("report", "--as-of", "2025-06-30", "--asset", "ETH,BTC",
                "--out", str(tmp_path / "r"), *section)  # fmt: skip
    assert r.stderr.strip() == "error: stopped before the sections"
    assert sorted(calls) == ["check_as_of", "check_as_of", "check_first_fit"]
    calls.clear()  # the default date is the report's, checked when it runs
    r = run_cli("report", "--asset", "ETH,BTC", "--out", str(tmp_path / "r"), *section)
    assert r.stderr.strip() == "error: stopped before the sections"
    assert sorted(calls) == ["check_as_of", "check_as_of", "check_first_fit"]


def test_build_report_refuses_a_date_before_the_first_fit_before_any_section(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The library's entry point checks it too, in words without a CLI flag."""
    from liqcascade.errors import InputError
    from liqcascade.report import _run, build_report

    def run_all(*a: Any, **k: Any) -> Any:
        raise AssertionError("a section ran before the date was refused")

    monkeypatch.setattr(_run, "run_all", run_all)
    with pytest.raises(InputError) as exc:
        build_report(tmp_path / "r", asset="ETH", as_of="2024-11-23", workers=1)
    assert str(exc.value) == (
        "as_of 2024-11-23 is before the first month with a fit (2025-03): no month to "
        "predict out of sample"
    )
    assert "--" not in str(exc.value)
    with pytest.raises(InputError, match="before the first month with a fit"):
        build_report(tmp_path / "r", asset="ETH", as_of="2024-11-23",
                     sections=("validation",), workers=1)  # fmt: skip


def test_as_of_help_names_the_earliest_date() -> None:
    r = run_cli("report", "--help", env={"COLUMNS": "300"})
    flat = " ".join(r.stdout.replace("│", " ").split())
    assert "from the first month the book has a fit for (2025-03-01 for the shipped ETH" in flat
