"""Support-level detection and the support-test event study.

Support zones come from swing lows (confirmed ``pivot`` bars later, so without
look-ahead), merged by a price tolerance; a *test* is a return of the low to within a
band of an active zone after time away; the event study measures the forward log
returns from each test's close against every day and against random pseudo-levels
(Osler 2000's control).

:func:`load_bars` loads the bars a study runs on (store, else bundled).

Examples
--------
>>> from liqcascade import datasets
>>> from liqcascade.events import support_study
>>> study = support_study(datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-12-31"),
...                       n_random=20, n_boot=200, grid={})
>>> study.detection.n_tests > 0
True
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade.events._detect import SupportDetection, detect_support
from liqcascade.events._levels import LEVELS_SHOWN, levels_line, support_levels
from liqcascade.events._params import (
    BARS_PER_DAY,
    HORIZONS_DAYS,
    LONG_HORIZONS,
    REFERENCE_RANGE,
    SHORT_HORIZONS,
    SupportParams,
    median_daily_range,
    params_for_asset,
)
from liqcascade.events._placebo import PlaceboTest, placebo_mean_test
from liqcascade.events._stats import (
    AdjustedMeanTest,
    MeanTest,
    block_bootstrap_ci,
    newey_west_mean,
    overlap_adjusted_mean,
)
from liqcascade.events._study import (
    CLAIM_TEXT,
    NO_WIN_INTERVAL,
    SENSITIVITY_GRID,
    SupportStudy,
    assess_claim,
    random_level_draws,
    resample_ohlcv,
    sensitivity_grid,
    support_study,
    win_rate_words,
)

if TYPE_CHECKING:
    from liqcascade.events._load import load_bars as load_bars
    from liqcascade.events._study import bars_per_day as bars_per_day
    from liqcascade.events._study import significant as significant
    from liqcascade.events._study import study_steps as study_steps

__all__ = [
    "BARS_PER_DAY",
    "CLAIM_TEXT",
    "HORIZONS_DAYS",
    "LEVELS_SHOWN",
    "LONG_HORIZONS",
    "NO_WIN_INTERVAL",
    "REFERENCE_RANGE",
    "SENSITIVITY_GRID",
    "SHORT_HORIZONS",
    "AdjustedMeanTest",
    "MeanTest",
    "PlaceboTest",
    "SupportDetection",
    "SupportParams",
    "SupportStudy",
    "assess_claim",
    "block_bootstrap_ci",
    "detect_support",
    "levels_line",
    "median_daily_range",
    "newey_west_mean",
    "overlap_adjusted_mean",
    "params_for_asset",
    "placebo_mean_test",
    "random_level_draws",
    "resample_ohlcv",
    "sensitivity_grid",
    "support_levels",
    "support_study",
    "win_rate_words",
]

__all__ += ["load_bars"]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
# The names outside __all__ are shared internals (their numpydoc is not complete).
_LAZY: dict[str, tuple[str, str]] = {
    "bars_per_day": ("_study", "bars_per_day"),
    "load_bars": ("_load", "load_bars"),
    "significant": ("_study", "significant"),
    "study_steps": ("_study", "study_steps"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_load":
        from liqcascade.events import _load

        return getattr(_load, attr)
    if module == "_study":
        from liqcascade.events import _study

        return getattr(_study, attr)
    raise AttributeError(f"module 'liqcascade.events' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
