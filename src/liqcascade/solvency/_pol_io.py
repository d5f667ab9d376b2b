"""Input and storage of the proof of liabilities: the users table, output paths, staging.

- :func:`users_from_csv` / :func:`users_from_lists`: a checked :class:`UsersTable`
  (ids trimmed and NFC-normalised, balances as 16-byte big-endian integers), read
  column-wise with pyarrow and numba kernels, never row by row in Python.
- :func:`check_tree_dir` / :class:`TreeStage`: a tree is built in a temporary
  directory beside its target and swapped into place (``renameat2(RENAME_EXCHANGE)``
  on Linux) only after it has been written and re-read; a killed build leaves the
  previous tree as it was. ``private/`` is created ``0700`` and its files ``0600``.
- :func:`check_out_file` / :func:`write_private_file`: the same for one proof file.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import stat
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from liqcascade._paths import TEMP_NAME, read_json, remove_stale, stage_beside, staged_file
from liqcascade.errors import InputError, row_ref

MAX_USER_BYTES = 1024
SUM_BYTES = 16
MAX_PROOF_BYTES = 1 << 20
MAX_SUM = (1 << 128) - 1
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_STAGE_TAG = ".pol-build-"


# ---------------------------------------------------------------------------- users
@dataclass(frozen=True)
class UsersTable:
    """Checked users and balances, column-wise.

    Attributes
    ----------
    users : pyarrow.LargeStringArray
        User ids, trimmed and NFC-normalised, unique, non-empty, at most
        :data:`MAX_USER_BYTES` bytes of UTF-8 each.
    balances : ndarray, shape (n, 16), uint8
        Balances in the smallest unit, 16-byte big-endian.
    total : int
        Sum of the balances (``< 2**128``).
    """

    users: Any
    balances: np.ndarray
    total: int

    @property
    def n(self) -> int:
        """Number of users."""
        return int(self.balances.shape[0])

    def user_bytes(self) -> tuple[np.ndarray, np.ndarray]:
        """The ids as one UTF-8 buffer and ``int64`` offsets (row ``i`` spans ``off[i:i+2]``)."""
        return arrow_string_buffers(self.users)


def arrow_string_buffers(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(data, offsets)`` of a pyarrow (large_)string array, zero-copy where possible."""
    import pyarrow as pa

    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    n = len(arr)
    bufs = arr.buffers()
    off = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data = (
        np.frombuffer(bufs[2], dtype=np.uint8)
        if bufs[2] is not None and bufs[2].size
        else np.zeros(0, dtype=np.uint8)
    )
    return data, off


def _row(source: str | None, row: int) -> str:
    """0-based ``row`` named: a file's ``data row N`` (:func:`row_ref`), a list's ``row N``."""
    return row_ref(row + 1) if source else f"row {row + 1}"


def _where(source: str | None, row: int) -> str:
    return f"{source}: {_row(source, row)}" if source else _row(source, row)


def _users_param(source: str | None) -> str | None:
    """The parameter behind a bad user id: ``users`` for lists; a file's row names itself."""
    return None if source else "users"


def _trimmed(arr: Any) -> Any:
    """``utf8_trim_whitespace``, skipped (no copy) when no row can have edge whitespace."""
    import pyarrow.compute as pc

    from liqcascade.solvency import _pol_kernels as K

    if K.edge_bytes_nb(*arrow_string_buffers(arr)):
        return pc.utf8_trim_whitespace(arr)
    return arr


def _nfc(users: Any, ascii_rows: Any) -> Any:
    """``users`` with each non-ASCII id in Unicode NFC, by Python's ``unicodedata``.

    Not pyarrow's ``utf8_normalize``: before pyarrow 26 its ``form="NFC"`` returns NFD
    (``"José"`` as ``"Jose"`` + a combining accent), which :func:`normalise_user` never
    matches. ASCII ids are their own NFC and stay as they are.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    idx = pc.indices_nonzero(pc.invert(ascii_rows)).to_numpy()
    ids = users.to_pylist()
    for i in idx:
        ids[i] = unicodedata.normalize("NFC", ids[i])
    return pa.array(ids, pa.large_string())


def _check_users(users: Any, source: str | None) -> Any:
    """Trim, NFC-normalise and check ids; return the normalised large_string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from liqcascade.solvency import _pol_kernels as K

    users = _trimmed(users.cast(pa.large_string()))
    ascii_rows = pc.string_is_ascii(users)
    if not pc.all(ascii_rows).as_py():
        users = _nfc(users, ascii_rows)
    data, off = arrow_string_buffers(users)  # no nulls: ids are never null here
    lengths = np.diff(off)  # UTF-8 bytes per id (no pyarrow to_numpy: it loads pandas)
    blank = lengths == 0
    if blank.any():
        raise InputError(
            f"{_where(source, int(np.argmax(blank)))}: user is blank", param=_users_param(source)
        )
    long = lengths > MAX_USER_BYTES
    if long.any():
        i = int(np.argmax(long))
        raise InputError(
            f"{_where(source, i)}: user id is {int(lengths[i])} bytes of UTF-8 "
            f"(at most {MAX_USER_BYTES})",
            param=_users_param(source),
        )
    hashes = np.sort(K.row_hashes_nb(data, off))
    if (hashes[1:] == hashes[:-1]).any():  # a duplicate, or (rarely) a hash collision
        seen: dict[str, int] = {}
        for i, u in enumerate(users.to_pylist()):
            if u in seen:
                raise InputError(
                    f"{_where(source, i)}: user {u!r} appears more than once "
                    f"(first on {_row(source, seen[u])}; ids are compared after Unicode NFC "
                    "normalisation)",
                    param=_users_param(source),
                )
            seen[u] = i
    return users


def _balance_error(status: int, row: int, text: str, source: str | None) -> InputError:
    from liqcascade.solvency import _pol_kernels as K

    where = _where(source, row)
    shown = text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"
    if status == K.BLANK or not text.strip():
        return InputError(f"{where}: balance is blank")
    if status == K.NOT_DIGITS:
        if text.startswith("-"):
            return InputError(f"{where}: balance must be >= 0 (got {shown!r})")
        if text.strip() != text and text.strip():
            return InputError(
                f"{where}: balance has spaces around it (digits only, no spaces; got {shown!r})"
            )
        return InputError(
            f"{where}: balance must be a non-negative integer in the smallest unit "
            f"(digits only; got {shown!r})"
        )
    if status == K.TOO_BIG:
        return InputError(f"{where}: balance {shown} does not fit the 128-bit sum width")
    return InputError(f"{where}: total liabilities overflow the 128-bit sum width (max {MAX_SUM})")


def _parse_balance_texts(texts: Any, source: str | None) -> tuple[np.ndarray, int]:
    import pyarrow as pa

    from liqcascade.solvency import _pol_kernels as K

    texts = texts.cast(pa.large_string())  # not trimmed: digits only, no spaces
    data, off = arrow_string_buffers(texts)
    n = len(texts)
    out = np.zeros((n, SUM_BYTES), dtype=np.uint8)
    total = np.zeros(4, dtype=np.int64)
    status, row = K.parse_balances_nb(data, off, out, total)
    if status != K.OK:
        raise _balance_error(int(status), int(row), texts[int(row)].as_py(), source)
    tot = sum(int(total[k]) << (32 * k) for k in range(4))
    return out, tot


def _quiet(fn: Any) -> Any:
    def run() -> None:
        with contextlib.suppress(Exception):  # a real failure shows again in the main thread
            fn()

    return run


def users_from_csv(path: str | Path) -> UsersTable:
    """Read and check a ``user,balance`` CSV, column-wise.

    Parameters
    ----------
    path : path
        CSV with the header ``user,balance``; balances are non-negative integers in
        the smallest unit, digits only.

    Returns
    -------
    UsersTable

    Raises
    ------
    InputError
        Naming the file and the 1-based data row at fault.
    """
    import csv

    import pyarrow as pa
    import pyarrow.csv as pcsv

    from liqcascade.solvency import _pol_kernels as K

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader([fh.readline(1 << 16)]), [])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{p}: not a readable CSV ({exc})") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror})") from None
    cols = [c.strip().lower() for c in header]
    if cols != ["user", "balance"]:
        raise InputError(f"{p}: header must be exactly 'user,balance' (got {header})")
    if not K.NUMBA_DISABLED:  # load the compiled kernels while pyarrow parses (no GIL)
        import threading

        threading.Thread(target=_quiet(K.warm_up), daemon=True).start()
    try:
        tab = pcsv.read_csv(
            p,
            read_options=pcsv.ReadOptions(
                skip_rows=1, column_names=["user", "balance"], block_size=1 << 24
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={"user": pa.large_string(), "balance": pa.large_string()},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError) as exc:
        msg = str(exc).replace("\n", " ")
        raise InputError(f"{p}: not a readable CSV ({msg[:200]})") from None
    if tab.num_rows == 0:
        raise InputError(f"{p}: no users")
    users = _check_users(tab.column("user").combine_chunks(), str(p))
    balances, total = _parse_balance_texts(tab.column("balance").combine_chunks(), str(p))
    return UsersTable(users, balances, total)


def users_from_lists(users: Any, balances: Any) -> UsersTable:
    """Check ids and integer balances given as Python sequences (or numpy / pandas).

    Raises
    ------
    InputError
        On a blank or repeated (after NFC) user, a balance that is not an integer,
        negative or ``>= 2**128``, or a total that overflows 128 bits.
    """
    import pyarrow as pa

    u = [x if isinstance(x, str) else str(x) for x in users]
    n = len(u)
    if n == 0:
        raise InputError("no users", param="users")
    arr = np.asarray(balances) if not isinstance(balances, list) else None
    if arr is not None and arr.dtype.kind in "iu":
        if arr.ndim != 1 or arr.shape[0] != n:
            raise InputError(f"{n} users but {arr.size} balances", param="balances")
        if arr.dtype.kind == "i" and (arr < 0).any():
            i = int(np.argmax(arr < 0))
            raise InputError(
                f"row {i + 1}: balance must be >= 0 (got {int(arr[i])})", param="balances"
            )
        vals = arr.astype(np.uint64)
        bal = np.zeros((n, SUM_BYTES), dtype=np.uint8)
        bal[:, 8:] = vals.astype(">u8").view(np.uint8).reshape(n, 8)
        total = int(vals.sum(dtype=object)) if n else 0
    else:
        b = list(balances)
        if len(b) != n:
            raise InputError(f"{n} users but {len(b)} balances", param="balances")
        big = False
        for i, x in enumerate(b):
            if isinstance(x, bool) or not isinstance(x, int | np.integer):
                raise InputError(
                    f"row {i + 1}: balance must be an integer (got {x!r})", param="balances"
                )
            if x < 0:
                raise InputError(f"row {i + 1}: balance must be >= 0 (got {x})", param="balances")
            if x > MAX_SUM:
                raise InputError(
                    f"row {i + 1}: balance does not fit the 128-bit sum width", param="balances"
                )
            big = big or bool(x >= 1 << 64)
        total = sum(int(x) for x in b)
        if big:
            bal = np.frombuffer(
                b"".join(int(x).to_bytes(SUM_BYTES, "big") for x in b), dtype=np.uint8
            ).reshape(n, SUM_BYTES)
        else:
            vals = np.array(b, dtype=np.uint64)
            bal = np.zeros((n, SUM_BYTES), dtype=np.uint8)
            bal[:, 8:] = vals.astype(">u8").view(np.uint8).reshape(n, 8)
    if total > MAX_SUM:
        raise InputError("total liabilities overflow the 128-bit sum width")
    try:
        ua = pa.array(u, type=pa.large_string())
    except (pa.ArrowException, UnicodeEncodeError) as exc:
        raise InputError(f"user ids must be valid Unicode text ({exc})") from None
    return UsersTable(_check_users(ua, None), np.ascontiguousarray(bal), total)


def normalise_user(user: str) -> str:
    """A user id as the tree stores it: trimmed, Unicode NFC."""
    return unicodedata.normalize("NFC", user.strip())


# ---------------------------------------------------------------------------- paths
def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def is_tree_dir(d: Path) -> bool:
    """True when ``d`` holds a proof-of-liabilities tree (a ``liqcascade-pol`` manifest)."""
    try:
        m = json.loads((d / "manifest.json").read_text())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(m, dict) and str(m.get("format", "")).startswith("liqcascade-pol")


def _param(option: str) -> str | None:
    """The parameter ``option`` names (``None`` for a flag, ``"--out"``)."""
    return None if option.startswith("-") else option


def check_tree_dir(out: str | Path, option: str = "out") -> Path:
    """Check that a tree can be written at ``out``; return its resolved path.

    Errors name ``option``, the parameter that gave ``out`` (their ``param``: the
    command line shows its flag).

    ``out`` may be missing, an empty directory, or a tree written before (it is then
    replaced, atomically, when the new one is complete). Refused with
    :class:`InputError` before any work: a file, a non-empty directory that is not a
    tree (``/``, a home directory), a mount point, a missing parent, or a place the
    process cannot write (permissions, an immutable directory, a read-only file system).
    """
    raw = Path(out)
    if str(out) == "":
        raise InputError(f"{option}: empty path", param=_param(option))
    target = Path(os.path.realpath(raw))
    parent = target.parent
    if target.exists():
        if not target.is_dir():
            raise InputError(f"{option}: {raw} exists and is not a directory", param=_param(option))
        if target == parent or os.path.ismount(target):
            raise InputError(
                f"{option}: {raw} is a mount point; give a directory inside it",
                param=_param(option),
            )
        try:
            empty = not any(target.iterdir())
        except OSError as exc:
            raise InputError(
                f"{option}: cannot read {raw} ({_why(exc)})", param=_param(option)
            ) from None
        if not empty and not is_tree_dir(target):
            raise InputError(
                f"{option}: {raw} is a non-empty directory that is not a proof-of-liabilities "
                "tree (no liqcascade-pol manifest.json); refusing to replace it",
                param=_param(option),
            )
        if not os.access(target, os.W_OK | os.X_OK):
            raise InputError(f"{option}: {raw} is not writable", param=_param(option))
    if not parent.is_dir():
        raise InputError(f"{option}: {_missing_parent(parent)}", param=_param(option))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{option}: cannot write in {parent}", param=_param(option))
    return target


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_stages(target: Path) -> None:
    """Remove temporary trees of builds of ``target`` whose process is gone.

    ``.NAME.pol-build-PID-XXXXXXXX`` (and the ``-old`` tree :func:`swap_into_place` set
    aside). Gone: no process holds the tree's lock (a build holds it:
    :class:`TreeStage`) and its PID does not run here. A PID alone does not tell on a
    shared volume (NFS, a container with its own PID namespace): a live build's PID may
    not exist here. Where the lock cannot be probed (Windows, a file system without
    locks) the trees stay (:func:`liqcascade._paths.remove_stale`).
    """
    remove_stale(target, "", sep=_STAGE_TAG, middle=_STAGE_MIDDLE, pid_alive=_alive,
                 remove=_remove_tree, older_than=0.0)  # fmt: skip


def _remove_tree(p: Path) -> None:
    """A build's tree (a file of that name is not one: left)."""
    if not p.is_dir():
        raise NotADirectoryError(p)
    shutil.rmtree(p)


#: What a build's tree has after ``.NAME.pol-build-``: its PID, mkdtemp's random part.
_STAGE_MIDDLE = rf"(?P<pid>\d+)-{TEMP_NAME}(?:-old)?"


_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2


@contextlib.contextmanager
def _no_exc() -> Any:
    try:
        yield
    except (OSError, AttributeError, ValueError):
        pass


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """``renameat2`` (Linux): True when done, False when the call is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    r = fn(at_fdcwd, os.fsencode(src), at_fdcwd, os.fsencode(dst), flags)
    if r == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


def swap_into_place(stage: Path, target: Path) -> Path | None:
    """Move ``stage`` to ``target``; return where the previous tree went (or None).

    With ``renameat2(RENAME_EXCHANGE)`` the two directories trade places in one
    atomic step. Elsewhere the previous tree is first renamed aside, leaving a
    moment with no tree at ``target`` (never a half-written one).
    """
    if target.exists():
        if _renameat2(stage, target, _RENAME_EXCHANGE):
            return stage
        aside = target.parent / f"{stage.name}-old"
        os.rename(target, aside)
        os.rename(stage, target)
        return aside
    if not _renameat2(stage, target, _RENAME_NOREPLACE):
        os.rename(stage, target)
    return None


class TreeStage:
    """A temporary directory beside ``target`` that becomes ``target`` on :meth:`commit`.

    Use as a context manager: an exception (or a kill) before :meth:`commit`
    leaves ``target`` as it was; the temporary directory is removed on exception,
    and by the next build of the same target after a kill.

    Parameters
    ----------
    target : path
        The tree directory to write (checked with :func:`check_tree_dir`).
    option : str, default "out"
        The parameter that gave ``target``, named by the errors (their ``param``).
    """

    def __init__(self, target: str | Path, option: str = "out") -> None:
        self.target = check_tree_dir(target, option)
        self.option = option
        _remove_stale_stages(self.target)
        prefix = f".{self.target.name}{_STAGE_TAG}{os.getpid()}-"
        try:  # held locked while it is built: another build's clean-up leaves it
            self._lock, path = stage_beside(self.target, prefix, folder=True)
        except OSError as exc:
            raise InputError(
                f"{option}: cannot write in {self.target.parent} ({_why(exc)})",
                param=_param(option),
            ) from None
        self.path = Path(path)
        self._done = False
        # public parts readable as the umask allows; private/ is 0700 below
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.path, 0o777 & ~umask)

    def __enter__(self) -> TreeStage:
        return self

    def __exit__(
        self, typ: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._done:
            self.abort()

    def abort(self) -> None:
        """Remove the temporary directory (``target`` is untouched)."""
        shutil.rmtree(self.path, ignore_errors=True)
        self._done = True
        self._unlock()

    def _unlock(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def commit(self) -> None:
        """Swap the finished tree into place and remove the previous one."""
        t = self.target
        if t.exists() and not (t.is_dir() and (is_tree_dir(t) or not any(t.iterdir()))):
            # something else appeared there while we built
            raise InputError(
                f"{self.option}: {self.target} changed during the build; not replaced",
                param=_param(self.option),
            )
        try:
            old = swap_into_place(self.path, self.target)
        except OSError as exc:
            raise InputError(
                f"{self.option}: cannot move the tree into place ({_why(exc)})",
                param=_param(self.option),
            ) from None
        self._done = True
        self._unlock()
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def make_private_dir(path: Path) -> Path:
    """Create ``path`` with mode 0700 (whatever the umask) and return it."""
    path.mkdir(mode=PRIVATE_DIR_MODE)
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def open_private(path: Path) -> Any:
    """Open a new file for binary writing with mode 0600 (whatever the umask)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    os.fchmod(fd, PRIVATE_FILE_MODE)
    return os.fdopen(fd, "wb")


def check_out_file(out: str | Path, option: str = "out") -> Path:
    """Check that a file can be written at ``out`` (before any work); return its path.

    Errors name ``option``, the parameter that gave ``out`` (their ``param``).

    Refused: a directory (``/``), something that is not a regular file, a missing
    parent, an unwritable or immutable file or directory.
    """
    raw = Path(out)
    if str(out) == "":
        raise InputError(f"{option}: empty path", param=_param(option))
    target = Path(os.path.realpath(raw))
    if target.exists():
        if target.is_dir():
            raise InputError(f"{option}: {raw} is a directory", param=_param(option))
        if not stat.S_ISREG(target.stat().st_mode):
            raise InputError(f"{option}: {raw} is not a regular file", param=_param(option))
        if not os.access(target, os.W_OK):
            raise InputError(f"{option}: {raw} is not writable", param=_param(option))
    parent = target.parent
    if not parent.is_dir():
        raise InputError(f"{option}: {_missing_parent(parent)}", param=_param(option))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{option}: cannot write in {parent}", param=_param(option))
    return target


def write_private_file(target: Path, data: bytes, option: str = "out") -> Path:
    """Write ``data`` to ``target`` atomically (temporary file + rename), mode 0600.

    Errors name ``option``, the parameter that gave ``target`` (their ``param``).
    """
    try:
        fd, tmp = staged_file(target)  # locked while written; a killed write's is removed
    except OSError as exc:
        raise InputError(
            f"{option}: cannot write in {target.parent} ({_why(exc)})", param=_param(option)
        ) from None
    try:
        Path(tmp).write_bytes(data)  # made 0600 by mkstemp: private from its first byte
        os.chmod(tmp, PRIVATE_FILE_MODE)
        os.replace(tmp, target)
    except OSError as exc:
        with _no_exc():
            os.unlink(tmp)
        raise InputError(
            f"{option}: cannot write {target} ({_why(exc)})", param=_param(option)
        ) from None
    finally:
        if fd >= 0:  # the lock (-1: none, Windows)
            os.close(fd)
    return target


def read_json_object(path: str | Path, what: str = "proof") -> dict[str, Any]:
    """Read a small JSON object; malformed, huge or deeply nested -> :class:`InputError`.

    ``what`` names the file in messages (``"proof"``); at most :data:`MAX_PROOF_BYTES`.
    An integer too long for Python to parse (over ``sys.get_int_max_str_digits()``
    digits, 4,300 by default) is refused as out of range for a proof, whose numbers are
    below ``2**128`` (39 digits), not with Python's advice to raise that limit.
    """
    try:
        return read_json(path, what, max_bytes=MAX_PROOF_BYTES)
    except InputError:
        digits = _longest_int(path)
        if digits > sys.get_int_max_str_digits() > 0:
            raise InputError(
                f"{path}: a number of {digits:,} digits; a {what}'s numbers are below "
                f"2**128 (at most {len(str(MAX_SUM))} digits)"
            ) from None
        raise


def _longest_int(path: str | Path) -> int:
    """Digits of the longest JSON integer in ``path`` (0 when it cannot be read or parsed).

    Parsed with ``parse_int`` seeing each integer's text, so no conversion limit applies.
    """
    longest = 0

    def see(text: str) -> int:
        nonlocal longest
        longest = max(longest, len(text.lstrip("-")))
        return 0

    with contextlib.suppress(OSError, ValueError, RecursionError):
        json.loads(Path(path).read_text(encoding="utf-8-sig"), parse_int=see)
    return longest


def _missing_parent(parent: Path) -> str:
    """Why ``parent`` is not a folder to write in: a file on its path, or missing."""
    for p in (parent, *parent.parents):
        if p.exists():
            if not p.is_dir():
                return f"{p} is a file, not a folder (the output goes under it)"
            break
    return f"parent directory {parent} does not exist"
