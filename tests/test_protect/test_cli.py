"""``liqcascade stops``: JSON keys, real output, bad options exit 2."""

from __future__ import annotations

import pytest

from clihelpers import run_cli, run_cli_subprocess


def test_recommend_json_keys() -> None:
    r = run_cli(
        "stops", "recommend", "--side", "short", "--entry", "3700", "--size", "5",
        "--leverage", "10", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert {"stop_price", "distance", "expected_slippage", "avoided_clusters", "rationale"} <= set(
        d
    )
    assert d["stop_price"] > 3700 and d["stop_price"] < d["liq_price"]
    assert isinstance(d["avoided_clusters"], list)
    assert d["liquidity"] == "calibrated"
    r = run_cli(
        "stops", "recommend", "--side", "short", "--entry", "3700", "--size", "5",
        "--leverage", "10", "--liquidity", "static", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    s = r.json()
    assert s["liquidity"] == "static" and s["stop_price"] == pytest.approx(d["stop_price"])
    assert d["expected_slippage"] <= s["expected_slippage"] + 1e-12


def test_backtest_json_keys() -> None:
    r = run_cli(
        "stops", "backtest", "--policy", "all", "--side", "long", "--entries", "random",
        "--start", "2025-09-20", "--end", "2025-10-12", "--n-random", "10", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert {"table", "crash_2025_10_10", "best_on_2025_10_10", "fill_model"} <= set(d)
    assert {row["policy"] for row in d["table"]} == {"fixed", "vol", "vol-declustered"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("recommend", "--side", "long", "--entry", "3700", "--size", "1"), "--leverage"),
        (("recommend", "--side", "up", "--entry", "3700", "--size", "1", "--leverage", "5"),
         "--side"),
        (("recommend", "--entry", "-5", "--size", "1", "--leverage", "5"), "--entry"),
        (("recommend", "--entry", "3700", "--size", "1", "--leverage", "5",
          "--as-of", "2019-01-01"), "--as-of"),
        (("recommend", "--entry", "3700", "--size", "1", "--leverage", "5",
          "--as-of", "notadate"), "--as-of"),
        (("recommend", "--entry", "3700", "--size", "1", "--leverage", "5",
          "--liquidity", "deep"), "--liquidity"),
        (("backtest", "--policy", "tight"), "--policy"),
        (("backtest", "--side", "up"), "--side"),
        (("backtest", "--entries", "x"), "--entries"),
        (("backtest", "--start", "2024-01-01", "--end", "2023-01-01"), "--end"),
    ],
)  # fmt: skip
def test_bad_options_exit_2(args: tuple[str, ...], needle: str) -> None:
    r = run_cli("stops", *args)
    assert r.exit_code == 2
    assert r.stderr.strip().startswith("error:") and needle in r.stderr
    assert "Traceback" not in r.stderr


def test_subprocess_bad_option() -> None:
    r = run_cli_subprocess("stops", "backtest", "--side", "up", "--json", timeout=300)
    assert r.exit_code == 2 and r.stdout == "" and "error:" in r.stderr
