"""The pages' recipe for another asset is the one that works, in the order that works.

A desk that followed them (trial newasset32, an asset "XYZ"): the liquidations file was
ingested without ``--venue``, so every book dollar read "unknown-feed dollars"; and
docs/liquidity.md's block ran ``cascade calibrate`` before the book calibration it needs.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ingest_lines(text: str, name: str) -> list[str]:
    """The ``data ingest`` commands (continuation lines joined) whose files include ``name``."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [ln for ln in joined.splitlines() if "data ingest" in ln and name in ln]


def test_the_liquidations_file_is_ingested_with_its_venue() -> None:
    readme = (ROOT / "README.md").read_text()
    (line,) = _ingest_lines(readme, "SOL_4h_liquidations")
    assert "--venue binance" in line
    data = (ROOT / "docs" / "data.md").read_text()
    (row,) = [ln for ln in data.splitlines() if ln.startswith("| `coinglass_SOL_4h_liquidations")]
    assert "--venue binance" in row
    assert "unknown-feed dollars" in data  # what leaving it out does is said


def test_calibrate_says_how_many_events_it_left_out_and_why() -> None:
    """`cascade calibrate` went from 138 events to 125 markets without a word."""
    import numpy as np
    import pandas as pd

    from liqcascade.cascade._calibrate import left_out_text

    days = ["2024-11-01", "2024-11-20", "2024-12-01", "2025-01-05"]
    ts = pd.Series(pd.to_datetime(days, utc=True))
    need = np.array([True, True, True, False])
    text = left_out_text(ts, need, [None, None, object(), None])
    assert text == (
        "; 2 of 3 left out: no open interest at their date, before the open-interest data "
        "start (2024-11-01 → 2024-11-20)"
    )
    assert left_out_text(ts, need, [object()] * 4) == ""


def test_the_liquidity_recipe_fits_the_book_first_and_says_what_the_fit_reads() -> None:
    text = (ROOT / "docs" / "liquidity.md").read_text()
    part = text[text.index("### Another asset") :]
    part = part[: part.index("\n### ", 5) if "\n### " in part[5:] else len(part)]
    block = part[part.index("```") : part.index("```", part.index("```") + 3)]
    assert block.index("liqmap calibrate --asset SOL") < block.index("cascade calibrate --asset")
    assert "every\n  trigger event of the asset's hourly history" in part
    assert "left out: no open interest at their date" in part
