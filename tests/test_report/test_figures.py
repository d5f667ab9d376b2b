"""Figure finishing: categorical axes, binned histograms, thinning, no scientific notation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade.report._figures import MAX_POINTS, finish
from liqcascade.report._format import SCI_NOTATION


def test_scenario_labels_are_categories_not_dates() -> None:
    labels = ["-10%", "-20%", "-30%", "2022-06", "2024-08-05", "2025-10-10", "ftx"]
    fig = go.Figure(go.Bar(x=labels, y=np.arange(7.0)))
    fig.update_layout(title="bad debt by scenario")
    caption, out = finish(fig)
    assert caption == "bad debt by scenario" and out.layout.title.text is None
    assert out.layout.xaxis.type == "category"


def test_time_axis_is_a_date_axis_and_long_series_are_thinned() -> None:
    t = pd.date_range("2020-01-01", periods=10_000, freq="h", tz="UTC")
    y = np.sin(np.arange(t.size) / 50.0)
    y[1234] = 50.0  # a spike must survive the thinning
    _, out = finish(go.Figure(go.Scatter(x=t, y=y, mode="lines")))
    assert out.layout.xaxis.type == "date"
    # milliseconds since the epoch, whatever the index's unit
    assert float(np.min(out.data[0].x)) == pd.Timestamp("2020-01-01", tz="UTC").value / 1e6
    for unit in ("s", "ms", "us"):
        _, o2 = finish(go.Figure(go.Scatter(x=t[:10].as_unit(unit), y=y[:10])))
        assert float(o2.data[0].x[0]) == pd.Timestamp("2020-01-01", tz="UTC").value / 1e6
    assert len(out.data[0].y) <= MAX_POINTS
    assert float(np.max(out.data[0].y)) == 50.0


def test_histograms_are_binned_in_python() -> None:
    rng = np.random.default_rng(0)
    fig = go.Figure(go.Histogram(x=rng.normal(size=50_000), nbinsx=40, name="loss"))
    _, out = finish(fig)
    assert [t.type for t in out.data] == ["bar"]
    assert len(out.data[0].x) == 40
    assert abs(float(np.sum(out.data[0].y)) - 50_000) < 1e-6
    assert len(out.to_json()) < 5_000


def test_scientific_notation_is_removed_from_text_and_hover() -> None:
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], text=["1.053e+05", "ok"], name="2.183e+08"))
    _, out = finish(fig)
    spec = json.loads(out.to_json())
    assert not SCI_NOTATION.search(json.dumps(spec["data"][0]["text"]))
    assert out.layout.yaxis.exponentformat == "none"


def test_long_and_short_have_a_second_cue() -> None:
    fig = go.Figure([go.Bar(x=["a"], y=[1], name="longs"), go.Bar(x=["a"], y=[1], name="shorts")])
    _, out = finish(fig)
    shapes = [t.marker.pattern.shape for t in out.data]
    assert shapes[0] and shapes[1] and shapes[0] != shapes[1]


def _page_json(fig: go.Figure) -> dict:
    """A finished figure as the page's JSON holds it (finish, JSON, rounded, compact)."""
    from liqcascade.report._build import _rounded, page_template
    from liqcascade.report._figures import compact

    _, out = finish(fig)
    full = _rounded(json.loads(out.to_json(validate=False)))
    return {"full": full, "page": compact(full, page_template())}


def test_an_evenly_spaced_axis_is_written_as_start_and_step_and_drawn_the_same() -> None:
    """About 140 kB of the quick page were evenly spaced dates, 8 bytes a point."""
    from liqcascade.report._describe import describe
    from liqcascade.report._figures import _decode, drawn

    hours = pd.date_range("2025-01-01", periods=500, freq="h", tz="UTC")
    grid = np.linspace(2000.0, 4000.0, 81)  # a price grid: float32 on the page
    fig = go.Figure([
        go.Scatter(x=hours, y=np.cos(np.arange(500.0)), name="hourly"),
        go.Bar(x=grid, y=np.arange(81.0), name="grid", xaxis="x2", yaxis="y2"),
        go.Scatter(x=hours[[0, 1, 3]], y=[1.0, 5.0, 2.0], name="gaps"),  # not even: kept
    ])  # fmt: skip
    fig.update_layout(xaxis2={"anchor": "y2"}, yaxis2={"anchor": "x2"})
    j = _page_json(fig)
    full, page = j["full"], j["page"]
    assert "x" not in page["data"][0] and page["data"][0]["dx"] == 3_600_000
    assert page["data"][0]["x0"] == hours[0].value // 1_000_000  # ms, as plotly reads dates
    assert "x" not in page["data"][1] and "x" in page["data"][2]
    for f, p in zip(full["data"], page["data"], strict=True):
        # the coordinates plotly computes (x0 + i * dx in doubles) are the array's, bit for bit
        want = np.asarray(_decode(f["x"]), dtype=np.float64)
        assert np.array_equal(np.asarray(_decode(drawn(p)["x"]), dtype=np.float64), want)
        assert {k: v for k, v in p.items() if k not in ("x", "x0", "dx")} == {
            k: v for k, v in f.items() if k != "x"
        }  # nothing else changed
    assert describe(page) == describe(full)  # the chart's name reads the same figures
    assert "template" not in page["layout"] and "template" in full["layout"]
    assert len(json.dumps(page)) < len(json.dumps(full)) - 4000


def test_a_category_or_log_axis_keeps_its_array() -> None:
    """Plotly steps a log axis in its logarithm, and names categories by their values."""
    fig = go.Figure([go.Scatter(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 10.0, 100.0, 1000.0])])
    fig.update_layout(xaxis_type="category", yaxis_type="log")
    page = _page_json(fig)["page"]
    assert "x" in page["data"][0] and "y" in page["data"][0] and "x0" not in page["data"][0]


def test_a_figure_with_another_template_keeps_it() -> None:
    from liqcascade.report._build import page_template
    from liqcascade.report._figures import compact

    spec = {"data": [], "layout": {"template": {"layout": {"font": {"size": 9}}}}}
    assert compact(spec, page_template()) == spec
    assert compact(spec, spec["layout"]["template"])["layout"] == {}
    assert spec["layout"]["template"]  # the input is left as it was


def test_a_title_of_a_right_hand_panel_clears_the_toolbar() -> None:
    """review22: "Market liquidations (USD M)" and "Gini of haircuts" lay under the page's
    toolbar icons (top right) in a 40 px top margin; a column of panels keeps 40 px."""
    from plotly.subplots import make_subplots

    from liqcascade.report._figures import MODEBAR_CLEAR, finish

    side = make_subplots(rows=1, cols=2, subplot_titles=("loss", "liquidations"))
    side.add_scatter(x=[1, 2], y=[1, 2])
    stacked = make_subplots(rows=2, cols=1, subplot_titles=("loss", "liquidations"))
    stacked.add_scatter(x=[1, 2], y=[1, 2])
    assert finish(side)[1].layout.margin.t == MODEBAR_CLEAR
    assert finish(stacked)[1].layout.margin.t == 40


def test_a_legend_of_long_entries_runs_under_the_plot() -> None:
    """review23: the cascade section's legend ("static book (instant, no refill, deepest of
    10 book draws): bounds the carry") took 40 % of the figure's width at the right."""
    from liqcascade.report._figures import LEGEND_BELOW_CHARS

    long = go.Figure(layout={"height": 400})
    long.add_scatter(x=[1, 2], y=[1, 2], name="calibrated: median")
    long.add_scatter(x=[1, 2], y=[2, 3], name="static book (instant, no refill): bounds the carry")
    lay = finish(long)[1].layout
    assert lay.legend.orientation == "h" and lay.legend.yref == "container"
    assert lay.height > 400 and lay.margin.b - 48 == lay.height - 400  # the plot keeps its size
    short = go.Figure(layout={"height": 400})
    short.add_scatter(x=[1, 2], y=[1, 2], name="x" * LEGEND_BELOW_CHARS)
    short.add_scatter(x=[1, 2], y=[2, 3], name="model")
    lay = finish(short)[1].layout
    assert lay.legend.orientation is None and lay.height == 400
    placed = go.Figure(layout={"legend": {"orientation": "v", "x": 0.02}})
    placed.add_scatter(x=[1, 2], y=[1, 2], name="a section placed this legend itself " * 2)
    placed.add_scatter(x=[1, 2], y=[2, 3], name="b")
    assert finish(placed)[1].layout.legend.x == 0.02


def test_millions_of_dollars_read_one_way() -> None:
    """review23: library figures wrote "closed by round (M USD)" beside "(USD M)"."""
    fig = go.Figure(layout={"title": "cumulative (M USD)", "yaxis": {"title": "notional (M USD)"}})
    fig.add_scatter(x=[1, 2], y=[1, 2], name="book after (cum. M USD)")
    title, out = finish(fig)
    assert title == "cumulative (USD M)" and out.layout.yaxis.title.text == "notional (USD M)"
    assert out.data[0].name == "book after (cum. USD M)"


def test_every_axis_names_its_unit_a_time_axis_too() -> None:
    """review (session 24): axes without units; a heatmap's colour bar read "M USD"."""
    from liqcascade.report._figures import TIME_AXIS

    t = pd.date_range("2025-01-01", periods=5, freq="D", tz="UTC")
    fig = go.Figure(go.Scatter(x=t, y=np.arange(5.0)))
    fig.add_heatmap(x=[1, 2], y=[1, 2], z=[[1, 2], [3, 4]], colorbar={"title": {"text": "M USD"}})
    _, out = finish(fig)
    assert out.layout.xaxis.title.text == TIME_AXIS == "time (UTC)"
    assert out.data[1].colorbar.title.text == "USD M"
    named = go.Figure(go.Scatter(x=t, y=np.arange(5.0)), layout={"xaxis_title": "day (UTC)"})
    assert finish(named)[1].layout.xaxis.title.text == "day (UTC)"  # a section's title kept
    # a shared time axis without tick labels (an upper panel) gets no title of its own
    from plotly.subplots import make_subplots

    two = make_subplots(rows=2, cols=1, shared_xaxes=True)
    two.add_scatter(x=t, y=np.arange(5.0), row=1, col=1)
    two.add_scatter(x=t, y=np.arange(5.0), row=2, col=1)
    lay = finish(two)[1].layout
    assert lay.xaxis.title.text is None and lay.xaxis2.title.text == TIME_AXIS


def test_the_bad_debt_axis_is_cut_where_a_bound_would_squeeze_the_buffers() -> None:
    """review (session 24): 6/10/14 % buffers 8 px apart on an axis to 200 %."""
    from liqcascade.report._solvency_section import AXIS_CUT, BUFFERS, _cut_axis

    xs = ["−10 %", "−30 %"]
    fig = go.Figure(go.Bar(x=xs, y=[12.3, 69.8]))
    note = _cut_axis(fig, xs, [12.3, 69.8], [17.0, 110.0], [22.0, 185.2])
    cap = 100 * AXIS_CUT * max(BUFFERS)
    assert abs(cap - 35.0) < 1e-9 and list(fig.layout.yaxis.range) == [0, cap]
    assert "axis cut at 35 %" in note
    texts = [a.text for a in fig.layout.annotations]
    # what lies above is written, not lost: one block (a label per column overlapped its
    # neighbours' at a phone's width), a line per scenario above the cut
    assert "above 35 %:<br>−30 %: ↑ 69.8 %, static 185.2 %" in texts
    assert not any("12.3" in t for t in texts)  # the bar under the cut is drawn, not written
    assert {"6 %", "10 %", "14 %"} <= set(texts)  # each buffer's line labelled
    low = go.Figure(go.Bar(x=xs, y=[1.0, 2.0]))
    assert _cut_axis(low, xs, [1.0, 2.0], [2.0, 3.0], [3.0, 32.0]) == ""
    assert low.layout.yaxis.range is None  # nothing above: the axis as drawn
    assert [a.text for a in low.layout.annotations] == ["6 %", "10 %", "14 %"]
