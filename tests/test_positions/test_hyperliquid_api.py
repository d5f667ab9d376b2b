"""Positions in Hyperliquid's API field names (szi, entryPx, liquidationPx, leverage.value).

A trader's export of ``clearinghouseState`` reads as the Hyperliquid positions layout:
the signed size as side and size, the API's prices as the layout's, and the same book as
the same positions written in the layout's own names.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.errors import InputError
from liqcascade.positions import read_positions
from liqcascade.positions._hyperliquid_api import from_api_fields
from profiles import examples

API = (
    "coin,szi,entryPx,leverage.type,leverage.value,liquidationPx,marginUsed\n"
    "ETH,135,3650,cross,15,3476.19,32850\n"
    "ETH,-2.5,3800,isolated,10,,950\n"
)
LAYOUT = (
    "coin,side,size,entry_price,margin_mode,leverage,liq_price\n"
    "ETH,long,135,3650,cross,15,3476.19\n"
    "ETH,short,2.5,3800,isolated,10,\n"
)


def test_the_api_fields_read_as_the_layout(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api, layout = tmp_path / "api.csv", tmp_path / "layout.csv"
    api.write_text(API)
    layout.write_text(LAYOUT)
    with caplog.at_level(logging.WARNING, logger="liqcascade.positions"):
        got = read_positions(api)
    want = read_positions(layout)
    assert got.venue == want.venue == "hyperliquid"
    np.testing.assert_array_equal(got.side, [1, -1])
    np.testing.assert_allclose(got.size, [135.0, 2.5], rtol=0)
    for name in ("size", "entry_price", "liq_price", "bankruptcy_price", "margin"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-12)
    assert got.liq_price[0] == 3476.19  # the venue's, as stated
    # the isolated short: its own margin at 10x (380 a coin) less the maintenance (l =
    # 1/50 for ETH: 76 a coin), over 1 + l
    assert got.liq_price[1] == pytest.approx(3800 + (380 - 76) / 1.02, rel=1e-12)
    notes = [r.getMessage() for r in caplog.records if "API fields" in r.getMessage()]
    assert notes == [
        f"note: {api}: Hyperliquid's API fields read: szi as side and size, entryPx as "
        "entry_price, liquidationPx as liq_price, leverage.value as leverage"
    ]


@pytest.mark.parametrize(
    ("szi", "says"),
    [
        ("0", "0 is no position"),
        ("", "is not a number ('')"),
        ("1e", "is not a number ('1e')"),
        ('"-2,5"', "is not a number ('-2,5'): write -2.5 (a decimal point)"),
    ],
)
def test_a_szi_that_is_no_position_names_the_row(tmp_path: Path, szi: str, says: str) -> None:
    p = tmp_path / "api.csv"
    p.write_text(f"coin,szi,entryPx,leverage.value\nETH,1,3650,15\nETH,{szi},3650,15\n")
    with pytest.raises(InputError) as e:
        read_positions(p)
    assert str(e.value) == (
        f"{p}: data row 2: szi (Hyperliquid's signed size: > 0 long, < 0 short) {says}"
    )


def test_a_file_with_its_own_side_and_size_is_left_as_it_is(tmp_path: Path) -> None:
    import pandas as pd

    df = pd.DataFrame({"side": ["long"], "size": [1.0], "szi": [-3.0], "entry_px": [3650.0]})
    out, note = from_api_fields(df, tmp_path / "x.csv")
    assert out is df and note is None


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.floats(1e-4, 1e4).flatmap(lambda x: st.sampled_from([x, -x])), min_size=1,
                max_size=20))  # fmt: skip
def test_signed_sizes_split_into_side_and_size(szi: list[float]) -> None:
    import pandas as pd

    df = pd.DataFrame({"coin": "ETH", "szi": [repr(x) for x in szi], "entry_px": 3000.0})
    out, _ = from_api_fields(df, Path("x.csv"))
    signs = np.where(out["side"].to_numpy() == "long", 1.0, -1.0)
    np.testing.assert_array_equal(signs * out["size"].to_numpy(), np.asarray(szi))
    assert (out["size"] > 0).all() and list(out.columns[:2]) == ["side", "size"]
    assert "entry_price" in out.columns and "entry_px" not in out.columns
