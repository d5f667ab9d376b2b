"""The depth exponent of any asset: shipped, fitted from its own totals, or assumed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.book import depth_beta
from liqcascade.book._calibrate import MIN_BETA_BARS, assumed_beta, beta_for, fit_beta
from liqcascade.data import bundled
from profiles import examples


@pytest.fixture(scope="module")
def btc_totals() -> pd.DataFrame:
    return bundled.load_book_totals("BTC", market="futures")


@pytest.mark.parametrize("asset", ["ETH", "btc"])
def test_without_totals_a_shipped_asset_has_its_full_period_beta(asset: str) -> None:
    beta, src = beta_for(asset)
    assert beta == depth_beta(asset)
    assert src.startswith("package:liqcascade/book/depth_calibration.json (full period 2024-11")


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_at_the_data_end_the_procedure_reproduces_the_shipped_beta(asset: str) -> None:
    # the same procedure as any asset, at the default date (2025-07-31, closing at 24:00)
    totals = bundled.load_book_totals(asset, market="futures")
    beta, src = beta_for(asset, totals, pd.Timestamp("2025-08-01", tz="UTC"))
    assert beta == depth_beta(asset) == {"ETH": 0.73, "BTC": 0.79}[asset]  # rounded by design
    assert src == (
        f"fitted: median of fit_beta over {len(totals)} {asset} book-totals bars "
        f"{totals.index[0]:%Y-%m-%d} -> 2025-07-31"
    )


def test_an_earlier_date_reads_only_the_bars_closed_by_then() -> None:
    totals = bundled.load_book_totals("ETH", market="futures")
    until = pd.Timestamp("2025-01-16", tz="UTC")
    closed = totals[totals.index + pd.Timedelta(hours=8) <= until]
    beta, src = beta_for("ETH", totals, until)
    assert beta == round(float(fit_beta(closed).median()), 2)
    assert f"over {len(closed)} ETH book-totals bars" in src
    # too few bars at the start of the data: the documented assumption
    early = totals.index[0] + pd.Timedelta(hours=8) * (MIN_BETA_BARS - 1)
    beta, src = beta_for("ETH", totals, early)
    assert beta == assumed_beta()
    assert src.startswith("assumed: ") and f"has {MIN_BETA_BARS - 1} book-totals bars" in src


def test_a_bar_still_open_is_not_read(btc_totals: pd.DataFrame) -> None:
    cut = 100
    mid_bar = btc_totals.index[cut] + pd.Timedelta(hours=4)  # bar `cut` opened, not closed
    changed = btc_totals.copy()
    changed.iloc[cut:, changed.columns.get_loc("asks_usd")] *= 3.0
    assert beta_for("SOL", btc_totals, mid_bar) == beta_for("SOL", changed, mid_bar)
    assert beta_for("SOL", btc_totals, mid_bar)[0] == round(
        float(fit_beta(btc_totals.iloc[:cut]).median()), 2
    )


def test_a_new_asset_is_fitted_by_the_shipped_method(btc_totals: pd.DataFrame) -> None:
    # BTC's bars under another name: the median over bars reproduces BTC's shipped 0.79
    beta, src = beta_for("SOL", btc_totals)
    assert beta == round(float(fit_beta(btc_totals).median()), 2) == depth_beta("BTC")
    assert src.startswith(f"fitted: median of fit_beta over {len(btc_totals)} SOL")
    # base units in another scale change nothing (the ratio of USD to base is a price)
    scaled = btc_totals.assign(bids_base=btc_totals["bids_base"] * 500,
                               asks_base=btc_totals["asks_base"] * 500)  # fmt: skip
    assert beta_for("SOL", scaled)[0] == beta


def test_assumed_when_the_totals_do_not_allow_a_fit(btc_totals: pd.DataFrame) -> None:
    assert assumed_beta() == pytest.approx(np.median([0.73, 0.79]), abs=1e-12)
    for totals in (
        None,
        btc_totals[["bids_usd", "asks_usd"]],
        btc_totals.iloc[: MIN_BETA_BARS - 1],
    ):
        beta, src = beta_for("SOL", totals)
        assert beta == assumed_beta()
        assert src.startswith("assumed: median of the shipped assets' beta (ETH 0.73, BTC 0.79)")
    assert beta_for("SOL", btc_totals.iloc[:MIN_BETA_BARS])[1].startswith("fitted")


@settings(max_examples=examples(25))
@given(cut=st.integers(MIN_BETA_BARS, 700), factor=st.floats(0.2, 5.0))
def test_no_bar_closing_after_until_is_read(cut: int, factor: float) -> None:
    totals = bundled.load_book_totals("BTC", market="futures")
    until = totals.index[cut]
    changed = totals.copy()
    changed.loc[changed.index >= until, "asks_usd"] *= factor  # the future, altered
    a, b = beta_for("SOL", totals, until), beta_for("SOL", changed, until)
    assert a == b
    assert a[0] == round(float(fit_beta(totals.iloc[:cut]).median()), 2)


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_beta_path_equals_beta_for_at_every_instant(asset: str) -> None:
    from liqcascade.book._calibrate import beta_for, beta_path
    from liqcascade.data import bundled

    totals = bundled.load_book_totals(asset, market="futures")
    idx = pd.DatetimeIndex(totals.index)
    rng = np.random.default_rng(7)
    picks = sorted(rng.choice(len(idx), 40, replace=False))
    # bar opens, closes, a second after, before the first bar, after the last, and None
    instants = [idx[i] + pd.Timedelta(hours=h) for i in picks for h in (0, 8)]
    instants += [idx[0] - pd.Timedelta(days=3), idx[-1] + pd.Timedelta(days=30), None]
    assert beta_path(asset, totals, instants) == [beta_for(asset, totals, t)[0] for t in instants]
