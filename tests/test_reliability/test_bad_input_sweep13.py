"""Bad analysis input files of sweep 13: the real fault named, not a consequence of it.

A positions file in cents got a leverage-tier message.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clihelpers import run_cli
from test_reliability._helpers import assert_refused

DATA = Path(__file__).resolve().parents[1] / "data"
CONTAGION = DATA / "contagion"


def test_positions_in_cents_get_the_unit_error_not_a_leverage_one(tmp_path: Path) -> None:
    for f in CONTAGION.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    pos = pd.read_csv(tmp_path / "positions_a.csv")
    pos["entry_price"] *= 100  # row 4 (50x, 12 M USD) used to be refused for its leverage
    pos.to_csv(tmp_path / "positions_a.csv", index=False)
    r = run_cli("contagion", "--config", str(tmp_path / "two_venues.toml"))
    line = assert_refused(r, "positions_a.csv: row 1: entry_price", "venues[0]'s mid 2,000")
    assert "unit error" in line and "leverage" not in line
