"""Nonsense input that used to run to a wrong answer (exit 0) is refused: exit 2, one line.

review-inputs8 section A (and its stress items of C): a price 10x from the market, a
274-year Monte Carlo, +500 % shocks typed as fractions, a uniMMR threshold in percent,
a lending price in the wrong unit, text in a liquidation column, a funding rate of
500 %, an open-interest bar closing below its low, a study finding nothing printed as
tables of nan, and options that a scenario or backend would silently ignore.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from test_reliability._helpers import assert_refused

DATA = Path(__file__).resolve().parents[1] / "data"
CONTAGION = DATA / "contagion"
PRESET = Path(__file__).resolve().parents[2] / "src/liqcascade/collateral/presets/oct-2025.toml"

PORTFOLIO = "symbol,side,size,entry_price,leverage,stop_price\nETHUSDT,long,10,3600,20,\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# -- 1. liqmap --price on the estimated book ------------------------------------------------------
def test_liqmap_price_far_from_the_market_is_a_unit_error() -> None:
    line = assert_refused(run_cli("liqmap", "--price", "50"), "--price 50", "unit error")
    assert "the market's mid" in line and "10x" in line


def test_liqmap_price_near_the_market_is_honoured() -> None:
    r = run_cli("liqmap", "--price", "3000", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["price"] == 3000.0


# -- 2. stress --horizon-days bounded like stops' --------------------------------------------------
@pytest.mark.parametrize("days", ["366", "100000"])
def test_stress_horizon_beyond_a_year_is_refused(tmp_path: Path, days: str) -> None:
    pf = _write(tmp_path / "pf.csv", PORTFOLIO)
    line = assert_refused(
        run_cli("stress", "--portfolio", str(pf), "--horizon-days", days), "--horizon-days"
    )
    assert "[1, 365]" in line and days in line


def test_library_horizon_bound_names_the_parameter() -> None:
    from liqcascade._limits import MAX_HORIZON_DAYS
    from liqcascade.protect import MAX_HORIZON_DAYS as STOPS_MAX
    from liqcascade.stress._scenarios import check_horizon_days

    assert MAX_HORIZON_DAYS == STOPS_MAX == 365  # one bound for stops and stress
    check_horizon_days(365)
    for bad in (0, 366):
        with pytest.raises(InputError, match=r"^horizon_days must be an integer in \[1, 365\]"):
            check_horizon_days(bad)


# -- 3. +500 % shocks: the rule of cascade --shock everywhere --------------------------------------
@pytest.mark.parametrize(
    ("value", "needle"),
    [("5", "+500 % move"), ("0", "non-zero"), ("abc", "a fraction (-0.05) or a percent")],
)
def test_contagion_shock_reads_like_cascade(value: str, needle: str) -> None:
    r = run_cli("contagion", "--config", str(CONTAGION / "two_venues.toml"), f"--shock={value}")
    assert_refused(r, "--shock", needle)


def test_contagion_shock_takes_a_percent() -> None:
    cfg = str(CONTAGION / "two_venues.toml")
    a = run_cli("contagion", "--config", cfg, "--shock=-5%", "--json")
    b = run_cli("contagion", "--config", cfg, "--shock", "-0.05", "--json")
    assert a.exit_code == 0 == b.exit_code, a.stderr + b.stderr
    assert a.json()["first_shock"]["fraction"] == pytest.approx(-0.05, rel=1e-12)
    assert a.json()["venues"] == b.json()["venues"]


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        # the shared percent hint, a rise's too (session 24: it named only a fall)
        ("5", "must be a non-zero fraction in (-1, 1) (got 5; for 5 % give 0.05; "),
        ("-6", "(got -6; for -6 % give -0.06; "),  # was pydantic's "greater than -1"
        ("-1", "(got -1; for -1 % give -0.01; "),
        ("0", "must be a non-zero fraction in (-1, 1) (got 0; -0.05 is a 5 % fall)"),
    ],
)
def test_contagion_config_shock_fraction(tmp_path: Path, value: str, needle: str) -> None:
    text = (
        (CONTAGION / "two_venues.toml")
        .read_text()
        .replace("fraction = -0.06", f"fraction = {value}")
    )
    cfg = _write(tmp_path / "c.toml", text)
    line = assert_refused(run_cli("contagion", "--config", str(cfg)), "c.toml", "shock.fraction")
    assert needle in line


def test_stress_shocks_refuse_a_bare_five(tmp_path: Path) -> None:
    pf = _write(tmp_path / "pf.csv", PORTFOLIO)
    r = run_cli("stress", "--portfolio", str(pf), "--scenario", "shock", "--shocks", "-5%,5")
    assert_refused(r, "--shocks 5", "+500 % move")


@pytest.mark.parametrize("shocks", ["-5%,-5%", "-0.05,0.1,-5%"])
def test_stress_shocks_refuse_a_repeated_shock(tmp_path: Path, shocks: str) -> None:
    """The same shock twice ran twice, where solvency refuses a repeated scenario name."""
    pf = _write(tmp_path / "pf.csv", PORTFOLIO)
    r = run_cli("stress", "--portfolio", str(pf), "--scenario", "shock", f"--shocks={shocks}")
    first, *_, last = shocks.split(",")
    assert_refused(r, "--shocks", f"{first} and {last}", "-5.0 %", "given twice")


def test_stress_shocks_percent_equals_fraction() -> None:
    from liqcascade._cli.stress import _parse_shocks

    got = _parse_shocks("-10%, -0.05,5%")
    assert [round(v, 12) for v in got] == [-0.1, -0.05, 0.05]


# -- 4. collateral: a uniMMR threshold in percent --------------------------------------------------
def test_collateral_threshold_in_percent_is_refused(tmp_path: Path) -> None:
    text = PRESET.read_text()
    assert "\nthreshold = 1.05\n" in text
    cfg = _write(tmp_path / "k.toml", text.replace("\nthreshold = 1.05\n", "\nthreshold = 105\n"))
    line = assert_refused(run_cli("collateral", "--config", str(cfg)), "k.toml: venue.threshold")
    assert "(0, 5]" in line and "(got 105; for 105 % give 1.05; " in line  # the shared hint


def test_venue_rules_threshold_bound() -> None:
    from liqcascade.collateral._loop import MAX_THRESHOLD, VenueRules

    assert VenueRules(threshold=MAX_THRESHOLD).threshold == 5.0
    with pytest.raises(InputError, match=r"^threshold must be a uniMMR ratio") as e:
        VenueRules(threshold=105.0)
    assert e.value.param == "threshold"


# -- 5. contagion: the lending market's collateral price against its oracle venues -----------------
def test_contagion_lending_price_in_the_wrong_unit(tmp_path: Path) -> None:
    text = (CONTAGION / "two_venues.toml").read_text()
    assert "collateral_price = 2000.0" in text
    cfg = _write(tmp_path / "c.toml", text.replace("collateral_price = 2000.0",
                                                  "collateral_price = 20.0"))  # fmt: skip
    for name in ("positions_a.csv", "positions_b.csv"):
        (tmp_path / name).write_bytes((CONTAGION / name).read_bytes())
    line = assert_refused(run_cli("contagion", "--config", str(cfg)),
                          "c.toml: lending[0].collateral_price 20", "unit error")  # fmt: skip
    assert "oracle venues" in line


# -- 6. / 7. data ingest ---------------------------------------------------------------------------
LIQ_HEADER = "datetime_utc,time,aggregated_long_liquidation_usd,aggregated_short_liquidation_usd\n"


def _liquidations(bad: str) -> str:
    rows = []
    for i in range(6):
        t = 1731528000000 + i * 4 * 3600 * 1000
        short = bad if i == 3 else f"{2e6 + i:.1f}"
        rows.append(f"x,{t},{5e6 + i:.1f},{short}\n")
    return LIQ_HEADER + "".join(rows)


@pytest.mark.parametrize("bad", ["lots", "nan"])
def test_ingest_liquidation_text_is_refused_then_dropped(tmp_path: Path, bad: str) -> None:
    f = _write(tmp_path / "coinglass_ETH_4h_liquidations.csv", _liquidations(bad))
    store = tmp_path / "s.duckdb"
    line = assert_refused(run_cli("data", "ingest", str(f), "--store", str(store)),
                          "data row 4",  # the file's column, read as short_usd
                          "aggregated_short_liquidation_usd is missing, NaN or infinite",
                          "--drop-missing")  # fmt: skip
    assert f.name in line
    r = run_cli("data", "ingest", str(f), "--store", str(store), "--drop-missing", "--json")
    assert r.exit_code == 0, r.stderr
    assert "dropped 1 data rows" in r.stderr and "(data rows 4)" in r.stderr
    out = tmp_path / "out.csv"
    e = run_cli("data", "export", "--kind", "liquidations", "--store", str(store),
                "--out", str(out))  # fmt: skip
    assert e.exit_code == 0, e.stderr
    exported = out.read_text().splitlines()
    assert len(exported) == 1 + 5  # header + the 5 good rows; nothing stored as NULL
    assert not any(",," in ln or ln.endswith(",") for ln in exported)


def test_ingest_funding_rate_as_percent_is_refused(tmp_path: Path) -> None:
    from liqcascade.data._validate import MAX_FUNDING_RATE

    rows = "".join(f"ETH-USDT,2024-01-01 {h:02d}:00:00+00:00,{r}\n"
                   for h, r in ((0, 0.0001), (8, 5.0), (16, 0.0002)))  # fmt: skip
    f = _write(tmp_path / "funding_ETHUSDT_binance.csv", "Symbol,Date,Funding Rate\n" + rows)
    r = run_cli("data", "ingest", str(f), "--store", str(tmp_path / "s.duckdb"))
    line = assert_refused(r, "data row 2", "Funding Rate 5", "percents")  # the file's header
    assert f"±{MAX_FUNDING_RATE:g}" in line


def test_funding_bound_is_above_every_bundled_rate() -> None:
    from liqcascade.data._validate import MAX_FUNDING_RATE
    from liqcascade.datasets import load, names

    largest = max(float(load(name)["rate"].abs().max()) for name in names() if "funding" in name)
    assert math.isfinite(largest) and 0 < largest < MAX_FUNDING_RATE / 10


def test_ingest_oi_ohlc_close_below_low_is_refused(tmp_path: Path) -> None:
    head = "datetime_utc,time,open,high,low,close\n"
    rows = []
    for i in range(5):
        t = 1731528000000 + i * 4 * 3600 * 1000
        close = 0 if i == 2 else 2.05e10
        rows.append(f"x,{t},2.04e10,2.06e10,2.03e10,{close}\n")
    f = _write(tmp_path / "coinglass_ETH_4h_open_interest_all_venues_usd.csv", head + "".join(rows))
    r = run_cli("data", "ingest", str(f), "--store", str(tmp_path / "s.duckdb"))
    # the file's columns (low, open, close), not oi_low_usd, oi_open_usd, oi_usd
    assert_refused(r, "data row 3", "low 2.03e+10", "above min(open, close) = 0")


# -- 8. support-study ------------------------------------------------------------------------------
def test_support_study_finding_nothing_says_so() -> None:
    r = run_cli("support-study", "--pivot", "100000", "--no-sensitivity", "--draws", "2",
                "--boot", "5")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "no support tests found at these settings" in r.stdout
    assert "nan" not in r.stdout.lower()


def test_support_study_without_draws_says_no_baseline() -> None:
    r = run_cli("support-study", "--no-sensitivity", "--draws", "0", "--boot", "5")
    assert r.exit_code == 0, r.stderr
    assert "random-level baseline: none (--draws 0)" in r.stdout
    assert "no random pseudo-level baseline" in r.stdout
    assert "nan" not in r.stdout.lower()


# -- C. stress options the scenario would ignore; a stop beyond its liquidation --------------------
@pytest.mark.parametrize(
    ("args", "flags"),
    [
        (("--shocks", "-0.1"), ("--shocks", "--scenario shock")),
        (("--scenario", "shock", "--window", "2022-06-13"), ("--window", "--scenario replay")),
        (("--scenario", "montecarlo", "--window", "2022-06-13"), ("--window", "--scenario")),
        (("--scheduler", "tcp://127.0.0.1:1"), ("--scheduler", "--backend dask")),
    ],
)
def test_stress_refuses_options_it_would_ignore(
    tmp_path: Path, args: tuple[str, ...], flags: tuple[str, ...]
) -> None:
    pf = _write(tmp_path / "pf.csv", PORTFOLIO)
    assert_refused(run_cli("stress", "--portfolio", str(pf), *args), *flags, "ignored")


def test_stress_stop_beyond_liquidation_is_refused(tmp_path: Path) -> None:
    pf = _write(
        tmp_path / "pf.csv",
        "symbol,side,size,entry_price,leverage,stop_price\n"
        "ETHUSDT,short,5,3700,10,3900\nETHUSDT,long,10,3600,20,3000\n",
    )
    line = assert_refused(
        run_cli("stress", "--portfolio", str(pf), "--scenario", "shock", "--shocks", "-0.1"),
        "pf.csv: data row 2 (file line 3): stop_price 3,000.00",
        "liquidation price",
    )
    assert "can never act" in line


def test_portfolio_stop_rule_both_sides() -> None:
    import pandas as pd

    from liqcascade.stress import Portfolio

    ok = pd.DataFrame({"symbol": ["ETHUSDT"] * 2, "side": ["long", "short"], "size": [1.0, 1.0],
                       "entry_price": [3600.0, 3600.0], "leverage": [10.0, 10.0],
                       "stop_price": [3300.0, 3900.0]})  # fmt: skip
    pf = Portfolio.from_frame(ok)
    assert (pf.stop_price > pf.liq_price)[0] and (pf.stop_price < pf.liq_price)[1]
    for i, price in ((0, 3000.0), (1, 4200.0)):  # beyond each side's ~3,260 / ~3,940 liq
        bad = ok.copy()
        bad.loc[i, "stop_price"] = price
        with pytest.raises(InputError, match=rf"row {i + 1}: stop_price .* liquidation price"):
            Portfolio.from_frame(bad)
