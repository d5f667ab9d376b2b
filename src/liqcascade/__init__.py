"""liqcascade: liquidation-cascade risk in crypto derivatives, on real market data.

The common entry points live at the top level; everything else is in the
subpackages (``data``, ``margin``, ``positions``, ``book``, ``cascade``,
``volatility``, ``events``, ``stress``, ``solvency``, ``contagion``, ``protect``,
``report``), laid out as in docs/design.md.
"""

# Light on purpose: the console script (``liqcascade.__main__``) imports this package
# before it can install its Ctrl-C rule, so this imports nothing but the version (not
# even ``typing``: annotations stay strings, ``TYPE_CHECKING`` is mypy's constant).
from __future__ import annotations

from liqcascade._version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from liqcascade.cascade import CascadeConfig, CascadeResult, simulate_cascade


def __getattr__(name: str) -> Any:
    # the cascade (numba kernels, pandas) loads on first use: commands that do not
    # need it (`pol build`, `--version`) start without it
    if name in ("CascadeConfig", "CascadeResult", "simulate_cascade"):
        from liqcascade import cascade

        return getattr(cascade, name)
    raise AttributeError(f"module 'liqcascade' has no attribute {name!r}")


__all__ = ["CascadeConfig", "CascadeResult", "__version__", "simulate_cascade"]
