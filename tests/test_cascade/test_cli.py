"""``liqcascade cascade``: files, the estimated market state, fragility, and bad input."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from clihelpers import run_cli, run_cli_subprocess
from liqcascade.cascade import SUMMARY_KEYS

D = Path(__file__).resolve().parents[1] / "data" / "book"
FILES = (
    "--positions", str(D / "positions.csv"),
    "--stops", str(D / "stops.csv"),
    "--book", str(D / "book.csv"),
    "--mid", "100",
)  # fmt: skip


def test_cascade_from_files_json() -> None:
    r = run_cli("cascade", *FILES, "--shock-price", "98.9", "--insurance-fund", "0.5", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert set(out) == set(SUMMARY_KEYS)
    # the hand-worked case (tests/test_cascade/test_hand_cases.py)
    assert out["rounds"] == 3 and out["final_price"] == 95.0
    assert out["liquidated_long_usd"] == pytest.approx(288.0)
    assert out["bad_debt_usd"] == pytest.approx(2.5)
    assert [t["price"] for t in out["trace"]] == [98.0, 95.0, 95.0]


def test_cascade_from_files_human_and_extensions() -> None:
    r = run_cli(
        "cascade", *FILES, "--shock-sell-usd", "247", "--refill", "0.5", "--liq-fee", "0.01"
    )
    assert r.exit_code == 0, r.stderr
    assert "final_price" in r.stdout and "rounds" in r.stdout
    up = run_cli("cascade", *FILES, "--shock", "0.009", "--json").json()
    assert up["liquidated_short_usd"] == pytest.approx(152.0)


def test_fragility_from_files() -> None:
    r = run_cli("cascade", *FILES, "--fragility", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert {"curve", "critical_shock", "next_wave_down", "next_wave_up"} <= set(out)
    assert len(out["curve"]) == 401
    assert out["critical_shock"]["shock"] < 0


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        (("--shock", "-0.05", "--shock-price", "90"), "exactly one of --shock-price, --shock"),
        ((), "exactly one of --shock-price, --shock, --shock-sell-usd, --shock-buy-usd"),
        (("--shock", "-0.05", "--refill", "2"), "--refill must be a finite number in [0, 1]"),
        (("--shock", "-0.05", "--mark-weight", "0"), "--mark-weight must be in (0, 1]"),
        (("--shock-price", "-3"), "--shock-price must be > 0"),
        (("--shock-sell-usd", "-3"), "--shock-sell-usd must be a finite number >= 0"),
        (("--fragility", "--shock", "-0.05"), "--fragility runs a grid of shocks"),
    ],
)
def test_bad_options_exit_2(args: tuple[str, ...], msg: str) -> None:
    r = run_cli("cascade", *FILES, *args)
    assert r.exit_code == 2
    assert msg in r.stderr and "Traceback" not in r.stderr


def test_malformed_book_names_file_and_row(tmp_path: Path) -> None:
    r = run_cli(
        "cascade", "--positions", str(D / "positions.csv"), "--book",
        str(D / "crossed_book.csv"), "--shock", "-0.05",
    )  # fmt: skip
    assert r.exit_code == 2
    assert "crossed_book.csv: data row 2 (file line 3): crossed book" in r.stderr
    bad = tmp_path / "b.csv"
    bad.write_text("side,price,size\nbid,99,1\nbid,98,0\nask,101,1\n")
    r = run_cli(
        "cascade", "--positions", str(D / "positions.csv"), "--book", str(bad), "--shock", "-0.05"
    )
    assert r.exit_code == 2 and "b.csv: data row 2 (file line 3): size must be > 0" in r.stderr
    r = run_cli(
        *("cascade", *FILES[:4], "--book", str(D / "book.csv"), "--mid", "98.5"), "--shock", "-0.05"
    )
    assert r.exit_code == 2 and "data row 1 (file line 2): bid 99 is not below mid 98.5" in r.stderr


def test_malformed_positions_exit_2(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text("side,size,entry_price,margin\nlong,1,100,10\nlong,-2,100,10\n")
    r = run_cli("cascade", "--positions", str(p), "--book", str(D / "book.csv"), "--shock", "-0.05")
    assert r.exit_code == 2
    assert "p.csv: data row 2" in r.stderr


def test_missing_book_option() -> None:
    r = run_cli("cascade", "--positions", str(D / "positions.csv"), "--shock", "-0.05")
    assert r.exit_code == 2 and "--positions and --book" in r.stderr


def test_estimated_state_json() -> None:
    r = run_cli(
        "cascade", "--liquidity", "static", "--asset", "ETH", "--as-of", "2025-07-31",
        "--shock", "-0.05", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert set(SUMMARY_KEYS) <= set(out)
    assert out["as_of"] == "2025-08-01T00:00:00+00:00"  # the bar closed by the date
    assert out["final_price"] <= out["shock_price"] < out["initial_price"]
    assert out["shock_price"] == pytest.approx(0.95 * out["initial_price"])


@pytest.mark.parametrize(
    "view",
    [("--shock", "-0.05"), ("--shock", "-0.05", "--liquidity", "static"),
     ("--fragility", "--liquidity", "static")],
    ids=["calibrated", "static", "static-fragility"],
)  # fmt: skip
def test_as_of_is_the_instant_the_market_is_known(view: tuple[str, ...]) -> None:
    # the date rule (docs/design.md): --as-of 2025-07-31 is the 4-hour bar 20:00-24:00,
    # known at its close; the calibrated run gave the close, the static ones the open
    r = run_cli("cascade", "--asset", "ETH", "--as-of", "2025-07-31", *view, "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["as_of"] == "2025-08-01T00:00:00+00:00" == out["bar_close"]
    assert out["bar_open"] == "2025-07-31T20:00:00+00:00" == out["market"]["as_of"]


def test_estimated_fragility_subprocess() -> None:
    r = run_cli_subprocess(
        "cascade", "--fragility", "--liquidity", "static", "--asset", "ETH", "--as-of",
        "2025-07-31", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    curve = out["curve"]
    finals = [c["final_price"] for c in curve if c["shock"] <= 0]
    assert all(a <= b + 1e-9 for a, b in itertools.pairwise(finals))  # monotone in the shock
    assert out["next_wave_down"] and out["next_wave_up"]


def test_bad_asset_and_date() -> None:
    r = run_cli("cascade", "--asset", "DOGE", "--shock", "-0.05")
    assert r.exit_code == 2 and "--asset" in r.stderr
    r = run_cli("cascade", "--as-of", "not-a-date", "--shock", "-0.05")
    assert r.exit_code == 2 and "--as-of" in r.stderr
