"""A book of hundreds reads in the text: names and probabilities are capped, the JSON full.

Trial 35: an exchange stressed its 276-position export; the shock table's
``liquidated`` cell listed 121 positions (a line thousands of characters wide) and the
Monte Carlo printed a 276-row probability table in file order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from clihelpers import run_cli
from liqcascade._cli.stress import SHOWN_NAMES, SHOWN_PROBABILITIES

N = 30


def _book(tmp_path: Path) -> str:
    # 30 ETH longs at 3,700, 25x (liquidated about 3.6 % below entry: every one by a
    # -10 % shock from 3,698.39) with growing sizes, so their names differ
    rows = [f"p{i:02d},ETHUSDT,long,{1 + i / 100:.2f},3700,25" for i in range(N)]
    f = tmp_path / "book.csv"
    f.write_text("name,symbol,side,size,entry_price,leverage\n" + "\n".join(rows) + "\n")
    return str(f)


def test_a_shock_names_the_first_positions_and_counts_the_rest(tmp_path: Path) -> None:
    f = _book(tmp_path)
    args = ("stress", "--portfolio", f, "--scenario", "shock", "--shocks=-10%")
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    # the cell may wrap on a narrow screen: read the table's words in order
    words = re.sub(r"[│┃\s]+", " ", r.stdout)
    assert f"… and {N - SHOWN_NAMES} more ({N} in all; --json lists them)" in words
    assert "p09" in words and "p10" not in words  # the first ten, in file order
    out = json.loads(run_cli(*args, "--json").stdout)
    assert len(out["scenarios"][0]["liquidated"]) == N


def test_the_monte_carlo_lists_the_highest_probabilities(tmp_path: Path) -> None:
    f = _book(tmp_path)
    args = ("stress", "--portfolio", f, "--paths", "400", "--horizon-days", "1", "--seed", "3")
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    assert "montecarlo (fhs gjr-t, 1 day), 400 paths" in r.stdout  # not "1 days"
    assert f"the {SHOWN_PROBABILITIES} highest of {N} positions; --json lists every one" in r.stdout
    shown = re.findall(r"│ (p\d\d)\s+│\s+([\d.]+) % │", r.stdout)
    assert len(shown) == SHOWN_PROBABILITIES
    probs = json.loads(run_cli(*args, "--json").stdout)["p_liquidation"]
    assert len(probs) == N
    # the rows shown are the 20 highest, highest first (ties broken by file order)
    ranked = sorted(probs, key=lambda k: -probs[k])[:SHOWN_PROBABILITIES]
    assert [n for n, _ in shown] == ranked
    values = [float(v) for _, v in shown]
    assert values == sorted(values, reverse=True)
