"""``liqcascade pol`` text output: no inf ratio, no empty reason."""

from __future__ import annotations

from pathlib import Path

from clihelpers import run_cli


def _rows(text: str) -> dict[str, str]:
    return {ln.split()[0]: " ".join(ln.split()[1:]) for ln in text.splitlines() if ln.strip()}


def test_reserve_ratio_without_liabilities_is_na(tmp_path: Path) -> None:
    users = tmp_path / "users_zero.csv"
    users.write_text("user,balance\nalice,0\nbob,0\n")
    for i, reserves in enumerate(("0", "100")):
        out = str(tmp_path / f"t{i}")
        r = run_cli("pol", "build", str(users), "--out", out, "--reserves", reserves,
                    env={"COLUMNS": "200"})  # fmt: skip
        assert r.exit_code == 0, r.stderr
        rows = _rows(r.stdout)
        assert rows["reserve_ratio"] == "n/a (no liabilities: every balance is 0)"
        assert "inf" not in r.stdout
        j = run_cli("pol", "build", str(users), "--out", out + "j", "--reserves", reserves,
                    "--json").json()  # fmt: skip
        assert j["reserve_ratio"] is None and j["total_liabilities"] == 0


def test_verify_says_what_it_checked(tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("user,balance\nalice,100\nbob,250\n")
    b = run_cli("pol", "build", str(users), "--out", str(tmp_path / "tree"), "--json").json()
    proof = tmp_path / "bob.json"
    run_cli("pol", "prove", "--tree", str(tmp_path / "tree"), "--user", "bob", "--out", str(proof))
    env = {"COLUMNS": "200"}
    v = run_cli("pol", "verify", str(proof), "--root", b["root"], env=env)
    assert v.exit_code == 0, v.stderr
    rows = _rows(v.stdout)
    assert "reason" not in rows
    assert rows["checked"] == (
        "the recomputed root matches --root; the published total was not checked (no --total)"
    )
    v = run_cli("pol", "verify", str(proof), "--root", b["root"], "--total", "350", env=env)
    assert _rows(v.stdout)["checked"] == (
        "the recomputed root matches --root and the recomputed total matches --total"
    )
    v = run_cli("pol", "verify", str(proof), "--root", b["root"], "--total", "1", env=env)
    assert v.exit_code == 3
    assert _rows(v.stdout)["reason"] == "recomputed total differs from the published total"
