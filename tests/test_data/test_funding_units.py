"""Funding units: CoinGlass quotes each venue's funding per the venue's own interval
(Hyperliquid: 1 h); a file of percents read as fractions is refused, unless its units are
declared (``funding_units``)."""

from __future__ import annotations

import functools
import importlib.util
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.data import SeriesFrame, Store, load_series, read_file
from liqcascade.data._funding_units import check_funding_units
from liqcascade.data._ops import ingest_files
from liqcascade.data._validate import MAX_FUNDING_MEDIAN, MIN_FUNDING_DAYS
from liqcascade.data.bundled import DATASETS, load
from liqcascade.errors import InputError
from test_reliability._helpers import assert_refused

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"


@pytest.mark.parametrize(("venue", "hours"), [("hyperliquid", 1.0), ("bybit", 8.0)])
def test_a_coinglass_venue_file_takes_the_venue_s_interval(venue: str, hours: float) -> None:
    (s,) = read_file(INGEST / f"coinglass_ETH_8h_funding_{venue}.csv.gz", venue=venue)
    assert (s.frame["interval_hours"] == hours).all()
    said = [n for n in s.notes if "the venue's funding interval" in n]
    assert len(said) == (venue == "hyperliquid")


def test_hyperliquid_s_coinglass_rate_is_its_hourly_baseline() -> None:
    """The median row is 0.00125 % per hour (Hyperliquid's baseline), read per hour."""
    (s,) = read_file(INGEST / "coinglass_ETH_8h_funding_hyperliquid.csv.gz", venue="Hyperliquid")
    per_hour = s.frame["rate"] / s.frame["interval_hours"]
    assert per_hour.median() == pytest.approx(1.25e-5, rel=0.05)


# -- percent read as fractions ------------------------------------------------------------
def _funding_table(path: Path, rates: np.ndarray, step: str = "8h", venue: str = "okx") -> Path:
    """A ``timestamp,venue,coin,funding_rate`` table (the funding-table layout)."""
    ts = pd.date_range("2024-03-01", periods=len(rates), freq=step, tz="UTC")
    pd.DataFrame(
        {"timestamp": ts.strftime("%Y-%m-%d %H:%M:%S"), "venue": venue, "coin": "ETH",
         "funding_rate": rates}
    ).to_csv(path, index=False)  # fmt: skip
    return path


def _typical(n: int, per_8h: float, seed: int = 0) -> np.ndarray:
    """Funding around ``per_8h`` (a venue's baseline), a few rows negative."""
    rng = np.random.default_rng(seed)
    return np.round(per_8h * (1 + rng.normal(0, 0.8, n)), 8)


@pytest.mark.parametrize(
    ("step", "per_interval"),
    [("8h", 1e-4), ("1h", 1.25e-5)],
    ids=["8h-0.01%", "hourly-0.00125%"],
)
def test_a_funding_file_in_percent_is_refused_naming_the_file_and_column(
    tmp_path: Path, step: str, per_interval: float
) -> None:
    """The table in percent (0.01 for 0.01 %) was stored 100x too high without a word:
    every value is below MAX_FUNDING_RATE. An hourly venue's percent (0.00125) is small
    too; it is compared per 8 h."""
    n = 30 * 24 // int(step[:-1])  # the 30 days (MIN_FUNDING_DAYS) a median is judged over
    pct = _funding_table(tmp_path / "pct.csv", _typical(n, per_interval) * 100, step)
    with pytest.raises(InputError) as e:
        read_file(pct)
    msg = str(e.value)
    assert msg.startswith(f"{pct}: column 'funding_rate': the rates look like percent")
    assert "divide the column by 100" in msg and e.value.file == str(pct)
    assert re.search(r" per 8 h \(\d+\.\d\d %\), where real funding", msg), msg  # "5 %", session 25
    store = tmp_path / "s.duckdb"
    r = run_cli("data", "ingest", str(pct), "--store", str(store))
    assert_refused(r, str(pct.name), "'funding_rate'", "percent")
    assert not store.exists()
    # the same rates as fractions are read as they are
    frac = _funding_table(tmp_path / "frac.csv", _typical(n, per_interval), step)
    (s,) = read_file(frac)
    assert s.rows == n and s.frame["rate"].abs().max() < 0.005


def test_the_bound_is_on_the_median_not_on_a_squeeze(tmp_path: Path) -> None:
    """A real squeeze (a third of the rows at 0.375 %, the bundled maximum) is read;
    a median above 0.003 per 8 h over 30 days is refused; one row's size does not
    decide, nor a median over fewer days (89 rows of 8 h)."""
    rates = _typical(90, 1e-4)
    rates[::3] = 0.00375
    (s,) = read_file(_funding_table(tmp_path / "squeeze.csv", rates))
    assert s.rows == 90
    assert MAX_FUNDING_MEDIAN == 0.003 and MIN_FUNDING_DAYS == 30
    high = _funding_table(tmp_path / "high.csv", np.full(90, 0.0031))
    with pytest.raises(InputError, match="look like percent"):
        read_file(high)
    (s,) = read_file(_funding_table(tmp_path / "short.csv", np.full(89, 0.0031)))
    assert s.rows == 89
    (s,) = read_file(_funding_table(tmp_path / "ok.csv", np.full(90, 0.0029)))
    assert s.rows == 90


def test_coinglass_percent_and_every_shipped_funding_file_pass() -> None:
    """CoinGlass's OHLC is percent by design (divided by 100, a note): not refused. Every
    funding file of the test data and every bundled funding dataset is below the bound,
    the highest median per 8 h being the 2021 Bybit sample's (about 0.001)."""
    medians = {}
    for p in sorted(INGEST.glob("*fund*")):
        venue = "hyperliquid" if "hyperliquid" in p.name else None
        for s in read_file(p, venue=venue):
            per_8h = s.frame["rate"].abs() * 8 / s.frame["interval_hours"]
            medians[f"{p.name} {s.venue}"] = float(per_8h.median())
    for name, d in DATASETS.items():
        if d.kind != "funding":
            continue
        df = load(name).reset_index()
        keys = [c for c in ("venue", "asset") if c in df.columns]
        for key, g in df.groupby(keys) if keys else [("", df)]:
            per_8h = g["rate"].abs() * 8 / g["interval_hours"]
            medians[f"{name} {key}"] = float(per_8h.median())
    assert len(medians) >= 25
    worst = max(medians, key=medians.__getitem__)
    assert medians[worst] < MAX_FUNDING_MEDIAN / 2, (worst, medians[worst])


def test_a_short_file_of_a_real_squeeze_is_read(tmp_path: Path) -> None:
    """Bybit's ETHUSDT funding of 2021-01-04 (three real rows, median 0.353 % per 8 h)
    and Gate's of 2021-01-04/05 (five of six rows at the 0.375 % cap): a day's or two
    days' fetch of a squeeze is real funding, not percent. Over so few rows a median
    cannot tell the two (a percent file of a calm day can have a median of 0.0001)."""
    days = {
        "bybit": (["2021-01-04 00:00", "2021-01-04 08:00", "2021-01-04 16:00"],
                  [0.00151885, 0.00353174, 0.00375]),
        "gate": ([f"2021-01-0{d} {h}" for d in (4, 5) for h in ("05:00", "13:00", "21:00")],
                 [0.00375] * 5 + [0.000166]),
    }  # fmt: skip
    for venue, (ts, rates) in days.items():
        p = tmp_path / f"{venue}.csv"
        pd.DataFrame(
            {"timestamp": ts, "venue": venue, "coin": "ETH", "funding_rate": rates}
        ).to_csv(p, index=False)
        (s,) = read_file(p, interval="8h")
        assert s.rows == len(rates)
        assert float(s.frame["rate"].max()) == 0.00375


# -- short windows, the long ones the median missed, both directions ---------------------
@functools.cache
def _rates_tool() -> Any:
    """tools/funding_units_rates.py, whose windows and verdicts docs/data.md's table gives."""
    path = Path(__file__).resolve().parents[2] / "tools" / "funding_units_rates.py"
    spec = importlib.util.spec_from_file_location("funding_units_rates", path)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


@functools.cache
def _bundled_funding() -> dict[str, pd.DataFrame]:
    """The tool's ``bundled_series()``, read once for the window sizes below (they only
    slice it: ``windows`` returns ``iloc`` views, ``verdict`` judges a copy)."""
    return _rates_tool().bundled_series()


@pytest.mark.parametrize("days", [1, 3, 7, 30, 90])
def test_no_bundled_window_is_refused_and_percent_is_caught(days: int) -> None:
    """Every bundled ETH and BTC funding window (one every 80 rows here; every one in
    tools/funding_units_rates.py, docs/data.md's table) as stored is never refused and
    rarely warned about; times 100 (percent read as fractions) it is refused or warned
    about almost always, refused always over 90 days; divided by 100 (fractions read as
    percent) it is refused over 30 days or more in most windows."""
    tool = _rates_tool()
    windows = [w for g in _bundled_funding().values() for w in tool.windows(g, days, 80)]
    assert len(windows) > 800
    real = Counter(tool.verdict(w, 1.0) for w in windows)
    assert real["refused (percent)"] == real["refused (too small)"] == 0, real
    assert real["warned"] < 0.01 * len(windows), real
    up = Counter(tool.verdict(w, 100.0) for w in windows)
    assert up["refused (percent)"] > 0.7 * len(windows), up
    assert up["accepted"] < 0.04 * len(windows), up
    assert days < 90 or up["refused (percent)"] == len(windows)
    down = Counter(tool.verdict(w, 0.01) for w in windows)
    assert down["refused (percent)"] == 0
    assert days < 30 or down["refused (too small)"] > 0.75 * len(windows), down


def test_binance_s_30_day_windows_the_median_missed_are_refused() -> None:
    """About 2 % of Binance's real 30-day windows in percent had a median |rate| under
    0.003 (a bear month near zero funding) and were stored 100x too high. They hold rows
    at exactly 0.01 per 8 h, percent's 0.01 % baseline: refused now."""
    df = load("eth_funding_2020_2023").reset_index()
    g = df[df["venue"] == "binance"].sort_values("ts")[["ts", "rate", "interval_hours"]]
    missed = [
        w
        for w in (g.iloc[i : i + 90] for i in range(0, len(g) - 90, 3))
        if (w["rate"].abs() * 100).median() <= MAX_FUNDING_MEDIAN
    ]
    assert len(missed) > 10
    for w in missed:
        with pytest.raises(InputError, match=re.escape("percent's 0.01 % baseline")):
            check_funding_units(w.assign(rate=w["rate"] * 100), "binance.csv")


def test_a_day_in_percent_is_refused_and_an_ambiguous_week_warned(tmp_path: Path) -> None:
    """A day's fetch in percent (three rows at 0.01, the baseline) was read as fractions
    (under 30 days nothing was judged); a week of percent with a median above 0.005 too.
    A week with no row at either baseline and a median of 0.002 per 8 h may be a squeeze
    or percent: read, with a warning that says both."""
    day = _funding_table(tmp_path / "day.csv", np.array([0.01, 0.01, 0.0123]))
    with pytest.raises(InputError, match=re.escape("exactly 0.01 per 8 h")):
        read_file(day)
    week = _funding_table(tmp_path / "week.csv", _typical(21, 0.008) + 0.0001)
    with pytest.raises(InputError, match=r"median \|rate\| over 7 days is"):
        read_file(week)
    rates = np.round(0.002 * (1 + np.random.default_rng(1).normal(0, 0.1, 21)), 7)
    (s,) = read_file(_funding_table(tmp_path / "amb.csv", rates))
    (w,) = [w for w in s.warnings if "funding rates" in w]
    assert "a squeeze, or rates in percent" in w and "over 7 days" in w
    # inputs22: the units can be declared now; a warning names no parameter (no flag)
    assert w.endswith(
        "; if percent, declare the column's units (percent) and ingest the file again"
    )
    assert "divide the column" not in w and "funding_units" not in w


def test_an_ambiguous_series_frame_is_told_to_divide_its_rates() -> None:
    """A caller's own SeriesFrame has no units to declare: its warning says what to do."""
    ts = pd.date_range("2024-03-01", periods=21, freq="8h", tz="UTC")
    rates = np.round(0.002 * (1 + np.random.default_rng(1).normal(0, 0.1, 21)), 7)
    frame = pd.DataFrame({"ts": ts, "rate": rates, "interval_hours": 8.0})
    w = check_funding_units(frame, "mine", option=None)
    assert w is not None and w.startswith("mine: funding rates: median |rate|")
    assert w.endswith("; if percent, divide the rates by 100 before storing them")


def test_coinglass_percent_already_in_fractions_is_refused(tmp_path: Path) -> None:
    """CoinGlass's funding OHLC is percent, divided by 100; a file of it already in
    fractions (0.0001 for the baseline) was stored 100x too small without a word."""
    ts = pd.date_range("2024-12-10", periods=120, freq="8h", tz="UTC")
    rates = _typical(120, 1e-4)
    p = tmp_path / "coinglass_ETH_8h_funding_bybit.csv"
    pd.DataFrame(
        {"time": ts.asi8 // 10**6, "open": rates, "high": rates, "low": rates, "close": rates}
    ).to_csv(p, index=False)
    with pytest.raises(InputError) as e:
        read_file(p, venue="bybit")
    assert "100x too small" in str(e.value) and "fractions already" in str(e.value)
    pd.DataFrame(
        {"time": ts.asi8 // 10**6, "open": rates * 100, "high": rates * 100,
         "low": rates * 100, "close": rates * 100}
    ).to_csv(p, index=False)  # fmt: skip
    (s,) = read_file(p, venue="bybit")
    assert s.frame["rate"].median() == pytest.approx(1e-4, rel=0.3)


def test_a_series_frame_handed_to_the_store_is_judged(tmp_path: Path) -> None:
    """A SeriesFrame built by a caller (or a fetch, the watch) went into the store
    unjudged: a month of percent was stored 100x too high. Store.ingest refuses it,
    storing nothing; the same rates as fractions are stored."""
    ts = pd.date_range("2024-03-01", periods=90, freq="8h", tz="UTC")
    frame = pd.DataFrame({"ts": ts, "rate": _typical(90, 1e-4) * 100, "interval_hours": 8.0})
    s = SeriesFrame(kind="funding", venue="okx", symbol="ETHUSDT", interval="8h", frame=frame)
    store = tmp_path / "s.duckdb"
    with Store(store) as st, pytest.raises(InputError, match="look like percent") as e:
        st.ingest([s])
    assert not store.exists()
    # no reader's option to name: the series' own flag (a caller's fractions, as given)
    assert "set SeriesFrame.units_known" in str(e.value) and e.value.param is None
    s.frame = frame.assign(rate=frame["rate"] / 100)
    with Store(store) as st:
        assert st.ingest([s]).rows_added == 90


def test_a_venue_api_series_is_not_judged_a_squeeze_is_stored(tmp_path: Path) -> None:
    """A fetch or the watch's poll reads ccxt's unified records, funding a fraction by
    contract: two days pinned at a 1 % cap (an altcoin's squeeze) are real, and stored;
    the same rows from a file are refused as percent (the values alone cannot tell)."""
    ts = pd.date_range("2025-03-01", periods=6, freq="8h", tz="UTC")
    frame = pd.DataFrame({"ts": ts, "rate": 0.01, "interval_hours": 8.0})
    kw = {"kind": "funding", "venue": "binance", "symbol": "XUSDT", "interval": "8h"}
    store = tmp_path / "s.duckdb"
    with Store(store) as st, pytest.raises(InputError, match="look like percent"):
        st.ingest([SeriesFrame(**kw, frame=frame.copy())])
    with Store(store) as st:
        got = st.ingest([SeriesFrame(**kw, frame=frame.copy(), units_known=True)])
    assert got.rows_added == 6


def test_a_file_s_funding_is_judged_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader judges a file's rates; the store takes its verdict (units_known) and
    does not judge them again: the check, made to fail after the read, is not called."""
    from liqcascade.data import _funding_units

    path = next(p for p in sorted(INGEST.glob("*fund*")) if "binance" in p.name)
    series = read_file(path)
    assert series and all(s.units_known for s in series)

    def judged_again(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("judged twice")

    monkeypatch.setattr(_funding_units, "check_funding_units", judged_again)
    with Store(tmp_path / "s.duckdb") as st:
        assert st.ingest(series).rows_added == sum(s.rows for s in series)


# -- declared units: funding_units --------------------------------------------------------
#: Tolerance of rates compared after reading (the CSV holds them to 17 digits; ÷ 100 is
#: one rounding): relative 1e-12.
RTOL = 1e-12


def _squeeze_file(path: Path, cap: float, scale: float = 1.0) -> tuple[Path, np.ndarray]:
    """Four days of the bundled 8-h Binance ETH funding, the last three pinned at ``cap``
    (an altcoin's squeeze at its venue's cap, a fraction per 8 h), written times ``scale``
    as a funding table; returns the file and the rates written."""
    df = load("eth_funding_8h_by_venue").reset_index()
    g = df[df["venue"] == "binance"].sort_values("ts").iloc[300:312]
    rates = g["rate"].to_numpy(dtype="float64").copy()
    rates[3:] = cap
    pd.DataFrame(
        {"timestamp": g["ts"].dt.strftime("%Y-%m-%d %H:%M:%S"), "venue": "binance",
         "coin": "XYZ", "funding_rate": rates * scale}
    ).to_csv(path, index=False)  # fmt: skip
    return path, rates * scale


@pytest.mark.parametrize("cap", [0.0075, 0.02], ids=["0.75%", "2%"])
def test_a_squeeze_at_an_altcoin_s_cap_is_read_when_its_units_are_declared(
    tmp_path: Path, cap: float
) -> None:
    """Three days pinned at a venue's cap (0.75 % or 2 % per 8 h, as fractions) are
    refused as percent from their values; the message says the units can be declared.
    Declared fractions are read as given, declared percent divided by 100; neither is
    judged (``units_known``), and the store keeps the declared reading."""
    path, written = _squeeze_file(tmp_path / "xyz.csv", cap)
    with pytest.raises(InputError, match="look like percent") as e:
        read_file(path)
    assert e.value.param == "funding_units"
    assert 'funding_units="percent" (divided by 100) or "fraction"' in str(e.value)
    (frac,) = read_file(path, funding_units="fraction")
    assert frac.frame["rate"].to_numpy() == pytest.approx(written, rel=RTOL, abs=0)
    assert frac.units_known and not any("funding rates" in w for w in frac.warnings)
    assert any("declared a fraction" in n for n in frac.notes)
    (pct,) = read_file(path, funding_units="percent")
    assert pct.frame["rate"].to_numpy() == pytest.approx(written / 100, rel=RTOL, abs=0)
    assert any("rate = column / 100" in n for n in pct.notes)
    store = tmp_path / "s.duckdb"
    ingest_files([path], funding_units="fraction", store=store)
    with Store(store, read_only=True) as st:
        got = st.read("funding", venue="binance", symbol="XYZ", interval="8h")
    assert got["rate"].to_numpy() == pytest.approx(written, rel=RTOL, abs=0)


def test_the_command_line_names_the_flag_and_takes_the_units(tmp_path: Path) -> None:
    """`data ingest` refuses the squeeze naming --funding-units (never the library's
    funding_units=), stores it with --funding-units fraction, and refuses an unknown
    value with one line naming the flag; nothing is stored by a refusal."""
    path, written = _squeeze_file(tmp_path / "xyz.csv", 0.0075)
    store = tmp_path / "s.duckdb"
    line = assert_refused(run_cli("data", "ingest", str(path), "--store", str(store)),
                          "look like percent", '--funding-units="percent"')  # fmt: skip
    assert "funding_units" not in line
    assert not store.exists()
    bad = run_cli("data", "ingest", str(path), "--funding-units", "bps", "--store", str(store))
    line = assert_refused(bad, "--funding-units must be fraction or percent", "'bps'")
    assert "funding_units" not in line and not store.exists()
    r = run_cli("data", "ingest", str(path), "--funding-units", "fraction", "--store",
                str(store), "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["rows_added"] == len(written)
    with Store(store, read_only=True) as st:
        assert float(st.read("funding")["rate"].max()) == pytest.approx(0.0075, rel=RTOL)


def test_declared_units_keep_the_row_bound_and_refuse_a_non_funding_file(
    tmp_path: Path,
) -> None:
    """A declared file's rates still pass the row bound (±0.05 per interval: 0.06 as a
    fraction, 6 as percent, are refused); an unknown value and a file of another kind
    are refused naming funding_units."""
    rates = np.full(6, 0.0075)
    rates[2] = 0.06
    path = _funding_table(tmp_path / "over.csv", rates)
    with pytest.raises(InputError, match=r"beyond ±0.05"):
        read_file(path, funding_units="fraction")
    with pytest.raises(InputError, match=r"beyond ±0.05"):
        read_file(_funding_table(tmp_path / "pct.csv", rates * 100), funding_units="percent")
    with pytest.raises(InputError, match="must be fraction or percent") as e:
        read_file(path, funding_units="bps")
    assert e.value.param == "funding_units"
    ohlcv = INGEST / "ETHUSDT_1h_binance_spot.csv.gz"
    with pytest.raises(InputError, match="funding_units is for funding files") as e:
        read_file(ohlcv, funding_units="fraction")
    assert e.value.param == "funding_units"


def test_coinglass_s_percent_is_divided_once_and_fraction_contradicts_it(
    tmp_path: Path,
) -> None:
    """funding_units states the column's units as written. CoinGlass's funding OHLC is
    percent: "percent" reads it as the layout does (÷ 100, once), unjudged (a calm month
    the rules refuse as 100x too small is then read, and two days at a 0.75 % cap they
    refuse as percent); "fraction" contradicts the layout and is refused, on the command
    line naming --funding-units."""
    ts = pd.date_range("2024-12-10", periods=120, freq="8h", tz="UTC")
    pct = _typical(120, 1e-4) / 100  # a calm month of CoinGlass percent: under 3e-5 each
    p = tmp_path / "coinglass_ETH_8h_funding_bybit.csv"
    pd.DataFrame(
        {"time": ts.asi8 // 10**6, "open": pct, "high": pct, "low": pct, "close": pct}
    ).to_csv(p, index=False)
    with pytest.raises(InputError, match="100x too small") as e:
        read_file(p, venue="bybit")
    assert 'funding_units="percent" if they are percent' in str(e.value)
    (s,) = read_file(p, venue="bybit", funding_units="percent")
    assert s.layout == "coinglass-funding-ohlc"
    assert s.frame["rate"].to_numpy() == pytest.approx(pct / 100, rel=RTOL, abs=0)
    with pytest.raises(InputError, match="whose funding column is percent") as e:
        read_file(p, venue="bybit", funding_units="fraction")
    assert e.value.param == "funding_units"
    r = run_cli("data", "ingest", str(p), "--venue", "bybit", "--funding-units", "fraction",
                "--store", str(tmp_path / "s.duckdb"))  # fmt: skip
    assert_refused(r, "--funding-units is fraction", "coinglass-funding-ohlc")
    # an altcoin's CoinGlass history pinned at a 0.75 % cap for two days: percent, declared
    cap = np.full(6, 0.75)
    pd.DataFrame(
        {"time": ts[:6].asi8 // 10**6, "open": cap, "high": cap, "low": cap, "close": cap}
    ).to_csv(p, index=False)
    with pytest.raises(InputError, match="look like percent") as e:
        read_file(p, venue="bybit")
    assert 'funding_units="percent" if they are real' in str(e.value)
    (s,) = read_file(p, venue="bybit", funding_units="percent")
    assert s.frame["rate"].to_numpy() == pytest.approx(np.full(6, 0.0075), rel=RTOL, abs=0)


def test_a_calm_month_the_rules_call_too_small_is_read_as_declared_fractions(
    tmp_path: Path,
) -> None:
    """A month whose largest rate is under 3e-5 per 8 h is refused as fractions divided
    by 100, the message naming funding_units="fraction"; declared, it is read as given."""
    rates = np.full(90, 2e-5)
    path = _funding_table(tmp_path / "calm.csv", rates)
    with pytest.raises(InputError, match="100x too small") as e:
        read_file(path)
    assert 'funding_units="fraction" if they are fractions' in str(e.value)
    (s,) = read_file(path, funding_units="fraction")
    assert s.frame["rate"].to_numpy() == pytest.approx(rates, rel=RTOL, abs=0)


def test_load_series_takes_the_units_of_a_funding_data_file(tmp_path: Path) -> None:
    """load_series(data_file=...) reads a funding file in its declared units; the option
    without a funding data_file is refused (stored and bundled funding are fractions)."""
    path, written = _squeeze_file(tmp_path / "xyz.csv", 0.0075)
    df = load_series("funding", asset="XYZ", data_file=path, funding_units="percent")
    assert df["rate"].to_numpy() == pytest.approx(written / 100, rel=RTOL, abs=0)
    with pytest.raises(InputError, match="funding_units is for a funding data_file"):
        load_series("funding", asset="ETH", funding_units="fraction", store=False)


def _coinglass(path: Path, percent: np.ndarray) -> Path:
    """CoinGlass's funding OHLC (percent per 8 h, every column the rate)."""
    ts = pd.date_range("2024-12-10", periods=len(percent), freq="8h", tz="UTC")
    cols = dict.fromkeys(("open", "high", "low", "close"), percent)
    pd.DataFrame({"time": ts.asi8 // 10**6, **cols}).to_csv(path, index=False)
    return path


def test_a_coinglass_warning_says_the_layout_read_percent(tmp_path: Path) -> None:
    """rest22: CoinGlass's rates are percent by the layout and divided by 100; the
    ambiguous warning still called them "percent read as fractions", which was not done."""
    rng = np.random.default_rng(1)
    squeeze = np.round(0.2 * (1 + rng.normal(0, 0.1, 21)), 7)  # 0.2 % -> 0.002 per 8 h
    p = _coinglass(tmp_path / "coinglass_ETH_8h_funding_bybit.csv", squeeze)
    (s,) = read_file(p, venue="bybit")
    (w,) = [w for w in s.warnings if "funding rates" in w]
    assert "read as fractions" not in w, w
    assert "read as percent, 0.01 for 0.01 %, and divided by 100" in w
    assert w.endswith(
        "declare the column's units (percent, as the layout reads it) to read it unjudged"
    )
    calm = np.round(0.002 * (1 + rng.normal(0, 0.1, 21)), 7)  # 2e-5 per 8 h once divided
    (s,) = read_file(_coinglass(p, calm), venue="bybit")
    (w,) = [w for w in s.warnings if "funding rates" in w]
    assert (
        "a calm week, or fractions divided by 100 (the layout's values were read as percent)" in w
    )
    assert "multiply it by 100 and ingest the file again" in w


def test_the_calm_week_warning_gives_a_remedy(tmp_path: Path) -> None:
    """rest22: "a calm week, or fractions divided by 100 (read as percent)" said nothing of
    what to do, and a fractions layout had divided nothing."""
    rates = np.round(2e-5 * (1 + np.random.default_rng(3).normal(0, 0.1, 21)), 9)
    (s,) = read_file(_funding_table(tmp_path / "calm.csv", rates))
    (w,) = [w for w in s.warnings if "funding rates" in w]
    assert "a calm week, or rates 100x too small (the values were read as fractions" in w
    assert w.endswith(
        "declare the column's units (fraction) to read it unjudged; if 100x too small, "
        "multiply the column by 100 and ingest the file again"
    )
    (s,) = read_file(tmp_path / "calm.csv", funding_units="fraction")
    assert not [w for w in s.warnings if "funding rates" in w]  # the remedy silences it
