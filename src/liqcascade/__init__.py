"""liqcascade: liquidation-cascade risk in crypto derivatives, on real market data.

The common entry points live at the top level; everything else is in the
subpackages (``data``, ``datasets``, ``margin``, ``positions``, ``book``, ``market``,
``cascade``, ``volatility``, ``events``, ``stress``, ``solvency``, ``contagion``,
``collateral``, ``protect``, ``report``; errors in ``errors``), laid out as in
docs/design.md. ``market.estimated_market`` builds the market of an asset at a date;
``cascade.cascade_answer`` gives ``liqcascade cascade``'s headline in one call
(docs/api.md lists the entry points).
"""

# Light on purpose: the console script (``liqcascade.__main__``) imports this package
# before it can install its Ctrl-C rule, so this imports nothing but the version and the
# packages' ``__dir__`` rule (``_exports``), which import nothing (not even ``typing``:
# annotations stay strings, ``TYPE_CHECKING`` is mypy's constant).
from __future__ import annotations

from liqcascade import _exports
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


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
