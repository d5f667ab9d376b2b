"""``liqmap calibrate`` (the 0.1 cohort book): default windows from the data (review-lookahead8 L).

The fitting and out-of-sample windows were fixed dates; they are now the recorded
liquidations' span (fit to the day before the data's last two calendar months, score
those months), which for the bundled ETH is the documented 2024-11-13 → 2025-05-31 and
2025-06-01 → 2025-07-31.
"""

from __future__ import annotations

import pandas as pd

from liqcascade._cli.liqmap_validate import legacy_windows
from liqcascade.positions._calibrate import bundled_validation_data


def test_the_bundled_defaults_are_the_documented_windows() -> None:
    rec = bundled_validation_data().recorded
    assert legacy_windows((None,) * 4, rec) == (
        "2024-11-13", "2025-05-31", "2025-06-01", "2025-07-31",
    )  # fmt: skip
    # given values are kept; the fitting end follows a given out-of-sample start
    assert legacy_windows(("2024-12-01", None, "2025-05-01", None), rec) == (
        "2024-12-01", "2025-04-30", "2025-05-01", "2025-07-31",
    )  # fmt: skip


def test_other_data_give_their_own_windows() -> None:
    idx = pd.date_range("2025-11-21 20:00", "2026-07-30 20:00", freq="4h", tz="UTC")
    rec = pd.DataFrame({"long_usd": 1.0}, index=idx)
    assert legacy_windows((None,) * 4, rec) == (
        "2025-11-21", "2026-05-31", "2026-06-01", "2026-07-30",
    )  # fmt: skip
