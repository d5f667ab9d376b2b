"""Prices readable on any price level; the stop model's round steps as used; stops wording.

Review 8, findings 7, 8, 11 and 12: an alt-coin at $0.23 printed "0–0" ranges and three
clusters as "$0.24"; SOL's stop-model text named $100/$500/$1,000 steps it did not use;
"expected slippage 0.00 % instead of 0.00 %"; "-0.1" among two-decimal correlations; an
hourly period labelled 2017–2021 on bars that begin in 2021-04.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clihelpers import run_cli
from liqcascade._prices import price_decimals, price_range, price_text, quantity_text
from liqcascade.positions import round_steps_text, round_steps_used
from liqcascade.report._format import usd, usd_sig


def test_price_goldens() -> None:
    # ETH and BTC print as before (whole dollars, as usd() does); lower prices keep 4 figures
    assert price_text(3698.39) == "$3,698" == usd(3698.39)
    assert price_text(115_764.08) == "$115,764" == usd(115_764.08)
    assert price_text(232.41) == "$232.4"
    assert price_text(0.231477) == "$0.2315"
    assert price_text(0.24, 0.2315) == "$0.2400"  # the reference's decimals: columns align
    assert price_range(0.22812, 0.23149, 0.2315) == "0.2281–0.2315"
    assert price_range(237.41, 238.6, 232.4, sep=" → ") == "237.4 → 238.6"
    assert price_text(float("nan")) == "–"
    assert [price_decimals(x) for x in (115_764.0, 3698.0, 999.0, 232.4, 9.99, 0.23)] == [
        0, 0, 1, 1, 3, 4,
    ]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=1e-6, max_value=1e7), st.floats(min_value=-0.2, max_value=0.2))
def test_levels_half_a_percent_apart_never_print_alike(ref: float, off: float) -> None:
    """Two prices 0.5 % apart (a map bucket) within ±20 % of the asset's price print apart."""
    a = ref * (1 + off)
    assert price_text(a, ref) != price_text(a * 1.005, ref)
    assert "e" not in price_text(a, ref).lower()


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1000.0, max_value=1e7))
def test_prices_from_a_thousand_print_as_usd_does(x: float) -> None:
    """ETH's and BTC's tables do not change: whole dollars, as :func:`usd` below $1 M."""
    assert price_text(x, x) == (usd(x) if x < 1e6 else f"${x:,.0f}")


def test_quantity_and_amount_goldens() -> None:
    assert quantity_text(161000.0) == "161,000"
    assert quantity_text(10.0) == "10"
    assert quantity_text(0.3196) == "0.32"
    assert usd_sig(1553.2) == "$1,550"
    assert usd_sig(0.0081) == "< $1"  # a rounding residue, not $0.0081
    assert usd_sig(0.0) == "$0"
    assert usd_sig(999_600.0) == "$1.0 M"
    assert usd_sig(12_345_678.0) == usd(12_345_678.0) == "$12.3 M"


def test_round_steps_follow_the_price_level() -> None:
    # ETH: the stated steps; BTC ten times per decade; SOL at $232: $10/$50/$100; $0.23: cents
    assert round_steps_used(np.array([3698.0, 3000.0])) == [((100.0, 500.0, 1000.0), 1.0)]
    assert round_steps_text(np.array([115_000.0])) == "$10,000/$50,000/$100,000"
    assert round_steps_used(np.array([232.0])) == [((10.0, 50.0, 100.0), 1.0)]
    assert round_steps_text(np.array([0.23])) == "$0.01/$0.05/$0.10"
    used = round_steps_used(np.array([232.0, 90.0, 95.0, -1.0]), np.array([2.0, 1.0, 1.0, 5.0]))
    assert used == [((10.0, 50.0, 100.0), 0.5), ((1.0, 5.0, 10.0), 0.5)]  # -1 ignored
    assert round_steps_text(np.array([232.0, 90.0]), np.array([3.0, 1.0])) == (
        "$10/$50/$100 (75 %); $1/$5/$10 (25 %)"
    )


def test_stop_move_wording() -> None:
    from liqcascade.report._protect_section import _moved_text

    same = SimpleNamespace(
        expected_slippage=0.00001, raw_expected_slippage=0.000012,
        stop_price=109_009.0, raw_stop_price=109_503.0, entry=115_764.0, side="long",
        avoided_clusters=[],  # no zone given: the crowd's side is not said
    )  # fmt: skip
    text = _moved_text(same)
    assert "instead of" not in text
    # 109,009 lies further from the mid 115,764 than the raw 109,503: distance added, not lost
    assert "0.43 pp further from the mid, with no measurable change in slippage" in text
    assert "given up" not in text and "costs" not in text
    nearer = SimpleNamespace(**{**vars(same), "raw_stop_price": 108_515.0})
    assert "0.43 pp nearer the mid (distance given up)" in _moved_text(nearer)
    unmoved = SimpleNamespace(**{**vars(same), "raw_stop_price": 109_009.0})
    assert _moved_text(unmoved).startswith("not moved")
    gain = SimpleNamespace(**{**vars(same), "raw_expected_slippage": 0.0012})
    assert _moved_text(gain).endswith("0.001 % of the trigger instead of 0.120 %")
    # the command's words: a tiny slippage is "under 0.001 %", never a certain 0.00 %
    tiny = SimpleNamespace(**{**vars(gain), "expected_slippage": 2e-6})
    assert _moved_text(tiny).endswith("under 0.001 % of the trigger instead of 0.120 %")
    # 0.012 % and 0.014 % are not "either way" the same (they were at two decimals)
    near = SimpleNamespace(**{**vars(same), "expected_slippage": 0.00012,
                              "raw_expected_slippage": 0.00014})  # fmt: skip
    assert _moved_text(near).endswith("0.012 % of the trigger instead of 0.014 %")


def test_period_labels_and_correlations() -> None:
    from liqcascade.report._transparency_section import _rho
    from liqcascade.report._volatility_section import _period_labels

    df = pd.DataFrame(
        {
            "label": ["2017–2021", "2022–2025", "2021", "2022"],
            "start": ["2021-04-04", "2022-01-01", "2021-04-04", "2022-01-01"],
            "end": ["2021-12-31", "2025-07-31", "2021-12-31", "2022-12-31"],
        }
    )
    # a part-period (clipped by the data) is shown with the days its returns cover
    assert _period_labels(df) == [
        "2017–2021 (2021-04-04 → 2021-12-31)", "2022–2025 (2022-01-01 → 2025-07-31)",
        "2021 (2021-04-04 → 2021-12-31)", "2022",
    ]  # fmt: skip
    daily = df.assign(start=["2017-01-01", "2022-01-01", "2021-01-01", "2022-01-01"])
    assert _period_labels(daily)[0] == "2017–2021"
    # a value that rounds to zero carries no sign (never "−0.00"); NaN is the dash
    assert [_rho(x) for x in (-0.1, 0.267, 0.0, -0.001, float("nan"))] == [
        "−0.10", "+0.27", "0.00", "0.00", "–",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def pep_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """BTC's series relabelled PEP at BTC / 500,000 (about $0.23), BTC's calibrations."""
    from newasset import copy_calibrations, relabelled_store

    path = tmp_path_factory.mktemp("pep") / "pep.duckdb"
    return copy_calibrations(
        relabelled_store(path, symbol="PEPUSDT", price_scale=500_000.0), symbol="PEPUSDT"
    )


def test_liqmap_cli_on_a_low_priced_asset(pep_store: Path) -> None:
    env = {"LIQCASCADE_STORE": str(pep_store)}
    j = run_cli("liqmap", "--asset", "PEP", "--json", env=env).json()
    assert [u["steps_usd"] for u in j["stop_round_steps"]] == [[0.01, 0.05, 0.1]]
    assert j["stop_round_steps"][0]["share"] == 1.0
    r = run_cli("liqmap", "--asset", "PEP", env=env)
    assert r.exit_code == 0, r.stderr
    assert "round-number steps $0.01/$0.05/$0.10 on these entries" in r.stdout
    rows = [x.split() for x in r.stdout.splitlines() if "%" in x and "–0." in x]
    prices = [row[0] for row in rows]
    assert prices and len(set(prices)) == len(prices)  # distinct clusters print apart
    assert all(len(p.split(".")[1]) == 4 for p in prices)  # 0.2309, not 0.23
    assert " 0–0 " not in r.stdout


def test_stops_cli_on_a_low_priced_asset(pep_store: Path) -> None:
    env = {"LIQCASCADE_STORE": str(pep_store)}
    r = run_cli("stops", "recommend", "--asset", "PEP", "--side", "long", "--entry", "0.2315",
                "--size", "161000", "--leverage", "10", env=env)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if "stop_price" in x)
    assert line.split()[1].startswith("0.2") and len(line.split()[1]) == 6  # 0.2176 USD


def test_support_cli_applies_the_report_tolerances(pep_store: Path) -> None:
    """``support-study`` scales tolerances as the report does, for BTC and a store asset."""
    from liqcascade.events import params_for_asset
    from liqcascade.report._data import series

    args = ("--no-sensitivity", "--draws", "0", "--boot", "20", "--json")
    btc = run_cli("support-study", "--asset", "BTC", *args).json()
    daily = series("ohlcv", "BTC", "1d", "2022-01-01", btc["end"][:10])
    want, _, k = params_for_asset("BTC", daily)
    assert 0.6 < k < 0.9
    t = btc["tolerances"]
    assert (t["zone_tol"], t["band"], t["break_tol"]) == (want.zone_tol, want.band, want.break_tol)
    p = btc["params"]
    assert (p["zone_tol"], p["band"], p["break_tol"]) == (0.011, 0.008, 0.008)
    assert t["given"] == []
    # an option given wins over the scaled default
    own = run_cli("support-study", "--asset", "BTC", "--break-tol", "0.01", *args).json()
    assert own["params"]["break_tol"] == 0.01 and own["params"]["zone_tol"] == 0.011
    assert own["tolerances"]["given"] == ["break_tol"]
    eth = run_cli("support-study", *args).json()
    p = eth["params"]
    assert (p["zone_tol"], p["band"], p["break_tol"]) == (0.015, 0.01, 0.01)
    # a store asset: its own bars, the same counts as BTC's (the same series relabelled)
    pep = run_cli("support-study", "--asset", "PEP", *args,
                  env={"LIQCASCADE_STORE": str(pep_store)}).json()  # fmt: skip
    assert pep["n_tests"] == btc["n_tests"] and pep["n_zones"] == btc["n_zones"]
    assert pep["source"].startswith("store PEP 1d")
