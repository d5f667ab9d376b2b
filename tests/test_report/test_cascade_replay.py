"""The cascade section's replay: no correlation over too few model bars, both sides drawn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from floats import assert_same
from liqcascade.report._cascade_section import MIN_CORR_BARS, Replay, _replay_figure


def _replay(model_long: list[float], model_short: list[float]) -> Replay:
    ts = pd.date_range("2025-02-03", periods=6, freq="4h", tz="UTC")
    frame = pd.DataFrame(
        {
            "model_long_usd": model_long,
            "model_short_usd": model_short,
            "long_usd": [80e6, 10e6, 5e6, 4e6, 9e6, 7e6],
            "short_usd": [7e6, 8e6, 1e6, 5e6, 2e6, 6e6],
        },
        index=ts,
    )
    hours = pd.DataFrame({"close": np.linspace(3000, 2800, 24)},
                         index=pd.date_range(ts[0], periods=24, freq="1h"))  # fmt: skip
    return Replay(ts[0], ts[0], 3000.0, 2700.0, frame, hours)


def test_one_model_bar_gives_no_correlation() -> None:
    r = _replay([30e6, 0, 0, 0, 0, 0], [0.0] * 6)
    assert r.n_model_bars == 1 < MIN_CORR_BARS
    assert np.isnan(r.corr)  # one bar against zeros would give ~1.0 and mean nothing


def test_correlation_from_three_model_bars() -> None:
    r = _replay([30e6, 2e6, 0, 0, 0, 0], [0, 0, 0, 1e6, 0, 0])
    assert r.n_model_bars == 3
    f = r.frame
    a = (f["model_long_usd"] + f["model_short_usd"]).to_numpy()
    b = (f["long_usd"] + f["short_usd"]).to_numpy()
    # direct reference: Pearson's r from its definition
    ref = ((a - a.mean()) * (b - b.mean())).sum() / np.sqrt(
        ((a - a.mean()) ** 2).sum() * ((b - b.mean()) ** 2).sum()
    )
    assert_same(r.corr, float(ref), rtol=1e-12)


@pytest.mark.parametrize("short", [[0.0] * 6, [0, 3e6, 0, 0, 1e6, 0]])
def test_figure_draws_both_sides_with_the_texts_totals(short: list[float]) -> None:
    r = _replay([30e6, 0, 0, 2e6, 0, 0], short)
    fig = _replay_figure(r)
    bars = {t.name.split(" ($")[0]: t for t in fig.data if t.type == "bar"}
    assert set(bars) == {"recorded longs", "recorded shorts", "model longs", "model shorts"}
    tot = r.totals()
    for name, key in (
        ("recorded longs", "long_usd"),
        ("recorded shorts", "short_usd"),
        ("model longs", "model_long_usd"),
        ("model shorts", "model_short_usd"),
    ):
        assert_same(float(np.sum(bars[name].y)) * 1e6, tot[key], rtol=1e-12)
        assert_same(tot[key], float(r.frame[key].sum()), rtol=1e-12)
    # the recorded total the text prints is both sides
    assert_same(tot["long_usd"] + tot["short_usd"], 115e6 + 29e6, rtol=1e-12)


@pytest.mark.parametrize(("asset", "day", "in_sample"),
                         [("ETH", "2025-02-03", True), ("BTC", "2025-06-12", False)])  # fmt: skip
def test_replay_says_whether_its_book_is_in_sample(asset: str, day: str, in_sample: bool) -> None:
    # the replay's book is the fit for the day's month: ETH's of 2025-02-03 was trained
    # after it (no fit ends before 2025-03), BTC's of 2025-06-12 on data to 2025-05-31
    from liqcascade.report._cascade_section import _replay
    from liqcascade.report._section import ReportContext

    r = _replay(ReportContext(asset=asset))
    assert r is not None
    assert r.day == pd.Timestamp(day, tz="UTC")
    assert r.book_in_sample is in_sample


def test_an_early_date_replays_a_day_with_a_market_or_none() -> None:
    """The liquidations start 2024-11-13, the open interest 2024-11-22 20:00: at
    2024-11-23 the largest day was 2024-11-14, whose market cannot be estimated, and
    the report's cascade section failed (exit 2). The replay takes the largest day from
    the open interest's first close on; before any, there is none."""
    from liqcascade.report._cascade_section import _replay
    from liqcascade.report._section import ReportContext

    r = _replay(ReportContext(asset="ETH", as_of="2024-11-23"))
    assert r is not None and r.day == pd.Timestamp("2024-11-23", tz="UTC")
    assert _replay(ReportContext(asset="ETH", as_of="2024-11-22")) is None
