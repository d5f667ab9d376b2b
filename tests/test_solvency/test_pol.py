from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path

import pytest

from liqcascade.errors import InputError
from liqcascade.solvency.pol import (
    MAX_SUM,
    PADDING_HASH,
    build_tree,
    leaf_hash,
    load_tree,
    node_hash,
    read_balances,
    reserve_ratio,
    root_hash,
    verify_proof,
)
from reference.solvency_pol import leaf, published_root, root

SIZES = [1, 2, 3, 1000]
_OTHER = {"left": "right", "right": "left"}


def _tree(n: int, seed: int = 7):
    users = [f"user-{i}" for i in range(n)]
    balances = [(i * 7919) % 100_003 for i in range(n)]
    return users, balances, build_tree(users, balances, seed=seed)


@pytest.mark.parametrize("n", SIZES)
def test_root_matches_independent_reference(n: int) -> None:
    users, balances, tree = _tree(n)
    proofs = [tree.prove(u) for u in users]
    leaves = [None] * n
    for p in proofs:
        leaves[p.leaf_index] = leaf(p.user, bytes.fromhex(p.salt), p.balance)
    h, s = root(leaves)  # type: ignore[arg-type]
    assert h == tree.top_hash
    assert published_root((h, s), n).hex() == tree.root
    assert s == tree.total_liabilities == sum(balances)
    assert tree.n_users == n


def test_golden_two_user_root_by_hand() -> None:
    tree = build_tree(["a", "b"], [5, 7], seed=1)
    pa, pb = tree.prove("a"), tree.prove("b")
    la = hashlib.sha256(
        b"\x00" + (1).to_bytes(4, "big") + b"a" + bytes.fromhex(pa.salt) + (5).to_bytes(16, "big")
    ).digest()
    lb = hashlib.sha256(
        b"\x00" + (1).to_bytes(4, "big") + b"b" + bytes.fromhex(pb.salt) + (7).to_bytes(16, "big")
    ).digest()
    assert la == leaf_hash("a", bytes.fromhex(pa.salt), 5)
    left, right = ((la, 5), (lb, 7)) if pa.leaf_index == 0 else ((lb, 7), (la, 5))
    expect = hashlib.sha256(
        b"\x01" + left[0] + left[1].to_bytes(16, "big") + right[0] + right[1].to_bytes(16, "big")
    ).digest()
    assert tree.top_hash == expect
    assert node_hash(left[0], left[1], right[0], right[1]) == expect
    record = hashlib.sha256(
        b"\x03liqcascade-pol-v2\x10"
        + (2).to_bytes(8, "big")
        + b"\x01"
        + expect
        + (12).to_bytes(16, "big")
    ).digest()
    assert tree.root == record.hex() == root_hash(expect, 12, 2).hex()
    assert tree.total_liabilities == 12


def test_three_users_padding_node() -> None:
    users, _, tree = _tree(3)
    # the user at leaf 2 has the padding node as its first sibling
    p = next(tree.prove(u) for u in users if tree.prove(u).leaf_index == 2)
    assert p.path[0] == {"hash": PADDING_HASH.hex(), "sum": 0, "side": "right"}
    assert PADDING_HASH == hashlib.sha256(b"\x02").digest()


@pytest.mark.parametrize("n", SIZES)
def test_every_proof_verifies(n: int) -> None:
    users, balances, tree = _tree(n)
    for u, b in list(zip(users, balances, strict=True))[:50]:
        p = tree.prove(u)
        assert p.balance == b
        r = verify_proof(p, tree.root, tree.total_liabilities)
        assert r.valid, r.reason
        assert (r.user, r.balance, r.total_liabilities) == (u, b, sum(balances))


def _mutations(d: dict) -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []

    def mut(name: str, fn) -> None:
        c = copy.deepcopy(d)
        fn(c)
        out.append((name, c))

    mut("balance+1", lambda c: c.update(balance=c["balance"] + 1))
    if d["balance"] > 0:
        mut("balance-1", lambda c: c.update(balance=c["balance"] - 1))
    mut("user", lambda c: c.update(user=c["user"] + "x"))
    mut("salt", lambda c: c.update(salt=("0" if c["salt"][0] != "0" else "1") + c["salt"][1:]))
    mut("leaf_index", lambda c: c.update(leaf_index=c["leaf_index"] ^ 1))
    mut("leaf_index+n", lambda c: c.update(leaf_index=c["leaf_index"] + c["n_users"]))
    mut("root", lambda c: c.update(root=("0" if c["root"][0] != "0" else "1") + c["root"][1:]))
    mut("total+1", lambda c: c.update(total_liabilities=c["total_liabilities"] + 1))
    mut("n_users*2+1", lambda c: c.update(n_users=c["n_users"] * 2 + 1))
    mut("add step", lambda c: c["path"].append({"hash": "ab" * 32, "sum": 0, "side": "right"}))
    for i in range(len(d["path"])):
        flip = "0" if d["path"][i]["hash"][0] != "0" else "1"
        mut(
            f"path[{i}].hash",
            lambda c, i=i, f=flip: c["path"][i].update(hash=f + c["path"][i]["hash"][1:]),
        )
        mut(f"path[{i}].sum+1", lambda c, i=i: c["path"][i].update(sum=c["path"][i]["sum"] + 1))
        if d["path"][i]["sum"] > 0:
            mut(f"path[{i}].sum-1", lambda c, i=i: c["path"][i].update(sum=c["path"][i]["sum"] - 1))
        mut(
            f"path[{i}].side", lambda c, i=i: c["path"][i].update(side=_OTHER[c["path"][i]["side"]])
        )
        mut(f"drop path[{i}]", lambda c, i=i: c["path"].pop(i))
    if len(d["path"]) >= 2:
        mut("swap steps", lambda c: c["path"].reverse())
    return out


@pytest.mark.parametrize("n", SIZES)
def test_changing_any_field_fails(n: int) -> None:
    users, _, tree = _tree(n)
    for u in users[:3]:
        d = tree.prove(u).to_dict()
        assert verify_proof(d, tree.root, tree.total_liabilities).valid
        muts = _mutations(d)
        assert len(muts) >= 9
        for name, c in muts:
            r = verify_proof(c, tree.root, tree.total_liabilities)
            assert not r.valid, f"{name} still verifies (n={n})"
            assert r.reason


@pytest.mark.parametrize("n", SIZES)
def test_wrong_published_root_or_total_fails(n: int) -> None:
    _, _, tree = _tree(n)
    p = tree.prove("user-0")
    other = build_tree(["user-0"], [p.balance], seed=99)
    assert not verify_proof(p, other.root).valid
    assert not verify_proof(p, tree.root, tree.total_liabilities + 1).valid
    assert verify_proof(p, tree.root.upper()).valid  # hex case does not matter


def test_overflowing_sibling_sum_fails() -> None:
    _, _, tree = _tree(2)
    d = tree.prove("user-1").to_dict()
    d["path"][0]["sum"] = MAX_SUM
    assert "overflow" in verify_proof(d, tree.root).reason
    d["path"][0]["sum"] = MAX_SUM + 1
    assert not verify_proof(d, tree.root).valid
    d["path"][0]["sum"] = -1
    assert not verify_proof(d, tree.root).valid


def test_malformed_proofs_raise() -> None:
    _, _, tree = _tree(3)
    d = tree.prove("user-0").to_dict()
    for key in ("user", "balance", "path", "salt"):
        c = copy.deepcopy(d)
        del c[key]
        with pytest.raises(InputError, match=key):
            verify_proof(c, tree.root)
    c = copy.deepcopy(d)
    c["balance"] = 1.5
    with pytest.raises(InputError, match="balance must be an integer"):
        verify_proof(c, tree.root)
    c = copy.deepcopy(d)
    c["balance"] = True  # a bool is an int to Python, not a balance
    with pytest.raises(InputError, match="balance must be an integer"):
        verify_proof(c, tree.root)
    with pytest.raises(InputError, match=r"^root: not a 64-character hex") as e:
        verify_proof(d, "xyz")
    assert e.value.param == "root"


def test_build_refuses_bad_balances() -> None:
    with pytest.raises(InputError, match=">= 0"):
        build_tree(["a"], [-1])
    with pytest.raises(InputError, match="integer"):
        build_tree(["a"], [1.5])  # type: ignore[list-item]
    with pytest.raises(InputError, match="row 2: user 'a' appears more than once"):
        build_tree(["a", "a"], [1, 2])
    with pytest.raises(InputError, match="overflow"):
        build_tree(["a", "b"], [MAX_SUM, 1])
    t = build_tree(["a", "b"], [MAX_SUM - 1, 1], seed=0)
    assert t.total_liabilities == MAX_SUM


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("alice,-5\n", r"data row 1: balance must be >= 0"),
        ("alice,1.5\n", r"data row 1: .*non-negative integer.*'1.5'"),
        ("alice,1e3\n", r"data row 1: .*'1e3'"),
        ("alice,10\nbob,\n", r"data row 2: balance is blank"),
        ("alice,10\n,3\n", r"data row 2: user is blank"),
        ("alice,10\nalice,3\n", r"data row 2: user 'alice' appears more than once"),
        ("a,340282366920938463463374607431768211455\nb,1\n", r"data row 2: .*overflow"),
        ("alice,0x10\n", r"data row 1"),
    ],
)
def test_read_balances_refuses(tmp_path: Path, body: str, match: str) -> None:
    f = tmp_path / "u.csv"
    f.write_text("user,balance\n" + body)
    with pytest.raises(InputError, match=match):
        read_balances(f)


def test_read_balances_big_integers_exact(tmp_path: Path) -> None:
    f = tmp_path / "u.csv"
    big = 2**100 + 3
    f.write_text(f"user,balance\na,{big}\nb,0\n")
    df = read_balances(f)
    assert df["balance"].tolist() == [big, 0]
    with pytest.raises(InputError, match="header"):
        (tmp_path / "h.csv").write_text("id,amount\na,1\n")
        read_balances(tmp_path / "h.csv")


def test_save_load_roundtrip(tmp_path: Path) -> None:
    users, _, tree = _tree(1000)
    tree.save(tmp_path / "t")
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    assert manifest["root"] == tree.root and manifest["n_users"] == 1000
    assert manifest["total_liabilities"] == tree.total_liabilities
    t2 = load_tree(tmp_path / "t")
    for u in users[::97]:
        assert t2.prove(u) == tree.prove(u)
    with pytest.raises(InputError, match="not in the tree"):
        t2.prove("nobody")


def test_salts_are_random_and_private() -> None:
    a = build_tree(["x", "y"], [1, 2])
    b = build_tree(["x", "y"], [1, 2])
    assert a.root != b.root  # fresh secret salts
    assert a.prove("x").salt != b.prove("x").salt
    assert len(bytes.fromhex(a.prove("x").salt)) == 32
    # a proof reveals one user's balance and sibling subtotals only
    d = build_tree(["x", "y", "z", "w"], [1, 2, 3, 4], seed=3).prove("x").to_dict()
    assert "y" not in json.dumps(d["path"])


def test_reserve_ratio_without_liabilities() -> None:
    """Positive reserves over no liabilities are unbounded; 0/0 is undefined (NaN)."""
    assert reserve_ratio(5, 0, 0.06).ratio == math.inf
    none = reserve_ratio(0, 0, 0.06)
    assert math.isnan(none.ratio)
    assert none.required == 0 and none.surplus == 0 and none.meets_buffer


def test_report_pol_demo_without_liabilities_writes_null() -> None:
    import pandas as pd

    from liqcascade._json import to_jsonable
    from liqcascade.report._solvency_section import _pol_demo

    pol = _pol_demo(pd.DataFrame({"margin": [0.0, 0.0, 0.0]}))
    assert pol["pol_total_liabilities_cents"] == 0
    assert math.isnan(pol["pol_reserve_ratio_at_6pct"])
    assert to_jsonable(pol)["pol_reserve_ratio_at_6pct"] is None


def test_reserve_ratio() -> None:
    r = reserve_ratio(1_120, 1_000, 0.10)
    assert r.ratio == pytest.approx(1.12)
    assert r.required == pytest.approx(1_100)
    assert r.surplus == pytest.approx(20)
    assert r.meets_buffer
    assert not reserve_ratio(1_050, 1_000, 0.06).meets_buffer
    with pytest.raises(InputError, match=r"reserves must be a finite number >= 0 \(got -1\)"):
        reserve_ratio(-1, 1)
