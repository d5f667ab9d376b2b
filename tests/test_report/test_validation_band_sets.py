"""The validation section's band: how many parameter sets it rests on (session 25).

The method text said "the main fit and 10 block-bootstrap refits" whatever the fits
held; a store asset calibrated with two refits got the same words and a coverage
read as a test of a band drawn over three parameter sets.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from liqcascade.report._validation_section import (
    MIN_BAND_SETS,
    AssetValidation,
    ValidationView,
    _asset_line,
    _dollar_words,
    coverage_words,
    prose,
    summary,
)

START = pd.Timestamp("2025-03-01", tz="UTC")


def _av(asset: str, refits: tuple[int, ...], days: int = 40, cov: float = 0.6) -> AssetValidation:
    m = {"days": float(days), "coverage_90_daily": cov, "corr_daily": 0.5}
    bt = SimpleNamespace(metrics_out_of_sample=m, recorded_bars=6 * days, start=START,
                         end=START + pd.Timedelta(days=days - 1), months=[])  # fmt: skip
    return AssetValidation(asset, bt, None, {}, refits=refits)


def _method(*avs: AssetValidation) -> str:
    return next(t for t in prose(ValidationView(list(avs))).method if "The band is" in t)


def test_the_method_names_the_refits_the_fits_hold() -> None:
    assert "over the main fit and 10 block-bootstrap refits (5th" in _method(_av("ETH", (10, 10)))
    assert "over the main fit and 2 block-bootstrap refits (5th" in _method(_av("SOL", (2,)))
    both = _method(_av("ETH", (10,)), _av("SOL", (2,)))
    assert "the main fit and its block-bootstrap refits (ETH 10, SOL 2) (5th" in both


def test_a_band_on_too_few_sets_is_not_a_coverage_test() -> None:
    sol = _av("SOL", (2,))
    assert sol.band_sets == 3 and sol.band_is_thin() and MIN_BAND_SETS == 10
    line = _asset_line(sol)
    assert "60 % of days inside the 5–95 % band (nominal 90 %; the band rests on 3 " in line
    assert "fewer than 10: not a coverage test)" in line and "too narrow" not in line
    # eleven sets: the binomial verdict as before (60 % of 40 days is too narrow)
    assert coverage_words(0.6, 40, 11) == coverage_words(0.6, 40)
    assert coverage_words(0.6, 40).endswith(": the band is too narrow)")
    s = summary(ValidationView([sol, _av("ETH", (10, 9))]))["assets"]
    assert s["SOL"]["band_parameter_sets"] == 3 and s["SOL"]["band_is_coverage_test"] is False
    assert s["ETH"]["band_parameter_sets"] == 10 and s["ETH"]["band_is_coverage_test"] is True
    assert s["SOL"]["scored_days"] == 40 and s["ETH"]["band_refits"] == [10, 9]


def test_the_hyperliquid_method_names_the_assets_it_covers() -> None:
    """A SOL report said the check used "net ETH + BTC exposure" of a check it did not run."""
    sol = next(t for t in prose(ValidationView([_av("SOL", (2,))])).method if "Hyperliquid" in t)
    assert sol == (
        "Hyperliquid: the bundled positions (994 large accounts, Feb 2026) hold ETH and BTC "
        "only, so SOL has no check against them."
    )
    check = pd.DataFrame({"data": [1.0], "model": [1.0]}, index=["none"])
    eth = _av("ETH", (10,))
    eth = AssetValidation("ETH", eth.backtest, check, {}, refits=(10,))
    both = ValidationView([eth, _av("SOL", (2,))])
    line = next(t for t in prose(both).method if t.startswith("Hyperliquid"))
    assert line.startswith("Hyperliquid (ETH only): 994 large accounts")
    assert "net ETH + BTC exposure" in line
    alone = next(t for t in prose(ValidationView([eth])).method if t.startswith("Hyperliquid"))
    assert alone.startswith("Hyperliquid: 994 large accounts")  # as before for ETH


def test_the_front_row_says_a_thin_band_is_not_a_coverage_test() -> None:
    """A SOL user's front row read "beats" over one month of a band of 3 parameter sets."""
    from liqcascade.report._section import FRONT_CHARS, front_chars
    from liqcascade.report._validation_section import _heatmap_front, _thin_words

    sol, eth, btc = _av("SOL", (2,)), _av("ETH", (10, 9)), _av("BTC", (10,))
    assert _thin_words([sol]) == "; SOL: band of 3 parameter sets, coverage untested"
    assert _thin_words([eth]) == ""  # ten sets or more: the coverage is a test
    assert _thin_words([eth, sol, _av("XRP", (2, 1))]).startswith("; SOL and XRP: band of few")
    claim = prose(ValidationView([sol])).claims[0]
    assert claim.front.endswith("; SOL: band of 3 parameter sets, coverage untested.")
    # real counts are longer than the stub's "0 of 0": two and three assets with a thin
    # band stay within the cap (the correlations go to the section when they would not)
    for avs in ([eth, sol], [eth, btc, sol]):
        row = _heatmap_front(avs, 12, 36)
        assert front_chars(row) <= FRONT_CHARS, row
        assert row.endswith("on 12 of 36 scores; levels untested; SOL: band of 3 "
                            "parameter sets, coverage untested.")  # fmt: skip
    # with a thin band beside another asset the pairs go to the section
    assert _heatmap_front([eth, btc, sol], 12, 36).startswith(
        "Given the realised range (not a forecast), out of sample, the book beats range × OI on "
        "12 of 36"
    )
    both = _heatmap_front([eth, btc], 2, 12)  # no thin band: the pairs, as before
    assert both.startswith(
        "Given the realised range (not a forecast), daily correlation vs range × OI: ETH "
    )
    assert both.endswith("; beats it on 2 of 12 scores; levels untested.")


class _Dollars(AssetValidation):
    """An asset whose daily dollar error has a given verdict against range × OI."""

    said: str | None = None

    def dollars(self) -> dict[str, Any] | None:
        return None if self.said is None else {"verdict": self.said}


def test_the_front_row_says_the_dollar_verdicts() -> None:
    from liqcascade.report._section import FRONT_CHARS, front_chars
    from liqcascade.report._validation_section import _heatmap_front

    # the correlations are blind to how much; the front row says the dollar error's
    # verdicts, grouped, and leaves the correlation pairs to the section when both will
    # not fit in the cap
    eth, btc = (_Dollars(a, _av(a, (10,)).backtest, None, {}, refits=(10,)) for a in ("ETH", "BTC"))
    eth.said = btc.said = "loses"
    row = _heatmap_front([eth, btc], 2, 12)
    assert front_chars(row) <= FRONT_CHARS
    assert row == (
        "Given the realised range (not a forecast), out of sample, the book beats range × OI "
        "on 2 of 12 scores; in dollars loses on ETH and BTC; levels untested."
    )
    btc.said = "ties"
    assert "; in dollars loses on ETH, ties on BTC; levels untested." in _heatmap_front(
        [eth, btc], 2, 12
    )
    btc.said = None  # too few days: no verdict, not named
    one = _heatmap_front([eth], 1, 6)
    assert one == (
        "Given the realised range (not a forecast), daily correlation vs range × OI: ETH "
        "0.50 vs –; beats it on 1 of 6 scores; in dollars loses on ETH; levels untested."
    )
    assert "BTC" not in _heatmap_front([eth, btc], 2, 12).split("in dollars")[1]


def _bars(model: float, rng_: float, days: int = 30) -> SimpleNamespace:
    """A back-test of ``days`` days of six 4-hour bars: record 1 M a bar and side."""
    idx = pd.date_range(START, periods=6 * days, freq="4h")
    n = len(idx)
    rec = np.ones(n) * 1e6
    wiggle = np.sin(np.arange(n))  # the model and the baseline off by their own amounts
    f = pd.DataFrame(
        {
            "recorded_long_usd": rec, "recorded_short_usd": rec,
            "predicted_long_usd": rec * model + 1e5 * wiggle, "predicted_short_usd": rec * model,
            "range_long_usd": rec * rng_, "range_short_usd": rec * rng_ + 1e5 * wiggle,
        },
        index=idx,
    )  # fmt: skip
    return SimpleNamespace(frame=f, sample_months=lambda out: ["2025-03", "2025-04"])


def test_the_dollar_level_is_scored_against_the_range_baseline() -> None:
    """reg35: the correlations cannot see the level; ETH's book totalled 1.33× the record
    (range baseline 1.19×), its daily error $7.9 M against $6.5 M, and the text said the
    scores 'test the book's scale'."""
    av = AssetValidation("ETH", _bars(1.4, 1.1), None, {})
    d = av.dollars()
    assert d is not None and d["days"] == 30
    assert d["model_total_ratio"] == pytest.approx(1.4, rel=1e-3)
    assert d["range_total_ratio"] == pytest.approx(1.1, rel=1e-3)
    # a day: 12 M recorded; the model 0.4 × 12 M off (the wiggle sums near 0 over a day)
    f = av.backtest.frame
    day = f.resample("1D").sum()
    rec = day["recorded_long_usd"] + day["recorded_short_usd"]
    mae_m = (day["predicted_long_usd"] + day["predicted_short_usd"] - rec).abs().mean()
    mae_r = (day["range_long_usd"] + day["range_short_usd"] - rec).abs().mean()
    assert d["model_mae_daily_usd"] == pytest.approx(mae_m, rel=1e-9)
    assert d["range_mae_daily_usd"] == pytest.approx(mae_r, rel=1e-9)
    assert d["mae_diff_daily_usd"] == pytest.approx(mae_m - mae_r, rel=1e-9)
    assert d["mae_diff_daily_usd_p05"] > 0 and d["verdict"] == "loses"
    words = _dollar_words(av)
    assert "In dollars, which the correlations do not score, it misses by more than" in words
    assert "total 1.40× the record (range baseline 1.10×)" in words
    better = AssetValidation("ETH", _bars(1.0, 1.3), None, {}).dollars()
    assert better is not None and better["verdict"] == "beats"
    # a back-test without its bars (the band tests' stand-in) scores nothing, says nothing
    assert _av("ETH", (10,)).dollars() is None and _dollar_words(_av("ETH", (10,))) == ""
