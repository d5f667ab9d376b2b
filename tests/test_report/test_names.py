"""The names the page prints for the library's keys (review23: "gjr", "vol-declustered",
"binance", "share 25x" in tables and prose)."""

from __future__ import annotations

import pandas as pd

from liqcascade.report._names import display_name


def test_keys_read_as_names() -> None:
    assert display_name("model", "gjr") == "GJR" and display_name("dist", "skewt") == (
        "skewed Student-t"
    )
    assert display_name("adl", "hyperliquid (whole positions)") == "Hyperliquid (whole positions)"
    assert display_name("stop", "vol-declustered") == "Volatility-scaled, de-clustered"
    assert display_name("metric", "share_25x") == "share at 25× or more"
    assert display_name("metric", "fragility (−distance to cascade)") == (
        "fragility (−distance to cascade)"  # a key without a name is printed as it is
    )


def test_the_provenance_table_says_coinglass_s_caveat_once() -> None:
    from liqcascade import datasets
    from liqcascade.data.bundled import COINGLASS_SOURCE
    from liqcascade.report._data_section import PROVENANCE_CAPTION, _caveat_once

    prov = datasets.provenance()
    out = _caveat_once(prov)
    assert sum(COINGLASS_SOURCE in s for s in prov["source"]) >= 5  # it was on every row
    assert not any("revises" in s for s in out["source"])
    assert "revises old bars by up to ~15 %" in PROVENANCE_CAPTION
    cg = out["source"][prov["source"].str.contains(COINGLASS_SOURCE, regex=False)]
    assert all(s.startswith("CoinGlass API (") for s in cg)
    assert isinstance(out, pd.DataFrame) and list(out["name"]) == list(prov["name"])
