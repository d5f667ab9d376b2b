"""A loader's error is "absent" only when nobody holds the series or the calibration.

Where a caller reads a failed load as "the series (or calibration) is absent", only
``data.SeriesNotFound`` (or the loader's one "not found" error) may be caught: a store
that cannot be opened, stored rows refused at read, a calibration file that cannot be
parsed reach the user (exit 2, one line naming the store or file). Each site below
caught every ``InputError`` and went on as if the data were missing, with a wrong
message ("not in the store and not bundled" for bundled ETH) or silently (ETH's
support study uncut, a report's liquidity caveat dropped).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli_subprocess
from liqcascade.errors import InputError
from test_reliability._helpers import assert_refused

CANNOT_OPEN = "cannot open: not a DuckDB store"


def _not_duckdb(tmp_path: Path) -> Path:
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a DuckDB file\n")
    return bad


def _bad_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bad = _not_duckdb(tmp_path)
    monkeypatch.setenv("LIQCASCADE_STORE", str(bad))
    return bad


def _malformed_calibrations(tmp_path: Path, *kinds: str) -> Path:
    """A store file whose own ETH calibrations of ``kinds`` are not JSON; returns the store."""
    store = tmp_path / "store.duckdb"
    store.write_text("a store file (its calibrations sit beside it)\n")
    for kind in kinds:
        folder = tmp_path / "store.calibrations" / kind
        folder.mkdir(parents=True)
        (folder / "ETH.json").write_text("{not json\n")
    return store


# -- the command line: the store is named, not a missing series -----------------------------------
@pytest.mark.parametrize(
    ("args", "old"),
    [
        (("stops", "backtest", "--asset", "ETH"), "not in the store and not bundled"),
        (("support-study", "--asset", "SOL"), "no bundled OHLCV for SOL"),
        (("report", "--asset", "SOL", "--out", "OUT"), "no open interest 4h"),
    ],
)
def test_a_broken_default_store_is_named_not_read_as_a_missing_series(
    tmp_path: Path, args: tuple[str, ...], old: str
) -> None:
    bad = _not_duckdb(tmp_path)
    args = tuple(str(tmp_path / "out") if a == "OUT" else a for a in args)
    r = run_cli_subprocess(*args, env={"LIQCASCADE_STORE": str(bad)})
    line = assert_refused(r, f"$LIQCASCADE_STORE: {bad}: {CANNOT_OPEN}")
    assert old not in line


def test_the_support_study_of_eth_is_not_uncut_by_a_broken_store(tmp_path: Path) -> None:
    """It ran on every bar, saying "no open interest for ETH, so no market date"."""
    bad = _not_duckdb(tmp_path)
    r = run_cli_subprocess("support-study", "--asset", "ETH", env={"LIQCASCADE_STORE": str(bad)})
    assert_refused(r, f"$LIQCASCADE_STORE: {bad}: {CANNOT_OPEN}")
    assert "no market date" not in r.stdout


# -- the data readers of the commands --------------------------------------------------------------
def test_the_stop_backtest_loaders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liqcascade.protect._backtest import _fill_model, _load_ohlcv

    bad = _bad_default_store(tmp_path, monkeypatch)
    t0 = pd.Timestamp("2025-01-01", tz="UTC")
    for call in (
        lambda: _load_ohlcv("ETH", "1h", None),
        lambda: _fill_model(None, "ETH", t0, None),
    ):
        with pytest.raises(InputError, match=rf"{re.escape(str(bad))}: {CANNOT_OPEN}") as e:
            call()
        assert "not bundled" not in str(e.value)
    # nobody holds them: the asset is refused, and its book totals read as none
    with pytest.raises(InputError, match=r"^asset: no 1h prices for NOSUCH: not in the store"):
        _load_ohlcv("NOSUCH", "1h", False)
    _, totals, beta = _fill_model(None, "NOSUCH", t0, False)
    # an asset with no calibrated beta: the shipped assets' median, said to be assumed
    assert totals is None and beta["beta"] == pytest.approx(0.76, abs=0.005)
    assert beta["source"].startswith("assumed: median of the shipped assets' beta")


def test_the_support_study_bars_and_the_data_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liqcascade._cli._data_cut import data_cut
    from liqcascade.events._load import _asset_bars

    with pytest.raises(InputError, match=r"^asset: no bundled OHLCV for SOL 1d"):
        _asset_bars("SOL", "1d", None, None)  # no store file: nobody holds it
    assert data_cut("NOSUCH", None).source == "none"
    assert data_cut("ETH", None).source == "market date"
    bad = _bad_default_store(tmp_path, monkeypatch)
    with pytest.raises(InputError, match=rf"{re.escape(str(bad))}: {CANNOT_OPEN}"):
        _asset_bars("SOL", "1d", None, None)
    with pytest.raises(InputError, match=rf"{re.escape(str(bad))}: {CANNOT_OPEN}"):
        data_cut("ETH", None)
    with pytest.raises(InputError, match=rf"^store: {re.escape(str(bad))}: {CANNOT_OPEN}"):
        data_cut("ETH", None, bad)


def test_the_stress_market_prices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store error was 'no hourly prices of ETH in the store or the bundle'; the daily
    bars' was read as none (the hours resampled in their place)."""
    from liqcascade.stress._scenarios import _daily, stress_market

    bad = _bad_default_store(tmp_path, monkeypatch)
    t = pd.Timestamp("2025-07-01", tz="UTC")
    state: Any = SimpleNamespace(asset="ETH", close_time=t, mid=2500.0, as_of=t)
    with pytest.raises(InputError, match=rf"{re.escape(str(bad))}: {CANNOT_OPEN}") as e:
        stress_market(state=state, assets=["ETH"])
    assert "in the store or the bundle" not in str(e.value)
    with pytest.raises(InputError, match=rf"{re.escape(str(bad))}: {CANNOT_OPEN}"):
        _daily("ETH", pd.DataFrame())


def test_the_follow_through_prices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store chosen by ``$LIQCASCADE_STORE`` (no param) that cannot be opened was
    rewrapped as 'asset: no hourly prices for ETH (…)'; only a missing series is."""
    from liqcascade.cascade._follow_through import asset_series

    with pytest.raises(InputError, match=r"^asset: no hourly prices for NOSUCH \(no ohlcv") as e:
        asset_series("ohlcv", "NOSUCH", "1h", "hourly prices", False)
    assert e.value.param == "asset"
    bad = _bad_default_store(tmp_path, monkeypatch)
    with pytest.raises(
        InputError, match=rf"^\$LIQCASCADE_STORE: {re.escape(str(bad))}: {CANNOT_OPEN}"
    ):
        asset_series("ohlcv", "ETH", "1h", "hourly prices", None)


def test_a_tier_file_is_refused_with_its_own_row(tmp_path: Path) -> None:
    """A tier file's row error read 'is not a tier table: a packaged symbol … or a file'."""
    from liqcascade.positions import EstimationParams

    f = tmp_path / "tiers.csv"
    f.write_text(
        "notional_floor,notional_cap,max_leverage,mmr,cum\n0,50000,125,0.004,0\n"
        "60000,100000,100,0.005,50\n"
    )
    with pytest.raises(InputError) as e:
        EstimationParams(tiers=str(f))
    assert str(e.value) == (
        f"{f}: data row 2: notional_floor 60000 must equal the previous notional_cap 50000"
    )
    with pytest.raises(InputError, match=r"^tiers 'NOPEUSDT' is not a tier table: a packaged"):
        EstimationParams(tiers="NOPEUSDT")


# -- the report's readers --------------------------------------------------------------------------
def test_the_report_series_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liqcascade.report import _data

    assert "open interest 4h" in _data.missing("NOSUCH")  # no store file: nobody holds it
    assert _data._optional("taker 4h", "NOSUCH", ("", 0)) is None
    assert _data._optional("book totals", "NOSUCH", ("", 0)) is None
    bad = _bad_default_store(tmp_path, monkeypatch)
    stamp = (str(bad), 1)
    with pytest.raises(InputError, match=rf"{re.escape(str(bad))}: {CANNOT_OPEN}"):
        _data.missing("SOL")
    for what in ("funding 4h", "book totals"):
        with pytest.raises(InputError, match=rf"{re.escape(str(bad))}: {CANNOT_OPEN}"):
            _data._optional(what, "ETH", stamp)


def test_the_report_solvency_scenarios(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store error read as 'no hourly prices of ETH in the store or the bundle'; the
    2025-10-10 fall is now taken from the bars the report reads."""
    from liqcascade.report import _data
    from liqcascade.report._solvency_section import _scenarios

    eth = _scenarios("ETH")
    assert [s.name for s in eth][-1] == "2025-10-10"
    assert eth[-1].shock == pytest.approx(3435.00 / 4368.09 - 1.0, abs=1e-9)  # -21.4 %
    hours = _data.series("ohlcv", "ETH", "1h", "2025-01-01", "2025-01-31")
    real = _data.series
    monkeypatch.setattr(_data, "series", lambda k, a, i, *r: hours if a == "SOL" else real(k, a, i))
    assert [s.name for s in _scenarios("SOL")] == [s.name for s in eth[:-1]]  # no bar that day
    monkeypatch.undo()
    bad = _bad_default_store(tmp_path, monkeypatch)
    with pytest.raises(InputError, match=rf"{re.escape(str(bad))}: {CANNOT_OPEN}"):
        _scenarios("SOL")


def test_a_malformed_calibration_is_not_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The back-test score, the stored follow-through, the book's in-sample flags and the
    report's calibration rows and caveats read a calibration file that is not JSON as
    "no calibration"."""
    from liqcascade.cascade._clock import backtest_score
    from liqcascade.cascade._follow_through import stored_follow_through
    from liqcascade.cascade._insample import stored_book_in_sample
    from liqcascade.report import _data
    from liqcascade.report._section import ReportContext

    store = _malformed_calibrations(tmp_path, "liquidity", "book")
    liq = store.parent / "store.calibrations" / "liquidity" / "ETH.json"
    book = store.parent / "store.calibrations" / "book" / "ETH.json"
    for call, f in [
        (lambda: backtest_score("ETH", store), liq),
        (lambda: stored_follow_through("ETH", store), liq),
        (lambda: stored_book_in_sample("ETH", {"ts": ["2025-01-01"]}, store), book),
    ]:
        with pytest.raises(InputError, match=rf"^{re.escape(str(f))}: not valid JSON"):
            call()
    # an asset without one is still none
    assert backtest_score("SOL", store) is None and stored_follow_through("SOL", store) is None
    assert stored_book_in_sample("SOL", {"ts": ["2025-01-01"]}, store) == (None, None)
    assert _data.calibration_sources(["SOL"]) == []  # no store file: the package has none

    monkeypatch.setenv("LIQCASCADE_STORE", str(store))
    with pytest.raises(InputError, match=rf"^{re.escape(str(book))}: not valid JSON"):
        _data.calibration_sources(["ETH"])
    market = SimpleNamespace(
        caveats=(), sources={}, close_time=pd.Timestamp("2025-06-01", tz="UTC")
    )
    ctx: Any = SimpleNamespace(market=market, asset="ETH")
    with pytest.raises(InputError, match=rf"^{re.escape(str(liq))}: not valid JSON"):
        ReportContext.caveats.func(ctx)


# -- "no market at that date": only that ---------------------------------------------------------
def test_only_a_date_without_a_market_reads_as_no_market(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liqcascade.cascade import _follow_through as ft
    from liqcascade.cascade._backtest import estimated_market_at

    def build(err: InputError) -> Any:
        def f(spec: Any) -> Any:
            raise err

        return f

    outside = InputError("as_of 2024-01-01: the ETH open interest starts …", param="as_of")
    broken = InputError("store: x.duckdb: cannot open: not a DuckDB store", param="store")
    assert estimated_market_at(build(outside), asset="ETH")(pd.Timestamp("2024-01-01"), 1.0) is None
    with pytest.raises(InputError, match="cannot open"):
        estimated_market_at(build(broken), asset="ETH")(pd.Timestamp("2024-01-01"), 1.0)

    # the dates after the stored record: only a period without a market is "no tail"
    with pytest.raises(ft.NoMarketDate, match="holds no date with a market"):
        ft.follow_through_dates("2026-01-01", "2026-01-02", first=pd.Timestamp("2024-11-23",
                                tz="UTC"), last=pd.Timestamp("2025-08-01", tz="UTC"))  # fmt: skip

    def fails(*a: Any, **k: Any) -> Any:
        raise broken

    # the shipped record ends before the bundled hourly prices do: the dates after it are
    # computed (none has a market: the bundled open interest ends 2025-08-01)
    monkeypatch.setattr(ft, "calibrated_follow_through", fails)
    with pytest.raises(InputError, match="cannot open"):
        ft.stored_follow_through("ETH", False, extend=True)


def test_the_report_follow_through_runs_unless_no_date_has_a_market(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from liqcascade.cascade import _follow_through as ft
    from liqcascade.report import _cascade_section as cs

    calls: list[Any] = []

    def run(err: Exception) -> Any:
        def f(*a: Any, **k: Any) -> Any:
            calls.append(a)
            raise err

        return f

    monkeypatch.setattr("liqcascade.cascade.stored_follow_through", lambda *a, **k: None)
    ctx: Any = SimpleNamespace(quick=True, asset="ETH", hourly=pd.DataFrame({"close": []}))
    ctx.as_of = "2001-01-01"
    monkeypatch.setattr("liqcascade.cascade.calibrated_follow_through",
                        run(ft.NoMarketDate("start/end: no date with a market")))  # fmt: skip
    assert cs.every_date(ctx) is None and calls
    ctx.as_of = "2001-01-02"
    broken = InputError("x.json: not valid JSON (line 1)")
    monkeypatch.setattr("liqcascade.cascade.calibrated_follow_through", run(broken))
    with pytest.raises(InputError, match="not valid JSON"):
        cs.every_date(ctx)


def test_the_calibrated_cascade_checks_its_shock_by_the_one_rule() -> None:
    """``_shock_price`` had its own wording ('got -1.0') and no ``param``."""
    from liqcascade.cascade._clock import _shock_price
    from liqcascade.cascade._engine import check_shock

    for name, value, kw in [("shock", -1.0, {"shock": -1.0, "shock_price": None}),
                            ("shock", float("nan"), {"shock": float("nan"), "shock_price": None}),
                            ("shock_price", 0.0, {"shock": None, "shock_price": 0.0})]:  # fmt: skip
        with pytest.raises(InputError) as want:
            check_shock(name, value)
        with pytest.raises(InputError) as got:
            _shock_price(100.0, **kw)
        assert str(got.value) == str(want.value) and got.value.param == name
    with pytest.raises(InputError, match=r"^shock must be a fraction > -1 \(got -1; a fraction "
                       r"of mid: -0\.05 for a 5 % fall, 0\.05 for a 5 % rise\)$"):  # fmt: skip
        _shock_price(100.0, -1.0, None)
    assert _shock_price(100.0, -0.05, None) == pytest.approx(95.0)
    assert _shock_price(100.0, None, 90.0) == 90.0
