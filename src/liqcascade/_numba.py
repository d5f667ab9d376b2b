"""The package's numba switch.

Kernels are written as plain Python on flat arrays and compiled with :func:`njit`.
Setting ``LIQCASCADE_DISABLE_NUMBA=1`` runs them uncompiled (for debugging and
coverage); the pure-Python twins used by the tests are separate functions.

Kernels compile on first use and are cached on disk (``cache=True``); the first calls on
a machine (or after an upgrade) spend tens of seconds compiling (one to two minutes on a
slow or busy machine). Before the first compile of a process the ``liqcascade`` logger
says so, once, at INFO level (:func:`announce_compiles`;
``logging.basicConfig(level=logging.INFO)`` shows it; the command line prints it as a
``note:`` line unless ``-q``): a cache hit compiles nothing and logs nothing, so a warm
run says nothing. Processes forked inside :func:`shared_compiles` (the report's lanes)
say it once between them.

Where the cache lives is numba's rule: ``$NUMBA_CACHE_DIR`` when set; else the
``__pycache__`` folder beside each kernel's module (``*.nbi``, ``*.nbc`` files), when it
is writable; else numba's user-wide folder (``~/.cache/numba`` on Linux). numba reads
the folder beside the modules only when the running user may write there: another user
(a service account) compiles again into its own folder (docs/watch.md). A read-only
install run by a user without a writable home has none of them: numba then refuses to
cache (a ``RuntimeError`` at import), and :func:`njit` compiles the kernel uncached
instead, saying once, at WARNING, that every process compiles again
(:data:`NO_CACHE_MESSAGE`, a ``warning:`` line): set ``NUMBA_CACHE_DIR`` to a writable folder.

Processes that start together with a cold cache (the report's two lanes) would each
compile the same kernels at the same time; inside :func:`shared_compiles` (the report
enters it before it forks its second lane) a kernel compiles in one process at a time,
and the other, once it is its turn, loads it from the cache the first one wrote.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

NUMBA_DISABLED: bool = os.environ.get("LIQCASCADE_DISABLE_NUMBA", "") not in ("", "0")

_LOG = logging.getLogger("liqcascade.numba")

#: The INFO line logged before the first kernel compile of a process (a cold cache).
COMPILE_MESSAGE = (
    "note: compiling the numba kernels on first use (tens of seconds, a minute or two on a "
    "busy machine; once: they are cached on disk for the next runs)"
)

#: The WARNING logged, once, when numba has no writable folder for its cache.
NO_CACHE_MESSAGE = (
    "warning: numba has no writable folder for its compile cache (the package's __pycache__, "
    "the user's ~/.cache/numba): the kernels compile again in every process (a minute "
    "or two); set NUMBA_CACHE_DIR to a writable folder to keep them"
)
_NO_CACHE_SAID: list[bool] = []

_ANNOUNCER: list[Any] = []  # the one listener once installed (None: numba has no events)

#: The Python functions compiled through :func:`njit`: the kernels the message speaks of
#: (a compile of another library's or the caller's own numba function says nothing).
_KERNELS: set[Any] = set()


def announce_compiles() -> None:
    """Install, once per process, the listener that logs :data:`COMPILE_MESSAGE`.

    numba's ``numba:compile`` event starts only when a kernel is compiled (not when it
    is loaded from the disk cache); the listener logs the message at INFO on the
    ``liqcascade.numba`` logger the first time one of :func:`njit`'s kernels compiles,
    then nothing. A numba without the event API (``numba.core.event``) gets no
    listener: the kernels compile as before, unannounced.
    """
    if _ANNOUNCER:
        return
    try:
        from numba.core import event

        base, register = event.Listener, event.register
    except (ImportError, AttributeError):  # an older or changed numba: no announcement
        _ANNOUNCER.append(None)
        return

    class _FirstCompile(base):  # type: ignore[misc, valid-type]
        said = False

        def on_start(self, ev: Any) -> None:
            data = getattr(ev, "data", None) or {}
            py_func = getattr(data.get("dispatcher"), "py_func", None)
            if not self.said and py_func in _KERNELS:
                self.said = True
                if _first_to_say():
                    _LOG.info(COMPILE_MESSAGE)

        def on_end(self, ev: Any) -> None:
            return None

    listener = _FirstCompile()
    register("numba:compile", listener)
    _ANNOUNCER.append(listener)


def _first_to_say() -> bool:
    """Whether this process says :data:`COMPILE_MESSAGE`.

    False when a process forked with it inside :func:`shared_compiles` said it already
    (a marker file in the block's folder, made by the first).
    """
    if not _SHARED:
        return True
    try:
        os.close(os.open(os.path.join(_SHARED[0][0], "said"), os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    except OSError:  # the folder is gone: say it
        return True
    return True


def njit(*args: Any, **kwargs: Any) -> Any:
    """``numba.njit`` with ``cache=True`` by default, or a no-op when numba is disabled.

    Use as ``@njit`` or ``@njit(parallel=True)``.

    Parameters
    ----------
    *args
        The function to compile, or nothing (then a decorator is returned).
    **kwargs
        ``numba.njit`` options (``parallel``, ``fastmath``, ...); ``cache`` defaults to
        True.

    Returns
    -------
    callable
        The compiled function, or a decorator; the function itself (or an identity
        decorator) when numba is disabled.
    """
    if NUMBA_DISABLED:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return lambda f: f
    announce_compiles()
    kwargs.setdefault("cache", True)
    if args and callable(args[0]):
        _KERNELS.add(args[0])
        return _jit(args[0], args[1:], kwargs)

    def kernel(f: Any) -> Any:
        _KERNELS.add(f)
        return _jit(f, args, kwargs)

    return kernel


def _jit(f: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``numba.njit(*args, **kwargs)(f)``; uncached when numba has no folder for its cache.

    numba picks its cache folder when a function is decorated and raises
    ``RuntimeError("cannot cache function ...: no locator available ...")`` when none is
    writable (module docstring): the kernel is then compiled without a cache, and
    :data:`NO_CACHE_MESSAGE` logged once per process.
    """
    import numba

    try:
        kernel = numba.njit(*args, **kwargs)(f)
        return _one_at_a_time(kernel) if kwargs.get("cache") else kernel  # uncached: no wait
    except RuntimeError as exc:
        if not kwargs.get("cache") or "cannot cache function" not in str(exc):
            raise
    if not _NO_CACHE_SAID:
        _NO_CACHE_SAID.append(True)
        _LOG.warning(NO_CACHE_MESSAGE)
    # uncached: the other lane would find nothing to load and compile again, one after
    # the other instead of side by side: no lock
    return numba.njit(*args, **{**kwargs, "cache": False})(f)


#: The folder of the compile locks while :func:`shared_compiles` runs (and the pid that
#: made it), inherited by a forked process; empty otherwise.
_SHARED: list[tuple[str, int]] = []


@contextmanager
def shared_compiles() -> Iterator[None]:
    """Let this process and the processes it forks in the block compile each kernel once.

    Two processes that meet a cold cache at once (the report's lanes, forked from one
    parent) would both compile the kernels both call: 30 to 45 s of CPU each for the
    largest, a whole cold report's third. Inside the block, a cached kernel of :func:`njit`
    compiles in one process at a time (a lock file per kernel, in a temporary folder the
    block removes); the other waits its turn and then finds what the first saved to numba's
    cache, which loads in milliseconds. Another signature of the same kernel still compiles
    (after the first). With a warm cache nothing compiles and the block costs one lock per
    kernel and signature first called. Nothing a kernel returns depends on it. An uncached
    kernel (no cache folder) is not held back: the other process would find nothing to load.
    A file system without locks, or no temporary folder, and each process compiles for
    itself.
    """
    if NUMBA_DISABLED or _SHARED:  # nothing compiles, or an outer block shares already
        yield
        return
    try:
        folder, pid = tempfile.mkdtemp(prefix="liqcascade-compiles-"), os.getpid()
    except OSError:  # no temporary folder: each process compiles for itself, as before
        yield
        return
    _SHARED.append((folder, pid))
    try:
        yield
    finally:
        if os.getpid() == pid:  # not a forked process's end: the folder is its parent's
            _SHARED.clear()
            shutil.rmtree(folder, ignore_errors=True)


def _one_at_a_time(dispatcher: Any) -> Any:
    """``dispatcher`` whose compiles wait for another process's of the same kernel.

    Only inside :func:`shared_compiles`; the lock is taken after numba's own compiler
    lock (held through the compile, nested compiles included), so a thread of this
    process never holds a kernel's lock while it waits for numba's, and a compile
    waits only for the kernels it calls, which never call it back.
    """
    compile_ = dispatcher.compile
    f = dispatcher.py_func
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{f.__module__}.{f.__qualname__}") + ".lock"

    def compile(sig: Any) -> Any:
        if not _SHARED or _compiled(dispatcher, sig):
            return compile_(sig)
        try:
            import fcntl
        except ImportError:  # no flock (Windows, which does not fork either)
            return compile_(sig)
        from numba.core.compiler_lock import global_compiler_lock

        with global_compiler_lock:
            try:
                fd = os.open(os.path.join(_SHARED[0][0], name), os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # the folder is gone: compile as without the block
                return compile_(sig)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                except OSError:  # no locks on this file system (some NFS, FUSE): no wait
                    pass
                return compile_(sig)  # loads from the cache what the other process saved
            finally:
                os.close(fd)  # and the lock with it

    dispatcher.compile = compile
    return dispatcher


def _compiled(dispatcher: Any, sig: Any) -> bool:
    """Whether ``dispatcher`` holds ``sig`` already (its call needs no lock)."""
    from numba.core import sigutils

    args, _ = sigutils.normalize_signature(sig)
    return tuple(args) in dispatcher.overloads


def read_only(*arrays: Any) -> tuple[Any, ...]:
    """Read-only views of ``arrays`` (no copy), for a kernel's inputs it only reads.

    numba compiles a kernel once per argument type, and a read-only array (pandas hands
    them out under copy-on-write) is a type apart from a writable one: a caller that
    passes its inputs through this gets one compile whatever the arrays' origins.

    Parameters
    ----------
    *arrays : ndarray
        The inputs; unchanged, and still writable through their own names.

    Returns
    -------
    tuple of ndarray
        One view each, ``flags.writeable`` False, same data, dtype, shape and strides.
    """
    views = []
    for a in arrays:
        v = a.view()
        v.flags.writeable = False
        views.append(v)
    return tuple(views)


def prange(*args: Any) -> Any:
    """``numba.prange`` (``range`` when numba is disabled).

    Parameters
    ----------
    *args
        ``range`` arguments (``stop`` or ``start, stop[, step]``), ints.

    Returns
    -------
    range or numba.prange
    """
    if NUMBA_DISABLED:
        return range(*args)
    import numba

    return numba.prange(*args)


def set_threads(n: int) -> int | None:
    """Set numba's thread count for the calling thread; return the count it replaces.

    Parameters
    ----------
    n : int
        Threads wanted (>= 1); more than numba's ``NUMBA_NUM_THREADS`` gives that many.

    Returns
    -------
    int or None
        The previous count, to give :func:`restore_threads`; None when numba is disabled
        or absent (nothing was set).
    """
    if NUMBA_DISABLED:
        return None
    try:
        import numba

        prev = int(numba.get_num_threads())
        cap = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
        numba.set_num_threads(max(1, min(int(n), cap)))
    except (ImportError, ValueError):  # numba absent, or its threading layer refuses
        return None
    return prev


def restore_threads(prev: int | None) -> None:
    """Give numba back the thread count :func:`set_threads` returned (None: nothing).

    Parameters
    ----------
    prev : int or None
        What :func:`set_threads` returned.
    """
    if prev is not None:
        import numba

        numba.set_num_threads(prev)


@contextmanager
def numba_threads(n: int) -> Iterator[None]:
    """Run the ``with`` block with numba's parallel kernels on ``n`` threads (restored after).

    Small batches of parallel work run faster on one thread: on a machine whose cores are
    busy, each parallel launch waits for a descheduled worker (milliseconds to a scheduler
    slice) while the work is often under a millisecond. Results do not depend on the
    count where each parallel iteration writes only its own output.

    Parameters
    ----------
    n : int
        Threads (>= 1) while the block runs; the calling thread's setting only.
    """
    prev = set_threads(n)
    try:
        yield
    finally:
        restore_threads(prev)
