"""Building blocks of the report: a section, a claim row, and the shared context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go


@dataclass(frozen=True)
class Claim:
    """A row of the table "The claims and the data".

    Parameters
    ----------
    claim : str
        The popular claim, as it is usually stated.
    computed : str
        What liqcascade computes on the bundled data, with numbers.
    verdict : str
        One of ``"supported"``, ``"partly supported"``, ``"not supported"``,
        ``"contradicted"``, ``"context"``.
    """

    claim: str
    computed: str
    verdict: str


@dataclass
class Section:
    """One section of the report.

    Parameters
    ----------
    id : str
        HTML anchor and summary.json key, e.g. ``"cascade"``.
    title : str
        Heading.
    finding : str
        One plain-language paragraph: what the numbers say, honestly.
    figures : list of plotly Figure
        Drawn in order, embedded offline.
    tables : list of (caption, DataFrame)
        Small tables rendered as HTML.
    summary : dict
        Every headline figure of the section (JSON-serialisable after
        :func:`liqcascade._cli._common.to_jsonable`); written to summary.json.
    claims : list of Claim
        Rows this section contributes to "The claims and the data".
    notes : list of str
        Method notes and caveats, shown in small print.
    """

    id: str
    title: str
    finding: str
    figures: list[go.Figure] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class ReportContext:
    """Shared state of one report run: a memo of expensive results between sections.

    Sections call ``ctx.memo("name", fn)`` for work another section may reuse (the
    estimated book at the last date, a fitted model), so it is computed once.
    """

    def __init__(self, quick: bool = False) -> None:
        self.quick = quick
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, fn: Callable[[], Any]) -> Any:
        """Return ``fn()``, computed once per report run under ``key``."""
        if key not in self._memo:
            self._memo[key] = fn()
        return self._memo[key]
