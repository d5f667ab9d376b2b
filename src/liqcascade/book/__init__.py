"""Order books: L2 snapshots, depth curves (Binance bookDepth, parametric, calibrated).

Also public: :func:`beta_for`, :func:`assumed_beta` (its source in words:
:func:`assumed_beta_words`) and :func:`depth_calibration` (the calibrated depth
exponent and its document), :func:`snapshot_at`,
:func:`book_from_snapshot` and :data:`SNAPSHOT_DISTANCES` (books from recorded L2
snapshots).

>>> from liqcascade.book import OrderBook
>>> ob = OrderBook.parametric(2000.0, 50e6, beta=1.0, n_levels=100, max_distance=0.05)
>>> round(ob.notional_within(0.01) / 1e6, 1)
50.0
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade.book._calibrate import (
    BETA_FUTURES,
    book_from_totals,
    book_totals_at,
    calibrated_book,
    depth_beta,
    fit_beta,
)
from liqcascade.book._orderbook import OrderBook

if TYPE_CHECKING:
    from liqcascade.book._calibrate import BetaHistory as BetaHistory
    from liqcascade.book._calibrate import assumed_beta as assumed_beta
    from liqcascade.book._calibrate import assumed_beta_words as assumed_beta_words
    from liqcascade.book._calibrate import beta_for as beta_for
    from liqcascade.book._calibrate import beta_path as beta_path
    from liqcascade.book._calibrate import book_totals_each as book_totals_each
    from liqcascade.book._calibrate import depth_calibration as depth_calibration
    from liqcascade.book._depth_scale import warn_depth_scale as warn_depth_scale
    from liqcascade.book._live import SNAPSHOT_DISTANCES as SNAPSHOT_DISTANCES
    from liqcascade.book._live import SNAPSHOT_MAX_AGE as SNAPSHOT_MAX_AGE
    from liqcascade.book._live import book_from_snapshot as book_from_snapshot
    from liqcascade.book._live import snapshot_at as snapshot_at

__all__ = [
    "BETA_FUTURES",
    "OrderBook",
    "book_from_totals",
    "book_totals_at",
    "calibrated_book",
    "depth_beta",
    "fit_beta",
]

__all__ += [
    "SNAPSHOT_DISTANCES",
    "assumed_beta",
    "assumed_beta_words",
    "beta_for",
    "book_from_snapshot",
    "depth_calibration",
    "snapshot_at",
]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
# The names outside __all__ are shared internals (their numpydoc is not complete).
_LAZY: dict[str, tuple[str, str]] = {
    "SNAPSHOT_DISTANCES": ("_live", "SNAPSHOT_DISTANCES"),
    "SNAPSHOT_MAX_AGE": ("_live", "SNAPSHOT_MAX_AGE"),
    "BetaHistory": ("_calibrate", "BetaHistory"),
    "assumed_beta": ("_calibrate", "assumed_beta"),
    "assumed_beta_words": ("_calibrate", "assumed_beta_words"),
    "beta_for": ("_calibrate", "beta_for"),
    "beta_path": ("_calibrate", "beta_path"),
    "book_totals_each": ("_calibrate", "book_totals_each"),
    "book_from_snapshot": ("_live", "book_from_snapshot"),
    "depth_calibration": ("_calibrate", "depth_calibration"),
    "snapshot_at": ("_live", "snapshot_at"),
    "warn_depth_scale": ("_depth_scale", "warn_depth_scale"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_calibrate":
        from liqcascade.book import _calibrate

        return getattr(_calibrate, attr)
    if module == "_live":
        from liqcascade.book import _live

        return getattr(_live, attr)
    if module == "_depth_scale":
        from liqcascade.book import _depth_scale

        return getattr(_depth_scale, attr)
    raise AttributeError(f"module 'liqcascade.book' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
