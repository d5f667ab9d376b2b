"""A shock line gives the market's liquidations with their 10–90 % band, as the price's.

Trial 35: ``stress --scenario shock`` printed ``liquidations within 24 h 32.8M USD``
beside ``24 h extreme 3,058 (10–90 %: 2,338–3,297)``: the JSON held the band
(``market_liquidations_p10_usd`` / ``_p90_usd``) and ``cascade``'s card prints its own,
but the text gave the figure bare.
"""

from __future__ import annotations

import json
import math

from clihelpers import run_cli
from liqcascade._cli.stress import _liquidations_text


def test_the_band_in_m_usd_and_the_figure_alone_without_one() -> None:
    r = {"market_liquidations_usd": 32.82e6, "market_liquidations_p10_usd": 22.43e6,
         "market_liquidations_p90_usd": 58.84e6}  # fmt: skip
    assert _liquidations_text(r) == "32.8M USD (10–90 %: 22.4M–58.8M)"
    assert _liquidations_text({"market_liquidations_usd": 1e6}) == "1.0M USD"
    nan = {**r, "market_liquidations_p10_usd": math.nan}
    assert _liquidations_text(nan) == "32.8M USD"


def test_the_command_prints_the_json_s_band_for_each_market() -> None:
    args = ("stress", "--portfolio", "sample", "--scenario", "shock", "--shocks=-10%")
    row = json.loads(run_cli(*args, "--json").stdout)["shocks"][0]
    text = run_cli(*args).stdout
    for own, prefix in ((row, "; liquidations within 24 h "),
                        (row["by_asset"]["BTC"], "; BTC liquidations within 24 h ")):  # fmt: skip
        lo, hi = own["market_liquidations_p10_usd"], own["market_liquidations_p90_usd"]
        assert lo <= own["market_liquidations_usd"] <= hi
        band = f"(10–90 %: {lo / 1e6:,.1f}M–{hi / 1e6:,.1f}M)"
        assert f"{prefix}{own['market_liquidations_usd'] / 1e6:,.1f}M USD {band}" in text
