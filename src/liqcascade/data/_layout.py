"""What a file layout is: how it is recognised (:class:`LayoutRule`) and read (:class:`Layout`).

The registry of every layout the readers know is :data:`liqcascade.data._layouts.REGISTRY`;
this module holds only the record types it is made of.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

__all__ = ["Build", "Layout", "LayoutRule", "Probe", "Reshape", "columns", "one_of"]

#: Builds the canonical value columns from the raw frame (normalised column names).
Build = Callable[[pd.DataFrame], dict[str, pd.Series]]
#: Reshapes the frame of built columns (``ts``, values, ``_row``, ``_symbol``/``_venue``)
#: given the raw frame: returns the new frame and the warnings to show (rows left out).
Reshape = Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.DataFrame, list[str]]]


@dataclass(frozen=True)
class Probe:
    """What recognition looks at: the raw frame and the caller's hints.

    Parameters
    ----------
    df : pandas.DataFrame
        The raw frame, columns normalised (``lower_snake``), or positional for a file
        without a header.
    name : str
        File name, for messages (and Binance long/short files, which name their measure
        only in the file name).
    kind : str or None
        The kind the caller asked for (canonical name), for content that cannot tell.
    measure : str or None
        The long/short measure the caller gave (Binance's API files do not say it).
    """

    df: pd.DataFrame
    name: str
    kind: str | None = None
    measure: str | None = None

    @property
    def columns(self) -> frozenset[str]:
        """The frame's column names."""
        return frozenset(map(str, self.df.columns))


@dataclass(frozen=True)
class Layout:
    """A recognised layout: its name, kind, and how to build the canonical columns.

    Parameters
    ----------
    name : str
        Layout name (a key of :data:`liqcascade.data.LAYOUTS`).
    kind : str
        Canonical kind of the series it holds.
    build : callable
        Raw frame -> canonical value columns.
    time : str, optional
        The time column, when it is not the first of the usual names found.
    venue : str, optional
        The venue the layout implies (``binance`` for Binance's files).
    notes : tuple of str
        The layout's documented conversions, shown as notes.
    header : tuple of str, optional
        Names given to the columns of a file without a header.
    reshape : callable, optional
        Turns the built frame into the kind's rows (book totals into depth rows, one
        row per long/short measure, a taker file's other column pair left out).
    check : callable, optional
        ``check(raw, name)``: rules on the raw values before conversion (raises
        :class:`~liqcascade.errors.InputError` naming the row).
    venue_hint : str, optional
        A warning shown when neither the caller nor the file gives the venue (the
        content does not say which book or market it is).
    takes_measure : bool
        Whether the caller's ``measure`` applies to this layout.
    for_venue : callable, optional
        ``for_venue(venue, frame) -> (frame, note or None)``: the values of one series
        once its venue is known, for a layout whose units depend on the venue
        (CoinGlass quotes each venue's funding per that venue's own interval).
    percent_rates : bool
        Whether the file gives funding rates in percent, which ``build`` divides by 100
        (CoinGlass); the others give fractions. Either way a series 100x off (percent
        read as fractions, fractions divided as percent) is refused
        (:func:`~liqcascade.data._funding_units.check_funding_units`), unless the reader's
        ``funding_units`` declares the units (``"percent"`` agrees with a percent layout,
        ``"fraction"`` contradicts it: :func:`~liqcascade.data._funding_units.declared_units`).
    """

    name: str
    kind: str
    build: Build
    time: str | None = None
    venue: str | None = None
    notes: tuple[str, ...] = ()
    header: tuple[str, ...] | None = None
    reshape: Reshape | None = None
    check: Callable[[pd.DataFrame, str], None] | None = None
    venue_hint: str | None = None
    takes_measure: bool = False
    for_venue: Callable[[str, pd.DataFrame], tuple[pd.DataFrame, str | None]] | None = None
    percent_rates: bool = False


@dataclass(frozen=True)
class LayoutRule:
    """How one layout (or one form of it) is recognised, and the layout it reads as.

    A rule matches when the file has a column of each group of ``needs`` and ``when``
    (if given) accepts it; the layout is ``layout`` itself, or ``layout(probe)`` for a
    layout that depends on the content (which columns, which measure, which kind).

    Parameters
    ----------
    name : str
        The layout's name (several rules may read one layout in different forms).
    needs : tuple of tuple of str
        Header columns: one of each group must be present (see :func:`columns`,
        :func:`one_of`).
    layout : Layout or callable
        The layout read, or a function of the :class:`Probe` returning it.
    when : callable, optional
        A further condition on the probe (values, the caller's kind).
    width : int, optional
        For a file without a header: the number of columns of the layout (``needs`` is
        then empty).
    describe : str
        What the layout is, for :data:`liqcascade.data.LAYOUTS` and the docs (on the
        first rule of a layout; empty on its further forms).
    caution : str
        What a file renamed to fit this rule must also hold, said when the rule is
        named as the closest to a file no layout recognises (``"qty is in base units
        …"``: renaming a venue's contract count to ``qty`` stores wrong sizes).
    written : tuple of (str, str)
        ``needs`` columns the layout's files spell otherwise than their normalised
        (``lower_snake``) name: ``(("long_short_ratio", "longShortRatio"), ...)``; what
        the closest-layout hint names (:meth:`spelled`).
    """

    name: str
    needs: tuple[tuple[str, ...], ...]
    layout: Layout | Callable[[Probe], Layout]
    when: Callable[[Probe], bool] | None = None
    width: int | None = None
    describe: str = ""
    caution: str = ""
    written: tuple[tuple[str, str], ...] = ()

    def spelled(self, name: str) -> str:
        """The column ``name`` (normalised) as the layout's files write it."""
        return dict(self.written).get(name, name)

    def recognises(self, probe: Probe, headerless: bool) -> bool:
        """Whether the file of ``probe`` has this layout."""
        if headerless or self.width is not None:
            return headerless and self.width == probe.df.shape[1]
        cols = probe.columns
        if not all(any(c in cols for c in group) for group in self.needs):
            return False
        return self.when is None or self.when(probe)

    def read(self, probe: Probe) -> Layout:
        """The layout the file of ``probe`` is read as (call after :meth:`recognises`)."""
        return self.layout if isinstance(self.layout, Layout) else self.layout(probe)

    def missing(self, cols: frozenset[str]) -> list[tuple[str, ...]]:
        """The groups of ``needs`` that ``cols`` has no column of."""
        return [g for g in self.needs if not any(c in cols for c in g)]


def columns(*names: str) -> tuple[tuple[str, ...], ...]:
    """``needs`` of columns all required: ``columns("a", "b")`` needs a and b."""
    return tuple((n,) for n in names)


def one_of(*names: str) -> tuple[tuple[str, ...], ...]:
    """``needs`` of one column among ``names``."""
    return (tuple(names),)
