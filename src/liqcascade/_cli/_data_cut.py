"""Where ``vol`` and ``support-study`` cut their bars: ``--as-of``, else the market date.

Every market command defaults to the market of the asset's last 4-hourly open-interest
bar that every series of the market reaches (order-book totals, hourly prices, funding:
:func:`liqcascade.data.load_market_date`; 2025-07-31 20:00 UTC for the bundled ETH and
BTC) and takes ``--as-of`` as "the bars closed by then"
(:func:`liqcascade._time.as_of_instant`: a bare date is the close of that day's last
bar). The price-only studies follow the same rule, so their figures are those of the
report's market date: a daily bar enters when it has closed by the cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AsOfOption",
    "DataCut",
    "StoreOption",
    "beyond_the_cut",
    "closed_bars",
    "cut_at_as_of",
    "data_cut",
    "one_source",
]

#: The ``--as-of`` option of ``vol`` and ``support-study``.
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Use the bars closed by then (UTC; a date: its end). Default: the market "
        "date of every command (the latest bar every series of the market reaches, the "
        "store's or the bundle's).",
    ),
]

#: The ``--store`` option of ``vol`` and ``support-study`` (the store their bars and
#: the market date are read from; a missing, locked or newer store is an error naming
#: it, as :class:`~liqcascade.data.Store` words it).
StoreOption = Annotated[
    Path | None, typer.Option(help="DuckDB store to read (default: the user's store).")
]

#: The market's bar (``liqcascade.market.MARKET_BAR``, held equal by a test): the last
#: open-interest bar's close is the market date. Not imported: ``vol`` and
#: ``support-study`` read data only, and the market package takes a second to load.
_OI_STEP = timedelta(hours=4)


def one_source(data: Path | None, store: Path | None) -> None:
    """Fail (exit 2) when both ``--data`` and ``--store`` are given.

    A ``--data`` file is read alone: the store would not be read, neither for the bars
    nor for the market date (:func:`data_cut`), so the pair is refused rather than
    the ``--store`` dropped without a word.
    """
    if data is not None and store is not None:
        _common.fail(
            "--store and --data: give one of them (the --data file is read alone: the store "
            "would not be read)"
        )


class DataCut:
    """The instant the bars are cut at and how it was chosen.

    Attributes
    ----------
    instant : pandas.Timestamp or None
        Bars must close at or before it (UTC); ``None``: no cut.
    source : str
        ``"--as-of"``, ``"market date"`` or ``"none"``.
    note : str
        One line for the text output.
    """

    def __init__(self, instant: pd.Timestamp | None, source: str, note: str) -> None:
        self.instant, self.source, self.note = instant, source, note

    def to_dict(self) -> dict[str, Any]:
        """``{"as_of": ISO instant or None, "source": ..., "note": ...}`` for the JSON."""
        at = None if self.instant is None else self.instant.isoformat()
        return {"as_of": at, "source": self.source, "note": self.note}


def data_cut(
    asset: str, as_of: str | None, store: Path | None = None, data_file: Path | None = None
) -> DataCut:
    """``--as-of``'s instant, or by default the close of ``asset``'s market bar.

    The market bar: the last open-interest bar every series of the market reaches
    (:func:`liqcascade.data.load_market_date`), the bar every market command defaults to.

    A user's ``--data`` file is not cut by default (only by an explicit ``--as-of``); an
    asset with no open interest (no market date: nobody holds the series) is not cut
    either. A store that cannot be opened, or stored rows refused at read, fail as they
    are: they are not "no open interest".
    """
    from liqcascade._time import as_of_instant

    if as_of is not None:
        _common.check_dates(as_of=as_of)
        t = as_of_instant(as_of, "--as-of")
        return DataCut(t, "--as-of", f"bars closed by {t:%Y-%m-%d %H:%M} UTC (--as-of {as_of})")
    if data_file is not None:
        return DataCut(None, "none", f"every bar of {data_file.name} (--as-of to cut it)")
    from liqcascade.data import SeriesNotFound, load_market_date

    try:
        when = load_market_date(asset, store)
    except SeriesNotFound:
        return DataCut(None, "none", f"every bar: no open interest for {asset.upper()}, so no "
                       "market date (--as-of to cut)")  # fmt: skip
    t = when.close
    held = when.note()
    return DataCut(
        t,
        "market date",
        f"bars closed by {t:%Y-%m-%d %H:%M} UTC: the market date of every command (the last "
        f"{asset.upper()} open-interest bar every series of the market reaches, "
        f"{when.label:%Y-%m-%d %H:%M}{'; ' + held if held else ''}); --as-of to change",
    )


def closed_bars(frame: Any, step: pd.Timedelta, cut: DataCut, what: str) -> Any:
    """The rows of ``frame`` (labelled by bar open) whose bar has closed by ``cut``.

    Fails (exit 2 naming ``--as-of``) when no bar has closed by an explicit ``--as-of``
    or when it is after the last bar's close (the rule of every command).
    """
    import pandas as pd

    from liqcascade._time import ends_text, starts_text, utc_index

    if cut.instant is None or len(frame) == 0:
        return frame
    idx = utc_index(frame.index)  # a naive index is UTC; the messages print UTC times
    kept = frame[idx + step <= cut.instant]
    last_close = idx[-1] + step
    if cut.source == "--as-of" and cut.instant > last_close + pd.Timedelta(microseconds=1):
        _common.fail(f"--as-of: {ends_text(what, idx[-1], step)}: give an earlier date, "
                     "or ingest data that reach it into the store "
                     "(`liqcascade data ingest`)")  # fmt: skip
    if len(kept) == 0 and cut.source == "--as-of":
        _common.fail(f"--as-of: {starts_text(what, idx[0], step)}: no bar closed by "
                     f"{cut.instant:%Y-%m-%d %H:%M}")  # fmt: skip
    return kept


def cut_at_as_of(
    frame: Any,
    step: pd.Timedelta,
    *,
    asset: str,
    as_of: str | None,
    what: str,
    store: Path | None = None,
    data_file: Path | None = None,
) -> tuple[Any, DataCut]:
    """:func:`data_cut` then :func:`closed_bars`: the bars to use and the cut."""
    cut = data_cut(asset, as_of, store, data_file)
    return closed_bars(frame, step, cut, what), cut


@contextmanager
def beyond_the_cut(bars: Any, kept: Any, cut: DataCut) -> Iterator[None]:
    """Errors raised inside (too few bars) say what the default cut left out.

    And how to use those bars: ``--as-of`` the last bar's date. Only errors about the
    range (``start``/``end``, the bars), when the cut is the default market date
    (``--as-of`` not given) and it left bars of the range out; others pass unchanged.
    (``vol`` and ``support-study`` cut the same way: ``_data_cut.cut_at_as_of``.)
    """
    try:
        yield
    except InputError as exc:
        left_out = len(bars) - len(kept)
        about_the_range = bool(set(exc.params) & {"start", "end", "ohlcv", "returns"})
        if not about_the_range or cut.source != "market date" or left_out <= 0:
            raise
        assert cut.instant is not None  # a market date is an instant
        import pandas as pd

        last = pd.Timestamp(bars.index[-1])
        raise InputError(
            f"{_common.error_line(exc)}; the default cut at the market date (bars closed by "
            f"{cut.instant:%Y-%m-%d %H:%M} UTC) left out the {left_out:,} later "
            f"bar{'' if left_out == 1 else 's'} of the range: --as-of {last:%Y-%m-%d} to use "
            f"{'it' if left_out == 1 else 'them'}"
        ) from None
