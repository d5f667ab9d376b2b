"""Resource limits checked before work starts (issue 17, item 3).

Sizes and counts that imply more memory than the machine has are refused with exit 2,
one line naming the option and the estimate, before anything is allocated; compressed
input that expands past the ratio limit is refused naming the file.
"""

from __future__ import annotations

import gzip
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade import _limits
from liqcascade.errors import InputError
from test_reliability._helpers import MEMORY_ENV, assert_refused, file_hash

DATA = Path(__file__).resolve().parents[1] / "data"
CONTAGION = DATA / "contagion" / "two_venues.toml"
PORTFOLIO = DATA / "stress" / "portfolio.csv"
HEADER = b"ts,open,high,low,close,volume\n"
LINE = b"2024-01-01 00:00:00,1,2,0.5,1.5,10\n"


def _contagion_config(tmp_path: Path, n_levels: int) -> Path:
    text = CONTAGION.read_text().replace("n_levels = 1000", f"n_levels = {n_levels}", 1)
    p = tmp_path / "config.toml"
    p.write_text(text)
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp_path / f).write_bytes((CONTAGION.parent / f).read_bytes())
    return p


def _gzip_bomb(path: Path, expanded: int) -> Path:
    """A gzip of a valid-looking CSV expanding to ``expanded`` bytes, written streaming."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = LINE * 30_000
    with open(path, "wb") as f:
        f.write(c.compress(HEADER))
        for _ in range(expanded // len(block)):
            f.write(c.compress(block))
        f.write(c.flush())
    return path


def _zip_bomb(path: Path, expanded: int) -> Path:
    block = LINE * 30_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("bars.csv", "w", force_zip64=True) as m:
            m.write(HEADER)
            for _ in range(expanded // len(block)):
                m.write(block)
    return path


# -- the command line: one parametrised family ---------------------------------------------
def _case_contagion(tmp_path: Path) -> tuple[list[str], tuple[str, ...]]:
    cfg = _contagion_config(tmp_path, 2_000_000_000)
    return (
        ["contagion", "--config", str(cfg)],
        ("config.toml: venues[0].book.n_levels 2000000000 needs about", "GB of memory"),
    )


def _case_stress(tmp_path: Path) -> tuple[list[str], tuple[str, ...]]:
    return (
        ["stress", "--portfolio", str(PORTFOLIO), "--paths", "100000000"],
        ("--paths 100000000 needs about", "16 GB available", "at most about"),
    )


def _case_solvency(tmp_path: Path) -> tuple[list[str], tuple[str, ...]]:
    return (
        ["solvency", "--insurance-fund", "2e6", "--accounts-per-cohort", "10000000"],
        ("--accounts-per-cohort 10000000 needs about", "B of memory"),
    )


def _case_gzip(tmp_path: Path) -> tuple[list[str], tuple[str, ...]]:
    bomb = _gzip_bomb(tmp_path / "bomb.csv.gz", 160 * 2**20)
    store = tmp_path / "store.duckdb"
    return (
        ["data", "ingest", str(bomb), "--store", str(store)],
        (f"{bomb}: gzip data expands past 64 MB", "decompression bomb"),
    )


def _case_zip(tmp_path: Path) -> tuple[list[str], tuple[str, ...]]:
    bomb = _zip_bomb(tmp_path / "bomb.zip", 160 * 2**20)
    store = tmp_path / "store.duckdb"
    return (
        ["data", "ingest", str(bomb), "--store", str(store)],
        (f"{bomb}: zip data expands past 64 MB", "decompression bomb"),
    )


def _case_plain_file_too_big(tmp_path: Path) -> tuple[list[str], tuple[str, ...]]:
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:  # a sparse 3 GB file: nothing is written or read
        f.write(HEADER)
        f.truncate(3 * 2**30)
    store = tmp_path / "store.duckdb"
    return (
        ["data", "ingest", str(big), "--store", str(store)],
        (f"{big} (3.0 GB of data) needs about", "16 GB available; split the file"),
    )


CASES = {
    "contagion-n_levels": _case_contagion,
    "stress-paths": _case_stress,
    "solvency-accounts": _case_solvency,
    "gzip-bomb": _case_gzip,
    "zip-bomb": _case_zip,
    "plain-file-beyond-memory": _case_plain_file_too_big,
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_memory_refusals(tmp_path: Path, case: str) -> None:
    args, needles = CASES[case](tmp_path)
    store = tmp_path / "store.duckdb"
    r = run_cli(*args, env=MEMORY_ENV)
    assert_refused(r, *needles)
    assert file_hash(store) is None  # nothing was stored, not even an empty store


def test_gzip_bomb_leaves_an_existing_store_unchanged(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    good = tmp_path / "good.csv"
    good.write_bytes(HEADER + b"".join(LINE.replace(b"00:00", f"{h:02d}:00".encode(), 1)
                                       for h in range(10)))  # fmt: skip
    # toy prices (1-2 USD): a market with no bundled series, not ETH's
    assert (
        run_cli(
            "data", "ingest", str(good), "--symbol", "TESTUSDT", "--store", str(store)
        ).exit_code
        == 0
    )
    before = file_hash(store)
    bomb = _gzip_bomb(tmp_path / "bomb.csv.gz", 100 * 2**20)
    assert_refused(run_cli("data", "ingest", str(bomb), "--store", str(store)), "bomb")
    assert file_hash(store) == before


def test_small_repetitive_gzip_within_the_floor_is_read(tmp_path: Path) -> None:
    """A file compressing past 100x but expanding below 64 MB is not a bomb."""
    rows = b"".join(
        f"2024-01-{1 + i // 24:02d} {i % 24:02d}:00:00,1,2,0.5,1.5,10\n".encode()
        for i in range(24 * 28)
    )
    f = tmp_path / "rep.csv.gz"
    f.write_bytes(gzip.compress(HEADER + rows, 9))
    store = tmp_path / "store.duckdb"
    r = run_cli("data", "ingest", str(f), "--symbol", "TESTUSDT", "--store", str(store), "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["rows_added"] == 24 * 28


# -- the library: refused before any allocation ----------------------------------------------
def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as e:
            fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert "needs about" in str(e.value)


def test_library_refusals_allocate_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from liqcascade.book import OrderBook
    from liqcascade.positions import PositionBook
    from liqcascade.solvency._market import split_accounts

    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "16GB")
    assert _peak_bytes(lambda: OrderBook.parametric(2000.0, 5e6, n_levels=2_000_000_000)) < 2**20
    assert _peak_bytes(lambda: OrderBook.parametric(2000.0, 5e6, tick=1e-9)) < 2**20
    n = 1000
    book = PositionBook(
        np.ones(n, dtype=np.int8), np.ones(n), np.full(n, 2000.0), np.full(n, 100.0),
        np.full(n, 1900.0), np.full(n, 1899.0),
    )  # fmt: skip
    assert _peak_bytes(lambda: split_accounts(book, 10_000_000)) < 2**20


def test_contagion_config_refused_at_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    from liqcascade.contagion._config import parse_config
    from liqcascade.contagion._config import tomllib as toml

    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "16GB")
    data = toml.loads(CONTAGION.read_text().replace("n_levels = 1000", "n_levels = 2000000000"))
    with pytest.raises(InputError, match=r"^cfg: venues\[0\]\.book\.n_levels 2000000000 needs"):
        parse_config(data, "cfg")


def test_run_paths_refuses_before_simulating(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from liqcascade.stress._runner import run_paths

    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "1GB")
    spec = SimpleNamespace(model=SimpleNamespace(assets=("ETH",)))  # never simulated
    # the library names its parameters; the command line shows them as flags
    with pytest.raises(
        InputError, match=r"^n_paths 100000000 needs about .* 1\.0 GB available"
    ) as e:
        run_paths(spec, 100_000_000, 0)  # type: ignore[arg-type]
    assert e.value.param == "n_paths"
    with pytest.raises(InputError, match=r"^seed must be >= 0 \(got -3\)") as e:
        run_paths(spec, 10, -3)  # type: ignore[arg-type]
    assert e.value.param == "seed"


# -- the estimates themselves -------------------------------------------------------------------
def test_within_memory_passes_and_message_quotes_what_fits(monkeypatch) -> None:
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "1GB")
    _limits.check_count("--paths", 1000, 100)  # 150 kB: fine
    with pytest.raises(InputError) as e:
        _limits.check_count("--paths", 10_000_000, 100)
    # 10^7 x 100 B x 1.5 = 1.4 GB > 1 GB; 2^30 / 1.5 / 100 = 7,158,278 -> 7,100,000
    assert str(e.value) == (
        "--paths 10000000 needs about 1.4 GB of memory (estimate x1.5 safety margin); "
        "this machine has 1.0 GB available: at most about 7,100,000 fit"
    )


@pytest.mark.parametrize("bad", ["lots", "-5", "0", "8XB"])
def test_memory_limit_variable_is_checked(monkeypatch, bad: str) -> None:
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", bad)
    with pytest.raises(InputError, match="LIQCASCADE_MEMORY_LIMIT must be a size"):
        _limits.available_memory()


def test_available_memory_reads_the_machine(monkeypatch) -> None:
    monkeypatch.delenv("LIQCASCADE_MEMORY_LIMIT", raising=False)
    avail = _limits.available_memory()
    assert avail is not None and 2**26 < avail < 2**50
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "512MB")
    assert _limits.available_memory() == min(avail, 512 * 2**20)


def test_psutil_quirks_read_as_unknown_but_a_bug_raises(monkeypatch) -> None:
    psutil = pytest.importorskip("psutil")

    def quirk() -> object:
        raise OSError("no /proc/meminfo")

    monkeypatch.setattr(psutil, "virtual_memory", quirk)
    assert _limits._psutil_available() is None

    def bug() -> object:
        raise TypeError("a bug")

    monkeypatch.setattr(psutil, "virtual_memory", bug)
    with pytest.raises(TypeError, match="a bug"):
        _limits._psutil_available()


@pytest.mark.parametrize(
    ("n", "text"), [(512, "512 B"), (1536, "1.5 KB"), (3 * 2**30, "3.0 GB"), (74 * 2**30, "74 GB")]
)
def test_format_bytes(n: int, text: str) -> None:
    assert _limits.format_bytes(n) == text


def test_stress_path_bytes_grows_with_assets_and_positions() -> None:
    assert _limits.stress_path_bytes(1) == 8 * 19
    assert _limits.stress_path_bytes(2, 3) == 8 * 29 + 6
