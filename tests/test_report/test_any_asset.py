"""The report for an asset of the store (SOL: BTC's real series relabelled, prices / 500).

Also the report's as-of rule (an as-of after the open interest or in the future is
refused, review finding 10) and the market's caveats (finding 3): an IN SAMPLE book fit
and a prior liquidity response are said on the front page and in the liqmap/cascade
sections.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from liqcascade.cli import main
from newasset import copy_calibrations


@pytest.fixture(scope="module")
def sol_store(sol_stores: Callable[[str], Path]) -> Path:
    return sol_stores("store.duckdb")  # built once per worker (conftest), read only


def test_sol_report_from_the_store(
    sol_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIQCASCADE_STORE", str(sol_store))
    out = tmp_path / "r"
    args = ["report", "--asset", "SOL", "--quick", "--out", str(out),
            "--section", "liqmap", "--section", "cascade", "--section", "protect"]  # fmt: skip
    assert main(args) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["front"]["assets"] == ["SOL"]
    assert set(s["sections"]) == {"liqmap-sol", "cascade-sol", "protect-sol"}
    lm, casc, stops = (s["sections"][k] for k in ("liqmap-sol", "cascade-sol", "protect-sol"))
    # prices in SOL's scale (BTC's / 500: 100 … 300 USD in 2025), dollars of BTC's order
    assert 100.0 < lm["price"] < 300.0 and 100.0 < casc["mid"] < 300.0
    assert lm["whole_book_usd"] > 1e7
    assert casc["fall_5pct"]["liquidated_long_usd"] > 1e5
    assert "store:" in lm["estimation_parameters"]  # the store's own calibration
    # the stops' sample position: a fixed dollar amount at SOL's own price
    from liqcascade.report._protect_section import SAMPLE_NOTIONAL_USD

    assert stops["position_notional_usd"] == pytest.approx(SAMPLE_NOTIONAL_USD, rel=0.01)
    assert stops["recommendation_long"]["stop_price"] < casc["mid"]
    # the front page names where each series was read
    assert "store (store.duckdb)" in s["front"]["sources_text"]
    src = {r["series"]: r["source"] for r in s["front"]["sources"] if r["asset"] == "SOL"}
    want = {"open_interest 4h", "liquidations 4h", "ohlcv 1h", "ohlcv 1d", "book totals",
            "funding 4h", "long/short", "book calibration", "liquidity calibration"}  # fmt: skip
    assert want <= set(src)
    assert all(v.startswith("store") for v in src.values())
    # ETH-only sections are not run for SOL, each with why
    html = (out / "report.html").read_text()
    assert "store.duckdb" in html and "docs/" not in html


def test_unknown_asset_exits_2_naming_what_is_missing(
    sol_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LIQCASCADE_STORE", str(sol_store))
    assert main(["report", "--asset", "XRP", "--quick", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --asset: XRP") and "\n" not in err
    assert "open interest" in err and "book calibration" in err


def test_skipped_eth_only_sections_say_why() -> None:
    from liqcascade.report._build import _why_skipped

    why = _why_skipped("contagion")
    assert why.startswith("contagion (the 2025-10-10 contagion preset is an ETH scenario")
    # a BTC-only report says whose replay it is and why its BTC-collateral leg is not BTC's
    assert "WBTC/cbBTC-collateral market priced off those ETH venues" in why
    assert "no preset of BTC venues is bundled" in why


@pytest.mark.parametrize(
    ("as_of", "text"),
    [
        ("2026-02-01", "is after the data"),
        ("2025-08-01", "is after the data"),
        ("2099-01-01", "is in the future"),
    ],
)
def test_as_of_after_the_open_interest_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_of: str, text: str
) -> None:
    assert main(["report", "--quick", "--as-of", as_of, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --as-of: {as_of} {text}") and "\n" not in err
    if "after" in text:
        assert "2025-07-31 20:00" in err  # the open interest's span is named


def test_as_of_last_day_is_accepted() -> None:
    from liqcascade.report._section import check_as_of

    assert str(check_as_of("ETH", "2025-07-31")) == "2025-07-31 20:00:00+00:00"


def test_in_sample_book_and_prior_liquidity_are_said() -> None:
    from liqcascade.report._section import Headline, ReportContext, Section, with_caveats

    ctx = ReportContext(quick=True, asset="ETH", as_of="2024-11-25")
    cav = ctx.caveats
    assert any(c.startswith("position book IN SAMPLE") for c in cav)
    assert any(c.startswith("liquidity response: the prior") for c in cav)
    h = Headline("k", "label", 1.0, "1", "", "evidence")
    sec = with_caveats(Section("liqmap", "", takeaways=["t"], headlines=[h]), ctx)
    assert sec.takeaways[0].startswith("Caveat: position book IN SAMPLE")
    assert sec.summary["caveats"] == list(cav)
    assert sec.headlines[0].evidence.endswith("(book fit IN SAMPLE; liquidity: prior)")
    # the default market (2025-07-31) has an out-of-sample fit and a fitted response
    assert ReportContext(quick=True, asset="ETH").caveats == ()


def test_data_section_says_the_history_is_revised_and_where_series_were_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liqcascade.report import build_report

    monkeypatch.setenv("LIQCASCADE_STORE", str(tmp_path / "none.duckdb"))  # no store
    paths = build_report(tmp_path / "r", sections=("data",), quick=True, workers=1)
    s = json.loads(paths["summary"].read_text())
    d = s["sections"]["data"]
    assert "values as revised up to ~6 months later; not point-in-time" in d["revised_history"]
    html = paths["html"].read_text()
    # said once in the data section (not once per asset), once in the glossary and once
    # in the front page's caveat line (regulator reg28 F9)
    from liqcascade.report._build import REVISED_CAVEAT

    assert html.count("not point-in-time") == 3 and REVISED_CAVEAT in s["front"]["caveats"]
    assert {r["source"] for r in d["sources"]} == {"bundled"}
    assert {r["asset"] for r in d["sources"]} == {"ETH", "BTC"}
    assert s["front"]["sources_text"] == (
        "every series from the bundled files; calibrations from the package"
    )


def test_validation_scores_only_months_out_of_sample(
    sol_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a store calibration whose fits start in 2025-06: the months before it would be
    # predicted by a fit on data after them, so the validation period starts there
    from liqcascade._calibrations import find_calibration, write_calibration

    store = tmp_path / "s.duckdb"
    shutil.copy(sol_store, store)
    copy_calibrations(store)
    doc = find_calibration("book", "SOL", store).doc
    late = [f for f in doc["fits"] if f["month"] >= "2025-06"]
    write_calibration("book", "SOL", {**doc, "fits": late}, store)
    monkeypatch.setenv("LIQCASCADE_STORE", str(store))
    out = tmp_path / "r"
    args = ["report", "--asset", "SOL", "--quick", "--section", "validation", "--out", str(out)]
    assert main(args) == 0
    s = json.loads((out / "summary.json").read_text())["sections"]["validation-sol"]
    assert s["test_period"] == ["2025-06-01", "2025-07-31"]
    assert all(m["out_of_sample"] for m in s["assets"]["SOL"]["months"])


def test_one_asset_without_a_market_drops_only_its_book_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The front page's book shares were all or nothing: one asset without an estimated
    market (any InputError) dropped every asset's share, a bundled asset's error too."""
    from types import SimpleNamespace

    from liqcascade.errors import InputError
    from liqcascade.report import _build, _units

    def share(ctx: Any) -> float:
        if ctx.asset != "ETH":
            raise InputError(f"asset: no market for {ctx.asset}", param="asset")
        return 0.0011

    monkeypatch.setattr(_units, "book_share", share)
    ctx = SimpleNamespace(assets=("ETH", "XYZ"), for_asset=lambda a: SimpleNamespace(asset=a))
    assert _build._book_shares(ctx) == {"ETH": 0.0011}  # type: ignore[arg-type]
    ctx.assets = ("ETH", "BTC")  # a bundled asset always has one: its error is the user's
    with pytest.raises(InputError, match="no market for BTC"):
        _build._book_shares(ctx)  # type: ignore[arg-type]


def test_a_store_assets_report_gets_the_data_section_with_its_gaps(
    sol_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was skipped ("built for ETH alone"): no provenance, gap or suspect-bar table for SOL."""
    from liqcascade.report import build_report

    monkeypatch.setenv("LIQCASCADE_STORE", str(sol_store))
    paths = build_report(tmp_path / "r", sections=("data",), quick=True, asset="SOL", workers=1)
    s = json.loads(paths["summary"].read_text())
    assert "data" not in s["front"]["skipped"] and set(s["sections"]) == {"data-sol"}
    d = s["sections"]["data-sol"]
    stored = {r["series"]: r for r in d["store_series"]}
    (hourly,) = [r for k, r in stored.items() if k.startswith("ohlcv 1h (") and "SOLUSDT" in k]
    assert hourly["first"] < hourly["last"] and int(hourly["rows"].replace(",", "")) > 1000
    assert all(r["gaps"] == "–" or r["gaps"].replace(",", "").isdigit() for r in stored.values())
    assert {r["source"] for r in d["sources"]} == {"store (store.duckdb)"}
    assert "suspect_liquidation_bars" in d and 10 < d["sol_last_close"] < 1_000  # SOL's
    html = paths["html"].read_text()
    assert "range, rows and gaps (a step longer than 1.5 bars" in html
    # the figures and the largest-bars table name the store's series, not the bundle's
    # ("SOL price ..., Binance spot, daily" for a series the bundle does not hold)
    assert "SOL price (log scale) and traded value, binance-spot SOLUSDT (store), daily" in html
    assert "recorded liquidations, binance SOLUSDT (store), 4-hourly" in html
    assert "open interest, all-venues SOLUSDT (store) (USD bn)" in html
    assert "Largest recorded liquidation bars (SOL, binance SOLUSDT (store), 4 h)" in html
    assert "traded value, Binance spot" not in html
    assert "Each series is read from the store when it holds it" in html
    # and so does the prose: was "Prices: Binance SOL", "Binance recorded" (session 25)
    assert "Prices: SOL read from binance-spot SOLUSDT (store) from 20" in html
    assert "Binance SOLUSDT (store) recorded $" in html
    assert "Recorded liquidations are read from binance SOLUSDT (store): what they" in html


def test_a_series_origin_is_its_source() -> None:
    """A figure's title says where its series was read (the bundle's words, else the store's)."""
    import pandas as pd

    from liqcascade.report._data_section import origin

    def frame(**attrs: str) -> pd.DataFrame:
        df = pd.DataFrame({"close": [1.0]})
        df.attrs.update(attrs)
        return df

    bundled = frame(source="bundled:eth_1d", venue="binance-spot", symbol="ETHUSDT")
    assert origin(bundled, "Binance spot") == "Binance spot"
    assert origin(frame(), "OI-weighted") == "OI-weighted"  # no source recorded: the bundle's
    stored = frame(source="store:/x/s.duckdb", venue="unknown", symbol="SOLUSDT")
    assert origin(stored, "Binance") == "SOLUSDT (store, venue not recorded)"
    both = frame(source="store:/x/s.duckdb + bundled:eth_1d", venue="okx", symbol="ETHUSDT")
    assert origin(both, "Binance spot") == "okx ETHUSDT (store + bundled)"


def test_a_store_assets_bars_are_named_where_they_were_read(
    sol_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was "Binance spot SOL" / "Binance spot hourly bars" for SOL's stored bars (session 25).

    The volatility method, the 2025-10-10 day window (solvency, stress), the validation's
    recorded liquidations and the transparency ratio name the store's series; a bundled
    asset's words are unchanged.
    """
    from types import SimpleNamespace

    import pandas as pd

    from liqcascade.report._data_section import origin_of
    from liqcascade.report._october import OCTOBER_WINDOWS, day_window_name
    from liqcascade.report._solvency_section import _oct_note
    from liqcascade.report._validation_section import _recorded, _recorded_method

    monkeypatch.setenv("LIQCASCADE_STORE", str(sol_store))
    assert day_window_name("SOL") == "UTC day low, binance-spot SOLUSDT (store) hourly bars"
    assert day_window_name("ETH") == OCTOBER_WINDOWS["day"].name  # not in this store: bundled
    assert OCTOBER_WINDOWS["day"].name == "UTC day low, Binance spot hourly bars"
    oct_run = SimpleNamespace(name="2025-10-10", shock=-0.2)
    v = SimpleNamespace(asset="SOL", as_of=pd.Timestamp("2025-07-31", tz="UTC"),
                        cascade=SimpleNamespace(outcomes=[oct_run]))  # fmt: skip
    note = _oct_note(v)  # type: ignore[arg-type]
    assert "(−20.0 %, UTC day low, binance-spot SOLUSDT (store) hourly bars:" in note
    assert "Binance" not in note.replace("binance-spot", "")
    assert _recorded("ETH") == "recorded Binance liquidations"
    assert _recorded("SOL") == "recorded liquidations of binance SOLUSDT (store)"
    both = SimpleNamespace(assets=[SimpleNamespace(asset="ETH"), SimpleNamespace(asset="SOL")])
    text = _recorded_method(both)  # type: ignore[arg-type]
    assert text.startswith("Recorded liquidations: SOL's read from binance SOLUSDT (store), ")
    assert "(the bundled ones: CoinGlass, Binance only" in text
    eth = _recorded_method(SimpleNamespace(assets=both.assets[:1]))  # type: ignore[arg-type]
    assert eth.startswith("Recorded liquidations: CoinGlass, Binance only, 4-hourly;")
    assert origin_of("ohlcv", "SOL", "1d", "Binance spot") == "binance-spot SOLUSDT (store)"


def test_the_volatility_method_names_a_store_assets_bars(
    sol_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Said "Δlog(close) of Binance spot SOL" for SOL read from the store (session 25)."""
    from liqcascade.report import _volatility_section as vol
    from liqcascade.report._section import ReportContext

    monkeypatch.setenv("LIQCASCADE_STORE", str(sol_store))
    method = vol.prose(vol.compute(ReportContext(True, "SOL", None))).method[0]
    assert method.startswith(
        "Returns are 100 × Δlog(close) of SOL read from binance-spot SOLUSDT (store) (20"
    )
    assert "Binance" not in method


def test_a_store_series_is_not_given_the_bundles_collection_lag() -> None:
    """An XYZ report said "Each bundled bar was collected … (median 178 days)" of the store's."""
    import pandas as pd

    from liqcascade.report._data_section import REVISED, revised_text

    def frame(source: str, venue: str = "binance") -> pd.DataFrame:
        f = pd.DataFrame({"x": [1.0]})
        f.attrs.update(source=source, venue=venue, symbol="XYZUSDT")
        return f

    bundled = frame("bundled:eth_oi_4h")
    assert revised_text(bundled, frame("bundled:eth_liquidations_4h")) == REVISED
    store = revised_text(frame("store:/x/x.duckdb", "unknown"), frame("store:/x/x.duckdb"))
    assert "178 days" not in store and "not recorded at ingest" in store
    assert "liquidations from binance XYZUSDT (store)" in store
    merged = revised_text(frame("store:/x/a.duckdb + bundled:eth_oi_4h"), bundled)
    assert "not recorded at ingest" in merged and "178 days" in merged  # the bundle's rows


def test_a_quoted_liquidation_total_names_its_period_and_the_feeds_undercount() -> None:
    """reg35: "Binance recorded $3.01 bn of ETH long liquidations" was quotable without
    its period (2024-11-13 → 2025-07-31) or the feed's undercount (one print a second)."""
    import pandas as pd

    from liqcascade.report._data_section import _recorded_by

    bundled = pd.DataFrame({"long_usd": [1.0]})
    bundled.attrs.update(source="bundled:eth_liquidations_4h", venue="binance")
    assert _recorded_by(bundled) == (
        "Binance's liquidation feed (at most one print per second: it undercounts)"
    )
    stored = pd.DataFrame({"long_usd": [1.0]})
    stored.attrs.update(source="store:/x/s.duckdb", venue="binance", symbol="SOLUSDT")
    assert _recorded_by(stored) == "Binance SOLUSDT (store)"  # its source's count, unnamed
