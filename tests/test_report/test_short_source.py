"""The data table's short source: ``store:/long/path.duckdb + bundled:x`` -> ``store
(path.duckdb) + bundled``, read by the data layer's one parser (``source_parts``)."""

from __future__ import annotations

from liqcascade.report._data import _short


def test_short_source_names_the_store_file_and_the_other_sources_kind() -> None:
    assert _short("store:/long/path.duckdb + bundled:eth_1h") == "store (path.duckdb) + bundled"
    assert _short("bundled:eth_oi_4h") == "bundled"
    assert _short("store:/s/x.duckdb") == "store (x.duckdb)"
    assert _short("file:/data/oi.csv") == "file"
    assert _short("") == ""
    # a store path holding " + " or " (" is one part (it was cut at the " + ")
    assert _short("store:/d/a + b/x (copy).duckdb + bundled:eth_1h") == (
        "store (x (copy).duckdb) + bundled"
    )
