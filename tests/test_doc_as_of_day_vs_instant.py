"""README and docs/solvency.md tell a day (its end) from an instant as an ``--as-of``.

README said ``2025-07-31`` and ``2025-07-31T05:00+05:00`` "are the same day or instant";
as an as-of the first is the day's end (mid 3,698.39) and the second 00:00 UTC (3,810.00).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade._time import as_of_instant

ROOT = Path(__file__).resolve().parents[1]


def _text(name: str) -> str:
    return " ".join((ROOT / name).read_text(encoding="utf-8").split())


def test_the_readme_states_what_the_package_does() -> None:
    day, instant = as_of_instant("2025-07-31"), as_of_instant("2025-07-31T05:00+05:00")
    assert day == pd.Timestamp("2025-08-01 00:00", tz="UTC")
    assert instant == pd.Timestamp("2025-07-31 00:00", tz="UTC")
    closes = datasets.load_ohlcv("ETH", "1h")["close"]
    hour = pd.Timedelta(hours=1)
    assert closes.loc[day - hour] == pytest.approx(3698.39, abs=0.005)
    assert closes.loc[instant - hour] == pytest.approx(3810.00, abs=0.005)
    readme = _text("README.md")
    assert "same day or instant" not in readme
    assert "mid 3,698.39" in readme and "mid 3,810.00" in readme


def test_solvency_doc_names_the_bar_its_mid_closes() -> None:
    text = _text("docs/solvency.md")
    assert "last open-interest bar at or before 2025-07-31 00:00 UTC, mid 3,698.39" not in text
    assert "the bar opened 2025-07-31 20:00 UTC and closed 2025-08-01 00:00 UTC" in text
