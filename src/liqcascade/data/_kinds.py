"""The canonical frame kinds: their columns, keys and store tables.

Every kind is stored in one DuckDB table keyed by ``(venue, symbol, interval, ts)``
plus, for long-format kinds, the extra key columns (``side``, ``distance`` for depth;
``side``, ``price``, ``qty`` for liquidation events; ``measure`` for long/short ratios).
An event kind's table adds :data:`OCCURRENCE` to its key: rows identical in every column
are distinct events (two liquidations of one size at one price in one millisecond),
numbered 1, 2, … within their group, so that ingesting a file again matches them again.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DEFAULT_INTERVAL",
    "KINDS",
    "LONG_SHORT_MEASURES",
    "OCCURRENCE",
    "PUBLIC_KINDS",
    "Kind",
    "kind_of",
    "public_kind",
]


@dataclass(frozen=True)
class Kind:
    """Schema of one canonical kind.

    Parameters
    ----------
    name : str
        Kind name (also the store table name).
    required : tuple of str
        Value columns that must be present and non-missing on every row.
    one_of : tuple of str
        At least one of these columns must be present (each row needs one non-missing).
    optional : tuple of str
        Further value columns kept when present.
    extra_keys : tuple of str
        Key columns besides ``ts`` (long-format kinds).
    text_columns : tuple of str
        Columns holding text (the rest are floating point).
    repeats : bool, default False
        Rows identical in every column are distinct records (events), kept and stored
        apart, numbered by :data:`OCCURRENCE` (1-based, in file order within the group).
        Otherwise (bars, levels) such rows are one record given twice: the repeat is
        dropped.
    """

    name: str
    required: tuple[str, ...]
    one_of: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    extra_keys: tuple[str, ...] = ()
    text_columns: tuple[str, ...] = ()
    repeats: bool = False

    @property
    def value_columns(self) -> tuple[str, ...]:
        """Every non-key column, in table order."""
        cols = [c for c in (*self.required, *self.one_of, *self.optional) if c not in self.keys]
        return tuple(dict.fromkeys(cols))

    @property
    def keys(self) -> tuple[str, ...]:
        """Key columns of a frame of this kind (excluding venue, symbol, interval)."""
        return ("ts", *self.extra_keys)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every frame column: keys then values."""
        return (*self.keys, *self.value_columns)

    @property
    def store_keys(self) -> tuple[str, ...]:
        """Key columns of the store's table (excluding venue, symbol, interval).

        :attr:`keys`, plus :data:`OCCURRENCE` for a kind whose identical rows are
        distinct records (``repeats``); that column is the store's only (a frame read
        back holds each record as a row of its own, without it).
        """
        return (*self.keys, OCCURRENCE) if self.repeats else self.keys


#: The store's key column numbering identical rows of an event kind: 1 for the first
#: of a group in file order, 2 for the next; a file ingested again gives each row the
#: same number, so nothing is added twice.
OCCURRENCE = "occurrence"


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind(
            "ohlcv",
            required=("open", "high", "low", "close", "volume"),
            optional=("quote_volume", "trades", "taker_buy_volume"),
        ),
        Kind(
            "open_interest",
            required=(),
            one_of=("oi_usd", "oi_base"),
            optional=("oi_open_usd", "oi_high_usd", "oi_low_usd"),
        ),
        Kind("funding", required=("rate", "interval_hours")),
        Kind("liquidations", required=(), one_of=("long_usd", "short_usd", "total_usd")),
        Kind(
            "liquidation_events",
            required=("side", "price", "qty"),
            optional=("average_price", "filled_qty", "status"),
            extra_keys=("side", "price", "qty"),
            text_columns=("side", "status"),
            repeats=True,
        ),
        Kind(
            "depth",
            required=("side", "distance", "notional_usd"),
            optional=("depth_base",),
            extra_keys=("side", "distance"),
            text_columns=("side",),
        ),
        Kind("taker", required=("buy_usd", "sell_usd")),
        Kind(
            "long_short",
            required=("measure", "long_pct"),
            optional=("short_pct", "long_short_ratio"),
            extra_keys=("measure",),
            text_columns=("measure",),
        ),
    ]
}

#: Kinds a user names with ``--kind`` (``liquidations`` covers both aggregates and events).
PUBLIC_KINDS: tuple[str, ...] = (
    "ohlcv",
    "open_interest",
    "funding",
    "liquidations",
    "depth",
    "taker",
    "long_short",
)

#: Long/short ratio measures (the ``measure`` key), in the order of the wide frame
#: :func:`liqcascade.data.load_series` returns: share of all accounts long, of top
#: traders' accounts, of top traders' position size (Binance's three series).
LONG_SHORT_MEASURES: tuple[str, ...] = ("global_account", "top_account", "top_position")

#: Interval assumed by :func:`liqcascade.data.load_series` when none is given.
DEFAULT_INTERVAL: dict[str, str | None] = {
    "ohlcv": "1d",
    "open_interest": "4h",
    "liquidations": "4h",
    "liquidation_events": "events",
    "taker": "4h",
    "long_short": "4h",
    "funding": None,
    "depth": None,
}


def public_kind(name: str) -> str:
    """The name a user reads and gives for the kind ``name`` (a key of :data:`KINDS`).

    Liquidation events are ``liquidations`` (interval ``events``), as ``data list`` and
    ``--kind`` name them; ``liquidation_events`` is their table's name, also accepted
    by :func:`kind_of`. Every other kind is its own name.

    Parameters
    ----------
    name : str
        A kind's name.

    Returns
    -------
    str
    """
    return "liquidations" if name == "liquidation_events" else name


def kind_of(name: str, option: str = "kind") -> Kind:
    """Look a kind up by name, or raise :class:`InputError` naming ``option``.

    ``option`` is the parameter's name (the error's ``param``: the command line shows
    its flag, ``--kind``).
    """
    from liqcascade.errors import InputError

    key = name.strip().lower().replace("-", "_")
    if key in ("oi", "openinterest"):
        key = "open_interest"
    if key in ("ls", "longshort", "long_short_ratio", "long_short_ratios"):
        key = "long_short"
    if key not in KINDS:
        raise InputError(
            f"{option} must be one of {', '.join(PUBLIC_KINDS)} (got {name!r})", param=option
        )
    return KINDS[key]
