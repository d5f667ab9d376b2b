"""``source_parts``: the one reader of a series' source string (``store:PATH + bundled:NAME``).

The command line's market line (``_market_line.store_note``) and the report's data table
(``report._data._short``) each split the string themselves: a store path holding
`` (`` or `` + `` was cut there (``/home/u/my data (old)/acme.duckdb`` read as
``/home/u/my data``).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liqcascade.data import SourcePart, load_series, source_parts
from liqcascade.data._source import SOURCE_JOIN


def test_the_forms_the_data_layer_writes() -> None:
    assert source_parts("bundled:eth_oi_4h") == [SourcePart("bundled", "eth_oi_4h", "")]
    assert source_parts("store:/x/a.duckdb + bundled:eth_1h") == [
        SourcePart("store", "/x/a.duckdb", ""),
        SourcePart("bundled", "eth_1h", ""),
    ]
    assert source_parts("file:/data/my file.csv") == [SourcePart("file", "/data/my file.csv", "")]
    assert source_parts("store:/s/sol.calibrations/book/SOL.json (fit 2025-03: a (b))") == [
        SourcePart("store", "/s/sol.calibrations/book/SOL.json", "fit 2025-03: a (b)")
    ]
    assert source_parts("bundled:eth_1h (resampled to 4h)") == [
        SourcePart("bundled", "eth_1h", "resampled to 4h")
    ]
    assert source_parts("") == []
    # a part without a colon is all "where" (the market's other records: "calibrated")
    assert source_parts("calibrated") == [SourcePart("calibrated", "", "")]
    # Windows: the drive's colon is the name's
    assert source_parts("store:C:\\u\\a.duckdb") == [SourcePart("store", "C:\\u\\a.duckdb", "")]
    # load_series's own string reads back
    df = load_series("open_interest", asset="ETH", interval="4h", store=False)
    assert source_parts(df.attrs["source"]) == [SourcePart("bundled", "eth_oi_4h", "")]


def test_a_path_holding_a_parenthesis_or_a_plus_is_kept_whole() -> None:
    assert source_parts("store:/home/u/my data (old)/acme.duckdb + bundled:eth_1h") == [
        SourcePart("store", "/home/u/my data (old)/acme.duckdb", ""),
        SourcePart("bundled", "eth_1h", ""),
    ]
    assert source_parts("store:/home/u/a + b/acme (copy).duckdb") == [
        SourcePart("store", "/home/u/a + b/acme (copy).duckdb", "")
    ]


_NAME = st.text(alphabet="ab/._ -+()0", min_size=1, max_size=30).filter(
    lambda s: not s.endswith(")")  # a name ending "(...)" reads as its note
)
_NOTE = st.text(alphabet="ab ,:-0", max_size=12).flatmap(
    lambda s: st.sampled_from([s, f"{s} (x)", f"({s}) y"])
)
_PART = st.tuples(st.sampled_from(["store", "bundled", "file", "package"]), _NAME, _NOTE)


@given(st.lists(_PART, min_size=1, max_size=3))
def test_joined_parts_read_back(parts: list[tuple[str, str, str]]) -> None:
    text = SOURCE_JOIN.join(f"{w}:{n}" + (f" ({note})" if note else "") for w, n, note in parts)
    assert source_parts(text) == [SourcePart(*p) for p in parts]
