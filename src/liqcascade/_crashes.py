"""The recorded crashes the library replays and checks itself on, each defined once.

Every package that names the 2025-10-10 crash (the contagion preset, the stop
back-test, the collateral loop, the stress replay, the solvency scenario, the report)
reads its days and hours from :data:`OCT_2025`, so that they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from liqcascade._prices import percent_text

__all__ = ["CRASH_READINGS_DOC", "OCT_2025", "Crash", "crash_line"]

#: Where the user docs compare the commands' readings of one named crash.
CRASH_READINGS_DOC = 'docs/stress.md, "One crash, four readings"'


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


def crash_line(venue: str, bars: str, window: str, move: float, applied: str,
               crash: Crash = OCT_2025, asset: str = "ETH") -> str:  # fmt: skip
    """One line saying what a command's named crash is: whose bars, which window, what move.

    Four commands run a "2025-10-10" (``solvency``'s scenario, ``contagion --preset
    oct-2025``, ``stress --scenario replay``, ``collateral --preset oct-2025``) and each
    reads the crash otherwise; each prints this line so that none is taken for another's.

    Parameters
    ----------
    venue : str
        Whose prices (``"Binance"``, ``"Bybit"``).
    bars : str
        The bars read (``"hourly"``, ``"15-minute"``).
    window : str
        The UTC window read (``"2025-10-10 21:00-22:00 UTC"``).
    move : float
        The move of ``asset`` the command applies, fraction (-0.12 is -12 %).
    applied : str
        What the move is and how it is applied (``"the hour's low over its open, as the
        first shock"``).
    crash : Crash, default OCT_2025
        The named crash.
    asset : str, default "ETH"
        Whose move ``move`` is (``solvency`` applies the book's asset's own fall).

    Returns
    -------
    str
        ``crash 2025-10-10 here: Binance hourly bars, 2025-10-10 21:00-22:00 UTC, ETH -12.0 %
        (the hour's low over its open, as the first shock); other commands read this
        crash otherwise (docs/stress.md, "One crash, four readings")``.

    Examples
    --------
    >>> crash_line("Bybit", "15-minute", "2025-10-10 to 10-12", -0.142, "open to close")[:60]
    'crash 2025-10-10 here: Bybit 15-minute bars, 2025-10-10 to 1'
    """
    return (
        f"crash {crash.name} here: {venue} {bars} bars, {window}, {asset} "
        f"{percent_text(move, 1, signed=True)} ({applied}); other commands read this crash "
        f"otherwise ({CRASH_READINGS_DOC})"
    )
