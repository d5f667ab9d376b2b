"""liqcascade: liquidation-cascade risk in crypto derivatives, on real market data.

The common entry points live at the top level; everything else is in the
subpackages (``data``, ``margin``, ``positions``, ``book``, ``cascade``,
``volatility``, ``events``, ``stress``, ``solvency``, ``contagion``, ``protect``,
``report``), laid out as in DESIGN.md.
"""

from liqcascade._version import __version__
from liqcascade.cascade import CascadeConfig, CascadeResult, simulate_cascade

__all__ = ["CascadeConfig", "CascadeResult", "__version__", "simulate_cascade"]
