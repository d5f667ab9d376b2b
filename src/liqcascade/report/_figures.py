"""One look and one weight for every figure of the report.

Every figure — drawn by a section or by a library ``plot()`` method — passes through
:func:`finish` before it is embedded:

- its title becomes an HTML caption (no title under the toolbar, wraps, prints);
- axes built from labels are categorical (plotly would read "-30%" or "2025-10-10" as
  dates), time axes are dates;
- histograms are binned here, long series thinned to at most :data:`MAX_POINTS` points
  keeping each bucket's extremes, floats stored in single precision;
- one colour-blind-safe palette (Okabe–Ito), long/short told apart by a pattern or a
  marker as well as by colour (no pattern on bars too dense to show one:
  :data:`PATTERN_MAX_BARS`), "recorded" always the same dark grey;
- hover text and ticks in plain numbers (never scientific notation).

:func:`compact` then writes the page's JSON of it lighter, drawing the same: an evenly
spaced axis as its start and step, the template once for the page.
"""

from __future__ import annotations

import base64
import itertools
import re
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from liqcascade._plotly_text import text_of
from liqcascade.report._format import SCI_NOTATION, num

__all__ = [
    "LONG",
    "MAX_POINTS",
    "PALETTE",
    "PATTERN_MAX_BARS",
    "SHORT",
    "compact",
    "drawn",
    "finish",
    "hline",
    "vline",
]

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",
)
"""Okabe & Ito's colour-blind-safe palette."""

LONG = "#D55E00"
"""Longs, sell stops, falls."""
SHORT = "#0072B2"
"""Shorts, buy stops, rises."""
RECORDED = "#4D4D4D"
"""What was recorded (the data), in every figure."""

MAX_POINTS = 1500
"""Most points drawn per series (summary.json keeps every value)."""

PATTERN_MAX_BARS = 200
"""Most bars of a trace drawn with a long/short fill pattern; a denser trace is solid.

A pattern tile is 8 px: bars narrower than it (1,500 bars across a 700-1,100 px plot)
showed stripes of it, not their heights, and every patterned bar printed as an image of
its own (the data section's 3,000 bars: a 175-MB PDF, a minute of Chromium's CPU).
"""

# the palette of version 0.1, mapped onto the safe one
_REMAP = {
    "#c0392b": LONG,
    "#922b21": "#A04000",
    "#f1948a": "#F0A877",
    "#e6b0aa": "#F0A877",
    "#27ae60": SHORT,
    "#1e8449": "#005A8C",
    "#145a32": "#003F63",
    "#82e0aa": "#8CC4E8",
    "#2980b9": "#56B4E9",
    "#2471a3": "#3A8FC2",
    "#2c3e50": "#222222",
    "#7f8c8d": "#999999",
    "#bdc3c7": "#BBBBBB",
    "#e67e22": "#E69F00",
    "#f39c12": "#E69F00",
    "#8e44ad": "#CC79A7",
}

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font={"family": "-apple-system, Segoe UI, Helvetica, Arial, sans-serif", "size": 12},
        colorway=list(PALETTE),
        paper_bgcolor="white",
        plot_bgcolor="white",
        hovermode="closest",
        separators=".,",
        margin={"t": 40, "l": 64, "r": 24, "b": 48},
        xaxis={"gridcolor": "#E5E5E5", "zerolinecolor": "#BBBBBB", "automargin": True},
        yaxis={"gridcolor": "#E5E5E5", "zerolinecolor": "#BBBBBB", "automargin": True},
    )
)
pio.templates["liqcascade"] = TEMPLATE

_AXIS = re.compile(r"^[xy]axis\d*$")
_NUM_HOVER = ",.4~r"


def vline(fig: go.Figure, x: float, text: str, *, color: str = "#444444", **kw: Any) -> None:
    """A labelled vertical line (current price, a level, a critical shock)."""
    fig.add_vline(
        x=x,
        line_dash="dot",
        line_color=color,
        line_width=1.5,
        annotation_text=text,
        annotation_font_size=11,
        **({"annotation_position": "top"} | kw),
    )


def hline(fig: go.Figure, y: float, text: str, *, color: str = "#444444", **kw: Any) -> None:
    """A labelled horizontal line."""
    fig.add_hline(
        y=y,
        line_dash="dash",
        line_color=color,
        line_width=1.2,
        annotation_text=text,
        annotation_position="top left",
        annotation_font_size=11,
        **kw,
    )


def _kind(values: Any) -> str:
    """'category', 'date', 'number' or 'other' for a trace coordinate array."""
    if values is None:
        return "other"
    if isinstance(values, pd.DatetimeIndex | pd.Series) and pd.api.types.is_datetime64_any_dtype(
        values
    ):
        return "date"
    arr = np.asarray(values)
    if arr.size == 0:
        return "other"
    if np.issubdtype(arr.dtype, np.datetime64):
        return "date"
    if arr.dtype.kind in "fiub":
        return "number"
    flat = arr.ravel()
    if all(isinstance(v, str) for v in flat):
        return "category"
    if all(isinstance(v, pd.Timestamp | np.datetime64) or hasattr(v, "isoformat") for v in flat):
        return "date"
    return "other"


def _decode(v: Any) -> Any:
    """A plotly typed array (``{"dtype": "f8", "bdata": ...}``) as a numpy array."""
    if isinstance(v, dict) and "bdata" in v and "dtype" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        shape = v.get("shape")
        if shape:
            dims = [int(x) for x in str(shape).split(",")] if isinstance(shape, str) else shape
            arr = arr.reshape(dims)
        return arr
    return v


def _epoch_ms(values: Any) -> np.ndarray:
    idx = pd.DatetimeIndex(pd.to_datetime(np.asarray(values).ravel(), utc=True))
    out: np.ndarray = idx.tz_localize(None).as_unit("ms").asi8.astype(np.float64)
    return out


def _thin_index(y: np.ndarray, keep_abs: bool) -> np.ndarray:
    """Indices keeping each bucket's extremes (max |y| for bars, min and max for lines)."""
    n = y.size
    buckets = MAX_POINTS // (1 if keep_abs else 2)
    edges = np.linspace(0, n, buckets + 1).astype(int)
    yy = np.where(np.isfinite(y), y, 0.0)
    out: list[int] = []
    for a, b in itertools.pairwise(edges):
        if b <= a:
            continue
        seg = yy[a:b]
        if keep_abs:
            out.append(a + int(np.argmax(np.abs(seg))))
        else:
            out.extend(sorted({a + int(np.argmin(seg)), a + int(np.argmax(seg))}))
    return np.asarray(out, dtype=int)


_PER_POINT = ("x", "y", "text", "hovertext", "customdata")


def _thin(trace: Any) -> bool:
    if trace.type not in ("scatter", "bar") or trace.y is None or trace.x is None:
        return False
    y = np.asarray(trace.y)
    if y.ndim != 1 or y.size <= MAX_POINTS or y.dtype.kind not in "fiu":
        return False
    idx = _thin_index(y.astype(float), keep_abs=trace.type == "bar")
    n = y.size
    for key in _PER_POINT:
        v = trace[key]
        if (
            v is not None
            and not isinstance(v, str)
            and np.asarray(v, dtype=object).shape[:1] == (n,)
        ):
            trace[key] = np.asarray(v)[idx]
    marker = trace.marker
    for key in ("color", "size", "symbol"):
        v = marker[key] if marker is not None and key in marker else None
        if v is not None and not isinstance(v, str) and len(v) == n:
            marker[key] = np.asarray(v)[idx]
    return True


def _histogram_to_bar(trace: Any) -> go.Bar:
    """Bin a histogram trace here (its samples never reach the page)."""
    horizontal = trace.x is None and trace.y is not None
    data = np.asarray(trace.y if horizontal else trace.x, dtype=float)
    data = data[np.isfinite(data)]
    nb = int(trace.nbinsx or trace.nbinsy or 60)
    counts, edges = np.histogram(data, bins=max(5, min(nb, 120)))
    norm = (trace.histnorm or "").lower()
    vals: np.ndarray = counts.astype(float)
    if norm == "percent":
        vals = 100 * vals / max(1, data.size)
    elif norm == "probability":
        vals = vals / max(1, data.size)
    elif norm in ("density", "probability density"):
        vals = vals / max(1, data.size) / np.diff(edges)
    mids = (edges[:-1] + edges[1:]) / 2
    bar = go.Bar(
        x=vals if horizontal else mids,
        y=mids if horizontal else vals,
        width=float(np.diff(edges).mean()) if edges.size > 1 else None,
        orientation="h" if horizontal else "v",
        name=trace.name,
        marker=trace.marker.to_plotly_json() if trace.marker is not None else None,
        opacity=trace.opacity,
        showlegend=trace.showlegend,
        legendgroup=trace.legendgroup,
        xaxis=trace.xaxis,
        yaxis=trace.yaxis,
    )
    return bar


def _axis_name(ref: str | None, letter: str) -> str:
    ref = ref or letter
    return f"{letter}axis{ref[1:]}"


def _colour(c: Any) -> Any:
    if isinstance(c, str):
        return _REMAP.get(c.lower(), c)
    return c


def _bars(trace: Any) -> int:
    """How many bars a bar trace draws (its longest coordinate array)."""
    return max((np.asarray(trace[k]).size for k in ("x", "y") if trace[k] is not None), default=0)


def _style_trace(trace: Any) -> None:
    name = str(trace.name or "").lower()
    marker = getattr(trace, "marker", None)
    line = getattr(trace, "line", None)
    if marker is not None and isinstance(marker.color, str):
        marker.color = _colour(marker.color)
    if line is not None and isinstance(line.color, str):
        line.color = _colour(line.color)
    if "recorded" in name:
        if marker is not None and trace.type == "bar":
            marker.color = RECORDED
        if line is not None and trace.type == "scatter":
            line.color = RECORDED
    is_long = re.search(r"\blongs?\b|sell", name) is not None
    is_short = re.search(r"\bshorts?\b|buy", name) is not None
    if is_long == is_short:
        return
    if trace.type == "bar" and marker is not None:
        if _bars(trace) <= PATTERN_MAX_BARS:
            marker.pattern = {"shape": "/" if is_long else ".", "solidity": 0.35}
    elif trace.type == "scatter":
        mode = str(trace.mode or "lines")
        if "markers" in mode and marker is not None:
            marker.symbol = "triangle-down" if is_long else "triangle-up"
        elif line is not None and not is_long:
            line.dash = "dash"


_M_USD = re.compile(r"\bM USD\b")
"""Millions of dollars as some library figures name them; the page writes ``USD M``."""


def _clean_text(obj: Any) -> Any:
    """Scientific notation in strings → plain numbers (hover text, labels); ``USD M``.

    Millions of dollars read one way on the page: ``USD M`` (a library figure's
    "closed by round (M USD)" beside the report's "liquidations (USD M)").
    """
    if isinstance(obj, str):
        return _M_USD.sub("USD M", SCI_NOTATION.sub(lambda m: num(float(m.group(0)), 4), obj))
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "OU":
        return np.asarray([_clean_text(v) for v in obj.tolist()], dtype=object)
    if isinstance(obj, list | tuple):
        return type(obj)(_clean_text(v) for v in obj)
    return obj


def _fix_trace(fig: go.Figure, i: int, axis_kind: dict[str, str]) -> None:
    trace = fig.data[i]
    _thin(trace)
    for letter in ("x", "y"):
        v = trace[letter] if letter in trace else None
        kind = _kind(v)
        ax = _axis_name(trace[f"{letter}axis"] if f"{letter}axis" in trace else None, letter)
        if kind == "date":
            trace[letter] = _epoch_ms(v)
            axis_kind.setdefault(ax, "date")
        elif kind in ("category", "number"):
            axis_kind.setdefault(ax, kind)
            if kind == "number" and np.asarray(v).dtype == np.float64:
                trace[letter] = np.asarray(v).astype(np.float32)
    if trace.type == "heatmap":
        trace.z = np.asarray(trace.z, dtype=float).astype(np.float32)
        trace.zhoverformat = _NUM_HOVER
        bar = trace.colorbar
        if bar is not None and bar.title is not None and bar.title.text:
            bar.title.text = _clean_text(bar.title.text)  # "M USD" reads "USD M"
    for key in ("text", "hovertext", "hovertemplate", "name"):
        if key in trace and trace[key] is not None:
            trace[key] = _clean_text(trace[key])
    _style_trace(trace)


def _fix_axes(fig: go.Figure, axis_kind: dict[str, str]) -> None:
    layout = fig.layout
    names = {k for k in layout.to_plotly_json() if _AXIS.match(k)} | set(axis_kind)
    for ax in sorted(names):  # a set's order varies by run: the page's JSON must not
        kind = axis_kind.get(ax)
        upd: dict[str, Any] = {"exponentformat": "none", "separatethousands": True}
        if kind == "category":
            upd["type"] = "category"
        elif kind == "date":
            upd["type"] = "date"
            upd["hoverformat"] = "%Y-%m-%d %H:%M"
        else:
            upd["hoverformat"] = _NUM_HOVER
        if layout[ax] is not None and layout[ax].overlaying:  # a right-hand axis: own ticks
            upd.update(tickmode="auto", showgrid=False)
        if layout[ax] is not None and layout[ax].type == "log":
            upd.pop("type", None)
        if layout[ax] is not None and layout[ax].title and layout[ax].title.text:
            upd["title_text"] = _clean_text(layout[ax].title.text)
        elif kind == "date" and layout[ax].showticklabels is not False and ax.startswith("x"):
            upd["title_text"] = TIME_AXIS  # a time axis names its unit too: the zone
        layout[ax].update(upd)


TIME_AXIS = "time (UTC)"
"""The title of a time axis drawn without one: every axis names its unit."""


def finish(fig: go.Figure) -> tuple[str, go.Figure]:
    """Give ``fig`` the report's look and weight; return its caption and the figure.

    Parameters
    ----------
    fig : plotly Figure
        As drawn by a section or a library ``plot()``; modified in place.

    Returns
    -------
    (str, Figure)
        The title (now a caption outside the figure) and the figure.
    """
    title = ""
    if fig.layout.title is not None and fig.layout.title.text:
        # plotly text: a user string in it was plain()'d; the page escapes it as HTML
        title = _clean_text(text_of(re.sub(r"<br\s*/?>", " ", str(fig.layout.title.text))))
        fig.layout.title.text = None
    data = list(fig.data)
    for t in data:
        for key in ("x", "y", "z"):
            if key in t and isinstance(t[key], dict):
                t[key] = _decode(t[key])
    if any(t.type == "histogram" for t in data):
        new = [_histogram_to_bar(t) if t.type == "histogram" else t for t in data]
        fig = go.Figure(data=new, layout=fig.layout)
        if fig.layout.barmode is None:
            fig.layout.barmode = "overlay"
    axis_kind: dict[str, str] = {}
    for i in range(len(fig.data)):
        _fix_trace(fig, i, axis_kind)
    _fix_axes(fig, axis_kind)
    for ann in fig.layout.annotations or ():
        if ann.text:
            ann.text = _clean_text(ann.text)
    height = fig.layout.height
    top = max(40, int(fig.layout.margin.t or 0) - 20)
    fig.update_layout(
        template="liqcascade",
        height=min(int(height), 900) if height else 400,
        margin={"t": max(top, MODEBAR_CLEAR) if _title_under_modebar(fig) else top},
    )
    _legend_below(fig)
    return title, fig


LEGEND_BELOW_CHARS = 30
"""Longest legend entry (characters) kept in a legend at the plot's right: a longer one
made that legend take up to 40 % of the figure's width (the cascade section's curves)."""
_LEGEND_ROW_PX = 22
_LEGEND_WIDTH_PX = 1040
"""A figure's width on a 1440 px page (the section's content box), for the legend's rows."""


def _legend_below(fig: go.Figure) -> None:
    """Put a legend of long entries under the plot, across, with room made for its rows.

    A legend at the right is as wide as its longest entry; past
    :data:`LEGEND_BELOW_CHARS` it runs across the foot of the figure instead (the
    height and bottom margin grow by its rows, so the plot keeps its size). A legend a
    section placed itself (``orientation`` set) is left alone; the page lays every
    legend out again on a phone.
    """
    lay = fig.layout
    if lay.showlegend is False or (lay.legend is not None and lay.legend.orientation):
        return
    names = [text_of(str(t.name)) for t in fig.data if t.name and t.showlegend is not False]
    names += [text_of(str(sh.name)) for sh in lay.shapes or () if sh.showlegend and sh.name]
    if (len(names) < 2 and lay.showlegend is not True) or not names:
        return
    if max(len(n) for n in names) <= LEGEND_BELOW_CHARS:
        return
    widths = [7 * len(n) + 48 for n in names]  # text at 12 px and the entry's symbol
    rows, used = 1, 0
    for w in widths:
        if used and used + w > _LEGEND_WIDTH_PX:
            rows, used = rows + 1, 0
        used += w
    extra = _LEGEND_ROW_PX * rows + 8
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yanchor": "bottom",
                "yref": "container"},
        height=int(lay.height or 400) + extra,
        margin={"b": int(lay.margin.b if lay.margin.b is not None else 48) + extra},
    )  # fmt: skip


MODEBAR_CLEAR = 64
"""Top margin (px) that puts a subplot title below the toolbar (about 28 px high)."""


def _title_under_modebar(fig: go.Figure) -> bool:
    """Whether a subplot title sits in the top right, where the page shows the toolbar.

    A title on top of a right-hand panel (``y`` at the top of the figure, ``x`` in its
    right half) drawn in a 40 px top margin lay under the toolbar's icons ("Market
    liquidations (USD M)", "Gini of haircuts").
    """
    return any(
        a.xref == "paper" and a.yref == "paper" and (a.y or 0) >= 0.98 and (a.x or 0) >= 0.55
        for a in fig.layout.annotations or ()
    )


#: Trace types that draw ``x0 + i * dx`` where ``x`` is absent (and ``y0``/``dy``).
_STEPPED = frozenset({"scatter", "scattergl", "bar"})


def _step(values: Any) -> tuple[float, float] | None:
    """``(start, step)`` of coordinates plotly rebuilds exactly as ``start + i * step``.

    The test is the one plotly's calculation makes, in doubles: each value equals
    ``start + i * step`` bit for bit (so a date in ms, a grid in float32, come back
    the same). None for fewer than 3 values, any other array, or a non-finite one.
    """
    arr = _decode(values)
    if isinstance(arr, list) and all(isinstance(v, int | float) for v in arr):
        arr = np.asarray(arr, dtype=np.float64)
    if not isinstance(arr, np.ndarray) or arr.ndim != 1 or arr.size < 3:
        return None
    if arr.dtype.kind not in "fiu":
        return None
    x = arr.astype(np.float64)
    start, step = float(x[0]), float(x[1] - x[0])
    if not (np.all(np.isfinite(x)) and step != 0):
        return None
    if not np.array_equal(start + np.arange(x.size, dtype=np.float64) * step, x):
        return None
    return start, step


def _number(v: float) -> float | int:
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


def compact(spec: dict[str, Any], template: dict[str, Any] | None = None) -> dict[str, Any]:
    """The page's JSON of a finished figure, lighter and drawn the same; ``spec`` unchanged.

    - An evenly spaced ``x`` (or ``y``) of a scatter or bar trace on a date or number
      axis becomes ``x0`` and ``dx``: plotly draws, hovers and zooms the same
      coordinates (:func:`_step`); dates are 8 bytes a point otherwise (about 140 kB of
      the quick page).
    - The layout's template, when it is ``template`` (the report's, the same for every
      figure), is left out: the page holds it once and gives it to each figure.

    Parameters
    ----------
    spec : dict
        A figure as plotly's JSON (``{"data": [...], "layout": {...}}``).
    template : dict, optional
        The page's template as JSON.

    Returns
    -------
    dict
        The figure to write in the page.
    """
    layout = dict(spec.get("layout") or {})
    if template is not None and layout.get("template") == template:
        del layout["template"]
    data = []
    for trace in spec.get("data") or []:
        t = dict(trace)
        if t.get("type", "scatter") in _STEPPED:
            for letter in ("x", "y"):
                other = "y" if letter == "x" else "x"
                axis = layout.get(_axis_name(t.get(f"{letter}axis"), letter)) or {}
                if other not in t or axis.get("type") not in ("date", "linear", None):
                    continue  # a category axis draws names; the other array gives the length
                if f"{letter}0" in t or f"d{letter}" in t:
                    continue
                step = _step(t.get(letter))
                if step is not None:
                    del t[letter]
                    t[f"{letter}0"], t[f"d{letter}"] = (_number(v) for v in step)
        data.append(t)
    return {**spec, "data": data, "layout": layout}


def drawn(trace: dict[str, Any]) -> dict[str, Any]:
    """``trace`` (plotly JSON) with the ``x``/``y`` plotly draws from ``x0``/``dx``, ``y0``/``dy``.

    The reader's side of :func:`compact`: a trace that gives its coordinates as a start
    and a step gets them back as an array (``start + i * step``, as plotly computes
    them, one per point of the other coordinate); any other trace is returned as it is.
    """
    out = dict(trace)
    for letter, other in (("x", "y"), ("y", "x")):
        if letter in out or f"{letter}0" not in out or other not in out:
            continue
        n = np.asarray(_decode(out[other]), dtype=object).ravel().size
        step = float(out.get(f"d{letter}", 1))
        out[letter] = float(out[f"{letter}0"]) + np.arange(n, dtype=np.float64) * step
    return out
