"""Proof-of-liabilities storage: private modes, atomic rebuilds, output paths checked first."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.solvency import _pol_io
from liqcascade.solvency.pol import load_tree, read_proof, verify_proof

SRC = Path(__file__).resolve().parents[2] / "src"


def _users(tmp_path: Path, n: int = 40, name: str = "users.csv", start: int = 0) -> Path:
    f = tmp_path / name
    f.write_text("user,balance\n" + "".join(f"u{i},{i * 1000 + start}\n" for i in range(n)))
    return f


def _build(csv: Path, out: Path, *extra: str) -> dict:
    r = run_cli("-q", "pol", "build", str(csv), "--out", str(out), "--json", *extra)
    assert r.exit_code == 0, r.stderr
    return r.json()


def _listing(d: Path) -> dict[str, float]:
    return {str(p.relative_to(d)): p.stat().st_mtime_ns for p in sorted(d.rglob("*"))}


def _assert_intact(out: Path, built: dict, tmp_path: Path) -> None:
    """The tree at ``out`` is the one ``built`` described, and its proofs verify."""
    tree = load_tree(out)
    assert (tree.root, tree.total_liabilities, tree.n_users) == (
        built["root"],
        built["total_liabilities"],
        built["n_users"],
    )
    proof = tmp_path / "check.json"
    r = run_cli("-q", "pol", "prove", "--tree", str(out), "--user", "u3", "--out", str(proof))
    assert r.exit_code == 0, r.stderr
    v = run_cli("pol", "verify", str(proof), "--root", built["root"], "--json")
    assert v.exit_code == 0 and v.json()["valid"] is True


def _one_line_2(r, *needles: str) -> None:
    assert r.exit_code == 2, r.stderr
    lines = r.stderr.strip().splitlines()  # (a progress bar may leave a blank line)
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    for n in needles:
        assert n in r.stderr, r.stderr


def _stages(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if _pol_io._STAGE_TAG in p.name)


# ---------------------------------------------------------------------------- modes
def test_private_outputs_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "tree"
        _build(_users(tmp_path), out)
        proof = tmp_path / "u1.json"
        r = run_cli("-q", "pol", "prove", "--tree", str(out), "--user", "u1", "--out", str(proof))
        assert r.exit_code == 0, r.stderr
    finally:
        os.umask(old)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(out / "private") == 0o700
    files = list((out / "private").iterdir())
    assert files and all(mode(f) == 0o600 for f in files)
    assert mode(proof) == 0o600  # a proof holds the user's salt
    # the public parts stay readable as the umask allows
    assert mode(out) == 0o755
    assert mode(out / "manifest.json") == 0o644
    assert all(mode(f) == 0o644 for f in (out / "levels").iterdir())


def test_private_modes_hold_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        out = tmp_path / "tree"
        _build(_users(tmp_path), out)
    finally:
        os.umask(old)
    assert stat.S_IMODE((out / "private").stat().st_mode) == 0o700
    for f in (out / "private").iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600


# ---------------------------------------------------------------------------- rebuilds
def test_rebuild_replaces_the_tree_and_leaves_no_stage(tmp_path: Path) -> None:
    out = tmp_path / "tree"
    first = _build(_users(tmp_path), out)
    second = _build(_users(tmp_path, 50, "more.csv"), out, "--force")
    assert second["n_users"] == 50 and second["root"] != first["root"]
    _assert_intact(out, second, tmp_path)
    assert _stages(tmp_path) == []


def test_second_build_into_a_tree_is_refused_without_force(tmp_path: Path) -> None:
    """A second build replaced the published tree (new root, new salts) silently (clia22)."""
    out = tmp_path / "tree"
    first = _build(_users(tmp_path), out)
    before = _listing(out)
    r = run_cli("pol", "build", str(_users(tmp_path, 50, "more.csv")), "--out", str(out))
    _one_line_2(r, f"--out: {out} already holds a proof-of-liabilities tree",
                first["root"][:16], "give another folder, or --force to replace it")  # fmt: skip
    assert r.stdout == ""
    assert _listing(out) == before and _stages(tmp_path) == []
    # --force with a users file that fails: the old tree stays as it was
    bad = tmp_path / "bad.csv"
    bad.write_text("user,balance\na,-1\n")
    r = run_cli("pol", "build", str(bad), "--out", str(out), "--force")
    _one_line_2(r)
    assert _listing(out) == before and _stages(tmp_path) == []
    _assert_intact(out, first, tmp_path)


def test_fault_before_the_rename_keeps_the_previous_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "tree"
    first = _build(_users(tmp_path), out)
    before = _listing(out)

    def boom(stage: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_pol_io, "swap_into_place", boom)
    new = _users(tmp_path, 60, "new.csv")
    r = run_cli("pol", "build", str(new), "--out", str(out), "--force")
    _one_line_2(r, "--out")
    assert _listing(out) == before
    assert _stages(tmp_path) == []
    monkeypatch.undo()
    _assert_intact(out, first, tmp_path)


# kill -9 at a point of a rebuild, in a subprocess: the point is a function that
# sends the process SIGKILL when called (the n-th time)
_KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    from liqcascade.solvency import _pol_io, pol
    point, nth = sys.argv[1], int(sys.argv[2])
    calls = [0]

    def wrap(fn):
        def killer(*a, **k):
            calls[0] += 1
            if calls[0] >= nth:
                os.kill(os.getpid(), signal.SIGKILL)
            return fn(*a, **k)
        return killer

    if point == "level_write":
        np.save = wrap(np.save)
    elif point == "private_write":
        _pol_io.open_private = wrap(_pol_io.open_private)
    elif point == "check":
        pol.LiabilitiesTree._check_written = wrap(pol.LiabilitiesTree._check_written)
    elif point == "rename":
        _pol_io.swap_into_place = wrap(_pol_io.swap_into_place)
    elif point == "cleanup":
        _pol_io.shutil.rmtree = wrap(_pol_io.shutil.rmtree)
    from liqcascade.cli import main
    sys.exit(main(["-q", "pol", "build", sys.argv[3], "--out", sys.argv[4], "--force"]))
    """
)


@pytest.mark.parametrize(
    ("point", "nth"),
    [("level_write", 1), ("level_write", 7), ("private_write", 1), ("check", 1), ("rename", 1)],
)
def test_kill_9_during_a_rebuild_leaves_the_previous_tree(
    tmp_path: Path, point: str, nth: int
) -> None:
    out = tmp_path / "tree"
    first = _build(_users(tmp_path), out)
    before = _listing(out)
    script = tmp_path / "kill.py"
    script.write_text(_KILL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    new = _users(tmp_path, 300, "new.csv")
    p = subprocess.run(
        [sys.executable, str(script), point, str(nth), str(new), str(out)],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert p.returncode == -signal.SIGKILL, p.stderr.decode()[-2000:]
    assert _listing(out) == before  # not one file of the published tree touched
    _assert_intact(out, first, tmp_path)
    assert len(_stages(tmp_path)) == 1  # the killed build's temporary tree, beside
    # the next build removes the dead build's temporary tree and replaces the tree
    second = _build(new, out, "--force")
    assert second["n_users"] == 300
    _assert_intact(out, second, tmp_path)
    assert _stages(tmp_path) == []


def test_kill_9_after_the_swap_leaves_the_new_tree(tmp_path: Path) -> None:
    out = tmp_path / "tree"
    _build(_users(tmp_path), out)
    script = tmp_path / "kill.py"
    script.write_text(_KILL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    new = _users(tmp_path, 300, "new.csv")
    p = subprocess.run(
        [sys.executable, str(script), "cleanup", "1", str(new), str(out)],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert p.returncode == -signal.SIGKILL
    tree = load_tree(out)  # the new tree, complete
    assert tree.n_users == 300
    built = {"root": tree.root, "total_liabilities": tree.total_liabilities, "n_users": 300}
    _assert_intact(out, built, tmp_path)


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("buffer", ["nan", "inf", "-inf", "-0.01", "NaN", "6", "1"])  # 6: C13
def test_bad_reserve_buffer_exits_2_before_writing(tmp_path: Path, buffer: str) -> None:
    csv = _users(tmp_path)
    out = tmp_path / "tree"
    before = sorted(os.listdir(tmp_path))
    r = run_cli("pol", "build", str(csv), "--out", str(out), f"--reserve-buffer={buffer}")
    _one_line_2(r, "--reserve-buffer")
    assert sorted(os.listdir(tmp_path)) == before  # nothing written, not even a stage
    # an existing tree is not touched either
    built = _build(csv, out)
    snap = _listing(out)
    r = run_cli(
        "pol", "build", str(csv), "--out", str(out), f"--reserve-buffer={buffer}", "--force"
    )
    assert r.exit_code == 2 and _listing(out) == snap
    _assert_intact(out, built, tmp_path)


def test_reserves_out_of_range_exit_2(tmp_path: Path) -> None:
    csv = _users(tmp_path)
    for val in ["-1", "9" * 5000, str(2**128)]:
        r = run_cli("pol", "build", str(csv), "--out", str(tmp_path / "t"), "--reserves", val)
        _one_line_2(r)
    assert not (tmp_path / "t").exists()


def _chattr(path: Path, flag: str) -> bool:
    exe = shutil.which("chattr")
    if exe is None:
        return False
    return subprocess.run([exe, flag, str(path)], capture_output=True).returncode == 0


@pytest.fixture
def immutable(tmp_path: Path):
    made: list[Path] = []

    def make(p: Path) -> Path:
        if not _chattr(p, "+i"):
            pytest.skip("chattr +i is not available here")
        made.append(p)
        return p

    yield make
    for p in made:
        _chattr(p, "-i")


def test_build_out_paths_refused_before_any_work(tmp_path: Path, immutable) -> None:
    # a bad CSV as input: the --out error must come first (checked before reading)
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("user,balance\na,-1\n")
    afile = tmp_path / "afile"
    afile.write_text("x")
    notree = tmp_path / "notree"
    notree.mkdir()
    (notree / "keep.txt").write_text("mine")
    cases = [
        (afile, "not a directory"),
        (Path("/"), "--out"),
        (notree, "not a proof-of-liabilities tree"),
        (tmp_path / "missing" / "tree", "does not exist"),
    ]
    for out, needle in cases:
        r = run_cli("pol", "build", str(bad_csv), "--out", str(out))
        _one_line_2(r, "--out", needle)
    assert (notree / "keep.txt").read_text() == "mine" and afile.read_text() == "x"
    # immutable parent, immutable existing tree
    locked = tmp_path / "locked"
    locked.mkdir()
    immutable(locked)
    r = run_cli("pol", "build", str(bad_csv), "--out", str(locked / "tree"))
    _one_line_2(r, "--out")
    good = _users(tmp_path)
    tree = tmp_path / "tree"
    built = _build(good, tree)
    immutable(tree)
    r = run_cli("pol", "build", str(good), "--out", str(tree), "--force")
    _one_line_2(r, "--out")
    assert _stages(tmp_path) == []
    _assert_intact(tree, built, tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permission bits")
def test_build_out_unwritable_parent(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = run_cli("pol", "build", str(_users(tmp_path)), "--out", str(ro / "tree"))
        _one_line_2(r, "--out")
    finally:
        ro.chmod(0o700)


def test_prove_out_paths_refused_before_any_work(tmp_path: Path, immutable) -> None:
    tree = tmp_path / "tree"
    _build(_users(tmp_path), tree)
    missing_tree = str(tmp_path / "no-tree")
    adir = tmp_path / "adir"
    adir.mkdir()
    for out, needle in [
        (Path("/"), "is a directory"),
        (adir, "is a directory"),
        (tmp_path / "missing" / "p.json", "does not exist"),
    ]:
        # a missing --tree too: the --out error comes first
        r = run_cli("pol", "prove", "--tree", missing_tree, "--user", "u1", "--out", str(out))
        _one_line_2(r, "--out", needle)
    locked = tmp_path / "locked.json"
    locked.write_text("{}")
    immutable(locked)
    r = run_cli("pol", "prove", "--tree", str(tree), "--user", "u1", "--out", str(locked))
    _one_line_2(r, "--out")
    lockdir = tmp_path / "lockdir"
    lockdir.mkdir()
    immutable(lockdir)
    r = run_cli("pol", "prove", "--tree", str(tree), "--user", "u1", "--out", str(lockdir / "p"))
    _one_line_2(r, "--out")


def test_five_thousand_digit_balance_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "big.csv"
    f.write_text("user,balance\na,1\nb," + "9" * 5000 + "\n")
    r = run_cli("pol", "build", str(f), "--out", str(tmp_path / "t"))
    _one_line_2(r, "data row 2", "128-bit")
    assert not (tmp_path / "t").exists() and _stages(tmp_path) == []
    # leading zeros are still the number they spell
    f.write_text("user,balance\na," + "0" * 5000 + "7\n")
    assert _build(f, tmp_path / "t")["total_liabilities"] == 7


def test_nested_or_huge_proof_json_exit_2(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    built = _build(_users(tmp_path), tree)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    r = run_cli("pol", "verify", str(deep), "--root", built["root"])
    _one_line_2(r, "deep.json")
    deep.write_text('{"user": ' + "{" * 50_000 + "}" * 50_000 + "}")
    r = run_cli("pol", "verify", str(deep), "--root", built["root"])
    _one_line_2(r, "deep.json")
    bigint = tmp_path / "bigint.json"
    bigint.write_text('{"balance": ' + "9" * 5000 + "}")
    r = run_cli("pol", "verify", str(bigint), "--root", built["root"])
    _one_line_2(r, "bigint.json")
    huge = tmp_path / "huge.json"
    huge.write_text('{"user": "' + "x" * (2 << 20) + '"}')
    r = run_cli("pol", "verify", str(huge), "--root", built["root"])
    _one_line_2(r, "huge.json")
    r = run_cli("pol", "verify", str(deep), "--root", built["root"], "--total", "9" * 5000)
    _one_line_2(r)


def test_unicode_ids_normalised_before_duplicate_checks(tmp_path: Path) -> None:
    f = tmp_path / "u.csv"
    f.write_text("user,balance\nJos\u00e9,1\nbob,2\nJose\u0301,3\n", encoding="utf-8")
    r = run_cli("pol", "build", str(f), "--out", str(tmp_path / "t"))
    _one_line_2(r, "data row 3", "more than once", "data row 1")
    f.write_text("user,balance\nJos\u00e9,1\nbob,2\n", encoding="utf-8")
    built = _build(f, tmp_path / "t")
    # the decomposed spelling finds the same user; the proof carries the NFC id
    proof = tmp_path / "p.json"
    r = run_cli(
        "pol", "prove", "--tree", str(tmp_path / "t"), "--user", "Jose\u0301", "--out", str(proof)
    )
    assert r.exit_code == 0, r.stderr
    d = read_proof(proof)
    assert d["user"] == "Jos\u00e9" and d["balance"] == 1
    assert verify_proof(d, built["root"], built["total_liabilities"]).valid
    assert json.loads(proof.read_text(encoding="utf-8"))["user"] == "Jos\u00e9"


def test_v1_trees_are_refused_and_replaceable(tmp_path: Path) -> None:
    out = tmp_path / "tree"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"format": "liqcascade-pol-v1", "depth": 0}))
    r = run_cli("pol", "prove", "--tree", str(out), "--user", "u1", "--out", str(tmp_path / "p"))
    _one_line_2(r, "liqcascade-pol-v1", "rebuild")
    built = _build(_users(tmp_path), out, "--force")  # an old tree may be replaced
    _assert_intact(out, built, tmp_path)


def test_build_into_an_existing_empty_directory(tmp_path: Path) -> None:
    out = tmp_path / "tree"
    out.mkdir()
    built = _build(_users(tmp_path), out)
    _assert_intact(out, built, tmp_path)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--total", "9" * 5000), "error: --total must be between 0 and 2**128 - 1 (got a "
         "5,000-digit number)"),
        (("--total", str(1 << 128)), "error: --total must be between 0 and 2**128 - 1 (got "
         "340282366920938463463374607431768211456)"),
        (("--total", "-" + "9" * 5000), "error: --total must be >= 0 (got a 5,000-digit "
         "negative number)"),
        (("--total", "12ab"), "error: --total must be a whole number in the smallest unit "
         "(got '12ab')"),
    ],
)  # fmt: skip
def test_pol_verify_total_beyond_any_sum_is_one_line_naming_it(
    tmp_path: Path, args: tuple[str, ...], line: str
) -> None:
    built = _build(_users(tmp_path), tmp_path / "tree")
    r = run_cli("pol", "verify", str(tmp_path / "none.json"), "--root", built["root"], *args)
    assert r.exit_code == 2 and r.stderr == line + "\n", r.stderr


def test_pol_amount_options_read_leading_zeros_and_refuse_huge_reserves(tmp_path: Path) -> None:
    users = _users(tmp_path)
    r = run_cli("pol", "build", str(users), "--out", str(tmp_path / "t"), "--reserves",
                "9" * 5000)  # fmt: skip
    assert r.exit_code == 2 and r.stderr == (
        "error: --reserves must be between 0 and 2**128 - 1 (got a 5,000-digit number)\n"
    )
    assert not (tmp_path / "t").exists()
    built = _build(users, tmp_path / "t")
    proof = tmp_path / "p.json"
    r = run_cli("pol", "prove", "--tree", str(tmp_path / "t"), "--user", "u3", "--out", str(proof))
    assert r.exit_code == 0, r.stderr
    total = "0" * 5000 + str(built["total_liabilities"])  # the number it spells
    r = run_cli("pol", "verify", str(proof), "--root", built["root"], "--total", total, "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["valid"] is True
