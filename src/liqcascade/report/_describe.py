"""A chart in words: what a report figure shows, with its figures, for a screen reader.

The page gives every chart ``role="figure"`` and this text as its accessible name: a
screen reader announces the figure and reads it; plotly's SVG, hundreds of tick labels
in no reading order, is hidden from it, and plotly's toolbar stays reachable. The text
is read from the figure as embedded, after :func:`liqcascade.report._figures.finish`:
for each named series, what it is (its name, its panel's title or its axis title), its
span, and its lowest and highest values with where they fall — a chart of a few bars
reads each bar. Every number is the chart's own; nothing is typed by hand per figure.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from liqcascade.report._figures import _decode, drawn
from liqcascade.report._format import date_text, num

__all__ = ["MAX_SERIES", "describe"]

MAX_SERIES = 8
"""Most series read out per chart; the rest are counted ("and 3 more series")."""

_FEW = 8
"""A series of at most this many points is read point by point."""

_ISO = re.compile(r"\d{4}-\d\d-\d\d")


def _array(v: Any) -> np.ndarray:
    """A trace's coordinate as a flat numpy array (plotly's base64 arrays decoded)."""
    if v is None:
        return np.asarray([])
    return np.asarray(_decode(v), dtype=object).ravel()


def _axis(layout: dict[str, Any], ref: str) -> dict[str, Any]:
    """The layout's axis of a trace reference (``"x"``, ``"y3"``)."""
    found = layout.get(f"{ref[0]}axis{ref[1:]}")
    return found if isinstance(found, dict) else {}


def _title(axis: dict[str, Any]) -> str:
    title = axis.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    return re.sub(r"<[^>]+>", " ", str(text)).strip() if text else ""


def _panel(layout: dict[str, Any], xa: dict[str, Any], ya: dict[str, Any]) -> str:
    """The subplot title above a panel (an annotation centred over its top edge)."""
    x0, x1 = xa.get("domain") or (0.0, 1.0)
    top = (ya.get("domain") or (0.0, 1.0))[1]
    panels = sum(1 for k in layout if re.fullmatch(r"xaxis\d*", k)) > 1
    for a in layout.get("annotations") or []:
        if not panels or a.get("xref") != "paper" or a.get("yref") != "paper":
            continue
        centred = abs(float(a.get("x", -9)) - (x0 + x1) / 2) < 0.02
        if centred and abs(float(a.get("y", -9)) - top) < 0.03:
            return _title({"title": a.get("text")})
    return ""


def _say(v: Any, axis: dict[str, Any]) -> str:
    """A coordinate as the chart shows it: a date on a time axis, else a plain number."""
    date = axis.get("type") == "date"
    if isinstance(v, str):
        return date_text(v, time=True) if date and _ISO.match(v) else v
    if v is None or not np.isfinite(float(v)):
        return "n/a"
    return date_text(np.datetime64(int(v), "ms"), time=True) if date else num(float(v))


def _numbers(v: np.ndarray) -> np.ndarray:
    """Values as floats, NaN where a value is missing or not a number."""
    out = np.full(v.size, np.nan)
    for i, x in enumerate(v):
        if isinstance(x, int | float | np.number) and not isinstance(x, bool):
            out[i] = float(x)
    return out


def _where(axis: dict[str, Any]) -> str:  # a heatmap's columns and rows
    """What an axis of positions measures: its title, "time" on an untitled time axis."""
    return _title(axis) or ("time" if axis.get("type") == "date" else "")


def _series(
    vals: np.ndarray, at: np.ndarray, vaxis: dict[str, Any], aaxis: dict[str, Any]
) -> tuple[str, str]:
    """Values ``vals`` placed at ``at``: ``(span, values)``.

    A few values are read each (no span; a vertical line, the same position throughout,
    by its position). More are read as their span ("over price (USD) from 2,968 to
    4,429": a time series' first and last time, else the lowest and highest position, as
    a band drawn out and back spans), the lowest and highest value with where they fall,
    and the last value of a time series. The number of points is not said: a long series
    is drawn thinned (its extremes kept), so the count would be the drawing's.
    """
    y = _numbers(vals)
    ok = np.flatnonzero(np.isfinite(y))
    if ok.size == 0:
        return "", "no values"
    if at.size != y.size:
        at = np.arange(y.size, dtype=object)
    if ok.size <= _FEW and len({_say(at[i], aaxis) for i in ok}) == 1 < ok.size:
        return "", f"at {_say(at[ok[0]], aaxis)}"
    if ok.size <= _FEW:
        return "", ", ".join(f"{_say(at[i], aaxis)}: {_say(y[i], vaxis)}" for i in ok)
    lo, hi = ok[np.argmin(y[ok])], ok[np.argmax(y[ok])]
    pos = _numbers(at[ok])
    ends = (at[ok[0]], at[ok[-1]])  # a time series' first and last, else the range
    if aaxis.get("type") != "date" and np.isfinite(pos).all():
        ends = (np.min(pos), np.max(pos))
    over = f"over {_title(aaxis)} " if _title(aaxis) else ""  # dates say they are times
    span = f"{over}from {_say(ends[0], aaxis)} to {_say(ends[1], aaxis)}"
    text = (
        f"low {_say(y[lo], vaxis)} at {_say(at[lo], aaxis)}, "
        f"high {_say(y[hi], vaxis)} at {_say(at[hi], aaxis)}"
    )
    if aaxis.get("type") == "date":
        text += f", last {_say(y[ok[-1]], vaxis)}"
    return span, text


def _heatmap(t: dict[str, Any], xa: dict[str, Any], ya: dict[str, Any]) -> str:
    z = np.asarray(_decode(t.get("z")), dtype=float)
    if z.ndim != 2 or not np.isfinite(z).any():
        return "no values"
    x, y = _array(t.get("x")), _array(t.get("y"))
    r, c = np.unravel_index(int(np.nanargmax(z)), z.shape)
    at = f" at {_say(x[c], xa)}, {_say(y[r], ya)}" if x.size > c and y.size > r else ""
    return (
        f"{z.shape[1]} columns ({_where(xa) or 'x'}) by {z.shape[0]} rows ({_where(ya) or 'y'}), "
        f"values from {num(float(np.nanmin(z)))} to {num(float(np.nanmax(z)))}, highest{at}"
    )


def _trace(t: dict[str, Any], layout: dict[str, Any]) -> tuple[str, str, str, str]:
    """One series in words: ``(name, unit, span, values)``."""
    xa, ya = _axis(layout, t.get("xaxis") or "x"), _axis(layout, t.get("yaxis") or "y")
    kind = t.get("type") or "scatter"
    if kind == "heatmap":
        (span, body), unit = ("", _heatmap(t, xa, ya)), "heatmap"
    elif kind == "bar" and t.get("orientation") == "h":
        span, body = _series(_array(t.get("x")), _array(t.get("y")), xa, ya)
        unit = _panel(layout, xa, ya) or _title(xa)
    else:
        span, body = _series(_array(t.get("y")), _array(t.get("x")), ya, xa)
        unit = _panel(layout, xa, ya) or _title(ya)
    labels, x = _array(t.get("text")), _array(t.get("x"))
    if "text" in str(t.get("mode")) and labels.size == x.size <= _FEW:  # labelled marks
        span, body = "", ", ".join(f"{_say(a, xa)}: {b}" for a, b in zip(x, labels, strict=True))
    name = _title({"title": t.get("name")}) or unit or "series"
    return name, "" if unit == name or f"({unit})" in name else unit, span, body


def _shared(values: list[str]) -> str:
    """The one value every series has (a unit, a span), said once; else ``""``."""
    return values[0] if values and values[0] and len(set(values)) == 1 else ""


def describe(spec: dict[str, Any]) -> str:
    """The chart in words, with its figures: the accessible name of a report figure.

    Parameters
    ----------
    spec : dict
        The figure as embedded in the page (plotly JSON: ``data`` and ``layout``;
        arrays as lists or as plotly's base64 typed arrays, or as a start and a step,
        ``x0``/``dx``).

    Returns
    -------
    str
        ``"Chart of 2 series. ETH daily close (price (USD)): from
        2017-08-17 to 2025-07-31; low 83.8 at 2018-12-15, …"``: per named series
        (:data:`MAX_SERIES` at most, the rest counted), its values in the chart's own
        units — each value when there are few, else the span, the lowest and highest
        value with where they fall, and the last value of a time series. A unit or a
        span that every series shares is said once, after the count ("Chart of 6
        series (notional per bucket (M USD)), over price (USD) from 2,968 to 4,429.").
    """
    layout = spec.get("layout") or {}
    traces = [drawn(t) for t in spec.get("data") or []]  # x0/dx: the coordinates drawn
    named = [t for t in traces if t.get("name") or t.get("type") == "heatmap"]
    if not named:
        return "Chart without named series."
    read = [_trace(t, layout) for t in named[:MAX_SERIES]]
    unit, span = _shared([r[1] for r in read]), _shared([r[2] for r in read])
    parts = []
    for name, u, s, body in read:
        who = f"{name} ({u})" if u and not unit else name
        parts.append(f"{who}: {s}; {body}" if s and not span else f"{who}: {body}")
    more = len(named) - MAX_SERIES
    tail = f"; and {more} more series" if more > 0 else ""
    head = f"Chart of {len(named)} series" + (f" ({unit})" if unit else "")
    return head + (f", {span}. " if span else ". ") + "; ".join(parts) + tail + "."
