"""pol build: balances are digits only (no spaces), --reserve-buffer needs --reserves
(review-ops7 finding 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.solvency.pol import read_balances


@pytest.mark.parametrize(
    ("body", "row", "shown"),
    [
        ("alice, 5\nbob,7\n", 1, "' 5'"),
        ("alice,5\nbob,7 \n", 2, "'7 '"),
        ("alice,5\nbob,\t7\n", 2, "'\\t7'"),
    ],
)
def test_balance_with_spaces_is_refused(tmp_path: Path, body: str, row: int, shown: str) -> None:
    f = tmp_path / "u.csv"
    f.write_text("user,balance\n" + body)
    with pytest.raises(InputError, match=f"row {row}: balance has spaces") as e:
        read_balances(f)
    assert shown in str(e.value) and str(f) in str(e.value)
    r = run_cli("pol", "build", str(f), "--out", str(tmp_path / "tree"))
    assert r.exit_code == 2 and f"row {row} (file line {row + 1}): balance has spaces" in r.stderr
    assert not (tmp_path / "tree").exists()


def test_blank_of_spaces_and_crlf(tmp_path: Path) -> None:
    f = tmp_path / "u.csv"
    f.write_text("user,balance\nalice,  \n")
    with pytest.raises(InputError, match="data row 1: balance is blank"):
        read_balances(f)
    g = tmp_path / "crlf.csv"
    g.write_bytes(b"user,balance\r\n bob ,7\r\nalice,5\r\n")  # ids are trimmed, CRLF is fine
    df = read_balances(g)
    assert df["user"].tolist() == ["bob", "alice"] and df["balance"].tolist() == [7, 5]


def test_reserve_buffer_needs_reserves(tmp_path: Path) -> None:
    users = Path(__file__).parents[1] / "data" / "solvency" / "users_example.csv"
    r = run_cli("pol", "build", str(users), "--out", str(tmp_path / "t"), "--reserve-buffer",
                "0.06")  # fmt: skip
    assert r.exit_code == 2 and r.stderr.startswith("error: --reserve-buffer needs --reserves")
    assert not (tmp_path / "t").exists()
    r = run_cli("pol", "build", str(users), "--out", str(tmp_path / "t"), "--reserves",
                "10200000000", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["reserve_buffer"] == 0.06 and out["meets_buffer"] is False
    assert out["total_liabilities"] == 10151573125
