"""Hypothesis: Merkle sum trees of random balances match the reference and verify."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liqcascade.solvency.pol import MAX_SUM, build_tree, verify_proof
from reference.solvency_pol import leaf, published_root, root


@given(
    balances=st.lists(st.integers(0, 2**64), min_size=1, max_size=40),
    seed=st.integers(0, 2**32 - 1),
    which=st.integers(0, 10**6),
    delta=st.integers(1, 2**32),
)
def test_random_trees(balances, seed, which, delta) -> None:
    users = [f"u{i}é" for i in range(len(balances))]  # non-ASCII ids are UTF-8 encoded
    tree = build_tree(users, balances, seed=seed)
    proofs = [tree.prove(u) for u in users]
    leaves = [None] * len(users)
    for p in proofs:
        leaves[p.leaf_index] = leaf(p.user, bytes.fromhex(p.salt), p.balance)
    h, s = root(leaves)  # type: ignore[arg-type]
    assert (published_root((h, s), len(users)).hex(), s) == (tree.root, sum(balances))
    p = proofs[which % len(proofs)].to_dict()
    assert verify_proof(p, tree.root, sum(balances)).valid
    p["balance"] = (p["balance"] + delta) % (MAX_SUM + 1)
    assert not verify_proof(p, tree.root).valid
