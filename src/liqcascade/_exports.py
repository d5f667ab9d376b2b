"""``dir()`` of a package with lazy exports (PEP 562): one rule for every package.

A package that loads names on first use (a module ``__getattr__`` over its ``_LAZY``
table) does not hold them in its namespace, so ``dir()`` and tab completion miss them.
Each such package sets ``__dir__ = _exports.package_dir(globals())``: its namespace and
its ``__all__``, less the names that are plumbing, not API (:data:`HIDDEN`).

Imports nothing at run time: the top-level package uses it, and stays light (its
console script imports it before installing its Ctrl-C rule).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping
    from typing import Any

#: Names a package's namespace holds that are not its API: ``typing``'s helpers of the
#: lazy ``__getattr__`` (``TYPE_CHECKING``, ``Any``), the ``__future__`` import
#: (``annotations``) and this module, which each package imports to set ``__dir__``.
HIDDEN = frozenset({"TYPE_CHECKING", "Any", "annotations", "_exports"})


def package_dir(namespace: MutableMapping[str, Any]) -> Callable[[], list[str]]:
    """A package's ``__dir__``: the names of ``namespace`` and its ``__all__``, sorted.

    Parameters
    ----------
    namespace : mapping
        The package's ``globals()``, read at each call (a submodule imported later, an
        ``__all__`` extended later, are listed).

    Returns
    -------
    callable
        ``__dir__() -> list[str]``, less :data:`HIDDEN`.
    """

    def __dir__() -> list[str]:
        return sorted({*namespace, *namespace.get("__all__", ())} - HIDDEN)

    return __dir__
