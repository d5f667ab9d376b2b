"""The HTML report (plotly, offline) and summary.json: the main job."""

from liqcascade.report._build import SECTION_MODULES, build_report
from liqcascade.report._section import Claim, ReportContext, Section

__all__ = ["SECTION_MODULES", "Claim", "ReportContext", "Section", "build_report"]
