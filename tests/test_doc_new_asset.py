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
