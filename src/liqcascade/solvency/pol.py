"""Proof of liabilities: a Merkle sum tree over user balances (format ``liqcascade-pol-v1``).

An exchange publishes one root hash and the total of its users' balances; each user
receives an inclusion proof showing that their balance is counted in that total. The
proof reveals only the user's own balance and salt and, for each level, the hash and
the sum of the sibling node (a subtotal that says nothing about any single other user).

Format (all integers unsigned, big-endian; ``‖`` is concatenation; ``H`` = SHA-256):

- sum width: :data:`SUM_BYTES` = 16 bytes (128-bit); every balance, every node sum and
  the total must be ``< 2**128``. A total that would overflow is refused at build and a
  proof whose sums overflow fails verification (overflow is how fake liabilities were
  hidden in public implementations).
- leaf: ``H(0x00 ‖ len(user) as 4 bytes ‖ user as UTF-8 ‖ salt (32 bytes) ‖ balance (16 bytes))``,
  sum = balance.
- node: ``H(0x01 ‖ h_left ‖ s_left (16 bytes) ‖ h_right ‖ s_right (16 bytes))``,
  sum = ``s_left + s_right``.
- padding: a level with an odd number of nodes gets one padding node on the right,
  hash ``H(0x02)`` and sum 0. It adds nothing to the total.
- leaves are placed in a random order (so a leaf's position says nothing about the
  user); the root is the single node at the top level (for one user, the leaf itself).

See ``docs/solvency.md`` for the proof file and a step-by-step verification recipe.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade.errors import InputError

__all__ = [
    "FORMAT",
    "MAX_SUM",
    "PADDING_HASH",
    "SUM_BYTES",
    "InclusionProof",
    "LiabilitiesTree",
    "ReserveRatio",
    "VerificationResult",
    "build_tree",
    "leaf_hash",
    "load_tree",
    "node_hash",
    "read_balances",
    "read_proof",
    "reserve_ratio",
    "verify_proof",
]

FORMAT = "liqcascade-pol-v1"
SUM_BYTES = 16
MAX_SUM = (1 << (8 * SUM_BYTES)) - 1
SALT_BYTES = 32
_LEAF = b"\x00"
_NODE = b"\x01"
_PAD = b"\x02"
PADDING_HASH = hashlib.sha256(_PAD).digest()
_INT_RE = re.compile(r"[0-9]+")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _sum_bytes(x: int) -> bytes:
    return x.to_bytes(SUM_BYTES, "big")


def leaf_hash(user: str, salt: bytes, balance: int) -> bytes:
    """SHA-256 leaf commitment ``H(0x00 ‖ len ‖ user ‖ salt ‖ balance)``.

    Parameters
    ----------
    user : str
        User id (UTF-8).
    salt : bytes
        The user's 32-byte secret salt.
    balance : int
        Balance in the smallest unit, ``0 <= balance <= MAX_SUM``.

    Returns
    -------
    bytes
        32-byte digest.
    """
    u = user.encode("utf-8")
    return hashlib.sha256(
        _LEAF + len(u).to_bytes(4, "big") + u + salt + _sum_bytes(balance)
    ).digest()


def node_hash(h_left: bytes, s_left: int, h_right: bytes, s_right: int) -> bytes:
    """SHA-256 node commitment ``H(0x01 ‖ h_l ‖ s_l ‖ h_r ‖ s_r)`` (sums as 16 bytes)."""
    return hashlib.sha256(
        _NODE + h_left + _sum_bytes(s_left) + h_right + _sum_bytes(s_right)
    ).digest()


# ---------------------------------------------------------------------------- input
def read_balances(path: str | Path) -> pd.DataFrame:
    """Read and check a ``user,balance`` CSV.

    Balances must be non-negative integers written as digits only (no sign, no
    decimal point, no exponent); users non-empty and unique; the total below 2**128.

    Parameters
    ----------
    path : path
        CSV file with a header ``user,balance``.

    Returns
    -------
    DataFrame
        Columns ``user`` (str) and ``balance`` (Python int, object dtype).

    Raises
    ------
    InputError
        Naming the file and the 1-based data row at fault.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: not a readable CSV ({exc})") from None
    cols = [c.strip().lower() for c in df.columns]
    if cols != ["user", "balance"]:
        raise InputError(f"{p}: header must be exactly 'user,balance' (got {list(df.columns)})")
    if df.empty:
        raise InputError(f"{p}: no users")
    users = df.iloc[:, 0].str.strip()
    bal_txt = df.iloc[:, 1].str.strip()
    blank = (users == "").to_numpy()
    if blank.any():
        raise InputError(f"{p}: row {int(np.argmax(blank)) + 1}: user is blank")
    ok = bal_txt.str.fullmatch(_INT_RE.pattern).to_numpy(dtype=bool)
    if not ok.all():
        i = int(np.argmax(~ok))
        v = bal_txt.iloc[i]
        if v == "":
            why = "balance is blank"
        elif v.startswith("-"):
            why = f"balance must be >= 0 (got {v!r})"
        else:
            why = f"balance must be a non-negative integer in the smallest unit (got {v!r})"
        raise InputError(f"{p}: row {i + 1}: {why}")
    dup = users.duplicated().to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise InputError(f"{p}: row {i + 1}: user {users.iloc[i]!r} appears more than once")
    balances = [int(v) for v in bal_txt.tolist()]
    total = sum(balances)
    if total > MAX_SUM:
        run = 0
        for i, b in enumerate(balances):
            run += b
            if run > MAX_SUM:
                raise InputError(
                    f"{p}: row {i + 1}: total liabilities overflow the {8 * SUM_BYTES}-bit "
                    f"sum width (max {MAX_SUM})"
                )
    return pd.DataFrame({"user": users.tolist(), "balance": pd.Series(balances, dtype=object)})


# ---------------------------------------------------------------------------- tree
@dataclass(frozen=True)
class InclusionProof:
    """One user's inclusion proof.

    Parameters
    ----------
    user : str
        User id.
    balance : int
        The user's balance, smallest unit.
    salt : str
        The user's 32-byte salt, hex.
    leaf_index : int
        Position of the leaf at level 0.
    path : list of dict
        From the leaf up: ``{"hash": hex, "sum": int, "side": "left"|"right"}`` where
        ``side`` is the sibling's side.
    root : str
        Root hash, hex.
    total_liabilities : int
        Root sum, smallest unit.
    n_users : int
        Number of leaves.
    """

    user: str
    balance: int
    salt: str
    leaf_index: int
    path: list[dict[str, Any]]
    root: str
    total_liabilities: int
    n_users: int

    def to_dict(self) -> dict[str, Any]:
        """The proof as the JSON object of the file format."""
        return {
            "format": FORMAT,
            "hash": "sha256",
            "sum_bytes": SUM_BYTES,
            "user": self.user,
            "balance": self.balance,
            "salt": self.salt,
            "leaf_index": self.leaf_index,
            "path": [dict(s) for s in self.path],
            "root": self.root,
            "total_liabilities": self.total_liabilities,
            "n_users": self.n_users,
        }

    def save(self, path: str | Path) -> Path:
        """Write the proof as JSON."""
        p = Path(path)
        p.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return p


def _depth(n: int) -> int:
    d = 0
    while n > 1:
        n = (n + 1) // 2
        d += 1
    return d


class LiabilitiesTree:
    """A built Merkle sum tree, held in memory or backed by its directory.

    Use :func:`build_tree` to build one and :func:`load_tree` to open a saved one.

    Attributes
    ----------
    root : str
        Root hash, hex.
    total_liabilities : int
        Sum of all balances, smallest unit.
    n_users : int
        Number of users (leaves).
    """

    def __init__(
        self,
        hashes: list[np.ndarray],
        sums: list[np.ndarray],
        users: list[str],
        balances: Sequence[int] | np.ndarray,
        salts: bytes | np.ndarray,
        order: np.ndarray,
    ) -> None:
        self._hashes = hashes  # per level: (n_k, 32) uint8
        self._sums = sums  # per level: (n_k, 16) uint8, big-endian
        self._users = users
        self._balances = balances
        self._salts = (
            np.frombuffer(salts, dtype=np.uint8).reshape(-1, SALT_BYTES)
            if isinstance(salts, bytes | bytearray)
            else salts
        )  # (n, 32) uint8, in input order
        self._order = order  # input row -> leaf index
        self._index: dict[str, int] | None = None
        self.n_users = len(users)
        self.root = bytes(hashes[-1][0]).hex()
        self.total_liabilities = int.from_bytes(bytes(sums[-1][0]), "big")

    @property
    def depth(self) -> int:
        """Number of levels above the leaves."""
        return len(self._hashes) - 1

    def summary(self) -> dict[str, Any]:
        """``{"root", "total_liabilities", "n_users", "depth"}``."""
        return {
            "root": self.root,
            "total_liabilities": self.total_liabilities,
            "n_users": self.n_users,
            "depth": self.depth,
        }

    def prove(self, user: str) -> InclusionProof:
        """The inclusion proof of ``user``.

        Raises
        ------
        InputError
            If the user is not in the tree.
        """
        if self._index is None:
            self._index = {u: i for i, u in enumerate(self._users)}
        row = self._index.get(user)
        if row is None:
            raise InputError(f"--user: {user!r} is not in the tree")
        idx = int(self._order[row])
        leaf = idx
        path: list[dict[str, Any]] = []
        for k in range(self.depth):
            n_k = self._hashes[k].shape[0]
            sib = idx ^ 1
            if sib < n_k:
                h = bytes(self._hashes[k][sib]).hex()
                s = int.from_bytes(bytes(self._sums[k][sib]), "big")
            else:  # padding node on the right of an odd level
                h, s = PADDING_HASH.hex(), 0
            path.append({"hash": h, "sum": s, "side": "left" if idx & 1 else "right"})
            idx //= 2
        salt = bytes(self._salts[row]).hex()
        return InclusionProof(
            user=user,
            balance=int(self._balances[row]),
            salt=salt,
            leaf_index=leaf,
            path=path,
            root=self.root,
            total_liabilities=self.total_liabilities,
            n_users=self.n_users,
        )

    # ------------------------------------------------------------------ storage
    def save(self, directory: str | Path) -> Path:
        """Write the tree to ``directory``.

        Layout: ``manifest.json`` (public: format, root, total, n_users, depth),
        ``levels/hash_K.npy`` and ``levels/sum_K.npy`` (node hashes and 16-byte sums per
        level, public), ``private/leaves.parquet`` (user, balance, leaf index) and
        ``private/salts.npy`` (32 bytes per user, same row order): keep ``private/``
        private — it holds every user's salt and balance.
        """
        d = Path(directory)
        (d / "levels").mkdir(parents=True, exist_ok=True)
        (d / "private").mkdir(parents=True, exist_ok=True)
        for k, (h, s) in enumerate(zip(self._hashes, self._sums, strict=True)):
            np.save(d / "levels" / f"hash_{k}.npy", h)
            np.save(d / "levels" / f"sum_{k}.npy", s)
        leaves = pd.DataFrame(
            {
                "user": self._users,
                "balance": [str(b) for b in self._balances],
                "leaf_index": self._order.astype(np.int64),
            }
        )
        leaves.to_parquet(d / "private" / "leaves.parquet", index=False)
        np.save(d / "private" / "salts.npy", np.ascontiguousarray(self._salts))
        manifest = {
            "format": FORMAT,
            "hash": "sha256",
            "sum_bytes": SUM_BYTES,
            "root": self.root,
            "total_liabilities": self.total_liabilities,
            "n_users": self.n_users,
            "depth": self.depth,
        }
        (d / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        return d


def build_tree(
    users: list[str] | pd.Series, balances: list[int] | pd.Series, *, seed: int | None = None
) -> LiabilitiesTree:
    """Build the Merkle sum tree.

    Parameters
    ----------
    users : list of str
        Unique, non-empty user ids.
    balances : list of int
        Non-negative integer balances (smallest unit), one per user.
    seed : int, optional
        Seeds the leaf order and the salts (tests only: salts must be secret and
        random, so by default they come from :mod:`secrets`).

    Returns
    -------
    LiabilitiesTree

    Raises
    ------
    InputError
        On a negative, non-integer or too large balance, a blank or repeated user, or
        a total that overflows the 128-bit sum width.
    """
    u = [str(x) for x in users]
    b = list(balances)
    n = len(u)
    if n == 0:
        raise InputError("no users")
    if len(b) != n:
        raise InputError(f"{n} users but {len(b)} balances")
    if len(set(u)) != n:
        raise InputError("user ids must be unique")
    for i, (uu, bb) in enumerate(zip(u, b, strict=True)):
        if not uu:
            raise InputError(f"row {i + 1}: user is blank")
        if isinstance(bb, bool) or not isinstance(bb, int | np.integer):
            raise InputError(f"row {i + 1}: balance must be an integer (got {bb!r})")
        if bb < 0:
            raise InputError(f"row {i + 1}: balance must be >= 0 (got {bb})")
    b = [int(x) for x in b]
    if sum(b) > MAX_SUM:
        raise InputError(f"total liabilities overflow the {8 * SUM_BYTES}-bit sum width")

    if seed is None:
        salts = secrets.token_bytes(SALT_BYTES * n)
        rng = np.random.default_rng(secrets.randbits(128))
    else:
        rng = np.random.default_rng(seed)
        salts = rng.bytes(SALT_BYTES * n)
    order = rng.permutation(n).astype(np.int64)  # input row -> leaf index

    sha = hashlib.sha256
    enc = [x.encode("utf-8") for x in u]
    pre = [_LEAF + len(x).to_bytes(4, "big") + x for x in enc]
    sal = [salts[i : i + SALT_BYTES] for i in range(0, SALT_BYTES * n, SALT_BYTES)]
    sb_in = [x.to_bytes(SUM_BYTES, "big") for x in b]
    leaf_in = [sha(p + sa + bb).digest() for p, sa, bb in zip(pre, sal, sb_in, strict=True)]
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n, dtype=np.int64)  # leaf index -> input row
    rows = inv.tolist()
    hs: list[bytes] = [leaf_in[r] for r in rows]
    ss: list[int] = [b[r] for r in rows]
    sb: list[bytes] = [sb_in[r] for r in rows]
    del leaf_in, pre, sal
    hashes_py: list[list[bytes]] = [hs]
    sums_bytes: list[list[bytes]] = [sb]
    while len(hs) > 1:
        if len(hs) % 2:
            hs = [*hs, PADDING_HASH]
            ss = [*ss, 0]
            sb = [*sb, bytes(SUM_BYTES)]
        ns = [x + y for x, y in zip(ss[0::2], ss[1::2], strict=True)]
        nb = [x.to_bytes(SUM_BYTES, "big") for x in ns]
        nh = [
            sha(_NODE + hl + sl + hr + sr).digest()
            for hl, sl, hr, sr in zip(hs[0::2], sb[0::2], hs[1::2], sb[1::2], strict=True)
        ]
        hashes_py.append(nh)
        sums_bytes.append(nb)
        hs, ss, sb = nh, ns, nb

    hashes = [np.frombuffer(b"".join(h), dtype=np.uint8).reshape(-1, 32) for h in hashes_py]
    sums = [np.frombuffer(b"".join(x), dtype=np.uint8).reshape(-1, SUM_BYTES) for x in sums_bytes]
    return LiabilitiesTree(hashes, sums, u, b, salts, order)


def load_tree(directory: str | Path) -> LiabilitiesTree:
    """Open a tree saved by :meth:`LiabilitiesTree.save` (levels memory-mapped)."""
    d = Path(directory)
    mf = d / "manifest.json"
    if not mf.is_file():
        raise InputError(f"--tree: {d}: no manifest.json (not a tree directory)")
    try:
        manifest = json.loads(mf.read_text())
        depth = int(manifest["depth"])
        hashes = [np.load(d / "levels" / f"hash_{k}.npy", mmap_mode="r") for k in range(depth + 1)]
        sums = [np.load(d / "levels" / f"sum_{k}.npy", mmap_mode="r") for k in range(depth + 1)]
        leaves = pd.read_parquet(d / "private" / "leaves.parquet")
        salts = np.load(d / "private" / "salts.npy", mmap_mode="r")
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"--tree: {d}: unreadable tree ({exc})") from None
    if salts.shape != (len(leaves), SALT_BYTES):
        raise InputError(f"--tree: {d}: salts do not match the leaves")
    tree = LiabilitiesTree(
        list(hashes),
        list(sums),
        leaves["user"].astype(str).tolist(),
        leaves["balance"].to_numpy(),  # decimal text; converted per proof
        salts,
        leaves["leaf_index"].to_numpy(dtype=np.int64),
    )
    if tree.root != manifest.get("root"):
        raise InputError(f"--tree: {d}: levels do not match the manifest's root")
    return tree


# ---------------------------------------------------------------------------- verify
@dataclass(frozen=True)
class VerificationResult:
    """Outcome of :func:`verify_proof`.

    Attributes
    ----------
    valid : bool
        True when the proof recomputes the published root (and total, if given).
    user : str
        The user the proof is for.
    balance : int
        Balance the proof claims, smallest unit.
    total_liabilities : int
        Total the proof claims, smallest unit.
    reason : str
        Empty when valid, else what failed.
    """

    valid: bool
    user: str
    balance: int
    total_liabilities: int
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """``{"valid", "user", "balance", "total_liabilities", "reason"}``."""
        return {
            "valid": self.valid,
            "user": self.user,
            "balance": self.balance,
            "total_liabilities": self.total_liabilities,
            "reason": self.reason,
        }


def _is_uint(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_SUM


def _check_shape(proof: dict[str, Any], source: str) -> None:
    """Malformed (not merely wrong) proofs raise InputError."""
    need = {
        "user": str,
        "balance": int,
        "salt": str,
        "leaf_index": int,
        "path": list,
        "root": str,
        "total_liabilities": int,
        "n_users": int,
    }
    for key, typ in need.items():
        if key not in proof:
            raise InputError(f"{source}: missing field {key!r}")
        v = proof[key]
        if typ is int and (isinstance(v, bool) or not isinstance(v, int)):
            raise InputError(f"{source}: {key} must be an integer (got {v!r})")
        if not isinstance(v, typ):
            raise InputError(f"{source}: {key} must be a {typ.__name__}")
    for i, step in enumerate(proof["path"]):
        if not isinstance(step, dict) or set(step) != {"hash", "sum", "side"}:
            raise InputError(f"{source}: path[{i}] must have exactly hash, sum, side")
        if isinstance(step["sum"], bool) or not isinstance(step["sum"], int):
            raise InputError(f"{source}: path[{i}].sum must be an integer")
        if not isinstance(step["hash"], str) or not isinstance(step["side"], str):
            raise InputError(f"{source}: path[{i}].hash and side must be strings")


def verify_proof(
    proof: dict[str, Any] | InclusionProof,
    root: str,
    total: int | None = None,
    *,
    source: str = "proof",
) -> VerificationResult:
    """Check an inclusion proof against a published root (and total).

    Recomputes the leaf from (user, salt, balance), folds the path upward — checking
    every sum is a 128-bit unsigned integer and no parent sum overflows — and compares
    the result with ``root`` and ``total``. The leaf index must agree with the path's
    sides and the path length with ``n_users``.

    Parameters
    ----------
    proof : dict or InclusionProof
        The proof (the JSON object of the file).
    root : str
        The published root hash, hex (64 characters).
    total : int, optional
        The published total liabilities, smallest unit.
    source : str, default "proof"
        Name used in error messages.

    Returns
    -------
    VerificationResult

    Raises
    ------
    InputError
        If the proof is malformed (missing fields, wrong types).
    """
    d = proof.to_dict() if isinstance(proof, InclusionProof) else proof
    if not isinstance(d, dict):
        raise InputError(f"{source}: a proof must be a JSON object")
    _check_shape(d, source)
    user, balance, claimed_total = d["user"], d["balance"], d["total_liabilities"]

    def bad(reason: str) -> VerificationResult:
        return VerificationResult(False, user, balance, claimed_total, reason)

    root_l = root.strip().lower()
    if not _HEX64.fullmatch(root_l):
        raise InputError(f"--root: not a 64-character hex SHA-256 digest: {root!r}")
    if d.get("format", FORMAT) != FORMAT or d.get("hash", "sha256") != "sha256":
        return bad(f"unsupported format {d.get('format')!r}")
    if d.get("sum_bytes", SUM_BYTES) != SUM_BYTES:
        return bad("unsupported sum width")
    if not _is_uint(balance):
        return bad("balance is not a 128-bit unsigned integer")
    if not _is_uint(claimed_total):
        return bad("total is not a 128-bit unsigned integer")
    salt_hex = d["salt"]
    if not _HEX64.fullmatch(salt_hex):
        return bad("salt is not 32 bytes of lower-case hex")
    n_users, leaf_index = d["n_users"], d["leaf_index"]
    if n_users < 1 or not 0 <= leaf_index < n_users:
        return bad("leaf_index out of range")
    path = d["path"]
    if len(path) != _depth(n_users):
        return bad(f"path has {len(path)} steps; a tree of {n_users} users has {_depth(n_users)}")
    h = leaf_hash(user, bytes.fromhex(salt_hex), balance)
    s = balance
    idx = leaf_index
    for i, step in enumerate(path):
        sh, ss, side = step["hash"], step["sum"], step["side"]
        if not isinstance(sh, str) or not _HEX64.fullmatch(sh):
            return bad(f"path[{i}].hash is not a SHA-256 hex digest")
        if not _is_uint(ss):
            return bad(f"path[{i}].sum is not a 128-bit unsigned integer")
        expect = "left" if idx & 1 else "right"
        if side != expect:
            return bad(f"path[{i}].side does not match leaf_index")
        if s + ss > MAX_SUM:
            return bad(f"path[{i}]: sum overflows {8 * SUM_BYTES} bits")
        sib = bytes.fromhex(sh)
        h = node_hash(sib, ss, h, s) if side == "left" else node_hash(h, s, sib, ss)
        s += ss
        idx //= 2
    if h.hex() != root_l:
        return bad("recomputed root does not match the published root")
    if d["root"].strip().lower() != root_l:
        return bad("the proof's root field differs from the published root")
    if s != claimed_total:
        return bad("recomputed total differs from the proof's total_liabilities")
    if total is not None and s != total:
        return bad("recomputed total differs from the published total")
    return VerificationResult(True, user, balance, claimed_total, "")


def read_proof(path: str | Path) -> dict[str, Any]:
    """Read a proof JSON file (``InputError`` if unreadable or not an object)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        d = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: not valid JSON ({exc})") from None
    if not isinstance(d, dict):
        raise InputError(f"{p}: a proof must be a JSON object")
    return d


# ---------------------------------------------------------------------------- reserves
@dataclass(frozen=True)
class ReserveRatio:
    """Reserves against liabilities with a buffer.

    Attributes
    ----------
    reserves : float
        Reserves, same unit as the liabilities.
    liabilities : float
        Total liabilities (the tree's total).
    buffer : float
        Required extra reserves as a fraction of liabilities (0.06 = 6 %).
    ratio : float
        ``reserves / liabilities`` (inf when liabilities are 0).
    required : float
        ``liabilities * (1 + buffer)``.
    surplus : float
        ``reserves - required``.
    meets_buffer : bool
        ``reserves >= required``.
    """

    reserves: float
    liabilities: float
    buffer: float
    ratio: float
    required: float
    surplus: float
    meets_buffer: bool


def reserve_ratio(reserves: float, liabilities: float, buffer: float = 0.0) -> ReserveRatio:
    """Reserves-to-liabilities ratio and whether the buffer is met.

    Parameters
    ----------
    reserves : float
        Assets held, smallest unit or USD (same unit as ``liabilities``), >= 0.
    liabilities : float
        Users' balances (e.g. ``tree.total_liabilities``), >= 0.
    buffer : float, default 0
        Extra reserves required, fraction of liabilities (0.06 = 6 %), >= 0.
    """
    if not reserves >= 0:
        raise InputError(f"reserves must be >= 0 (got {reserves})")
    if not liabilities >= 0:
        raise InputError(f"liabilities must be >= 0 (got {liabilities})")
    if not buffer >= 0:
        raise InputError(f"buffer must be >= 0 (got {buffer})")
    ratio = float("inf") if liabilities == 0 else float(reserves) / float(liabilities)
    required = float(liabilities) * (1.0 + buffer)
    return ReserveRatio(
        float(reserves),
        float(liabilities),
        float(buffer),
        ratio,
        required,
        float(reserves) - required,
        float(reserves) >= required,
    )
