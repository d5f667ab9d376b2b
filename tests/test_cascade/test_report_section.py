"""The report section "What a 5 % fall does now" on the bundled data (quick variant)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.report import build_report
from liqcascade.report._format import pct


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """The quick report's section, built without running the every-date check.

    The report reads the follow-through stored with the calibration: the live run is
    made to fail, and the in-process cache is emptied first.
    """
    import liqcascade.cascade as cascade
    from liqcascade.report import _cascade_section as cs

    def live(*_a: object, **_k: object) -> None:
        raise AssertionError("the report ran the every-date check instead of reading it")

    out = tmp_path_factory.mktemp("cascade_report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cascade, "calibrated_follow_through", live)
        mp.setattr(cs, "_EVERY_DATE_RUNS", {})
        paths = build_report(out, sections=("cascade",), quick=True, asset="ETH")
    html = paths["html"].read_text()
    assert 'id="cascade"' in html
    return json.loads(paths["summary"].read_text()), html


@pytest.fixture(scope="module")
def summary(built: tuple[dict, str]) -> dict:
    return built[0]


def test_section_summary(summary: dict) -> None:
    c = summary["sections"]["cascade"]
    assert c["as_of"].startswith("2025-07-31")
    f5 = c["fall_5pct"]
    assert f5["shock_price"] == pytest.approx(0.95 * c["mid"])
    assert f5["final_price"] <= f5["shock_price"]
    assert f5["forced_usd"] == pytest.approx(f5["liquidated_long_usd"] + f5["stops_sell_usd"])
    assert f5["forced_usd"] > 0 and f5["n_liquidated"] > 0
    lo, hi = c["fall_5pct_forced_usd_range"]
    assert lo <= f5["forced_usd"] <= hi * (1 + 1e-9)
    assert -0.10 <= c["critical_shock_10pct"]["shock"] < 0
    lv = c["level_4000"]
    assert lv["direction"] in ("up", "down") and lv["released_beyond_usd"] >= 0
    assert len(c["sensitivity"]) == 5


def test_section_claims(summary: dict) -> None:
    claims = {c["claim"]: c for c in summary["claims"]}
    five = next(v for k, v in claims.items() if "5 % fall" in k)
    # the figure rests on the model alone: one rule, "not testable (the model says ...)"
    assert five["verdict"] == "not testable with these data"
    assert five["computed"].startswith("Not testable: the model says")
    # like with like: calibrated liquidations against the static book's liquidations
    # (the bound over the book draws), never against liquidations + stops
    f5 = summary["sections"]["cascade"]["calibrated"]["fall_5pct"]
    sb = f5["static_upper_bound"]["liquidated_usd"]
    assert f"liquidates ${sb / 1e6:,.1f} M" in five["computed"]
    forced = summary["sections"]["cascade"]["fall_5pct"]["forced_usd"]
    assert f"${forced / 1e6:,.1f} M" not in five["computed"]
    # the size behind a level rests on the book's uncertain scale: only the model speaks
    four = next(v for k, v in claims.items() if "$4,000" in k)
    assert four["verdict"] == "not testable with these data"


def test_section_headlines_are_calibrated(summary: dict) -> None:
    h = summary["front"]["headlines"]
    c = summary["sections"]["cascade"]
    cal = c["calibrated"]
    # the headline is the calibrated response; the static book is only its upper bound
    mv = h["move_5pct"]
    assert mv["value"] == cal["fall_5pct"]["move_median"]
    assert mv["low"] <= mv["value"] <= mv["high"] <= -0.05 + 1e-9
    # the static book is shown beside it, named for what it is (not a bound on the 24 h
    # move: on the identified book it can be shallower; docs/liquidity.md "Known gap")
    assert "static bound" in mv["interval"] and "Event back-test" in mv["evidence"]
    # the bound on the carry is said in the carry's scale (pp beyond the 5 % fall), the
    # level it reaches beside it: "-9.1 % on a carry of -0.01 pp" read as a 900x gap
    sb = cal["fall_5pct"]["static_upper_bound"]["final_move"]
    carry_pp = f"{(sb + 0.05) * 100:.2f}".replace("-", "\u2212")
    level = f"{sb * 100:.1f}".replace("-", "\u2212")
    assert f"static bound on that carry {carry_pp} pp, a fall to {level} %" in mv["interval"]
    oos = cal["fall_5pct"]["out_of_sample"]
    beats = oos["move_mae_pp"] < min(
        oos["trigger_baseline_move_mae_pp"], oos["empirical_baseline_move_mae_pp"]
    )
    assert cal["beats_baselines"] == beats
    # the evidence says the verdict of the paired test, not the strict comparison
    from liqcascade.cascade._backtest import move_verdicts
    from liqcascade.report._names import display_name

    verdicts = move_verdicts(oos)
    assert ("model loses" in mv["evidence"]) == ("loses" in verdicts.values())
    tag = {"beats": "beaten", "loses": "model loses", "ties": "tie"}
    for b, word in verdicts.items():
        assert f"({display_name('baseline', b)}: {tag[str(word)]})" in mv["evidence"]
    cs = h["critical_shock"]
    assert cs["value"] == cal["critical_shock"]
    assert cs["low"] <= cs["value"] <= cs["high"] < 0
    # the static book's critical shock is smaller in size: the bound is on the other side
    assert c["critical_shock_10pct"]["shock"] >= cs["low"]
    # the static-book critical shock printed is the envelope's (the figure's static curve)
    # (the draw that falls farthest: for a critical shock, the most fragile one)
    assert "static book" in cs["interval"] and "most fragile of" in cs["interval"]
    fs = h["forced_selling_5pct"]
    assert fs["value"] == cal["fall_5pct"]["liquidated_median"]
    assert fs["low"] <= fs["value"] <= fs["high"] and fs["section"] == "cascade"
    assert "range baseline" in fs["evidence"]


def test_book_data_readme_names_the_files_it_describes() -> None:
    folder = Path(__file__).resolve().parents[1] / "data" / "book"
    text = (folder / "README.md").read_text()
    files = sorted(p.name for p in folder.iterdir() if p.name != "README.md")
    assert files and all(f in text for f in files), [f for f in files if f not in text]


def test_section_holds_the_history_check(summary: dict) -> None:
    from liqcascade.cascade import follow_through
    from liqcascade.report._cut import bars

    c = summary["sections"]["cascade"]
    h = c["history_after_5pct_falls"]
    # the history up to the market date only (the report reads nothing after it)
    ft = follow_through(bars("ETH", "1h", c["as_of"][:10]), drop=-0.05)
    assert h["n_episodes"] == ft.n > 100
    # compared with the calibrated 5 % fall of the market ...
    f5 = c["calibrated"]["fall_5pct"]
    assert h["calibrated_move_median"] == pytest.approx(f5["move_median"])
    assert h["share_reaching_calibrated_median"] == pytest.approx(
        ft.share_total_beyond(f5["move_median"])
    )
    assert h["share_reaching_calibrated_p10"] == pytest.approx(
        ft.share_total_beyond(f5["move_p10"])
    )
    assert h["total_median"] == pytest.approx(float(ft.events["total"].median()))
    # ... the static book kept as the bound it is
    assert h["static_bound_move"] == pytest.approx(c["fall_5pct"]["total_move"])
    assert h["share_reaching_static_bound_move"] == pytest.approx(
        ft.share_total_beyond(c["fall_5pct"]["total_move"])
    )


def test_section_holds_the_every_date_check(built: tuple[dict, str]) -> None:
    """Issue 18 item 5: the calibrated model on every date up to the market's, beside history."""
    summary, html = built
    c = summary["sections"]["cascade"]
    e = c["follow_through_every_date"]
    h = c["history_after_5pct_falls"]
    # the stored record: every date from the first with a market to the market date,
    # in the quick report too; its figures are the stored rows'
    assert e["every_days"] == 1 and e["asset"] == "ETH"
    assert e["start"].startswith("2024-11-23T20:00") and e["end"] <= c["as_of"]
    assert e["end"].startswith("2025-07-31T20:00") and e["n_dates"] == 251
    from liqcascade.cascade import stored_follow_through

    m = stored_follow_through("ETH", False, end="2025-07-31")
    assert m is not None
    assert e["model_total_median"] == pytest.approx(m.model_total_median, rel=1e-12)
    assert e["model_share_beyond"] == pytest.approx(m.model_share_beyond, rel=1e-12)
    # history is the section's own (up to the market date)
    assert e["history_n_episodes"] == h["n_episodes"]
    assert e["history_total_median"] == pytest.approx(h["total_median"])
    assert e["history_share_beyond"] == pytest.approx(h["share_reaching_27pct"])
    for k in ("median_within_2pp", "beyond_within_2x"):
        assert isinstance(e[k], bool)
    assert e["median_within_2pp"] == (
        abs(e["model_total_median"] - e["history_total_median"]) <= 0.02
    )
    # shown: the calibrated model beside history, both verdicts, the static book as a bound
    text = html.replace("&#39;", "'")
    assert "calibrated model, every date 2024-11-23 → 2025-07-31 (251 dates; central book)" in text
    assert "every 7th day" not in text
    assert "calibrated model, this market" in text
    assert text.count("within 2 points of history:") >= 2  # the table and the takeaway
    assert text.count("within 2× of history:") >= 2
    assert "the median lowest price within a day was" in text
    assert "the bound on the cascade's own carry, not a forecast" in text
    assert "liqcascade cascade follow-through --asset ETH" in text


def test_headline_five_percent_is_the_curves_point(summary: dict) -> None:
    """One calibrated run per first fall: the 5 % headline is the curve's -5 % point."""
    cal = summary["sections"]["cascade"]["calibrated"]
    curve, f5 = cal["curve"], cal["fall_5pct"]
    shocks = curve["shock"]
    i = min(range(len(shocks)), key=lambda k: abs(shocks[k] + 0.05))
    assert abs(shocks[i] + 0.05) < 1e-12
    assert abs(curve["move_median"][i] - f5["move_median"]) <= 1e-12
    assert abs(curve["move_p10"][i] - f5["move_p10"]) <= 1e-12
    assert abs(curve["move_p90"][i] - f5["move_p90"]) <= 1e-12
    # the critical shock lies between the grid points where the median crosses -10 %,
    # on the side of -5 % that the headline's own 5 % fall implies
    crit, med = cal["critical_shock"], curve["move_median"]
    k = next(j for j, m in enumerate(med) if m <= -0.10)
    assert k > 0 and shocks[k] <= crit <= shocks[k - 1]
    if f5["move_median"] > -0.10:
        assert crit < -0.05
    else:
        assert crit >= -0.05
    head = summary["front"]["headlines"]["critical_shock"]
    assert head["value"] == crit
    # the card is signed, as its value, the section's table and `diff` ("−5.4 %")
    assert head["text"] == pct(crit, signed=True) and head["interval"].startswith("−")
    # its mark is the history check's verdict, the one its evidence states
    mark = {"consistent with the model": "passes", "history contradicts": "fails"}
    assert [m for w, m in mark.items() if w in head["evidence"]] == [head["check"]]


def test_the_every_date_run_is_computed_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a stored record (a store's calibration fitted before records were stored)
    the check is run: every 7th day in the quick report, once per process."""
    import liqcascade.cascade as cascade
    from liqcascade.report import _cascade_section as cs
    from liqcascade.report._section import ReportContext

    calls: list[dict] = []

    def fake(asset: str, **kw: object) -> str:
        calls.append({"asset": asset, **kw})
        return f"run {len(calls)}"

    monkeypatch.setattr(cascade, "calibrated_follow_through", fake)
    monkeypatch.setattr(cascade, "stored_follow_through", lambda *a, **k: None)
    monkeypatch.setattr(cs, "_EVERY_DATE_RUNS", {})
    a = cs.every_date(ReportContext(quick=True, asset="ETH"))
    b = cs.every_date(ReportContext(quick=True, asset="ETH"))  # another report, same inputs
    assert a == b == "run 1" and len(calls) == 1
    assert calls[0]["every"] == cs.QUICK_EVERY and str(calls[0]["end"]) == "2025-07-31"
    assert calls[0]["hourly"].index[-1] <= pd.Timestamp("2025-07-31 23:00", tz="UTC")
    # the full report runs every date: another run
    assert cs.every_date(ReportContext(quick=False, asset="ETH")) == "run 2"
    assert calls[1]["every"] == 1


def test_a_calibration_without_a_record_falls_back_to_the_live_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A store's ETH calibration without ``follow_through``: nothing stored, the check runs."""
    from importlib.resources import files

    import liqcascade.cascade as cascade
    import liqcascade.report._section as section
    from liqcascade.report import _cascade_section as cs
    from liqcascade.report._section import ReportContext

    store = tmp_path / "s.duckdb"  # the calibration lookup does not open the store
    folder = tmp_path / "s.calibrations" / "liquidity"
    folder.mkdir(parents=True)
    doc = json.loads((files("liqcascade.cascade") / "calibrated" / "ETH.json").read_text())
    del doc["follow_through"]
    (folder / "ETH.json").write_text(json.dumps(doc))
    assert cascade.stored_follow_through("ETH", store, end="2025-07-31") is None
    assert cascade.stored_follow_through("ETH", False, end="2025-07-31") is not None
    calls: list[dict] = []

    def fake(asset: str, **kw: object) -> str:
        calls.append({"asset": asset, **kw})
        return "live"

    monkeypatch.setattr(cascade, "calibrated_follow_through", fake)
    monkeypatch.setattr(section, "_store", lambda: store)
    monkeypatch.setattr(cs, "_EVERY_DATE_RUNS", {})
    ctx = ReportContext(quick=True, asset="ETH")
    assert cs.every_date(ctx) == "live" and len(calls) == 1
    assert calls[0]["store"] == store and calls[0]["every"] == cs.QUICK_EVERY
    # with the record: read, every date, the quick report too (nothing run)
    monkeypatch.setattr(section, "_store", lambda: False)
    m = cs.every_date(ctx)
    assert len(calls) == 1 and m.every == 1 and m.n_dates == 251
    assert m.source == "package:calibrated/ETH.json"


def test_the_five_percent_claim_carries_the_record_after_real_falls(summary: dict) -> None:
    # the claim rests on the model; the record (Binance's feed alone, a lower bound) after
    # the real 5 % falls it covers sits beside it. By hand (pandas on the bundled hourly
    # closes and 4-hour liquidations): 19 falls from 2024-12-18 to 2025-06-13, 24-h
    # totals median $39.21 M, most $184.10 M after the fall of 2025-02-02 16:00
    r = summary["sections"]["cascade"]["recorded_after_5pct_falls"]
    assert r["n_falls"] == 19 and r["first"].startswith("2024-12-18")
    assert abs(r["median_usd"] - 39.213e6) < 5e3 and abs(r["max_usd"] - 184.098e6) < 5e3
    assert r["max_at"].startswith("2025-02-02T16:00") and r["n_over_100m"] == 1
    assert r["median_usd"] <= r["p90_usd"] <= r["max_usd"]
    (claim,) = [c for c in summary["claims"] if "5 % fall in ETH" in c["claim"]]
    assert "recorded a median $39.2 M of liquidations" in claim["computed"]
    assert "(at most one print per second: it undercounts)" in claim["computed"]
    assert claim["verdict"] == "not testable with these data"  # one venue's: not the market
    btc = summary["sections"].get("cascade-btc")  # the claim is ETH's: BTC has no record key
    assert btc is None or btc["recorded_after_5pct_falls"] is None
