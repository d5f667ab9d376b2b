"""The suite never reads the developer's own store (``tests/conftest.py`` isolates it).

A user who has run ``data ingest`` or ``watch`` has ``~/.liqcascade/store.duckdb``; a
default market reads it first. Here such a store holds ETH at $3,000 for two days, the
home folder points at it, and the default market must still be the bundled one
($3,414.49 at 2024-11-25 20:00).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.data._store import default_store_path

MID = "mid 3,414.49"  # the bundled ETH market at 2024-11-25 20:00 UTC


def _home_store(home: Path) -> Path:
    """A default store under ``home`` holding 48 hourly ETH bars at $3,000."""
    csv = home / "ETHUSDT_1h_binance_usdm_perp_2024-11-24_2024-11-25.csv"
    home.mkdir(parents=True)
    rows = [f"2024-11-{24 + h // 24} {h % 24:02d}:00:00+00:00,3000.0,3010.0,2990.0,3000.0,100.0"
            for h in range(48)]  # fmt: skip
    csv.write_text("Date,Open,High,Low,Close,Volume\n" + "\n".join(rows) + "\n")
    store = home / ".liqcascade" / "store.duckdb"
    store.parent.mkdir()
    r = run_cli("data", "ingest", str(csv), "--venue", "binance", "--symbol", "ETHUSDT",
                env={"LIQCASCADE_STORE": str(store)})  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return store


def test_the_suite_points_the_store_at_a_path_that_does_not_exist() -> None:
    path = default_store_path()
    assert path == Path(os.environ["LIQCASCADE_STORE"]) and not path.exists()


def test_a_filled_home_store_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    store = _home_store(home)
    monkeypatch.setenv("HOME", str(home))
    pf = tmp_path / "pf.csv"
    pf.write_text("symbol,side,size,entry_price,leverage\nETHUSDT,long,10,3400,5\n")
    args = ("stress", "--portfolio", str(pf), "--scenario", "replay", "--as-of", "2024-11-25")
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0].endswith(MID)
    # the store is real: pointed at explicitly, it is read (the same command sees $3,000)
    s = run_cli(*args, env={"LIQCASCADE_STORE": str(store)})
    assert s.exit_code == 0, s.stderr
    assert s.stdout.splitlines()[0].endswith(
        "mid 3,000.00; series from the store (store.duckdb): prices"
    )
