"""The heatmap and the book over time stand on the market's identified book (ETH and BTC).

:func:`liqcascade.market.market_books` must give, at every date, the positions, stops,
price and depth :func:`liqcascade.market.estimated_market` holds at that date;
:func:`liqcascade.market.market_heatmap` bins exactly those books.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.market import (
    MarketSpec,
    estimated_market,
    load_market_inputs,
    market_books,
    market_heatmap,
)
from liqcascade.positions import SELL, heatmap_from_books

_BAR = pd.Timedelta(hours=4)


def _sorted(x: np.ndarray) -> np.ndarray:
    return np.sort(np.asarray(x, dtype=np.float64))


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_books_over_time_equal_the_market_at_each_date(asset: str) -> None:
    inputs = load_market_inputs(asset)
    last = inputs.open_interest.index[-1]
    # dates in four calibration months, one between two bars, one repeated
    times = [last, last - pd.Timedelta(days=17, hours=2), last - pd.Timedelta(days=45)]
    times += [last - pd.Timedelta(days=120), last]
    books = market_books(times, asset=asset, inputs=inputs)
    assert [b.as_of for b in books] == sorted({b.as_of for b in books}) and len(books) == 4
    for b in books:
        m = estimated_market(MarketSpec(asset=asset, as_of=b.as_of + _BAR))
        assert m.as_of == b.as_of and b.price == pytest.approx(m.mid, rel=1e-12)
        assert m.positions.symbol == b.positions.symbol == f"{asset}USDT"
        assert len(b.positions) == len(m.positions) and len(b.stops) == len(m.stops)
        for name in ("size", "liq_price", "entry_price", "margin"):
            assert_same(
                _sorted(getattr(b.positions, name)), _sorted(getattr(m.positions, name)),
                rtol=1e-9,
            )  # fmt: skip
        assert_same(_sorted(b.stops.trigger), _sorted(m.stops.trigger), rtol=1e-9)
        assert_same(_sorted(b.stops.size), _sorted(m.stops.size), rtol=1e-9)
        assert m.whole_positions is not None
        assert_same(_sorted(b.whole.size), _sorted(m.whole_positions.size), rtol=1e-9)
        assert_same(b.depth.bid_size, m.book.bid_size, rtol=1e-9)
        assert_same(b.depth.ask_price, m.book.ask_price, rtol=1e-9)


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_heatmap_totals_are_the_markets_book(asset: str) -> None:
    inputs = load_market_inputs(asset)
    last = inputs.open_interest.index[-1]
    hm = market_heatmap(last - pd.Timedelta(days=6), last, asset=asset, inputs=inputs)
    assert len(hm.times) == 7 and hm.times[-1] == last
    lo, hi = hm.edges[0], hm.edges[-1]
    for k in (0, 6):
        t = hm.times[k]
        m = estimated_market(MarketSpec(asset=asset, as_of=t + _BAR))
        assert hm.price[k] == pytest.approx(m.mid, rel=1e-12)
        pos, st = m.positions, m.stops
        lq = pos.liq_price
        usd = pos.size * np.where(np.isfinite(lq), lq, 0.0)
        longs = (pos.side == 1) & (lq >= lo) & (lq < hi)
        shorts = (pos.side == -1) & (lq > lo) & (lq <= hi)
        sells = (st.side == SELL) & (st.trigger >= lo) & (st.trigger < hi)
        buys = (st.side != SELL) & (st.trigger > lo) & (st.trigger <= hi)
        want = [
            usd[longs].sum(),
            usd[shorts].sum(),
            (st.size * st.trigger)[sells].sum(),
            (st.size * st.trigger)[buys].sum(),
        ]
        assert_same(hm.amounts[k].sum(axis=0), np.array(want), rtol=1e-9, atol=1e-3)
        # the grid covers the book near the price: most of the market's notional is on it
        total = usd[np.isfinite(lq)].sum() + (st.size * st.trigger).sum()
        assert 0.5 * total < hm.amounts[k].sum() <= total * (1 + 1e-9)
    # the same books through the model-level function give the same heatmap
    books = market_books(hm.times, asset=asset, inputs=inputs)
    again = heatmap_from_books([(b.as_of, b.positions, b.stops, b.price) for b in books])
    assert_same(again.amounts, hm.amounts, rtol=1e-12)


def test_bad_requests_name_their_parameter() -> None:
    with pytest.raises(InputError) as e:
        market_books(["2025-07-01"], spec=MarketSpec(book_model="legacy"))
    assert e.value.param == "book_model"
    with pytest.raises(InputError) as e:
        market_books(["2019-01-01"], asset="BTC")
    assert e.value.param == "times"
    with pytest.raises(InputError) as e:
        market_heatmap("2025-07-01", "2025-07-05", freq="-1D")
    assert e.value.param == "freq"
    with pytest.raises(InputError) as e:
        market_heatmap("2025-07-05", "2025-07-01")
    assert e.value.params == ("start", "end")
    with pytest.raises(InputError) as e:
        heatmap_from_books([])
    assert e.value.param == "snapshots"


def test_liqmap_out_draws_btcs_heatmap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The heatmap's HTML of BTC's book. Its PNGs go through a stand-in browser
    (:class:`fakekaleido.FakeKaleido`): this test never read them (a real export failure
    was a warning, exit 0), and ``test_maps_cli.test_out_writes_html_and_png`` renders
    the same two figures of ETH's book in Chrome."""
    import kaleido

    from fakekaleido import FakeKaleido

    monkeypatch.setattr(kaleido, "Kaleido", fake := FakeKaleido())
    r = run_cli(
        "liqmap", "--asset", "BTC", "--as-of", "2025-05-01", "--heatmap-days", "2",
        "--out", str(tmp_path), "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    files = r.json()["files"]
    assert len(fake.browsers) == 1 and len(fake.renders) == 2  # both PNGs, one browser
    assert list(files) == ["liqmap_html", "liqmap_png", "heatmap_html", "heatmap_png"]
    assert (tmp_path / "heatmap.html").stat().st_size > 10_000 and "heatmap_html" in files
    html = (tmp_path / "heatmap.html").read_text()
    assert "BTC liquidation + stop heatmap" in html  # the asset named in the title


def test_liqmap_bad_bucket_names_the_flag() -> None:
    r = run_cli("liqmap", "--bucket", "0.9", "--json")
    assert r.exit_code == 2 and r.stderr.startswith("error: --bucket must be in (0, 0.5]")
    r = run_cli("liqmap", "--bucket", "0.01", "--range", "0.005", "--json")
    assert r.exit_code == 2 and "--range must be >= --bucket" in r.stderr


def test_report_liqmap_section_btc_draws_the_markets_book() -> None:
    from liqcascade.report import _liqmap_section
    from liqcascade.report._section import ReportContext

    ctx = ReportContext(quick=True, asset="BTC")
    sec = _liqmap_section.section(ctx)
    s = sec.summary
    assert s["heatmap"] is not None and s["heatmap"]["n_times"] == 15
    # the map is the market's book at the last bar: positions and stops
    m = ctx.market
    assert s["n_positions"] == len(m.positions) and s["n_stops"] == len(m.stops)
    assert m.whole_positions is not None
    whole = float((m.whole_positions.size * m.mid).sum())
    assert s["whole_book_usd"] == pytest.approx(whole, rel=1e-9)
    assert len(sec.figures) == 2
