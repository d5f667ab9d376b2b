"""One canonical series read from a file, before it goes into the store."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["DROPPED_ROWS_SHOWN", "SeriesFrame"]

#: How many dropped row numbers a warning and a summary name (the first, in file order).
DROPPED_ROWS_SHOWN = 5


@dataclass
class SeriesFrame:
    """A canonical frame of one series with its identity and provenance.

    Parameters
    ----------
    kind : str
        Canonical kind (see :data:`liqcascade.data.KINDS`).
    venue, symbol, interval : str
        The series key in the store (interval like ``"1h"``, or ``"events"``).
    frame : pandas.DataFrame
        Columns of the kind, with ``ts`` a ``datetime64[us, UTC]`` column, and ``_row``,
        the 1-based data row of the source file (dropped before storing).
    file : str
        Source file name (for messages).
    layout : str
        Name of the recognised layout.
    warnings : list of str
        What the user should look at (rows left out or dropped, labels defaulted).
    notes : list of str
        Expected, documented conversions of the layout (CoinGlass percent per 8 h read
        as a fraction, book totals stored at distance 0.01...): nothing to act on.
    dropped_rows : list of int
        Data rows (1-based, file order) left out for a missing required value (only with
        ``drop_missing``).
    gaps : int
        Steps longer than the interval (reported, never filled).
    largest_gap : pandas.Timedelta or None
        The longest step.
    """

    kind: str
    venue: str
    symbol: str
    interval: str
    frame: pd.DataFrame
    file: str = ""
    layout: str = ""
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped_rows: list[int] = field(default_factory=list)
    gaps: int = 0
    largest_gap: pd.Timedelta | None = None

    @property
    def rows(self) -> int:
        """Number of rows."""
        return len(self.frame)

    def summary(self) -> dict[str, object]:
        """A JSON-able description of the series."""
        ts = self.frame["ts"]
        return {
            "file": self.file,
            "layout": self.layout,
            "kind": self.kind,
            "venue": self.venue,
            "symbol": self.symbol,
            "interval": self.interval,
            "rows": self.rows,
            "first": ts.min() if self.rows else None,
            "last": ts.max() if self.rows else None,
            "gaps": self.gaps,
            "largest_gap": str(self.largest_gap) if self.largest_gap is not None else None,
            "rows_dropped": len(self.dropped_rows),
            "dropped_rows_first": self.dropped_rows[:DROPPED_ROWS_SHOWN],
        }
