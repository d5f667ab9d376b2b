"""Option help that says ETH where the option applies to any asset (session 26).

``stops recommend --size`` said "base units (ETH)" beside ``--asset BTC``, its examples
priced an ETH position without naming the asset, and ``liqmap calibrate``'s help never
said that without ``--asset`` it fits ETH's book.
"""

from __future__ import annotations

import re
from pathlib import Path

from clihelpers import run_cli

CLI = Path(__file__).resolve().parents[1] / "src" / "liqcascade" / "_cli"


def _help(*cmd: str) -> str:
    r = run_cli(*cmd, "--help")
    assert r.exit_code == 0, r.stderr
    return " ".join(r.stdout.replace("│", " ").split())


def test_no_option_help_says_eth_in_parentheses() -> None:
    hits = [
        f"{p.name}:{i}"
        for p in sorted(CLI.glob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"help=.*\(ETH\)", line)
    ]
    assert not hits, hits


def test_stops_recommend_names_the_asset() -> None:
    text = _help("stops", "recommend")
    assert "base units of --asset" in text and "(ETH)" not in text
    assert "recommend --asset ETH --side long --entry 3700" in text
    assert "recommend --asset BTC --side long --entry 115000" in text


def test_liqmap_calibrate_says_its_default_asset() -> None:
    text = _help("liqmap", "calibrate")
    assert "Without --asset: ETH's bundled cohort book" in text
