"""Paths a command writes or reads on a user's behalf, checked before any work.

- :func:`check_output_dir` / :func:`check_output_file`: an output is refused up front
  (exit 2, naming the parameter; the command line shows its flag) when it is an
  existing file where a folder is wanted (or the reverse), the filesystem root, or a
  place this process cannot write — probed by creating and removing a temporary file
  in the nearest existing folder, so read-only mounts, ``chattr +i`` and permissions
  all count, for root too. Nothing is created: a refused command leaves no empty
  folder behind.
- :func:`resolve_config_path`: a file named inside a configuration file. A relative
  path is read from the configuration's folder and must stay inside it (no ``..``
  escape, no symlink out of it); an absolute path must exist and be a regular file.
- :func:`write_atomic`: a file written whole or not at all (a temporary file beside
  it, then a rename), so a failed write leaves what was there.
- :func:`stage_beside` / :func:`staged_file` / :func:`is_stale` / :func:`remove_stale`:
  the temporary file (or folder) a write stages beside its target
  (``.NAME.lqc-XXXXXXXX.tmp``, :data:`STAGE_MARK` marking it as this package's) is
  locked while written; one a killed write left (no process holds its lock) is removed
  by the next write to NAME, matched by its exact, marked name.
- :func:`read_utf8` / :func:`read_json`: a user's text file, or JSON object, read with
  one message per cause (missing, a folder, unreadable, not UTF-8, not JSON with its
  line, not an object, too big), never a traceback.
- :func:`read_parquet_bytes`: a Parquet file's bytes as a frame, read so that the
  process exits cleanly (see its note).
"""

from __future__ import annotations

import errno
import glob
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from liqcascade.errors import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock to tell a live writer's file by
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "STAGED_MIDDLE",
    "STAGE_MARK",
    "STALE_AFTER_S",
    "TEMP_NAME",
    "check_output_dir",
    "check_output_file",
    "hold_lock",
    "is_stale",
    "read_json",
    "read_utf8",
    "remove_stale",
    "resolve_config_path",
    "stage_beside",
    "staged_file",
    "write_all_atomic",
    "write_atomic",
]

STALE_AFTER_S = 60.0
"""Seconds a staged temporary file must have gone unmodified, besides being unlocked,
before another write removes it (one just made by ``mkstemp`` is not locked yet)."""


def _param(option: str) -> str | None:
    """The parameter ``option`` names (``None`` for a flag, ``"--out"``)."""
    return None if option.startswith("-") else option


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists():
        if p.parent == p:
            break
        p = p.parent
    return p


def _probe_dir(folder: Path, option: str, target: Path) -> None:
    """Create and remove a temporary file in ``folder`` or refuse naming ``option``."""
    if not folder.is_dir():
        raise InputError(
            f"{option}: {target}: {folder} is a file, not a folder", param=_param(option)
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=".liqcascade-probe-", dir=folder)
    except OSError as exc:
        reason = _reason(exc)
        raise InputError(
            f"{option}: {target}: cannot write in {folder} ({reason})", param=_param(option)
        ) from None
    os.close(fd)
    try:
        os.unlink(tmp)
    except OSError:  # pragma: no cover - a folder that lets us create but not delete
        pass


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EPERM:
        return "operation not permitted: immutable or protected"
    if exc.errno == errno.EACCES:
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or type(exc).__name__


def _check_existing_file(f: Path, option: str) -> None:
    """An existing file to be replaced: a regular file we can open for writing."""
    if f.is_dir():
        raise InputError(f"{option}: {f} is a folder, not a file", param=_param(option))
    if not f.is_file():
        raise InputError(f"{option}: {f} exists and is not a regular file", param=_param(option))
    try:
        with open(f, "ab"):  # opens for writing without changing the content
            pass
    except OSError as exc:
        raise InputError(
            f"{option}: {f}: cannot be replaced ({_reason(exc)})", param=_param(option)
        ) from None


def check_output_dir(path: str | Path, option: str = "out", files: Iterable[str] = ()) -> Path:
    """Check that a command can write its outputs into the folder ``path``.

    Parameters
    ----------
    path : str or Path
        The output folder (created later by the command if missing).
    option : str, default "out"
        The parameter named in the error (its ``param``: the command line shows its
        flag); a flag (``"--out"``, from the command line) is only named.
    files : iterable of str
        Names the command writes inside the folder; existing ones must be replaceable.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    InputError
        ``path`` is empty, the filesystem root, an existing file, or not writable.
    """
    if str(path).strip() == "":
        raise InputError(f"{option} is empty: give a folder", param=_param(option))
    p = Path(path).expanduser()
    resolved = p.resolve()
    if resolved.parent == resolved:
        raise InputError(
            f"{option}: {p} is the filesystem root: give a folder for the outputs",
            param=_param(option),
        )
    if p.exists() and not p.is_dir():
        raise InputError(f"{option}: {p} is a file, not a folder", param=_param(option))
    _probe_dir(_nearest_existing(resolved), option, p)
    for name in files:
        f = resolved / name
        if f.exists() or f.is_symlink():
            _check_existing_file(f, option)
    return p


def check_output_file(path: str | Path, option: str = "out") -> Path:
    """Check that a command can write (or atomically replace) the file ``path``.

    ``option`` names the parameter as in :func:`check_output_dir`.

    Parameters
    ----------
    path : str or Path
        The file to write (``~`` expanded); missing folders are allowed when the nearest
        existing one is writable.
    option : str, default "out"
        The parameter's name, or a command-line flag (then only named in the message).

    Returns
    -------
    Path
        ``path`` with ``~`` expanded.

    Raises
    ------
    InputError
        ``path`` is empty, a folder, the filesystem root, or its folder is not writable.
    """
    if str(path).strip() == "":
        raise InputError(f"{option} is empty: give a file name", param=_param(option))
    p = Path(path).expanduser()
    resolved = p.resolve()
    if resolved.parent == resolved or p.is_dir():
        raise InputError(f"{option}: {p} is a folder, not a file", param=_param(option))
    if p.exists() or p.is_symlink():
        _check_existing_file(resolved, option)
    _probe_dir(_nearest_existing(resolved.parent), option, p)
    return p


def resolve_config_path(base: str | Path, value: str, key: str) -> Path:
    """A file named in a configuration file, resolved and checked.

    Parameters
    ----------
    base : str or Path
        The configuration file's folder.
    value : str
        The path as written in the configuration.
    key : str
        Where it was written (``"config.toml: venues[0].positions.path"``), for errors.

    Returns
    -------
    Path
        The resolved path of an existing regular file.

    Raises
    ------
    InputError
        Empty; relative and leaving the configuration's folder; missing; not a
        regular file (a folder, a device, a FIFO).
    """
    if not str(value).strip():
        raise InputError(f"{key}: empty path")
    raw = Path(value).expanduser()
    base_r = Path(base).resolve()
    if raw.is_absolute():
        p = raw.resolve()
    else:
        p = (base_r / raw).resolve()
        if not p.is_relative_to(base_r):
            raise InputError(
                f"{key}: {value!r} leaves the configuration's folder {base_r}; relative paths "
                "must stay inside it (give an absolute path to read a file elsewhere)"
            )
    if not p.exists():
        raise InputError(f"{key}: no such file {p}")
    if not p.is_file():
        raise InputError(f"{key}: {p} is not a regular file")
    return p


def is_stale(path: Path, *, older_than: float = STALE_AFTER_S, duckdb: bool = False) -> bool:
    """Whether a temporary file beside a target was left by a write that is gone.

    Stale: no process holds the file's lock (``flock``, as :func:`staged_file` takes it;
    with ``duckdb``, the ``fcntl`` lock DuckDB holds on a database file it has open) and
    it has gone unmodified for ``older_than`` seconds. The lock, not a process id, tells:
    on a shared volume (NFS, a container with its own PID namespace) a live writer's
    PID may not exist here, and a dead one's may be another process's. Anything that
    cannot be checked (no locks on this system or file system, the file gone) is not
    stale: left alone.

    Parameters
    ----------
    path : Path
        The temporary file.
    older_than : float, default STALE_AFTER_S
        Seconds since its last modification, at least.
    duckdb : bool, default False
        Probe DuckDB's lock (a database file) rather than ``flock``. Never for a file
        this process has open in DuckDB: closing the probe would drop DuckDB's lock.

    Returns
    -------
    bool
    """
    if fcntl is None:
        return False
    try:
        if time.time() - path.stat().st_mtime < older_than:
            return False
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if duckdb:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        else:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return False  # held by a live writer, or locks unsupported here
    finally:
        os.close(fd)
    return True


TEMP_NAME = r"[a-z0-9_]{8}"
"""The random part :func:`tempfile.mkstemp` and :func:`tempfile.mkdtemp` put in a name
(eight of ``a-z``, ``0-9``, ``_``), as a regular expression."""

STAGE_MARK = "lqc-"
"""What every name this package stages beside a target carries right after ``.NAME.``
(``.NAME.lqc-XXXXXXXX.tmp``, a new store's ``.NAME.lqc-PID-XXXXXXXX.partial``): the
clean-up takes only names so marked, never a user's ``.NAME.original.tmp``."""

STAGED_MIDDLE = re.escape(STAGE_MARK) + TEMP_NAME
"""What :func:`staged_file` puts between ``.NAME.`` and ``.tmp``, as a regular
expression: :data:`STAGE_MARK` and tempfile's random part (:data:`TEMP_NAME`)."""


def _remove_file(p: Path) -> None:
    """A staged file; a folder of its name is not one (a write stages files): left."""
    if p.is_dir():
        raise IsADirectoryError(p)
    p.unlink()


def remove_stale(
    target: Path,
    suffix: str = ".tmp",
    *,
    middle: str = STAGED_MIDDLE,
    sep: str = ".",
    pid_alive: Callable[[int], bool] | None = None,
    remove: Callable[[Path], object] = _remove_file,
    **stale: Any,
) -> list[Path]:
    """Remove what killed writes of ``target`` left beside it, and only that.

    The one clean-up of every staged write: :func:`staged_file`'s
    ``.NAME.lqc-XXXXXXXX.tmp`` (the default), a new store's
    ``.NAME.lqc-PID-XXXXXXXX.partial``, a pol build's tree
    ``.NAME.pol-build-PID-XXXXXXXX``. A name is ``"." + NAME + sep + middle + suffix``
    exactly (``middle`` a regular expression, starting with a mark this package owns:
    :data:`STAGE_MARK`, ``pol-build-``): a user's ``.NAME.backup.tmp``,
    ``.NAME.original.tmp`` (eight characters, as tempfile's random part) or
    ``.NAME.old.partial`` is not one. Leftovers of versions before the mark
    (``.NAME.XXXXXXXX.tmp``, ``.NAME.PID-XXXXXXXX.partial``) cannot be told from a
    user's files and are left alone: remove them by hand. A match is removed only when
    stale
    (:func:`is_stale`: no process holds its lock), and never when ``middle``'s ``pid``
    group is this process's (its own files; probing a DuckDB file it has open would
    drop DuckDB's lock).

    Parameters
    ----------
    target : Path
        The file or folder the leftovers were staged for.
    suffix : str, default ".tmp"
        How their names end (matched as given).
    middle : str, default STAGED_MIDDLE
        Regular expression of what the writer puts between ``NAME + sep`` and
        ``suffix`` (its mark included); a group named ``pid`` (digits) names the
        writing process.
    sep : str, default "."
        What follows ``NAME`` (matched as given).
    pid_alive : callable, optional
        ``pid_alive(pid) -> bool``: also keep a leftover whose ``pid`` runs here (for a
        folder, whose lock may not be taken on NFS).
    remove : callable, default: unlink a file (a folder is left)
        How a stale leftover goes (a store's partial takes its ``.wal`` along).
    **stale
        Passed to :func:`is_stale` (``older_than``, ``duckdb``).

    Returns
    -------
    list of Path
        The leftovers removed (one that could not be removed is left, unnamed).
    """
    name = re.compile(
        re.escape(f".{target.name}{sep}") + f"(?:{middle})" + re.escape(suffix), re.DOTALL
    )
    removed = []
    for p in target.parent.glob(f".{glob.escape(target.name)}*"):
        m = name.fullmatch(p.name)
        if m is None or p.is_symlink():
            continue
        pid = int(m["pid"]) if "pid" in name.groupindex and m["pid"] else None
        if pid == os.getpid():
            continue
        # the lock first: where it cannot tell (Windows, no fcntl) no process is asked
        # (there, os.kill(pid, 0) sends CTRL_C_EVENT)
        if not is_stale(p, **stale) or (pid_alive and pid is not None and pid_alive(pid)):
            continue
        try:
            remove(p)
        except OSError:
            continue
        removed.append(p)
    return removed


def _flock(fd: int, *, wait: bool) -> bool:
    """Take ``flock``'s exclusive lock on ``fd``; False where it cannot be taken."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:  # held by another (not waiting), or no locks on this file system
        return False
    return True


def hold_lock(path: Path) -> int:
    """Open ``path`` (a file or a folder) and hold it locked (``flock``, exclusive).

    What :func:`is_stale` looks for: the lock is held until the returned descriptor is
    closed (or the process ends). -1 where it cannot be taken (no locks here, another
    process holds it, or a folder on NFS, whose emulated lock needs a file open for
    writing): the caller's file then has its other guards only.

    Parameters
    ----------
    path : Path
        The file or folder.

    Returns
    -------
    int
        The open descriptor holding the lock, or -1.
    """
    if fcntl is None:
        return -1
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return -1
    if not _flock(fd, wait=False):
        os.close(fd)
        return -1
    return fd


def stage_beside(path: Path, prefix: str | None = None, *, folder: bool = False) -> tuple[int, str]:
    """A new temporary file (or folder) beside ``path``, held locked: its fd and name.

    The one way a write stages: ``PREFIX`` + eight random characters (:data:`TEMP_NAME`)
    + ``.tmp`` (a folder: no suffix; ``PREFIX`` by default ``.NAME.lqc-``, the mark
    :func:`remove_stale` looks for), made by :mod:`tempfile` and held locked
    (``flock``, exclusive) until ``fd`` is closed, so no other write's
    :func:`remove_stale` takes it meanwhile. Where there are no locks (Windows) ``fd``
    is -1 and the file is closed: there a file held open can be neither renamed nor
    removed. A file system without locks keeps the file open, unlocked: its age alone
    protects it (:data:`STALE_AFTER_S`).

    Parameters
    ----------
    path : Path
        The target; its folder must exist.
    prefix : str, optional
        The name's start; default ``.NAME.lqc-`` (:data:`STAGE_MARK`). A caller's own
        must carry a mark of its own, matched by its clean-up.
    folder : bool, default False
        Stage a folder (:func:`tempfile.mkdtemp`; its lock as :func:`hold_lock` takes it).

    Returns
    -------
    tuple of (int, str)
        The open descriptor holding the lock (-1: none) and the staged path.

    Raises
    ------
    OSError
        The file or folder could not be made.
    """
    prefix = f".{path.name}.{STAGE_MARK}" if prefix is None else prefix
    if folder:
        name = tempfile.mkdtemp(prefix=prefix, dir=path.parent)
        return hold_lock(Path(name)), name
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    if fcntl is None:
        os.close(fd)  # no lock to hold, and an open file cannot be renamed on Windows
        return -1, name
    _flock(fd, wait=True)
    return fd, name


def staged_file(path: Path) -> tuple[int, str]:
    """A new temporary file beside ``path`` (``.NAME.lqc-XXXXXXXX.tmp``), locked: fd and name.

    Stale ones a killed write to ``path`` left are removed first (:func:`remove_stale`),
    then :func:`stage_beside` makes it. The caller writes it by its name, renames it
    over ``path`` and closes ``fd`` (or removes it on a failure).

    Parameters
    ----------
    path : Path
        The target; its folder must exist.

    Returns
    -------
    tuple of (int, str)
        The open file descriptor holding the lock (-1: none) and the temporary file's
        path.

    Raises
    ------
    OSError
        The file could not be made.
    """
    remove_stale(path)
    return stage_beside(path)


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` whole or not at all.

    A temporary file in the same folder, made readable like a normal file (``0644``:
    ``mkstemp``'s ``0600`` would hide it from other users), then renamed over ``path``;
    on any failure the temporary file is removed and ``path`` is as it was. The one-file
    case of :func:`write_all_atomic`.

    Parameters
    ----------
    path : str or Path
        The file; its folder must exist.
    data : bytes or str
        The content (text is encoded as UTF-8).

    Returns
    -------
    Path
        ``path``.
    """
    p = Path(path)
    write_all_atomic({p: data})
    return p


def write_all_atomic(
    contents: Mapping[Path, bytes | str],
    *,
    skip_same: bool = False,
    replaced: list[Path] | None = None,
) -> None:
    """Write several files, all of them or none: staged whole, then renamed in order.

    Each file is written to a temporary file beside it (``.NAME.lqc-XXXX.tmp``, mode
    ``0644``, locked while written: :func:`staged_file`); only when every one is whole
    are they renamed into place, in the order of ``contents``, one right after the
    other. No temporary file is left behind, whatever happens (an error, Ctrl-C); one
    a SIGKILL left is removed by the next write to the same file.

    Parameters
    ----------
    contents : mapping of Path to bytes or str
        Each file's path (its folder must exist) and content (text as UTF-8).
    skip_same : bool, default False
        Leave a file that already holds the same bytes as it is (not rewritten).
    replaced : list of Path, optional
        Appended with each file as it is renamed into place: after a failure it says
        which files were replaced (none, unless a rename itself failed).

    Raises
    ------
    OSError
        The failing write or rename, as the system raised it.
    """
    staged: dict[Path, str] = {}
    held: list[int] = []  # the staged files' descriptors, each holding its file's lock
    try:
        for path, content in contents.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            if skip_same and path.is_file() and path.stat().st_size == len(data):
                if path.read_bytes() == data:
                    continue
            fd, staged[path] = staged_file(path)
            if fd >= 0:
                held.append(fd)  # stays open: its lock (flock's, not lost by the write below)
            Path(staged[path]).write_bytes(data)
            os.chmod(staged[path], 0o644)
        for path, tmp in staged.items():
            os.replace(tmp, path)
            if replaced is not None:
                replaced.append(path)
    finally:
        for tmp in staged.values():
            Path(tmp).unlink(missing_ok=True)
        for fd in held:  # the locks go with them
            os.close(fd)


def read_utf8(path: str | Path, what: str = "text file") -> str:
    """The text of a user's file, decoded as UTF-8 (a leading byte-order mark dropped).

    A file saved by Windows Notepad starts with the mark; CSVs with one are read, so
    every text file is (TOML and JSON parsers refuse it at line 1, column 1).

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file should be, for the message (``"TOML text file"``, ``"JSON file"``).

    Raises
    ------
    InputError
        Naming the file: missing, a folder, unreadable, or not UTF-8 text.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a {what}")
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({_reason(exc)})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not a {what} (not UTF-8 text: {exc.reason})") from None


def _json_kind(doc: Any) -> str:
    """What a parsed JSON value is, for a message (``"a list"``)."""
    if isinstance(doc, list):
        return "a list"
    if isinstance(doc, str):
        return "a string"
    if isinstance(doc, bool):
        return "true/false"
    if isinstance(doc, int | float):
        return "a number"
    return "null"


def read_json(
    path: str | Path, what: str = "JSON file", *, max_bytes: int | None = None
) -> dict[str, Any]:
    """The JSON object in a user's file (UTF-8 text, read by :func:`read_utf8`).

    Parameters
    ----------
    path : str or Path
        The file.
    what : str, default "JSON file"
        What the file should be, for the message (``"calibration file"``, ``"proof"``).
    max_bytes : int, optional
        Largest size accepted, bytes; a bigger file is refused before it is read.

    Returns
    -------
    dict
        The parsed object.

    Raises
    ------
    InputError
        Naming the file: missing, a folder, unreadable, bigger than ``max_bytes``, not
        UTF-8 text, not valid JSON (with the line), nested too deeply, or not a JSON
        object.
    """
    p = Path(path)
    if max_bytes is not None and p.is_file():
        try:
            size = p.stat().st_size
        except OSError as exc:
            raise InputError(f"{p}: cannot read ({_reason(exc)})") from None
        if size > max_bytes:
            raise InputError(f"{p}: {size:,} bytes; a {what} is at most {max_bytes:,} bytes")
    text = read_utf8(p, what)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise InputError(f"{p}: not valid JSON (nested too deeply)") from None
    except ValueError as exc:  # integers over 4,300 digits
        msg = str(exc).replace("\n", " ")
        raise InputError(f"{p}: not valid JSON ({msg[:200]})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{p}: a {what} must be a JSON object ({{...}}), not {_json_kind(doc)}")
    return doc


def read_parquet_bytes(data: bytes) -> Any:
    """A Parquet file's bytes as a pandas DataFrame (what ``pandas.read_parquet`` gives).

    Parameters
    ----------
    data : bytes
        The whole file.

    Notes
    -----
    Read from an Arrow buffer on the calling thread (``use_threads=False``), never
    through a Python file object and Arrow's thread pools: a read through a file
    object left pool threads that aborted the interpreter at exit ("terminate called
    without an active exception", exit 134) in about 1 run in 100 on a loaded machine
    (apache/arrow#34314, #50482); this read gave 0 in 400. The bundled files are small:
    one thread costs nothing measurable.
    """
    import pandas as pd
    import pyarrow as pa

    return pd.read_parquet(pa.BufferReader(data), use_threads=False)
