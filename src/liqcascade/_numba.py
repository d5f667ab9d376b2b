"""The package's numba switch.

Kernels are written as plain Python on flat arrays and compiled with :func:`njit`.
Setting ``LIQCASCADE_DISABLE_NUMBA=1`` runs them uncompiled (for debugging and
coverage); the pure-Python twins used by the tests are separate functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

NUMBA_DISABLED: bool = os.environ.get("LIQCASCADE_DISABLE_NUMBA", "") not in ("", "0")


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

    kwargs.setdefault("cache", True)
    if len(args) == 1 and callable(args[0]) and len(kwargs) == 1:
        return numba.njit(cache=kwargs["cache"])(args[0])
    return numba.njit(*args, **kwargs)


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
