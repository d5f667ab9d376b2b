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


def test_backtest_asset_btc() -> None:
    r = run_cli(
        "stops", "backtest", "--asset", "BTC", "--policy", "fixed", "--side", "long",
        "--entries", "random", "--start", "2025-09-20", "--end", "2025-10-12",
        "--n-random", "10", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["asset"] == "BTC" and {row["policy"] for row in d["table"]} == {"fixed"}
    assert [row["n"] for row in d["table"]] == [10]
    text = run_cli(
        "stops", "backtest", "--asset", "BTC", "--policy", "fixed", "--side", "long",
        "--entries", "random", "--start", "2025-09-20", "--end", "2025-10-12", "--n-random", "5",
    )  # fmt: skip
    assert text.exit_code == 0 and "Stop policies on BTC" in text.stdout


def test_backtest_unknown_asset_exit_2() -> None:
    r = run_cli("stops", "backtest", "--asset", "DOGE")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        "error: --asset: no 1h prices for DOGE: not in the store and not bundled "
        "(bundled: ETH, BTC); ingest its bars with `liqcascade data ingest`"
    ]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("recommend", "--side", "long", "--entry", "3700", "--size", "1"), "--leverage"),
        (("recommend", "--side", "up", "--entry", "3700", "--size", "1", "--leverage", "5"),
         "--side"),
        (("recommend", "--side", "long", "--entry", "-5", "--size", "1", "--leverage", "5"),
         "--entry"),
        (("recommend", "--side", "long", "--entry", "3700", "--size", "1", "--leverage", "5",
          "--as-of", "2019-01-01"), "--as-of"),
        (("recommend", "--side", "long", "--entry", "3700", "--size", "1", "--leverage", "5",
          "--as-of", "notadate"), "--as-of"),
        (("recommend", "--side", "long", "--entry", "3700", "--size", "1", "--leverage", "5",
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


_POSITION = ("--side", "long", "--entry", "3700", "--size", "1", "--leverage", "5")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("recommend", *_POSITION, "--horizon-days", "0"),
         "--horizon-days must be an integer in [1, 365] (got 0)"),
        (("recommend", *_POSITION, "--vol-source", "ewma"),
         "--vol-source must be garch or atr (got 'ewma')"),
        (("recommend", "--side", "long", "--entry", "3700", "--size", "1", "--leverage", "200"),
         "--leverage must be in [1, 125] (got 200)"),
        (("recommend", "--side", "up", *_POSITION[2:]),
         "--side must be long or short (buy/sell) (got 'up')"),
        (("recommend", *_POSITION, "--liquidity", "deep"),
         "--liquidity must be calibrated or static (got 'deep')"),
        (("recommend", "--side", "long", "--entry", "-5", "--size", "1", "--leverage", "5"),
         "--entry must be > 0 (got -5)"),
        (("backtest", "--horizon-days", "0"), "--horizon-days must be in [1, 365] (got 0)"),
        (("backtest", "--leverage", "200"), "--leverage must be in [1, 125] (got 200.0)"),
        (("backtest", "--n-random", "-1"), "--n-random must be >= 0 (got -1)"),
        (("backtest", "--seed", "-1"), "--seed must be >= 0 (got -1)"),
        (("backtest", "--start", "2024-01-01", "--end", "2023-01-01"),
         "--end 2023-01-01 must be after --start 2024-01-01"),
        (("backtest", "--start", "2025-01-01", "--end", "2025-01-01T10:00"),
         "--start/--end: fewer than 48 hourly bars in 2025-01-01–2025-01-01"),
        # clia22: "n_random" named the library's parameter, not the flag
        (("backtest", "--n-random", "0"),
         "--n-random is 0: the random entry set would hold no entry (give 1 or more, or "
         "--entries support)"),
        # clia22: "fewer than 48 hourly bars in 2026-01-01–2025-12-31"
        (("backtest", "--start", "2026-01-01"),
         "--start 2026-01-01 is after the default last entry day 2025-12-31 (31 December of "
         "the last whole year of data; ETH's hourly data run 2017-08-17 04:00 → 2026-03-31 "
         "23:00 UTC): give --end"),
        # hourly bars run past the daily ones: the vol policies had no σ there (NaN stop,
        # an internal error; with earlier entries too, the window's median stood in)
        (("backtest", "--start", "2026-01-01", "--end", "2026-01-03"),
         "--end: the vol policies' daily volatility runs to 2025-12-31 (ETH's daily bars end "
         "there); entries from 2026-01-01 00:00 have none: end the window by 2025-12-31, or "
         "run the fixed policy alone"),
        (("backtest", "--start", "2025-12-20", "--end", "2026-01-10", "--policy", "vol"),
         "--end: the vol policies' daily volatility runs to 2025-12-31 (ETH's daily bars end "
         "there); entries from 2026-01-01 00:00 have none: end the window by 2025-12-31, or "
         "run the fixed policy alone"),
        (("backtest", "--start", "2027-01-01"),
         "--start 2027-01-01 is after the end of the data: ETH's hourly data run 2017-08-17 "
         "04:00 → 2026-03-31 23:00 UTC"),
    ],
)  # fmt: skip
def test_library_errors_name_the_flags(args: tuple[str, ...], line: str) -> None:
    # the library raises InputError(param=...); the command line shows the flag typed
    r = run_cli("stops", *args)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [f"error: {line}"]


def test_subprocess_bad_option() -> None:
    r = run_cli_subprocess("stops", "backtest", "--side", "up", "--json", timeout=300)
    assert r.exit_code == 2 and r.stdout == "" and "error:" in r.stderr
