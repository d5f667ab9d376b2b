"""Library errors name their parameter (``InputError.param``); each command prints its flag.

The shared checks (``_limits``, ``_paths``, ``_time``), the data readers, the report's
options, contagion's liquidity, solvency's account split and proof of liabilities raise
``InputError`` with the library's parameter name; the command line shows the flag the
user typed, on one line, exit 2 (CONTRIBUTING.md, "Errors name the parameter").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from test_reliability._helpers import assert_refused

HOURLY = "time,open,high,low,close,volume\n" + "".join(
    f"2024-01-01 {h:02d}:00,1,2,0.5,1.5,10\n" for h in range(3)
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# -- the library: messages in its own terms, param set -------------------------------------------
def test_shared_checks_carry_the_parameter(tmp_path: Path, monkeypatch) -> None:
    from liqcascade._limits import check_count, check_seed
    from liqcascade._paths import check_output_dir, check_output_file
    from liqcascade._time import as_of_instant, resolve_as_of

    with pytest.raises(InputError, match=r"^seed must be >= 0 \(got -1\)$") as e:
        check_seed(-1)
    assert e.value.param == "seed"
    with pytest.raises(InputError, match=r"^n_draws must be a whole number") as e:
        check_seed(1.5, "n_draws")  # type: ignore[arg-type]
    assert e.value.param == "n_draws"
    # a flag handed by the command line is only named (no param to map)
    with pytest.raises(InputError, match=r"^--seed must be >= 0") as e:
        check_seed(-1, "--seed")
    assert e.value.param is None

    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "1GB")
    with pytest.raises(InputError, match=r"^n_paths 1000000000 needs about") as e:
        check_count("n_paths", 10**9, 100)
    assert e.value.param == "n_paths"
    with pytest.raises(InputError, match=r"^venues\[0\]\.n 1000000000 needs") as e:
        check_count("venues[0].n", 10**9, 100)  # a configuration key: not a parameter
    assert e.value.param is None

    idx = pd.date_range("2025-07-01", periods=48, freq="1h", tz="UTC")
    with pytest.raises(
        InputError, match=r"^as_of 2030-01-01: the series ends 2025-07-03 00:00"
    ) as e:
        resolve_as_of("2030-01-01", idx)
    assert e.value.param == "as_of" and "--" not in str(e.value)
    assert "no data there" not in str(e.value)
    assert e.value.for_flags({"as_of": "--as-of"}).startswith("--as-of 2030-01-01: the series")
    with pytest.raises(InputError, match=r"^at: not a date or time") as e:
        as_of_instant("garbage", "at")
    assert e.value.param == "at"

    f = _write(tmp_path / "f.txt", "x")
    with pytest.raises(InputError, match=r"^out: .* is a file, not a folder") as e:
        check_output_dir(f)
    assert e.value.param == "out"
    with pytest.raises(InputError, match=r"^out: .* is a folder, not a file") as e:
        check_output_file(tmp_path)
    assert e.value.param == "out"
    with pytest.raises(InputError, match=r"^path is empty") as e:
        check_output_file("", "path")
    assert e.value.param == "path"


def test_data_errors_name_the_file_and_the_parameter(tmp_path: Path) -> None:
    from liqcascade.data import load_series, read_file
    from liqcascade.data._kinds import kind_of
    from liqcascade.data._time import interval_ms

    with pytest.raises(InputError, match=r"^kind must be one of ohlcv") as e:
        kind_of("nope")
    assert e.value.param == "kind"
    for bad in ("4x", "0h"):
        with pytest.raises(InputError, match=r"^interval") as e:
            interval_ms(bad)
        assert e.value.param == "interval"

    hourly = _write(tmp_path / "h.csv", HOURLY)
    with pytest.raises(InputError, match=r"h\.csv: interval 1d: the timestamps are 1h") as e:
        read_file(hourly, interval="1d")
    assert e.value.param == "interval" and e.value.file == str(hourly)
    # the file stays as it is; only the parameter becomes the flag
    shown = e.value.for_flags({"interval": "--interval"})
    assert shown.startswith(f"{hourly}: --interval 1d: the timestamps are 1h apart")
    one = _write(tmp_path / "one.csv", "\n".join(HOURLY.splitlines()[:2]) + "\n")
    with pytest.raises(InputError, match=r"one\.csv: interval must be given \(e\.g\. 1h\)") as e:
        read_file(one)
    assert e.value.param == "interval"

    with pytest.raises(InputError, match=r"^data_file: .*nope\.csv: no such file") as e:
        load_series("ohlcv", data_file=tmp_path / "nope.csv")
    assert e.value.param == "data_file"
    with pytest.raises(InputError, match=r"give its file as data_file$") as e:
        load_series("depth", store=False)
    assert e.value.param == "data_file"


def test_conflicting_files_name_symbol_and_venue(tmp_path: Path) -> None:
    from liqcascade.data import read_file
    from liqcascade.data._validate import check_conflicts

    a = _write(tmp_path / "a.csv", HOURLY)
    b = _write(tmp_path / "b.csv", HOURLY.replace(",1.5,10", ",1.6,10"))
    with pytest.raises(InputError, match=r"b\.csv: conflicts with .*a\.csv at 2024-01-01") as e:
        check_conflicts(read_file(a) + read_file(b))
    assert e.value.params == ("symbol", "venue") and e.value.file == str(b)
    shown = e.value.for_flags({"symbol": "--symbol", "venue": "--venue"})
    assert "give --symbol/--venue to tell them apart" in shown


def test_report_options_carry_the_parameter() -> None:
    from liqcascade.report._build import report_options

    for kw, param in (
        ({"asset": "DOGE", "as_of": None, "sections": None}, "asset"),
        ({"asset": "ETH", "as_of": None, "sections": ["nope"]}, "sections"),
        ({"asset": "ETH", "as_of": "2001-01-01", "sections": None}, "as_of"),
    ):
        with pytest.raises(InputError) as e:
            report_options(**kw)  # type: ignore[arg-type]
        assert e.value.param == param and str(e.value).startswith(f"{param}: ")


def test_contagion_liquidity_and_account_split_carry_the_parameter() -> None:
    from types import SimpleNamespace

    from liqcascade.contagion._liquidity import run_setup
    from liqcascade.solvency._market import split_accounts

    setup = SimpleNamespace(liquidity="deep")  # refused before anything is read
    with pytest.raises(InputError, match=r"^liquidity must be calibrated or static") as e:
        run_setup(setup)
    assert e.value.param == "liquidity"
    book = SimpleNamespace(size=None, entry_price=None)
    with pytest.raises(InputError, match=r"^per_position must be >= 1 \(got 0\)$") as e:
        split_accounts(book, 0)  # type: ignore[arg-type]
    assert e.value.param == "per_position"
    with pytest.raises(InputError, match=r"^sigma must be >= 0") as e:
        split_accounts(book, 2, sigma=-1.0)  # type: ignore[arg-type]
    assert e.value.param == "sigma"


def test_proof_of_liabilities_errors_carry_the_parameter(tmp_path: Path) -> None:
    from liqcascade.solvency import _pol_io
    from liqcascade.solvency.pol import build_tree, load_tree

    tree = build_tree(["alice", "bob"], [10, 5], seed=1)
    with pytest.raises(InputError, match=r"^user: 'carol' is not in the tree$") as e:
        tree.prove("carol")
    assert e.value.param == "user"
    with pytest.raises(InputError, match=r"^directory: .*no manifest\.json") as e:
        load_tree(tmp_path)
    assert e.value.param == "directory"
    with pytest.raises(InputError, match=r"^tree: ") as e:
        load_tree(tmp_path, option="tree")
    assert e.value.param == "tree"
    f = _write(tmp_path / "f.txt", "x")
    with pytest.raises(InputError, match=r"^directory: .*exists and is not a directory") as e:
        tree.save(f)
    assert e.value.param == "directory"
    with pytest.raises(InputError, match=r"^path: .* is a directory$") as e:
        tree.prove("alice").save(tmp_path)
    assert e.value.param == "path"
    with pytest.raises(InputError, match=r"^out: .* is a directory$") as e:
        _pol_io.check_out_file(tmp_path)
    assert e.value.param == "out"


# -- the command line: one line naming the flag, exit 2 ------------------------------------------
def test_data_commands_print_the_flag(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    hourly = _write(tmp_path / "h.csv", HOURLY)
    amb = _write(
        tmp_path / "amb.csv",
        "time,open,high,low,close\n1731528000000,50,60,40,55\n1731542400000,55,56,50,52\n",
    )
    ingest = ("data", "ingest", "--store", str(store))
    assert_refused(run_cli(*ingest, str(hourly), "--kind", "nope"), "error: --kind must be one of")
    assert_refused(
        run_cli(*ingest, str(hourly), "--interval", "4x"),
        "error: --interval: not an interval like 1m, 4h, 1d: '4x'",
    )
    assert_refused(
        run_cli(*ingest, str(hourly), "--kind", "funding"),
        f"error: {hourly}: --kind funding: the file is",
    )
    assert_refused(
        run_cli(*ingest, str(amb)),
        f"error: {amb}: OHLC without volume",
        "give --kind as open_interest or funding",
    )
    assert not store.exists()
    assert_refused(
        run_cli("data", "export", "--kind", "ohlcv", "--out", str(hourly / "x.csv")),
        f"error: --out: {hourly / 'x.csv'}: {hourly} is a file, not a folder",
    )


def test_pol_commands_print_the_flag(tmp_path: Path) -> None:
    users = _write(tmp_path / "u.csv", "user,balance\nalice,10\nbob,5\n")
    tree = tmp_path / "tree"
    assert_refused(
        run_cli("pol", "build", str(users), "--out", str(users)),
        f"error: --out: {users} exists and is not a directory",
    )
    assert run_cli("pol", "build", str(users), "--out", str(tree)).exit_code == 0
    prove = ("pol", "prove", "--tree", str(tree), "--user")
    no_tree = ("pol", "prove", "--tree", str(tmp_path / "no"), "--user", "alice")
    assert_refused(
        run_cli(*no_tree, "--out", str(tmp_path / "p.json")),
        f"error: --tree: {tmp_path / 'no'}: no manifest.json",
    )
    assert_refused(
        run_cli(*prove, "carol", "--out", str(tmp_path / "p.json")),
        "error: --user: 'carol' is not in the tree",
    )
    assert_refused(
        run_cli(*prove, "alice", "--out", str(tmp_path)), f"error: --out: {tmp_path} is a directory"
    )
    assert run_cli(*prove, "alice", "--out", str(tmp_path / "p.json")).exit_code == 0
    assert_refused(
        run_cli("pol", "verify", str(tmp_path / "p.json"), "--root", "xyz"),
        "error: --root: not a 64-character hex SHA-256 digest: 'xyz'",
    )


def test_market_and_solvency_commands_print_the_flag() -> None:
    assert_refused(
        run_cli("liqmap", "--as-of", "2030-01-01"),
        "error: --as-of 2030-01-01: the ETH open interest ends 2025-08-01 00:00 UTC",
        "the estimated market needs it): give an earlier date, or ingest data that reach it "
        "into the store",
    )
    assert_refused(
        run_cli("solvency", "--insurance-fund", "1e6", "--accounts-per-cohort", "0"),
        "error: --accounts-per-cohort must be >= 1 (got 0)",
    )
    assert_refused(
        run_cli("cascade", "backtest", "--start", "2025-03-01", "--end", "2025-01-01"),
        "error: --end 2025-01-01 is before --start 2025-03-01",
    )


def test_load_series_errors_print_the_command_flags(tmp_path: Path) -> None:
    assert_refused(
        run_cli("vol", "--store", str(tmp_path / "none.duckdb")),
        f"error: --store: {tmp_path / 'none.duckdb'}: no such store",
    )
    assert_refused(
        run_cli("support-study", "--data", str(tmp_path / "none.csv")),
        f"error: --data: {tmp_path / 'none.csv'}: no such file",
    )


# lib19: refusals that named their parameter only in the message now carry it as param
def _lib19_cases() -> list[tuple[str, Any, str]]:
    from liqcascade.book import OrderBook
    from liqcascade.cascade import prepare_cascade, simulate_clock
    from liqcascade.data import suspect_liquidation_bars
    from liqcascade.margin import hyperliquid_liq_price
    from liqcascade.positions import EstimationParams, StopModelWeights
    from liqcascade.protect import BacktestSettings, RecommendSettings
    from liqcascade.solvency import ExchangeLedger
    from liqcascade.volatility import FitSettings

    ledger = ExchangeLedger(3000.0)
    nan = float("nan")
    return [
        ("ledger price", lambda: ExchangeLedger(0.0), "price"),
        ("ledger fund", lambda: ExchangeLedger(3000.0, insurance_fund=-1.0), "insurance_fund"),
        ("ledger move", lambda: ledger.move(0.0), "new_price"),
        ("hyperliquid cap", lambda: hyperliquid_liq_price(1, 1.0, 3000.0, 300.0, max_leverage=0.5),
         "max_leverage"),
        ("recommend k", lambda: RecommendSettings(k=0.0), "k"),
        ("recommend liq", lambda: RecommendSettings(max_liq_fraction=2.0), "max_liq_fraction"),
        ("backtest pct", lambda: BacktestSettings(fixed_pct=2.0), "fixed_pct"),
        ("fit min_obs", lambda: FitSettings(min_obs=nan), "min_obs"),  # NaN passed < 10
        ("fit lags", lambda: FitSettings(lags=2.5), "lags"),
        ("stops share", lambda: StopModelWeights(stop_share=0.0), "stop_share"),
        ("estimate split", lambda: EstimationParams(split="x"), "split"),  # type: ignore[arg-type]
        ("prepare book", lambda: prepare_cascade("x", None), "book"),  # type: ignore[arg-type]
        ("clock prepared", lambda: simulate_clock("x", shock=-0.1), "prepared"),  # type: ignore[arg-type]
        ("book levels", lambda: OrderBook.parametric(3000.0, 1e6, 1e6, n_levels=2.5), "n_levels"),
        ("quality quantile",
         lambda: suspect_liquidation_bars(*[pd.DataFrame()] * 3, top_quantile=2.0), "top_quantile"),
    ]  # fmt: skip


@pytest.mark.parametrize("case", range(15))
def test_a_refusal_naming_a_parameter_carries_it(case: int) -> None:
    what, call, param = _lib19_cases()[case]
    with pytest.raises(InputError) as e:
        call()
    assert e.value.param == param, what
    assert str(e.value).startswith(f"{param} must"), what  # named once, as a word
