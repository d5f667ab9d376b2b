"""Independent plain-Python Merkle sum tree, from the format in docs/solvency.md."""

from __future__ import annotations

import hashlib


def leaf(user: str, salt: bytes, balance: int) -> tuple[bytes, int]:
    u = user.encode()
    data = b"\x00" + len(u).to_bytes(4, "big") + u + salt + balance.to_bytes(16, "big")
    return hashlib.sha256(data).digest(), balance


def parent(a: tuple[bytes, int], b: tuple[bytes, int]) -> tuple[bytes, int]:
    data = b"\x01" + a[0] + a[1].to_bytes(16, "big") + b[0] + b[1].to_bytes(16, "big")
    return hashlib.sha256(data).digest(), a[1] + b[1]


PAD = (hashlib.sha256(b"\x02").digest(), 0)


def root(leaves: list[tuple[bytes, int]]) -> tuple[bytes, int]:
    """Root of leaves given in leaf order; odd levels padded with PAD on the right."""
    level = list(leaves)
    while len(level) > 1:
        if len(level) % 2:
            level.append(PAD)
        level = [parent(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def depth(n: int) -> int:
    d = 0
    while n > 1:
        n = (n + 1) // 2
        d += 1
    return d


def published_root(top: tuple[bytes, int], n_users: int) -> bytes:
    """liqcascade-pol-v2's root record over the top node (docs/solvency.md)."""
    data = (
        b"\x03"
        + b"liqcascade-pol-v2"
        + bytes([16])
        + n_users.to_bytes(8, "big")
        + bytes([depth(n_users)])
        + top[0]
        + top[1].to_bytes(16, "big")
    )
    return hashlib.sha256(data).digest()
