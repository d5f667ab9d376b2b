from __future__ import annotations

from pathlib import Path


def write_positions(tmp_path: Path) -> Path:
    """The three positions of test_exchange._book as a positions file."""
    f = tmp_path / "positions.csv"
    f.write_text(
        "side,size,entry_price,margin,liq_price,bankruptcy_price,account\n"
        "long,1,2000,100,1910,1900,a\n"
        "long,2,2000,400,1810,1800,b\n"
        "short,1,2000,200,2190,2200,c\n"
    )
    return f
