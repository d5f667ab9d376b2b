"""The package's numba switch.

Kernels are written as plain Python on flat arrays and compiled with :func:`njit`.
Setting ``LIQCASCADE_DISABLE_NUMBA=1`` runs them uncompiled (for debugging and
coverage); the pure-Python twins used by the tests are separate functions.

Kernels compile on first use and are cached on disk (``cache=True``); the first calls on
a machine (or after an upgrade) spend tens of seconds compiling. Before the first
compile of a process the ``liqcascade`` logger says so, once, at INFO level
(:func:`announce_compiles`; ``logging.basicConfig(level=logging.INFO)`` shows it): a
cache hit compiles nothing and logs nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

NUMBA_DISABLED: bool = os.environ.get("LIQCASCADE_DISABLE_NUMBA", "") not in ("", "0")

_LOG = logging.getLogger("liqcascade.numba")

#: The INFO line logged before the first kernel compile of a process.
COMPILE_MESSAGE = (
    "compiling the numba kernels on first use (tens of seconds, once: they are cached on "
    "disk for the next runs)"
)

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
                _LOG.info(COMPILE_MESSAGE)

        def on_end(self, ev: Any) -> None:
            return None

    listener = _FirstCompile()
    register("numba:compile", listener)
    _ANNOUNCER.append(listener)


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
    import numba

    announce_compiles()
    kwargs.setdefault("cache", True)
    if args and callable(args[0]):
        _KERNELS.add(args[0])
        if len(args) == 1 and len(kwargs) == 1:
            return numba.njit(cache=kwargs["cache"])(args[0])
        return numba.njit(*args, **kwargs)
    decorate = numba.njit(*args, **kwargs)

    def kernel(f: Any) -> Any:
        _KERNELS.add(f)
        return decorate(f)

    return kernel


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
