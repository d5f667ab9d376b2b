"""liqcascade: liquidation-cascade risk in crypto derivatives, on real market data.

The common entry points live at the top level; everything else is in the
subpackages (``data``, ``margin``, ``positions``, ``book``, ``cascade``,
``volatility``, ``events``, ``stress``, ``solvency``, ``contagion``, ``protect``,
``report``), laid out as in DESIGN.md.
"""

from typing import TYPE_CHECKING, Any

from liqcascade._version import __version__

if TYPE_CHECKING:
    from liqcascade.cascade import CascadeConfig, CascadeResult, simulate_cascade


def __getattr__(name: str) -> Any:
    # the cascade (numba kernels, pandas) loads on first use: commands that do not
    # need it (`pol build`, `--version`) start without it
    if name in ("CascadeConfig", "CascadeResult", "simulate_cascade"):
        from liqcascade import cascade

        return getattr(cascade, name)
    raise AttributeError(f"module 'liqcascade' has no attribute {name!r}")


__all__ = ["CascadeConfig", "CascadeResult", "__version__", "simulate_cascade"]
