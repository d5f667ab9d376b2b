"""The HTML report (plotly, offline) and summary.json: the main job."""

from liqcascade.report._build import SECTION_MODULES, build_report
from liqcascade.report._diff import ReportDiff, diff_reports, load_summary
from liqcascade.report._registry import SECTIONS, SectionSpec
from liqcascade.report._section import Claim, Headline, ReportContext, Section

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
