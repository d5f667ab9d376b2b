"""The HTML report (plotly, offline) and summary.json: the main job.

Also public for the command line: :func:`report_options`, :func:`report_critical_shock`
(:data:`TOTAL_MOVE`), :func:`dated_score`, :func:`score_outcome` and
:func:`validation_window`.
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade.report._build import SECTION_MODULES, build_report
from liqcascade.report._diff import ReportDiff, diff_reports, load_summary
from liqcascade.report._registry import SECTIONS, SectionSpec
from liqcascade.report._section import Claim, Headline, ReportContext, Section

if TYPE_CHECKING:
    from liqcascade.report._build import report_options as report_options
    from liqcascade.report._build import run_report as run_report
    from liqcascade.report._calibrated import TOTAL_MOVE as TOTAL_MOVE
    from liqcascade.report._calibrated import report_critical_shock as report_critical_shock
    from liqcascade.report._cascade_section import backtest_command as backtest_command
    from liqcascade.report._cascade_section import skipped_text as skipped_text
    from liqcascade.report._diff import parse_alert as parse_alert
    from liqcascade.report._liqmap_section import after_date_note as after_date_note
    from liqcascade.report._liqmap_section import dated_score as dated_score
    from liqcascade.report._names import display_name as display_name
    from liqcascade.report._section import score_outcome as score_outcome
    from liqcascade.report._section import validation_window as validation_window

__all__ = [
    "SECTIONS",
    "SECTION_MODULES",
    "Claim",
    "Headline",
    "ReportContext",
    "ReportDiff",
    "Section",
    "SectionSpec",
    "build_report",
    "diff_reports",
    "load_summary",
]

__all__ += [
    "TOTAL_MOVE",
    "dated_score",
    "report_critical_shock",
    "report_options",
    "score_outcome",
    "validation_window",
]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
# The names outside __all__ are shared internals (their numpydoc is not complete).
_LAZY: dict[str, tuple[str, str]] = {
    "TOTAL_MOVE": ("_calibrated", "TOTAL_MOVE"),
    "after_date_note": ("_liqmap_section", "after_date_note"),
    "backtest_command": ("_cascade_section", "backtest_command"),
    "dated_score": ("_liqmap_section", "dated_score"),
    "display_name": ("_names", "display_name"),
    "parse_alert": ("_diff", "parse_alert"),
    "report_critical_shock": ("_calibrated", "report_critical_shock"),
    "report_options": ("_build", "report_options"),
    "run_report": ("_build", "run_report"),
    "score_outcome": ("_section", "score_outcome"),
    "skipped_text": ("_cascade_section", "skipped_text"),
    "validation_window": ("_section", "validation_window"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_build":
        from liqcascade.report import _build

        return getattr(_build, attr)
    if module == "_calibrated":
        from liqcascade.report import _calibrated

        return getattr(_calibrated, attr)
    if module == "_cascade_section":
        from liqcascade.report import _cascade_section

        return getattr(_cascade_section, attr)
    if module == "_diff":
        from liqcascade.report import _diff

        return getattr(_diff, attr)
    if module == "_liqmap_section":
        from liqcascade.report import _liqmap_section

        return getattr(_liqmap_section, attr)
    if module == "_names":
        from liqcascade.report import _names

        return getattr(_names, attr)
    if module == "_section":
        from liqcascade.report import _section

        return getattr(_section, attr)
    raise AttributeError(f"module 'liqcascade.report' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
