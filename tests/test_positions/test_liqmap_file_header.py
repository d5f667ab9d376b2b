"""``liqmap --positions``: the header says there is no market date, not ``as of –``."""

from __future__ import annotations

from pathlib import Path

from clihelpers import run_cli

D = Path(__file__).resolve().parents[1] / "data" / "book"


def test_a_positions_file_map_says_it_has_no_market_date() -> None:
    r = run_cli("liqmap", "--positions", str(D / "positions.csv"), "--price", "100")
    assert r.exit_code == 0, r.stderr
    head = next(x for x in r.stdout.splitlines() if x.startswith("liquidation map"))
    assert head.startswith("liquidation map (no market date: a positions file)  price 100.00")
    assert "as of" not in head and "–" not in head
    j = run_cli("liqmap", "--positions", str(D / "positions.csv"), "--price", "100", "--json")
    assert j.exit_code == 0 and j.json()["as_of"] is None
