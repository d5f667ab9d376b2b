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


@pytest.fixture(scope="module")
def btc_totals() -> pd.DataFrame:
    return bundled.load_book_totals("futures", asset="BTC")


@pytest.mark.parametrize("asset", ["ETH", "btc"])
def test_shipped_assets_keep_their_shipped_beta(asset: str) -> None:
    beta, src = beta_for(asset)
    assert beta == depth_beta(asset)
    assert src == "package:liqcascade/book/depth_calibration.json"


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


@settings(max_examples=25)
@given(cut=st.integers(MIN_BETA_BARS, 700), factor=st.floats(0.2, 5.0))
def test_no_bar_opened_after_until_is_read(cut: int, factor: float) -> None:
    totals = bundled.load_book_totals("futures", asset="BTC")
    until = totals.index[cut]
    changed = totals.copy()
    changed.loc[changed.index >= until, "asks_usd"] *= factor  # the future, altered
    a, b = beta_for("SOL", totals, until), beta_for("SOL", changed, until)
    assert a == b
    assert a[0] == round(float(fit_beta(totals.iloc[:cut]).median()), 2)
