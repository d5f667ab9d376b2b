"""Assemble the sections into DIR/report.html (self-contained, offline) and DIR/summary.json."""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from liqcascade._version import __version__
from liqcascade.report._section import ReportContext, Section

# Section modules in report order; each exposes ``section(ctx) -> Section``.
SECTION_MODULES: tuple[str, ...] = (
    "liqcascade.report._data_section",
    "liqcascade.report._liqmap_section",
    "liqcascade.report._validation_section",
    "liqcascade.report._cascade_section",
    "liqcascade.report._volatility_section",
    "liqcascade.report._support_section",
    "liqcascade.report._stress_section",
    "liqcascade.report._solvency_section",
    "liqcascade.report._contagion_section",
    "liqcascade.report._protect_section",
    "liqcascade.report._transparency_section",
)


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    text = (files("liqcascade.report") / "templates" / "report.html.j2").read_text()
    env = jinja2.Environment(
        autoescape=jinja2.select_autoescape(default=True), undefined=jinja2.StrictUndefined
    )
    return env.from_string(text)


def _fig_html(fig: Any, div_id: str) -> str:
    return str(
        pio.to_html(
            fig,
            include_plotlyjs=False,
            full_html=False,
            div_id=div_id,
            config={"displaylogo": False},
        )
    )


def _table_html(df: pd.DataFrame) -> str:
    return str(df.to_html(index=False, border=0, float_format=lambda v: f"{v:,.4g}", na_rep="–"))


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_report(
    out_dir: str | Path,
    *,
    modules: tuple[str, ...] | None = None,
    quick: bool = False,
    on_section: Callable[[str, float], None] | None = None,
) -> dict[str, Path]:
    """Run every section and write ``report.html`` and ``summary.json`` into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Output folder, created if needed.
    modules : tuple of str, optional
        Section modules to run (default: all of :data:`SECTION_MODULES`).
    quick : bool, default False
        Ask sections for their fast variant (fewer Monte Carlo paths, coarser grids);
        used by the tests.
    on_section : callable, optional
        Called as ``on_section(section_id, seconds)`` after each section (progress).

    Returns
    -------
    dict
        ``{"html": path, "summary": path}``.
    """
    from liqcascade._json import to_jsonable

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = ReportContext(quick=quick)
    sections: list[Section] = []
    for mod in modules or SECTION_MODULES:
        t0 = datetime.now(UTC)
        sections.append(importlib.import_module(mod).section(ctx))
        if on_section is not None:
            on_section(sections[-1].id, (datetime.now(UTC) - t0).total_seconds())
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    views = []
    for s in sections:
        views.append(
            {
                "id": s.id,
                "title": s.title,
                "finding": s.finding,
                "notes": s.notes,
                "figures_html": [_fig_html(f, f"fig-{s.id}-{i}") for i, f in enumerate(s.figures)],
                "tables_html": [(c, _table_html(t)) for c, t in s.tables],
            }
        )
    claims = [c for s in sections for c in s.claims]
    html = _template().render(
        generated=generated,
        version=__version__,
        sections=views,
        claims=claims,
        plotly_js=get_plotlyjs(),
    )
    summary = {
        "generated": generated,
        "version": __version__,
        "sections": {s.id: to_jsonable(s.summary) for s in sections},
        "claims": [
            {"claim": c.claim, "computed": c.computed, "verdict": c.verdict} for c in claims
        ],
    }
    html_path, summary_path = out / "report.html", out / "summary.json"
    _atomic_write(html_path, html)
    _atomic_write(summary_path, json.dumps(summary, indent=2, allow_nan=False))
    return {"html": html_path, "summary": summary_path}
