"""Proof of liabilities: a Merkle sum tree over user balances (format ``liqcascade-pol-v2``).

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
  sum = balance. User ids are trimmed and Unicode-NFC-normalised before anything else
  (two ids that look the same are the same user).
- node: ``H(0x01 ‖ h_left ‖ s_left (16 bytes) ‖ h_right ‖ s_right (16 bytes))``,
  sum = ``s_left + s_right``.
- padding: a level with an odd number of nodes gets one padding node on the right,
  hash ``H(0x02)`` and sum 0. It adds nothing to the total.
- leaves are placed in a random order (so a leaf's position says nothing about the
  user); the top node is the single node of the top level (for one user, the leaf).
- **root** (what is published): ``H(0x03 ‖ "liqcascade-pol-v2" ‖ sum width (1 byte) ‖
  n_users (8 bytes) ‖ depth (1 byte) ‖ h_top ‖ s_top (16 bytes))``. It commits to the
  number of users, the tree's height and parameters, the top node and the total, so
  every field of a proof is bound to the root: change any one and verification fails.

The build is level-wise on numpy arrays with the hashing in compiled code (numba
calling OpenSSL's SHA-256; :mod:`liqcascade.solvency._pol_kernels`), the plain
``hashlib`` path kept as the fallback and twin: both give the same tree bit for bit.
See ``docs/solvency.md`` for the proof file and a step-by-step verification recipe.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from liqcascade.errors import InputError
from liqcascade.solvency import _pol_io as io
from liqcascade.solvency._pol_io import UsersTable

if TYPE_CHECKING:  # pandas loads only for read_balances (pol build does not need it)
    import pandas as pd

__all__ = [
    "FORMAT",
    "MAX_SUM",
    "PADDING_HASH",
    "SUM_BYTES",
    "InclusionProof",
    "LiabilitiesTree",
    "ReserveRatio",
    "UsersTable",
    "VerificationResult",
    "build_tree",
    "build_tree_from",
    "leaf_hash",
    "load_tree",
    "node_hash",
    "read_balances",
    "read_proof",
    "read_users",
    "reserve_ratio",
    "root_hash",
    "verify_proof",
]

FORMAT = "liqcascade-pol-v2"
HASH = "sha256"
SUM_BYTES = io.SUM_BYTES
MAX_SUM = (1 << (8 * SUM_BYTES)) - 1
SALT_BYTES = 32
MAX_USERS = (1 << 64) - 1
_LEAF = b"\x00"
_NODE = b"\x01"
_ROOT = b"\x03"
PADDING_HASH = hashlib.sha256(b"\x02").digest()
_HEX64 = re.compile(r"[0-9a-f]{64}")
#: the proof file's fields, all of them bound to the root (see :func:`verify_proof`)
PROOF_FIELDS = (
    "format",
    "hash",
    "sum_bytes",
    "user",
    "balance",
    "salt",
    "leaf_index",
    "path",
    "root",
    "total_liabilities",
    "n_users",
)


def _sum_bytes(x: int) -> bytes:
    return x.to_bytes(SUM_BYTES, "big")


def leaf_hash(user: str, salt: bytes, balance: int) -> bytes:
    """SHA-256 leaf commitment ``H(0x00 ‖ len ‖ user ‖ salt ‖ balance)``.

    Parameters
    ----------
    user : str
        User id, hashed as its UTF-8 bytes (as given: the tree stores ids NFC-normalised).
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
    """SHA-256 node commitment ``H(0x01 ‖ h_l ‖ s_l ‖ h_r ‖ s_r)`` (sums as 16 bytes).

    Parameters
    ----------
    h_left, h_right : bytes
        Hashes of the left and right child, 32 bytes each.
    s_left, s_right : int
        Sums of the left and right child, smallest unit, each ``<= MAX_SUM``.

    Returns
    -------
    bytes
        32-byte digest.
    """
    return hashlib.sha256(
        _NODE + h_left + _sum_bytes(s_left) + h_right + _sum_bytes(s_right)
    ).digest()


def _depth(n: int) -> int:
    d = 0
    while n > 1:
        n = (n + 1) // 2
        d += 1
    return d


def root_hash(top_hash: bytes, top_sum: int, n_users: int) -> bytes:
    """The published root: ``H(0x03 ‖ format ‖ sum width ‖ n_users ‖ depth ‖ h_top ‖ s_top)``.

    Parameters
    ----------
    top_hash : bytes
        Hash of the top node (32 bytes).
    top_sum : int
        Sum of the top node: the total liabilities, smallest unit.
    n_users : int
        Number of users (leaves), ``1 <= n_users < 2**64``.

    Returns
    -------
    bytes
        32-byte digest.
    """
    return hashlib.sha256(
        _ROOT
        + FORMAT.encode("ascii")
        + bytes([SUM_BYTES])
        + n_users.to_bytes(8, "big")
        + bytes([_depth(n_users)])
        + top_hash
        + _sum_bytes(top_sum)
    ).digest()


# ---------------------------------------------------------------------------- input
def read_users(path: str | Path) -> UsersTable:
    """Read and check a ``user,balance`` CSV column-wise (what ``pol build`` reads).

    Balances must be non-negative integers written as digits only (no sign, no
    decimal point, no exponent), each and their total below 2**128; users non-empty,
    at most 1,024 bytes of UTF-8, and unique after trimming and Unicode NFC
    normalisation.

    Parameters
    ----------
    path : path
        CSV file with a header ``user,balance``.

    Returns
    -------
    UsersTable
        Ids (pyarrow array), balances as ``(n, 16)`` big-endian bytes, and the total.

    Raises
    ------
    InputError
        Naming the file and the 1-based data row at fault.
    """
    return io.users_from_csv(path)


def read_balances(path: str | Path) -> pd.DataFrame:
    """Read and check a ``user,balance`` CSV (see :func:`read_users`) as a frame.

    Parameters
    ----------
    path : str or Path
        CSV file with a header ``user,balance`` (balances in the smallest unit).

    Returns
    -------
    DataFrame
        Columns ``user`` (str, NFC) and ``balance`` (Python int, object dtype).

    Raises
    ------
    InputError
        Naming the file and the 1-based data row at fault.
    """
    t = io.users_from_csv(path)
    raw = t.balances.tobytes()
    bal = [int.from_bytes(raw[i : i + SUM_BYTES], "big") for i in range(0, len(raw), SUM_BYTES)]
    import pandas as pd

    return pd.DataFrame({"user": t.users.to_pylist(), "balance": pd.Series(bal, dtype=object)})


# ---------------------------------------------------------------------------- tree
@dataclass(frozen=True)
class InclusionProof:
    """One user's inclusion proof.

    Parameters
    ----------
    user : str
        User id (NFC).
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
        Root hash, hex (the root record, see :func:`root_hash`).
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
            "hash": HASH,
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

    def to_json(self) -> str:
        """The proof file's text (JSON, one field per line)."""
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n"

    def save(self, path: str | Path) -> Path:
        """Write the proof as JSON, atomically, mode 0600 (it holds the user's salt).

        Parameters
        ----------
        path : str or Path
            The file; replaced if it exists, its parent must exist.

        Returns
        -------
        Path
            The file written (symlinks resolved).

        Raises
        ------
        InputError
            If ``path`` is a directory, not a regular file, unwritable or has no parent
            (``param="path"``).
        """
        target = io.check_out_file(path, "path")
        return io.write_private_file(target, self.to_json().encode("utf-8"), "path")


class LiabilitiesTree:
    """A built Merkle sum tree, held in memory or backed by its directory.

    Use :func:`build_tree` to build one and :func:`load_tree` to open a saved one.

    Parameters
    ----------
    hashes : list of ndarray
        Node hashes per level from the leaves up, ``(n_k, 32)`` uint8.
    sums : list of ndarray
        Node sums per level, ``(n_k, 16)`` uint8 big-endian (smallest unit).
    users : pyarrow.Array
        User ids (NFC), input order.
    balances : ndarray
        ``(n, 16)`` uint8 big-endian balances (smallest unit), input order.
    salts : ndarray
        ``(n, 32)`` uint8 secret salts, input order.
    order : ndarray
        Leaf index (position at level 0) of each input row, int64.

    Attributes
    ----------
    root : str
        Root hash, hex (the root record: commits to the top node, total, users, height).
    total_liabilities : int
        Sum of all balances, smallest unit.
    n_users : int
        Number of users (leaves).
    """

    def __init__(
        self,
        hashes: list[np.ndarray],
        sums: list[np.ndarray],
        users: Any,
        balances: np.ndarray,
        salts: np.ndarray,
        order: np.ndarray,
    ) -> None:
        self._hashes = hashes  # per level: (n_k, 32) uint8
        self._sums = sums  # per level: (n_k, 16) uint8, big-endian
        self._users = users  # pyarrow large_string, input order
        self._balances = balances  # (n, 16) uint8 big-endian, input order
        self._salts = salts  # (n, 32) uint8, input order
        self._order = order  # input row -> leaf index
        self._user_buf: tuple[np.ndarray, np.ndarray] | None = None
        self.n_users = int(balances.shape[0])
        self.top_hash = bytes(hashes[-1][0])
        self.total_liabilities = int.from_bytes(bytes(sums[-1][0]), "big")
        self.root = root_hash(self.top_hash, self.total_liabilities, self.n_users).hex()

    @property
    def depth(self) -> int:
        """Number of levels above the leaves."""
        return len(self._hashes) - 1

    def summary(self) -> dict[str, Any]:
        """``{"format", "root", "total_liabilities", "n_users", "depth"}``."""
        return {
            "format": FORMAT,
            "root": self.root,
            "total_liabilities": self.total_liabilities,
            "n_users": self.n_users,
            "depth": self.depth,
        }

    def __repr__(self) -> str:
        from liqcascade._notebook import summary_repr

        return summary_repr("LiabilitiesTree", self.summary())

    def level(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Hashes ``(n_k, 32)`` and big-endian sums ``(n_k, 16)`` of level ``k`` (0 = leaves).

        Parameters
        ----------
        k : int
            Level, 0 (leaves) to :attr:`depth` (the top node).

        Returns
        -------
        (ndarray, ndarray)
            ``(n_k, 32)`` uint8 hashes and ``(n_k, 16)`` uint8 big-endian sums.
        """
        return self._hashes[k], self._sums[k]

    def _row(self, user: str) -> int:
        if self._user_buf is None:
            self._user_buf = io.arrow_string_buffers(self._users)
        key = np.frombuffer(io.normalise_user(user).encode("utf-8"), dtype=np.uint8)
        from liqcascade.solvency import _pol_kernels as K

        return int(K.find_row_nb(self._user_buf[0], self._user_buf[1], key))

    def prove(self, user: str) -> InclusionProof:
        """The inclusion proof of ``user`` (trimmed and NFC-normalised first).

        Parameters
        ----------
        user : str
            User id as written in the balances file (any surrounding spaces or Unicode
            normal form).

        Returns
        -------
        InclusionProof

        Raises
        ------
        InputError
            If the user is not in the tree.
        """
        row = self._row(user)
        if row < 0:
            raise InputError(f"user: {user!r} is not in the tree", param="user")
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
        return InclusionProof(
            user=self._users[row].as_py(),
            balance=int.from_bytes(bytes(self._balances[row]), "big"),
            salt=bytes(self._salts[row]).hex(),
            leaf_index=leaf,
            path=path,
            root=self.root,
            total_liabilities=self.total_liabilities,
            n_users=self.n_users,
        )

    # ------------------------------------------------------------------ storage
    def save(self, directory: str | Path, *, stage: io.TreeStage | None = None) -> Path:
        """Write the tree to ``directory``, atomically.

        The tree is written to a temporary directory beside ``directory``, re-read
        and checked (root, total, users, one proof verified), and only then swapped
        into place: a failure or a kill at any point leaves a previous tree at
        ``directory`` as it was.

        Layout: ``manifest.json`` (public: format, root, top hash, total, n_users,
        depth), ``levels/hash_K.npy`` and ``levels/sum_K.npy`` (node hashes and 16-byte
        sums per level, public), ``private/leaves.arrow`` (Arrow IPC: user, leaf index,
        balance as 16 bytes, salt as 32 bytes, in input order). ``private/`` is created
        with mode 0700 and its file 0600: it holds every user's balance and salt.

        Parameters
        ----------
        directory : path
            Missing, empty, or a tree written before (replaced).
        stage : TreeStage, optional
            A stage created (and its target checked) before the build, as ``pol build``
            does; by default one is created here.

        Returns
        -------
        Path
            ``directory``.
        """
        st = stage if stage is not None else io.TreeStage(directory, "directory")
        with st:
            self._write(st.path)
            self._check_written(st.path, st.option)
            st.commit()
        return Path(directory)

    def _write(self, d: Path) -> None:
        import pyarrow as pa
        import pyarrow.ipc as ipc

        (d / "levels").mkdir()
        for k, (h, s) in enumerate(zip(self._hashes, self._sums, strict=True)):
            np.save(d / "levels" / f"hash_{k}.npy", np.ascontiguousarray(h))
            np.save(d / "levels" / f"sum_{k}.npy", np.ascontiguousarray(s))
        priv = io.make_private_dir(d / "private")
        n = self.n_users

        def fixed(a: np.ndarray, width: int) -> Any:
            buf = pa.py_buffer(np.ascontiguousarray(a).reshape(-1))
            return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, buf])

        table = pa.table(
            {
                "user": self._users,
                "leaf_index": pa.Array.from_buffers(  # not pa.array: that loads pandas
                    pa.int64(), n, [None, pa.py_buffer(np.ascontiguousarray(self._order, np.int64))]
                ),
                "balance": fixed(self._balances, SUM_BYTES),
                "salt": fixed(self._salts, SALT_BYTES),
            }
        )
        with io.open_private(priv / "leaves.arrow") as fh:
            with ipc.new_file(fh, table.schema) as w:
                w.write_table(table)
        manifest = {**self.summary(), "hash": HASH, "sum_bytes": SUM_BYTES}
        manifest["top_hash"] = self.top_hash.hex()
        (d / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")

    def _check_written(self, d: Path, option: str) -> None:
        back = load_tree(d, option=option)
        param = None if option.startswith("-") else option
        same = (back.root, back.total_liabilities, back.n_users) == (
            self.root,
            self.total_liabilities,
            self.n_users,
        )
        if not same:
            raise InputError(
                f"{option}: the tree read back from {d} differs from the one built", param=param
            )
        first = self._users[0].as_py()
        if not verify_proof(back.prove(first), self.root, self.total_liabilities).valid:
            raise InputError(
                f"{option}: a proof from the tree written to {d} does not verify", param=param
            )


def build_tree_from(
    table: UsersTable, *, seed: int | None = None, backend: str | None = None
) -> LiabilitiesTree:
    """Build the Merkle sum tree of a checked :class:`UsersTable` (see :func:`build_tree`).

    Parameters
    ----------
    table : UsersTable
        Checked ids and balances (:func:`read_users`).
    seed : int, optional
        Seeds the leaf order and the salts (tests only; default secret random).
    backend : {"auto", "openssl", "hashlib"}, optional
        Hashing backend, as in :func:`build_tree`.

    Returns
    -------
    LiabilitiesTree
    """
    from liqcascade.solvency import _pol_kernels as K  # numba: loaded for builds only

    n = table.n
    if seed is None:  # secret: OpenSSL's RAND_bytes, else the secrets module
        salts = K.secret_bytes(SALT_BYTES * n).reshape(n, SALT_BYTES)
        rng = np.random.default_rng(secrets.randbits(128))
    else:
        rng = np.random.default_rng(seed)
        salts = np.frombuffer(rng.bytes(SALT_BYTES * n), dtype=np.uint8).reshape(n, SALT_BYTES)
    order = rng.permutation(n).astype(np.int64)  # input row -> leaf index
    be = K.resolve_backend(backend)
    data, off = table.user_bytes()
    bal = np.ascontiguousarray(table.balances)
    h = K.leaf_level(data, off, salts, bal, order, be)
    s = np.empty_like(bal)
    s[order] = bal
    hashes, sums = [h], [s]
    while h.shape[0] > 1:
        h, s = K.node_level(h, s, be)
        hashes.append(h)
        sums.append(s)
    tree = LiabilitiesTree(hashes, sums, table.users, bal, salts, order)
    if tree.total_liabilities != table.total:  # the kernels trust checked inputs
        raise AssertionError("tree total differs from the sum of balances")
    return tree


def build_tree(
    users: Sequence[str] | pd.Series,
    balances: Sequence[int] | pd.Series | np.ndarray,
    *,
    seed: int | None = None,
    backend: str | None = None,
) -> LiabilitiesTree:
    """Build the Merkle sum tree.

    Parameters
    ----------
    users : sequence of str
        User ids: trimmed and NFC-normalised, then they must be unique and non-empty.
    balances : sequence of int
        Non-negative integer balances (smallest unit), one per user.
    seed : int, optional
        Seeds the leaf order and the salts (tests only: salts must be secret and
        random, so by default they come from :mod:`secrets`).
    backend : {"auto", "openssl", "hashlib"}, optional
        Hashing backend (default ``$LIQCASCADE_POL_HASH`` or ``"auto"``: compiled
        OpenSSL when available); every backend gives the same tree bit for bit.

    Returns
    -------
    LiabilitiesTree

    Raises
    ------
    InputError
        On a negative, non-integer or too large balance, a blank or repeated user, or
        a total that overflows the 128-bit sum width.
    """
    return build_tree_from(io.users_from_lists(users, balances), seed=seed, backend=backend)


def load_tree(directory: str | Path, *, option: str = "directory") -> LiabilitiesTree:
    """Open a tree saved by :meth:`LiabilitiesTree.save` (arrays memory-mapped).

    Checks the manifest's format, the level shapes against ``n_users``, the root
    record against the top level, and the private table's shape. Errors name
    ``option``, the parameter that gave ``directory`` (their ``param``: the command
    line shows its flag).

    Parameters
    ----------
    directory : str or Path
        A directory written by :meth:`LiabilitiesTree.save`.
    option : str, default "directory"
        The parameter's name, for the error messages and their ``param``.

    Returns
    -------
    LiabilitiesTree
        Backed by the directory's files.

    Raises
    ------
    InputError
        If the directory is not a tree of this format, or its files disagree.
    """
    param = None if option.startswith("-") else option
    import pyarrow as pa
    import pyarrow.ipc as ipc

    d = Path(directory)
    mf = d / "manifest.json"
    if not mf.is_file():
        raise InputError(f"{option}: {d}: no manifest.json (not a tree directory)", param=param)
    try:
        manifest = json.loads(mf.read_text())
    except (OSError, ValueError, RecursionError) as exc:
        raise InputError(f"{option}: {d}: unreadable manifest ({exc})", param=param) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        got = manifest.get("format") if isinstance(manifest, dict) else None
        raise InputError(
            f"{option}: {d}: format {got!r} is not {FORMAT!r}; rebuild it with `pol build`",
            param=param,
        )
    try:
        n = int(manifest["n_users"])
        depth = int(manifest["depth"])
        if n < 1 or depth != _depth(n):
            raise ValueError(f"n_users {n} and depth {depth} disagree")
        hashes = [np.load(d / "levels" / f"hash_{k}.npy", mmap_mode="r") for k in range(depth + 1)]
        sums = [np.load(d / "levels" / f"sum_{k}.npy", mmap_mode="r") for k in range(depth + 1)]
        rows = n
        for k in range(depth + 1):
            if hashes[k].shape != (rows, 32) or sums[k].shape != (rows, SUM_BYTES):
                raise ValueError(f"level {k} has the wrong shape")
            rows = (rows + 1) // 2
        src = pa.memory_map(str(d / "private" / "leaves.arrow"), "r")
        table = ipc.open_file(src).read_all()
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        raise InputError(f"{option}: {d}: unreadable tree ({exc})", param=param) from None
    if table.num_rows != n or table.column_names != ["user", "leaf_index", "balance", "salt"]:
        raise InputError(
            f"{option}: {d}: private/leaves.arrow does not match the manifest", param=param
        )

    def col(name: str) -> Any:
        c = table.column(name)
        return c.chunk(0) if c.num_chunks == 1 else c.combine_chunks()

    def fixed(name: str, width: int) -> np.ndarray:
        a = col(name)
        raw = np.frombuffer(a.buffers()[1], dtype=np.uint8)
        return raw[a.offset * width : (a.offset + n) * width].reshape(n, width)

    li = col("leaf_index")
    if li.type != pa.int64() or li.null_count:
        raise InputError(
            f"{option}: {d}: unreadable tree (leaf_index is not int64 without nulls)", param=param
        )
    # the buffer itself (zero-copy, as to_numpy gives; to_numpy would load pandas)
    leaf_index = np.frombuffer(li.buffers()[1], dtype=np.int64)[li.offset : li.offset + n]
    tree = LiabilitiesTree(
        list(hashes),
        list(sums),
        col("user"),
        fixed("balance", SUM_BYTES),
        fixed("salt", SALT_BYTES),
        leaf_index,
    )
    if tree.root != manifest.get("root"):
        raise InputError(f"{option}: {d}: levels do not match the manifest's root", param=param)
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


def _is_uint(x: object, limit: int = MAX_SUM) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= limit


_TYPES: dict[str, type] = {
    "format": str,
    "hash": str,
    "sum_bytes": int,
    "user": str,
    "balance": int,
    "salt": str,
    "leaf_index": int,
    "path": list,
    "root": str,
    "total_liabilities": int,
    "n_users": int,
}


def _check_shape(proof: dict[str, Any], source: str) -> None:
    """Malformed (not merely wrong) proofs raise InputError."""
    for key in PROOF_FIELDS:
        typ = _TYPES[key]
        if key not in proof:
            raise InputError(f"{source}: missing field {key!r}")
        v = proof[key]
        if typ is int and (isinstance(v, bool) or not isinstance(v, int)):
            raise InputError(f"{source}: {key} must be an integer")
        if not isinstance(v, typ):
            raise InputError(f"{source}: {key} must be a {typ.__name__}")
    if len(proof["path"]) > 64:
        raise InputError(f"{source}: path has {len(proof['path'])} steps (at most 64)")
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
    every sum is a 128-bit unsigned integer and no parent sum overflows — then the
    root record from the top node, ``n_users`` and the format's parameters, and
    compares it with ``root`` (and the recomputed total with ``total``). Every field
    of the proof is bound: the format fields must be this format's, ``leaf_index``
    must agree with the path's sides, ``n_users`` and the total are hashed into the
    root, and a field the format does not have makes the proof invalid.

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
        If the proof is malformed (missing fields, wrong types) or ``root`` is not a
        64-character hex digest.
    """
    d = proof.to_dict() if isinstance(proof, InclusionProof) else proof
    if not isinstance(d, dict):
        raise InputError(f"{source}: a proof must be a JSON object")
    _check_shape(d, source)
    root_l = root.strip().lower() if isinstance(root, str) else ""
    if not _HEX64.fullmatch(root_l):
        raise InputError(f"root: not a 64-character hex SHA-256 digest: {root!r}", param="root")
    user, balance, claimed_total = d["user"], d["balance"], d["total_liabilities"]

    def bad(reason: str) -> VerificationResult:
        return VerificationResult(False, user, balance, claimed_total, reason)

    extra = sorted(set(d) - set(PROOF_FIELDS))
    if extra:
        return bad(f"field {extra[0]!r} is not part of {FORMAT} (not bound to the root)")
    if d["format"] != FORMAT or d["hash"] != HASH:
        return bad(f"unsupported format {d['format']!r} / hash {d['hash']!r} (expected {FORMAT})")
    if d["sum_bytes"] != SUM_BYTES:
        return bad(f"unsupported sum width {d['sum_bytes']!r} (expected {SUM_BYTES})")
    if not _is_uint(balance):
        return bad("balance is not a 128-bit unsigned integer")
    if not _is_uint(claimed_total):
        return bad("total is not a 128-bit unsigned integer")
    salt_hex = d["salt"]
    if not _HEX64.fullmatch(salt_hex):
        return bad("salt is not 32 bytes of lower-case hex")
    n_users, leaf_index = d["n_users"], d["leaf_index"]
    if not 1 <= n_users <= MAX_USERS:
        return bad("n_users is out of range")
    if not 0 <= leaf_index < n_users:
        return bad("leaf_index out of range")
    path = d["path"]
    if len(path) != _depth(n_users):
        return bad(f"path has {len(path)} steps; a tree of {n_users} users has {_depth(n_users)}")
    h = leaf_hash(user, bytes.fromhex(salt_hex), balance)
    s = balance
    idx = leaf_index
    for i, step in enumerate(path):
        sh, ss, side = step["hash"], step["sum"], step["side"]
        if not _HEX64.fullmatch(sh):
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
    if root_hash(h, s, n_users).hex() != root_l:
        return bad("recomputed root does not match the published root")
    if d["root"] != root_l:
        return bad("the proof's root field differs from the published root")
    if s != claimed_total:
        return bad("recomputed total differs from the proof's total_liabilities")
    if total is not None and s != total:
        return bad("recomputed total differs from the published total")
    return VerificationResult(True, user, balance, claimed_total, "")


def read_proof(path: str | Path) -> dict[str, Any]:
    """Read a proof JSON file.

    Parameters
    ----------
    path : str or Path
        A proof file (:meth:`InclusionProof.save`).

    Returns
    -------
    dict
        The JSON object, unchecked (:func:`verify_proof` checks it).

    Raises
    ------
    InputError
        If it is missing, larger than 1 MiB, not UTF-8 JSON, nested too deeply or
        not an object.
    """
    return io.read_json_object(path, "proof")


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
        ``reserves / liabilities``; with no liabilities +inf for positive reserves and
        NaN (undefined, numpy's 0/0) for none. Printers show a ratio that is not finite
        as n/a (JSON null).
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

    Returns
    -------
    ReserveRatio
        ``ratio`` is +inf for positive reserves against no liabilities and NaN for no
        reserves against none (0/0 is undefined); ``meets_buffer`` is then True (the
        requirement is 0).
    """
    for name, v in (("reserves", reserves), ("liabilities", liabilities), ("buffer", buffer)):
        try:
            ok = math.isfinite(float(v)) and v >= 0
        except (OverflowError, TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(f"{name} must be a finite number >= 0 (got {v!r})")
    if buffer >= 1:
        raise InputError(
            f"buffer must be a fraction in [0, 1) (got {buffer:g}; for {buffer:g} % give "
            f"{buffer / 100:g})",
            param="buffer",
        )
    if liabilities == 0:  # a positive amount over nothing is unbounded; 0/0 is undefined
        ratio = math.inf if reserves > 0 else math.nan
    else:
        ratio = float(reserves) / float(liabilities)
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
