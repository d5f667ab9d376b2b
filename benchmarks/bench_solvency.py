"""Proof of liabilities: build over 1,000,000 users, verify one proof; ADL allocation."""

from __future__ import annotations

import numpy as np

from benchmarks._timing import best_of


def run() -> list[dict]:
    from liqcascade.solvency import allocate_adl
    from liqcascade.solvency.pol import build_tree, verify_proof

    rows: list[dict] = []
    n = 1_000_000
    users = [f"user-{i:07d}" for i in range(n)]
    balances = [int(x) for x in np.random.default_rng(0).integers(0, 10**12, n)]
    holder: dict = {}

    def build() -> None:
        holder["tree"] = build_tree(users, balances)

    rows.append(
        {
            "name": "pol build, 1,000,000 users (SHA-256 Merkle sum tree)",
            "seconds": best_of(build, 2),
            "target_seconds": 30.0,
            "repeats": 2,
            "notes": "hashlib in a tight loop; 2M SHA-256 calls (leaves + nodes); "
            "includes random salts and leaf order",
        }
    )
    tree = holder["tree"]
    proof = tree.prove("user-0123456").to_dict()

    def verify() -> None:
        assert verify_proof(proof, tree.root, tree.total_liabilities).valid

    rows.append(
        {
            "name": "pol verify one proof (1M-user tree, 20 steps)",
            "seconds": best_of(verify, 200),
            "target_seconds": 0.005,
            "repeats": 200,
        }
    )
    rows.append(
        {
            "name": "pol prove one user (in memory, 1M-user tree)",
            "seconds": best_of(lambda: tree.prove("user-0999999"), 5),
            "repeats": 5,
            "notes": "first call builds the user index (~0.5 s); the best of 5 is a lookup",
        }
    )

    rng = np.random.default_rng(1)
    m = 100_000
    side = rng.choice([-1, 1], m)
    size = rng.uniform(0.01, 10, m)
    entry = rng.uniform(1500, 2500, m)
    margin = rng.uniform(10, 5000, m)
    for pol in ("binance", "socialized", "optimal"):
        rows.append(
            {
                "name": f"ADL allocate, {pol}, 100,000 positions",
                "seconds": best_of(
                    lambda pol=pol: allocate_adl(
                        pol,
                        side=side,
                        size=size,
                        entry_price=entry,
                        margin=margin,
                        mark_price=1800.0,
                        deficit=5e6,
                        loss_side=1,
                    ),
                    3,
                ),
                "repeats": 3,
                "notes": "optimal: exact greedy fill (> 2,000 winners; the LP's optimum)"
                if pol == "optimal"
                else "",
            }
        )
    k = 4000  # 1,449 winners: the LP path
    rows.append(
        {
            "name": "ADL allocate, optimal via linprog (HiGHS), 1,449 winners",
            "seconds": best_of(
                lambda: allocate_adl(
                    "optimal",
                    side=side[:k],
                    size=size[:k],
                    entry_price=entry[:k],
                    margin=margin[:k],
                    mark_price=1800.0,
                    deficit=1e5,
                    loss_side=1,
                ),
                3,
            ),
            "repeats": 3,
        }
    )
    return rows
