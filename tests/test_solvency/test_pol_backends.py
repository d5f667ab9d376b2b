"""The compiled (numba + OpenSSL) and hashlib builds give the same tree, bit for bit;
every field of a proof is bound to the root; the column-wise reader's kernels match
their plain-Python twins."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liqcascade.errors import InputError
from liqcascade.solvency import _pol_io
from liqcascade.solvency import _pol_kernels as K
from liqcascade.solvency.pol import (
    MAX_SUM,
    PROOF_FIELDS,
    LiabilitiesTree,
    build_tree,
    build_tree_from,
    read_balances,
    read_users,
    verify_proof,
)
from reference.solvency_pol import leaf, published_root, root

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "solvency" / "users_example.csv"

needs_openssl = pytest.mark.skipif(
    K.openssl_library() is None, reason="no usable libcrypto (or numba disabled) here"
)


def _same_tree(a: LiabilitiesTree, b: LiabilitiesTree) -> None:
    assert a.root == b.root and a.depth == b.depth
    for k in range(a.depth + 1):
        ha, sa = a.level(k)
        hb, sb = b.level(k)
        np.testing.assert_array_equal(ha, hb)  # bytes: bit equality
        np.testing.assert_array_equal(sa, sb)


def _check_against_reference(tree: LiabilitiesTree, users: list[str]) -> None:
    proofs = [tree.prove(u) for u in users]
    leaves: list = [None] * len(users)
    for p in proofs:
        leaves[p.leaf_index] = leaf(p.user, bytes.fromhex(p.salt), p.balance)
    top = root(leaves)
    assert published_root(top, len(users)).hex() == tree.root


@needs_openssl
def test_backends_agree_on_the_shipped_example() -> None:
    table = read_users(EXAMPLE)
    a = build_tree_from(table, seed=11, backend="openssl")
    b = build_tree_from(table, seed=11, backend="hashlib")
    _same_tree(a, b)
    users = table.users.to_pylist()
    for u in users:
        assert a.prove(u) == b.prove(u)
        assert verify_proof(a.prove(u), b.root, b.total_liabilities).valid
    _check_against_reference(a, users)
    assert a.total_liabilities == 10_151_573_125


@needs_openssl
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 1000, 4097])
def test_backends_agree_on_random_inputs(n: int) -> None:
    rng = np.random.default_rng(n)
    alphabet = list("abcXYZ09-_ é€𝄞")
    users = [f"{i}:" + "".join(rng.choice(alphabet, int(rng.integers(0, 40)))) for i in range(n)]
    kind = n % 3
    if kind == 0:
        balances = [int(x) for x in rng.integers(0, 2**63, n)]
    elif kind == 1:
        balances = [int.from_bytes(rng.bytes(14), "big") for _ in range(n)]
    else:
        balances = [0] * n
    a = build_tree(users, balances, seed=n, backend="openssl")
    b = build_tree(users, balances, seed=n, backend="hashlib")
    _same_tree(a, b)
    assert a.total_liabilities == sum(balances)
    for u in users[:: max(1, n // 25)]:
        pa, pb = a.prove(u), b.prove(u)
        assert pa == pb
        assert verify_proof(pa, a.root, sum(balances)).valid
    if n <= 100:
        _check_against_reference(a, users)


@needs_openssl
@given(
    balances=st.lists(st.integers(0, 2**100), min_size=1, max_size=30),
    ids=st.lists(st.text(min_size=1, max_size=12), min_size=30, max_size=30, unique=True),
    seed=st.integers(0, 2**32 - 1),
)
def test_backends_agree_property(balances: list[int], ids: list[str], seed: int) -> None:
    users = [f"{i}|{u}" for i, u in enumerate(ids[: len(balances)])]
    try:
        a = build_tree(users, balances, seed=seed, backend="openssl")
    except InputError:  # ids blank after trimming / unencodable surrogates
        return
    b = build_tree(users, balances, seed=seed, backend="hashlib")
    _same_tree(a, b)


def test_backend_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCASCADE_POL_HASH", "hashlib")
    assert K.resolve_backend() == "hashlib"
    assert K.resolve_backend("hashlib") == "hashlib"
    monkeypatch.setenv("LIQCASCADE_POL_HASH", "md5")
    with pytest.raises(InputError, match="backend"):
        K.resolve_backend()
    monkeypatch.delenv("LIQCASCADE_POL_HASH")
    expect = "openssl" if K.openssl_library() is not None else "hashlib"
    assert K.resolve_backend() == expect == K.resolve_backend("openssl")


# ---------------------------------------------------------------------------- binding
def _trees() -> list[tuple[LiabilitiesTree, list[str]]]:
    out = []
    for n in (1, 2, 3, 5, 1000):
        users = [f"user-{i}" for i in range(n)]
        out.append((build_tree(users, [(i * 7919) % 100_003 for i in range(n)], seed=n), users))
    return out


TREES = _trees()


def _flip_hex(h: str) -> str:
    return ("0" if h[0] != "0" else "1") + h[1:]


def _tampers(field: str, d: dict) -> list[tuple[str, object]]:
    """Ways to change ``field`` keeping its JSON type (so the proof is well-formed)."""
    n = d["n_users"]
    match field:
        case "format":
            return [("v1", "liqcascade-pol-v1"), ("v3", "liqcascade-pol-v3"), ("empty", "")]
        case "hash":
            return [("sha3", "sha3-256"), ("upper", "SHA256")]
        case "sum_bytes":
            return [("8", 8), ("32", 32), ("0", 0)]
        case "user":
            return [
                ("suffix", d["user"] + "x"),
                ("upper", d["user"].upper()),
                ("space", " " + d["user"]),
            ]
        case "balance":
            out = [("+1", d["balance"] + 1), ("+2^64", d["balance"] + 2**64)]
            return out + ([("-1", d["balance"] - 1)] if d["balance"] else [("max", MAX_SUM)])
        case "salt":
            return [("flip", _flip_hex(d["salt"])), ("upper", d["salt"].upper())]
        case "leaf_index":
            return [("^1", d["leaf_index"] ^ 1), ("+n", d["leaf_index"] + n), ("-1", -1)]
        case "path":
            step = {"hash": "ab" * 32, "sum": 0, "side": "right"}
            out = [("append", [*d["path"], step]), ("empty", [])]
            if d["path"]:
                out += [("drop", d["path"][:-1]), ("reverse", d["path"][::-1])]
                for i, s in enumerate(d["path"]):
                    other = "left" if s["side"] == "right" else "right"
                    for name, repl in [
                        ("hash", {**s, "hash": _flip_hex(s["hash"])}),
                        ("sum+1", {**s, "sum": s["sum"] + 1}),
                        ("side", {**s, "side": other}),
                    ]:
                        out.append((f"[{i}].{name}", [*d["path"][:i], repl, *d["path"][i + 1 :]]))
            return out
        case "root":
            return [("flip", _flip_hex(d["root"])), ("upper", d["root"].upper())]
        case "total_liabilities":
            return [("+1", d["total_liabilities"] + 1), ("-1", d["total_liabilities"] - 1)]
        case "n_users":
            # same depth as n (the case the old format let through), other depths
            lo, hi = (1 << max(0, (n - 1).bit_length() - 1)) + 1, 1 << (n - 1).bit_length()
            same_depth = sorted({v for v in (n - 1, n + 1, lo, hi) if lo <= v <= hi and v != n})
            return [(f"={v}", v) for v in [*same_depth, 2 * n + 1, n + 1000] if v >= 1]
    raise AssertionError(field)


@pytest.mark.parametrize("field", PROOF_FIELDS)
def test_tampering_any_field_fails(field: str) -> None:
    checked = 0
    for tree, users in TREES:
        for u in users[:3]:
            d = tree.prove(u).to_dict()
            assert set(d) == set(PROOF_FIELDS)
            assert verify_proof(d, tree.root, tree.total_liabilities).valid
            for name, value in _tampers(field, d):
                if value == d[field]:
                    continue
                c = copy.deepcopy(d)
                c[field] = value
                for total in (tree.total_liabilities, None):
                    r = verify_proof(c, tree.root, total)
                    assert not r.valid, f"{field} {name} still verifies (n={tree.n_users})"
                    assert r.reason
                checked += 1
    assert checked >= 10


def test_n_users_is_bound_even_at_the_same_depth() -> None:
    tree, users = TREES[-1]  # 1000 users: depth 10, like every count in 513..1024
    d = tree.prove(users[0]).to_dict()
    for n in (513, 999, 1001, 1024):
        c = dict(d, n_users=n)
        r = verify_proof(c, tree.root)
        assert not r.valid and "root" in r.reason


def test_a_field_outside_the_format_fails() -> None:
    tree, users = TREES[2]
    d = tree.prove(users[0]).to_dict()
    d["depth"] = tree.depth
    r = verify_proof(d, tree.root)
    assert not r.valid and "depth" in r.reason


# ---------------------------------------------------------------------------- reader kernels
def _texts_strategy() -> st.SearchStrategy[list[str]]:
    digits = st.text(alphabet="0123456789", min_size=1, max_size=45)
    other = st.sampled_from(["", "-5", "1.5", "1e3", "0x10", "+1", "١٢", " 7"])
    return st.lists(st.one_of(digits, digits, digits, other), min_size=1, max_size=20)


@given(texts=_texts_strategy())
def test_parse_balances_kernel_matches_twin(texts: list[str]) -> None:
    import pyarrow as pa

    arr = pa.array(texts, type=pa.large_string())
    data, off = _pol_io.arrow_string_buffers(arr)
    out = np.zeros((len(texts), 16), dtype=np.uint8)
    total = np.zeros(4, dtype=np.int64)
    status, row = K.parse_balances_nb(data, off, out, total)
    status_py, row_py, values = K.parse_balances_py(texts)
    assert (int(status), int(row)) == (status_py, row_py)
    for i, v in enumerate(values):
        assert int.from_bytes(out[i].tobytes(), "big") == v
    if status_py == K.OK:
        assert sum(int(total[k]) << (32 * k) for k in range(4)) == sum(values)


def test_read_users_matches_read_balances_and_limits(tmp_path: Path) -> None:
    f = tmp_path / "u.csv"
    big = 2**127 + 5
    f.write_text(f'user,balance\n" a ",007\nb,{big}\n"c,d",0\n')
    t = read_users(f)
    assert t.users.to_pylist() == ["a", "b", "c,d"] and t.total == 7 + big
    df = read_balances(f)
    assert df["balance"].tolist() == [7, big, 0]
    f.write_text("user,balance\n" + "x" * 1025 + ",1\n")
    with pytest.raises(InputError, match="data row 1: user id is 1025 bytes"):
        read_users(f)
    f.write_text("user,balance\na,1,2\n")
    with pytest.raises(InputError, match="not a readable CSV"):
        read_users(f)
    f.write_bytes(b"user,balance\n\xff\xfe,1\n")
    with pytest.raises(InputError, match=r"u\.csv"):
        read_users(f)
    f.write_text("user,balance\n")
    with pytest.raises(InputError, match="no users"):
        read_users(f)
    f.write_text(f"user,balance\na,{MAX_SUM}\nb,0\nc,1\n")
    with pytest.raises(InputError, match="data row 3: total liabilities overflow"):
        read_users(f)


def test_numpy_and_list_balances_agree() -> None:
    users = ["a", "b", "c"]
    a = build_tree(users, np.array([1, 2, 3], dtype=np.int64), seed=1)
    b = build_tree(users, [1, 2, 3], seed=1)
    assert a.root == b.root
    with pytest.raises(InputError, match=">= 0"):
        build_tree(users, np.array([1, -2, 3]))


@needs_openssl
@pytest.mark.parametrize("threads", ["1", "3"])
def test_threaded_levels_give_the_same_tree(monkeypatch: pytest.MonkeyPatch, threads: str) -> None:
    monkeypatch.setenv("LIQCASCADE_POL_THREADS", threads)
    monkeypatch.setattr(K, "_MIN_SPLIT", 16)  # split even small levels across the threads
    users = [f"t{i}" for i in range(1001)]
    balances = [i * 31 for i in range(1001)]
    a = build_tree(users, balances, seed=5, backend="openssl")
    b = build_tree(users, balances, seed=5, backend="hashlib")
    _same_tree(a, b)


@given(texts=st.lists(st.text(max_size=6), min_size=1, max_size=12))
def test_trim_shortcut_matches_arrow_trim(texts: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(texts, type=pa.large_string())
    except (pa.ArrowException, UnicodeEncodeError):
        return
    expect = pc.utf8_trim_whitespace(arr).to_pylist()
    assert _pol_io._trimmed(arr).to_pylist() == expect
    assert _pol_io._trimmed(pa.array([" a\u00a0", "b"], type=pa.large_string())).to_pylist() == [
        "a",
        "b",
    ]
