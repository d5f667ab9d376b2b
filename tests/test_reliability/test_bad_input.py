"""Every bad input exits 2 with one line naming the option or file, before any long work
(issue 17, items 6 and 7): seeds, option values, configuration files, output paths,
environment variables."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from clihelpers import run_cli, run_cli_subprocess
from liqcascade._paths import check_output_dir, check_output_file, resolve_config_path
from liqcascade.errors import InputError
from test_reliability._helpers import assert_refused, file_hash

DATA = Path(__file__).resolve().parents[1] / "data"
CONTAGION = DATA / "contagion" / "two_venues.toml"
PORTFOLIO = DATA / "stress" / "portfolio.csv"
GOOD_BARS = DATA / "ingest" / "ETHUSDT_1h_binance_spot.csv.gz"


# -- negative seeds: refused before the work ---------------------------------------------------
SEEDS = {
    "stress": ["stress", "--portfolio", str(PORTFOLIO), "--seed", "-1"],
    "support-study": ["support-study", "--seed", "-1", "--no-sensitivity", "--draws", "0"],
    "stops-backtest": ["stops", "backtest", "--seed", "-1"],
    "liqmap-calibrate": ["liqmap", "calibrate", "--seed", "-1"],
}


@pytest.mark.parametrize("args", list(SEEDS.values()), ids=list(SEEDS))
def test_negative_seed(args: list[str]) -> None:
    t0 = time.process_time()
    assert_refused(run_cli(*args), "--seed must be >= 0 (got -1)")
    assert time.process_time() - t0 < 30  # before the fitting / simulation (minutes)


# -- option values ---------------------------------------------------------------------------------
def _lev_portfolio(tmp: Path) -> Path:
    p = tmp / "lev.csv"
    p.write_text("symbol,side,size,entry_price,leverage\nETHUSDT,long,1,3600,100000\n")
    return p


def _margin_portfolio(tmp: Path) -> Path:
    p = tmp / "margin.csv"
    p.write_text("symbol,side,size,entry_price,margin\nETHUSDT,long,10,3600,0.36\n")
    return p


OPTIONS = {
    "stress-leverage-100000": (
        lambda t: ["stress", "--portfolio", str(_lev_portfolio(t)), "--scenario", "shock"],
        ("lev.csv: data row 1 (file line 2): leverage must be in [1, 125] (got 100000.0)",),
    ),
    "stress-margin-implies-100000x": (
        lambda t: ["stress", "--portfolio", str(_margin_portfolio(t)), "--scenario", "shock"],
        (
            "margin.csv: data row 1 (file line 2): margin 0.36 USD is leverage 100,000x, above the "
            "125x",
        ),
    ),
    "as-of-empty-stress": (
        lambda t: ["stress", "--portfolio", str(PORTFOLIO), "--scenario", "shock", "--as-of", ""],
        ("--as-of is empty",),
    ),
    "as-of-empty-liqmap": (lambda t: ["liqmap", "--as-of", ""], ("--as-of is empty",)),
    "as-of-NaT": (lambda t: ["liqmap", "--as-of", "NaT"], ("--as-of: not a date or time: 'NaT'",)),
    "entry-nan": (
        lambda t: [
            "stops",
            "recommend",
            "--side",
            "long",
            "--entry",
            "nan",
            "--size",
            "1",
            "--leverage",
            "10",
        ],
        ("--entry must be a finite number (got nan)",),
    ),
    "size-inf": (
        lambda t: [
            "stops",
            "recommend",
            "--side",
            "long",
            "--entry",
            "3000",
            "--size",
            "inf",
            "--leverage",
            "10",
        ],
        ("--size must be a finite number (got inf)",),
    ),
    "entry-missing": (
        lambda t: ["stops", "recommend", "--side", "long", "--size", "1", "--leverage", "10"],
        ("missing required option", "--entry"),
    ),
    "liqmap-as-of-after-the-data": (
        lambda t: ["liqmap", "--as-of", "2026-01-15"],
        (
            "--as-of 2026-01-15: the ETH open interest ends 2025-08-01 00:00 UTC",
            "the estimated market needs it",
        ),
    ),
}


@pytest.mark.parametrize("case", list(OPTIONS), ids=list(OPTIONS))
def test_bad_option_values(tmp_path: Path, case: str) -> None:
    make, needles = OPTIONS[case]
    assert_refused(run_cli(*make(tmp_path)), *needles)


def test_liqmap_as_of_on_the_last_day_still_runs() -> None:
    r = run_cli("liqmap", "--as-of", "2025-07-31", "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()  # the last bar of the day: opened 20:00, known at its close
    assert d["bar_open"] == "2025-07-31T20:00:00+00:00"
    assert d["as_of"] == d["bar_close"] == "2025-08-01T00:00:00+00:00"


# -- contagion configuration files -----------------------------------------------------------
def _config(tmp: Path, old: str = "", new: str = "") -> Path:
    text = CONTAGION.read_text()
    assert old in text
    p = tmp / "config.toml"
    p.write_text(text.replace(old, new, 1))
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp / f).write_bytes((CONTAGION.parent / f).read_bytes())
    return p


def _binary(tmp: Path) -> Path:
    p = tmp / "config.toml"
    p.write_bytes(bytes(range(256)) * 8)
    return p


def _escape(tmp: Path) -> Path:
    (tmp / "cfg").mkdir()
    (tmp / "positions_a.csv").write_bytes((CONTAGION.parent / "positions_a.csv").read_bytes())
    p = _config(tmp / "cfg", 'path = "positions_a.csv"', 'path = "../positions_a.csv"')
    return p


def _symlink_out(tmp: Path) -> Path:
    (tmp / "cfg").mkdir()
    outside = tmp / "outside.csv"
    outside.write_bytes((CONTAGION.parent / "positions_a.csv").read_bytes())
    p = _config(tmp / "cfg", 'path = "positions_a.csv"', 'path = "link.csv"')
    (tmp / "cfg" / "link.csv").symlink_to(outside)
    return p


CONFIGS = {
    "binary-toml": (_binary, ("config.toml: not a TOML text file",)),
    "positions-leave-the-folder": (
        _escape,
        ("config.toml: venues[0].positions.path: '../positions_a.csv' leaves the configuration",),
    ),
    "positions-symlink-out": (_symlink_out, ("venues[0].positions.path: 'link.csv' leaves",)),
    "positions-a-folder": (
        lambda t: _config(t, 'path = "positions_a.csv"', f'path = "{t}"'),
        ("venues[0].positions.path:", "is not a regular file"),
    ),
    "positions-a-device": (
        lambda t: _config(t, 'path = "positions_a.csv"', 'path = "/dev/zero"'),
        ("venues[0].positions.path: /dev/zero is not a regular file",),
    ),
    "positions-missing": (
        lambda t: _config(t, 'path = "positions_a.csv"', 'path = "nope.csv"'),
        ("venues[0].positions.path: no such file",),
    ),
}


@pytest.mark.parametrize("case", list(CONFIGS), ids=list(CONFIGS))
def test_bad_contagion_configs(tmp_path: Path, case: str) -> None:
    make, needles = CONFIGS[case]
    assert_refused(run_cli("contagion", "--config", str(make(tmp_path))), *needles)


def test_config_paths_inside_the_folder_or_absolute_are_read(tmp_path: Path) -> None:
    absolute = tmp_path / "elsewhere" / "b.csv"
    absolute.parent.mkdir()
    absolute.write_bytes((CONTAGION.parent / "positions_b.csv").read_bytes())
    (tmp_path / "cfg" / "sub").mkdir(parents=True)
    cfg = _config(tmp_path / "cfg", 'path = "positions_b.csv"', f'path = "{absolute}"')
    text = cfg.read_text().replace('path = "positions_a.csv"', 'path = "sub/../positions_a.csv"')
    cfg.write_text(text)
    r = run_cli("contagion", "--config", str(cfg), "--json")
    assert r.exit_code == 0, r.stderr
    ref = run_cli("contagion", "--config", str(CONTAGION), "--json")
    assert r.json()["venues"] == ref.json()["venues"]


def test_resolve_config_path_rules(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n")
    assert resolve_config_path(tmp_path, "a.csv", "k") == (tmp_path / "a.csv").resolve()
    with pytest.raises(InputError, match=r"^k: empty path"):
        resolve_config_path(tmp_path, " ", "k")
    with pytest.raises(InputError, match="leaves the configuration's folder"):
        resolve_config_path(tmp_path / "sub", "../a.csv", "k")


# -- output paths: checked first ---------------------------------------------------------------
def _a_file(tmp: Path) -> str:
    f = tmp / "taken"
    f.write_text("x")
    return str(f)


def _a_folder(tmp: Path, name: str) -> str:
    (tmp / name).mkdir()
    return str(tmp / name)


def _immutable_dir(tmp: Path) -> str:
    d = tmp / "frozen"
    d.mkdir()
    _chattr("+i", d)
    return str(d / "report")


def _immutable_file(tmp: Path) -> str:
    f = tmp / "eth.csv"
    f.write_text("ts\n")
    _chattr("+i", f)
    return str(f)


def _chattr(flag: str, path: Path) -> None:
    if shutil.which("chattr") is None or os.geteuid() != 0:
        pytest.skip("chattr needs root")
    r = subprocess.run(["chattr", flag, str(path)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"chattr not supported here: {r.stderr.decode().strip()}")


@pytest.fixture
def unfreeze(tmp_path: Path):
    yield
    if shutil.which("chattr") is not None and os.geteuid() == 0:
        for p in tmp_path.rglob("*"):
            subprocess.run(["chattr", "-i", str(p)], capture_output=True)


OUTPUTS = {
    "report-out-is-a-file": (["report"], _a_file, ("--out:", "is a file, not a folder")),
    "report-out-is-root": (["report"], lambda t: "/", ("--out: / is the filesystem root",)),
    "report-out-unwritable": (
        ["report"],
        lambda t: "/proc/liqcascade-report",
        ("--out: /proc/liqcascade-report: cannot write in /proc",),
    ),
    "report-out-immutable": (
        ["report"],
        _immutable_dir,
        ("--out:", "cannot write in", "immutable or protected"),
    ),
    "export-out-is-a-folder": (
        ["data", "export", "--kind", "ohlcv"],
        lambda t: _a_folder(t, "d.csv"),
        ("--out:", "d.csv is a folder, not a file"),
    ),
    "export-out-unwritable": (
        ["data", "export", "--kind", "ohlcv"],
        lambda t: "/proc/eth.csv",
        ("--out: /proc/eth.csv: cannot write in /proc",),
    ),
    "export-out-immutable-file": (
        ["data", "export", "--kind", "ohlcv"],
        _immutable_file,
        ("--out:", "eth.csv: cannot be replaced", "immutable or protected"),
    ),
    "export-out-under-a-file": (
        ["data", "export", "--kind", "ohlcv"],
        lambda t: _a_file(t) + "/eth.csv",
        ("--out:", "taken is a file, not a folder"),
    ),
}


@pytest.mark.parametrize("case", list(OUTPUTS), ids=list(OUTPUTS))
def test_bad_output_paths_refused_first(tmp_path: Path, unfreeze: None, case: str) -> None:
    cmd, make, needles = OUTPUTS[case]
    out = make(tmp_path)
    args = [*cmd, "--out", out]
    store = tmp_path / "store.duckdb"
    if cmd[0] == "data":
        assert run_cli("data", "ingest", str(GOOD_BARS), "--store", str(store)).exit_code == 0
        args += ["--store", str(store)]
    before = file_hash(store)
    t0 = time.process_time()
    assert_refused(run_cli(*args), *needles)
    assert time.process_time() - t0 < 5  # the report's analysis takes 9-26 s: not started
    assert file_hash(store) == before


def test_check_output_dir_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    assert check_output_dir(target) == target
    assert list(tmp_path.iterdir()) == []  # probed, not created
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.html").mkdir()  # an existing name that cannot be replaced
    with pytest.raises(InputError, match=r"report\.html is a folder, not a file"):
        check_output_dir(tmp_path / "out", "--out", files=("report.html",))
    assert check_output_file(tmp_path / "new.csv") == tmp_path / "new.csv"
    assert not (tmp_path / "new.csv").exists()


# -- environment -------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["0", "-5", "ten", "1.5", "10"])
def test_ingest_chunk_variable_refused_before_reading(tmp_path: Path, value: str) -> None:
    store = tmp_path / "store.duckdb"
    assert run_cli("data", "ingest", str(GOOD_BARS), "--store", str(store)).exit_code == 0
    before = file_hash(store)
    r = run_cli(
        "data",
        "ingest",
        str(tmp_path / "not-read.csv"),  # missing: the variable is refused first
        "--store",
        str(store),
        env={"LIQCASCADE_INGEST_CHUNK": value},
    )
    assert_refused(
        r, f"LIQCASCADE_INGEST_CHUNK must be a whole number of rows >= 100 (got '{value}')"
    )
    assert file_hash(store) == before


def test_ingest_chunk_variable_accepted(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    r = run_cli(
        "data", "ingest", str(GOOD_BARS), "--store", str(store), "--json",
        env={"LIQCASCADE_INGEST_CHUNK": "100"},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["rows_added"] == 46


# -- the real entry point: no traceback, one line ----------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["stops", "backtest", "--seed", "-1"],
        ["report", "--out", "/"],
        ["data", "ingest", str(GOOD_BARS), "--interval", "0h"],
    ],
    ids=["seed", "report-root", "interval-0h"],
)
def test_real_entry_point(tmp_path: Path, args: list[str]) -> None:
    env = {"LIQCASCADE_STORE": str(tmp_path / "store.duckdb")}
    r = run_cli_subprocess(*args, env=env, timeout=300)
    assert_refused(r)
    assert r.stdout == ""
    assert not (tmp_path / "store.duckdb").exists()
