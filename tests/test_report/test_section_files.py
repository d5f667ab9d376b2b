"""The bundled files a section reads directly are listed in ``front.sources``.

The front page's sources listed the per-asset series and the calibrations, not the Aave
parameters (contagion), the Hyperliquid positions (validation) or the USDe bars
(collateral) that those sections read straight from the bundle.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files

from liqcascade.report._data import SECTION_FILES, file_sources


def test_each_file_of_a_section_that_ran_is_listed_with_the_hash_of_its_bytes() -> None:
    rows = file_sources(["liqmap", "contagion", "validation-btc", "collateral"])
    assert [r["series"] for r in rows] == [
        "Aave v3 reserve parameters",
        "Hyperliquid positions",
        "USDe 1m bars",
    ]
    root = files("liqcascade.data.bundled") / "_files"
    for r in rows:
        assert set(r) == {"asset", "series", "source", "sha256"}  # as the series' rows
        name = r["source"].removeprefix("bundled (").removesuffix(")")
        assert r["sha256"] == hashlib.sha256((root / name).read_bytes()).hexdigest()
    assert rows[0]["source"] == "bundled (aave_v3_reserve_params.json)"
    assert rows[2]["source"] == "bundled (usde_1m.parquet)"


def test_a_section_not_run_lists_no_file() -> None:
    assert file_sources(["liqmap", "cascade", "stress"]) == []
    only = file_sources(["collateral"])
    assert [r["series"] for r in only] == ["USDe 1m bars"]
    assert len(SECTION_FILES) == 3
