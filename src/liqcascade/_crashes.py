"""The recorded crashes the library replays and checks itself on, each defined once.

Every package that names the 2025-10-10 crash (the contagion preset, the stop
back-test, the collateral loop, the stress replay, the solvency scenario, the report)
reads its days and hours from :data:`OCT_2025`, so that they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["OCT_2025", "Crash"]


@dataclass(frozen=True)
class Crash:
    """A recorded crash: its UTC days and the hour the fall happened in.

    Attributes
    ----------
    name : str
        The label that scenarios and replay windows carry (``"2025-10-10"``).
    day : pandas.Timestamp
        First UTC day of the crash (midnight, UTC).
    last_day : pandas.Timestamp
        Last UTC day (midnight, UTC) of the window the replay and the records cover.
    hour : pandas.Timestamp
        Start of the crash hour (UTC): the hourly bar, stamped by its open, in which
        the fall happened.
    """

    name: str
    day: pd.Timestamp
    last_day: pd.Timestamp
    hour: pd.Timestamp

    @property
    def days(self) -> tuple[pd.Timestamp, ...]:
        """Every UTC day of the crash, ``day`` to ``last_day`` (midnights, UTC)."""
        return tuple(pd.date_range(self.day, self.last_day, freq="D"))

    @property
    def last_calm_bar(self) -> pd.Timestamp:
        """Open time (UTC) of the last hourly bar before the crash hour."""
        return self.hour - pd.Timedelta(hours=1)


OCT_2025 = Crash(
    name="2025-10-10",
    day=pd.Timestamp("2025-10-10", tz="UTC"),
    last_day=pd.Timestamp("2025-10-11", tz="UTC"),
    hour=pd.Timestamp("2025-10-10T21:00:00Z"),
)
"""The tariff crash of 2025-10-10: ETH fell in the 21:00 UTC hour (two UTC days recorded)."""
