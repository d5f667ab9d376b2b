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
