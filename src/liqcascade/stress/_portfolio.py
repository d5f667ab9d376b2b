"""Portfolios of perpetual positions: reading, validation, outcome on a path's extremes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._sides import SIDE_RULE, side_sign
from liqcascade._symbols import split_symbol
from liqcascade._tables import check_columns, read_user_table
from liqcascade._typed_numbers import not_a_number
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError, row_ref
from liqcascade.margin import FALLBACK_TIERS, asset_tiers, contract_symbol

#: Highest leverage accepted (Binance's 125x, the highest tier of any bundled table; the
#: limit ``margin liq-price`` and the stop tools apply).
MAX_LEVERAGE = 125.0

__all__ = [
    "ASSETS",
    "FALLBACK_TIERS",
    "Portfolio",
    "PortfolioOutcome",
    "evaluate_portfolio",
    "read_portfolio",
    "sample_portfolio",
    "tier_table",
]

#: The bundled assets and their Binance USDⓈ-M contracts (listed first in
#: :attr:`Portfolio.assets`). A portfolio may hold any other asset too (``SOL`` /
#: ``SOLUSDT``): its contract is :func:`liqcascade.margin.contract_symbol`'s
#: ``<ASSET>USDT``, and a run needs its prices (the store's or the bundle's).
ASSETS: dict[str, str] = {a: contract_symbol(a) for a in ("ETH", "BTC")}

#: The columns every portfolio file has (:meth:`Portfolio.from_frame` refuses a file
#: without one, naming it).
REQUIRED_COLUMNS = ("symbol", "side", "size", "entry_price")
#: The columns a portfolio file may add: a margin or a leverage (one of the two is
#: required), a stop, a label, the venue whose margin rules apply, the kind (``perp`` or
#: ``spot``), a stated liquidation price and the margin mode (``isolated``/``cross``;
#: ``leverage_type``, the Hyperliquid API's name, is read alike).
OPTIONAL_COLUMNS = (
    "margin", "leverage", "stop_price", "name", "venue", "kind", "liq_price", "margin_mode",
    "leverage_type",
)  # fmt: skip
#: The columns read as a row's margin mode, in order (the positions files' names).
MODE_COLUMNS = ("margin_mode", "leverage_type")
#: The margin modes a row may state (a blank cell, or no such column: isolated).
MARGIN_MODES = ("isolated", "cross")

#: The ``venue`` of a spot holding (also ``kind=spot``): no margin, no liquidation.
SPOT = "spot"
#: The columns a portfolio file's rows are read from (:meth:`Portfolio.from_frame`: names
#: stripped and lower-cased), the two lists above; any other is named in one ``note:``.
PORTFOLIO_COLUMNS = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)


_BASE = re.compile(r"[A-Z0-9]{2,15}")


#: The quotes of a symbol the portfolio reads as a USDT perpetual's (``""``: a bare asset;
#: ``PERP``: ``ETH-PERP``). ``ETHUSD`` (an inverse, coin-margined contract) is refused.
_USDT_QUOTES = ("USDT", "PERP", "")


def _asset(symbol: str) -> str | None:
    """The base asset of a USDT-margined perpetual's symbol (None: not one).

    :func:`liqcascade._symbols.split_symbol` reads the symbol; it is a USDT perpetual's
    when its quote is one of :data:`_USDT_QUOTES` and its base a plausible asset name,
    and it is not ccxt's spot form (``ETH/USDT``, without ``:USDT``).
    """
    text = str(symbol).strip()
    if "/" in text and ":" not in text:  # ccxt: ETH/USDT spot, ETH/USDT:USDT the perpetual
        return None
    base, quote = split_symbol(symbol)
    return base if quote in _USDT_QUOTES and _BASE.fullmatch(base) else None


def _symbol_hint(symbol: Any) -> str:
    """Why a refused symbol is not a USDT perpetual's, and what to write instead."""
    text = str(symbol).strip()
    base, quote = split_symbol(text)
    if "/" in text and ":" not in text:
        return (
            f"{text!r} is ccxt's spot symbol: write {base}/USDT:USDT or {base}USDT for the "
            "USDT perpetual, or mark a spot holding with venue=spot"
        )
    if quote == "USD":
        return (
            f"{text!r} names an inverse (coin-margined) perpetual, sized in USD contracts "
            f"with its P&L in {base}, which the portfolio does not model: write {base}USDT "
            "for the USDT perpetual"
        )
    return f"{text!r} is not a USDT perpetual's (ETH, ETHUSDT, SOL/USDT:USDT ...)"


def _venue(r: Any, cols: dict[str, Any], row: str) -> tuple[str, bool]:
    """A row's venue (lower case; default ``binance``) and whether it is a spot holding.

    ``venue=spot`` or ``kind=spot`` is a spot holding; any other venue must be one of
    :data:`liqcascade.margin.VENUES` (their margin rules price its liquidation).
    """
    from liqcascade.margin import VENUES

    venue = "binance"
    if "venue" in cols and not _blank(r[cols["venue"]]):
        venue = str(r[cols["venue"]]).strip().lower()
    kind = "perp"
    if "kind" in cols and not _blank(r[cols["kind"]]):
        kind = str(r[cols["kind"]]).strip().lower()
    if kind not in ("perp", SPOT):
        raise InputError(f"{row}: kind must be perp or spot (got {r[cols['kind']]!r})")
    spot = venue == SPOT or kind == SPOT
    if not spot and venue not in VENUES:
        raise InputError(
            f"{row}: venue {venue!r} has no margin rules in the package (venues: "
            f"{', '.join(VENUES)}, or spot for a spot holding)"
        )
    return venue, spot


def _blank(value: Any) -> bool:
    """Whether a portfolio cell is empty: missing, blank, or read as NaN / None."""
    return value is None or str(value).strip() in ("", "nan", "None", "<NA>")


def tier_table(asset: str) -> str:
    """The Binance tier table applied to ``asset``'s positions: its own, else the fallback.

    A contract whose table the package does not ship (``SOLUSDT``) uses
    :data:`FALLBACK_TIERS`, as the estimated market's book does; the portfolio's
    ``tiers`` says which table each asset got.
    """
    return asset_tiers(asset)


@dataclass(frozen=True, eq=False)
class Portfolio:
    """Perpetual positions (a venue's margin rules, Binance USDⓈ-M by default) on any asset.

    Parameters
    ----------
    asset : array of str
        Base asset per position (``"ETH"``, ``"BTC"``, ``"SOL"`` ...).
    side : array of int8
        ``+1`` long, ``-1`` short.
    size : array of float
        Base units, > 0.
    entry_price : array of float
        USD.
    margin : array of float
        Isolated margin, USD: what the position loses at liquidation beyond its P&L
        since entry. A cross row with a stated liquidation price holds its *effective*
        isolated margin (:func:`liqcascade.margin.implied_margin`: the margin its account
        effectively lends it at the snapshot).
    liq_price : array of float
        Liquidation price, USD: the stated one where ``stated``, else the venue's
        formula on ``margin`` (Binance tiers of the contract; :func:`tier_table`).
    stop_price : array of float
        Stop-market trigger, USD (NaN: none).
    names : list of str
        One label per position (``"1:ETHUSDT long 10"`` unless a ``name`` column).
    source : str
        File name (or ``"<sample>"``), used in messages.
    tiers : dict
        Asset -> the Binance tier table its Binance rows' liquidation prices used
        (:func:`tier_table`).
    venue : list of str, optional
        Per position, the venue whose margin rules gave its liquidation price
        (``binance``, ``bybit``, ``hyperliquid``) or ``spot``; empty: all Binance.
    spot : array of bool, optional
        Per position, a spot holding: no margin, never liquidated (its margin is its
        value at entry, its liquidation price 0), left out of the margin at risk and of
        the liquidation probabilities. None: no spot holding.
    stated : array of bool, optional
        Per position, whether its liquidation price is the file's stated ``liq_price``
        (held at the snapshot's value), not computed. None: none stated.
    cross : array of bool, optional
        Per position, whether its file row is on cross margin (``margin_mode``). None:
        every row isolated.
    """

    asset: np.ndarray
    side: np.ndarray
    size: FloatArray
    entry_price: FloatArray
    margin: FloatArray
    liq_price: FloatArray
    stop_price: FloatArray
    names: list[str]
    source: str = "<portfolio>"
    tiers: dict[str, str] = field(default_factory=dict)
    venue: list[str] = field(default_factory=list)
    spot: np.ndarray | None = None
    stated: np.ndarray | None = None
    cross: np.ndarray | None = None

    @property
    def liq_stated(self) -> np.ndarray:
        """Per position, whether its liquidation price is the stated one (bool array)."""
        if self.stated is None:
            return np.zeros(len(self), dtype=bool)
        return np.asarray(self.stated, dtype=bool)

    @property
    def margin_modes(self) -> list[str]:
        """Per position, ``isolated`` or ``cross`` (the file's ``margin_mode``)."""
        if self.cross is None:
            return ["isolated"] * len(self)
        return ["cross" if c else "isolated" for c in np.asarray(self.cross, dtype=bool)]

    @property
    def is_spot(self) -> np.ndarray:
        """Per position, whether it is a spot holding (bool array; all False by default)."""
        if self.spot is None:
            return np.zeros(len(self), dtype=bool)
        return np.asarray(self.spot, dtype=bool)

    @property
    def venues(self) -> list[str]:
        """Per position, its venue (``binance`` unless the file gave another, ``spot``)."""
        return list(self.venue) if len(self.venue) == len(self) else ["binance"] * len(self)

    def margin_equity(self, prices: dict[str, float]) -> float:
        """The margined (non-spot) positions' equity at ``prices``, USD: the margin at risk.

        Parameters
        ----------
        prices : dict of str to float
            Price per asset, USD.
        """
        eq = self.equity(prices)
        return math.fsum(eq[~self.is_spot].tolist())

    def __post_init__(self) -> None:
        """Refuse arrays the path evaluation would turn into NaN P&L (``param`` = field).

        :meth:`from_frame` checks a file's rows and names them; a Portfolio built
        directly (a notebook's arrays) is held to the same domain here: one entry per
        position, sides +1/-1, sizes and entry prices finite and > 0, margins finite and
        >= 0, liquidation prices not NaN, stops NaN (none) or finite and > 0.
        """
        n = np.shape(self.size)
        for name in ("asset", "side", "size", "entry_price", "margin", "liq_price", "stop_price"):
            if np.shape(getattr(self, name)) != n or len(n) != 1:
                raise InputError(
                    f"Portfolio.{name} must hold one entry per position (shape {n}; got "
                    f"{np.shape(getattr(self, name))})",
                    param=name,
                )
        side, size = np.asarray(self.side, np.float64), np.asarray(self.size, np.float64)
        ep, m = np.asarray(self.entry_price, np.float64), np.asarray(self.margin, np.float64)
        lp, sp = np.asarray(self.liq_price, np.float64), np.asarray(self.stop_price, np.float64)
        for name, values, ok, rule in (
            ("side", side, np.isin(side, (-1.0, 1.0)), "+1 (long) or -1 (short)"),
            ("size", size, np.isfinite(size) & (size > 0), "finite and > 0 (base units)"),
            ("entry_price", ep, np.isfinite(ep) & (ep > 0), "finite and > 0 USD"),
            ("margin", m, np.isfinite(m) & (m >= 0), "finite and >= 0 USD"),
            ("liq_price", lp, ~np.isnan(lp), "a price (USD), not NaN"),
            ("stop_price", sp, np.isnan(sp) | (np.isfinite(sp) & (sp > 0)),
             "NaN (no stop) or finite and > 0 USD"),
        ):  # fmt: skip
            bad = np.flatnonzero(~ok)
            if bad.size:
                i = int(bad[0])
                raise InputError(
                    f"Portfolio.{name}[{i}] must be {rule} (got {values[i]:g})", param=name
                )

    def __len__(self) -> int:
        return int(self.size.size)

    @property
    def assets(self) -> list[str]:
        """Assets held: the bundled ones in ``ASSETS`` order, then the others sorted."""
        held = {str(a) for a in self.asset}
        return [a for a in ASSETS if a in held] + sorted(held - set(ASSETS))

    def check_prices(self, prices: dict[str, float]) -> None:
        """Fail on positions already past their liquidation price or stop at ``prices``.

        An entry more than 10x away from its price is a unit error (the one check of
        :func:`liqcascade.positions.check_at_price`).

        Parameters
        ----------
        prices : dict of str to float
            Current price per asset, USD; every asset held must have one.

        Raises
        ------
        InputError
            A held asset has no price, or a position is already past its liquidation
            price or stop (the message names the row).
        """
        from liqcascade.positions import check_at_price

        missing = [a for a in self.assets if a not in prices]
        if missing:
            raise InputError(
                f"{self.source}: no current price of {', '.join(missing)} in the market "
                f"(prices of {', '.join(prices)})"
            )
        at = np.array([prices[str(a)] for a in self.asset], dtype=np.float64)
        check_at_price(self.side, self.entry_price, self.liq_price, at, file=self.source,
                       reference="the current price")  # fmt: skip
        for i in range(len(self)):
            p = prices[str(self.asset[i])]
            s = int(self.side[i])
            row = f"{self.source}: {row_ref(i + 1)}"
            sp = self.stop_price[i]
            if math.isfinite(sp) and s * (p - sp) <= 0:
                raise InputError(
                    f"{row}: stop_price {sp:,.2f} already reached at the current price {p:,.2f}"
                )

    def equity(self, prices: dict[str, float]) -> FloatArray:
        """Each position's equity at ``prices``: ``margin + side·size·(P − entry)``, USD.

        What a liquidation at those prices would lose (isolated margin: the most the
        position can lose from there).

        Parameters
        ----------
        prices : dict of str to float
            Price per asset, USD; every asset held must have one.

        Returns
        -------
        array of float
            One equity per position, USD.
        """
        at = np.array([prices[str(a)] for a in self.asset], dtype=np.float64)
        return np.asarray(self.margin + self.side * self.size * (at - self.entry_price), float)

    def to_frame(self) -> pd.DataFrame:
        """One row per position (USD, base units)."""
        return pd.DataFrame(
            {
                "name": self.names,
                "asset": self.asset,
                "side": np.where(self.side > 0, "long", "short"),
                "size": self.size,
                "entry_price": self.entry_price,
                "margin": self.margin,
                "leverage": self.size * self.entry_price / self.margin,
                "liq_price": self.liq_price,
                "stop_price": self.stop_price,
                "venue": self.venues,
            }
        )

    @classmethod
    def from_frame(cls, df: pd.DataFrame, source: str = "<portfolio>") -> Portfolio:
        """Validate a frame with docs/design.md's portfolio columns; errors name the row.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per position, the columns of :func:`read_portfolio` (``symbol``,
            ``side``, ``size`` in base-asset units, ``entry_price`` in USD, ``margin``
            in USD or ``leverage`` as a multiple; optional ``stop_price`` in USD and
            ``name``, ``venue``, ``kind``, ``liq_price`` in USD, ``margin_mode``). Column
            names are matched case-insensitively. A row that states ``liq_price`` is
            liquidated there (held at the file's value): an isolated row keeps its own
            margin; a cross row (which must state it) gets the effective isolated margin
            that price implies on its venue's rules
            (:func:`liqcascade.margin.implied_margin`), and its margin and leverage cells
            are not read.
        source : str, default "<portfolio>"
            Where the frame came from (a file name), the prefix of error messages.

        Returns
        -------
        Portfolio
            With liquidation prices stated, or computed from the venue's rules (the
            contract's tier table on Binance).

        Raises
        ------
        InputError
            ``"SOURCE: row N: what is wrong"``.
        """
        cols = {str(c).strip().lower(): c for c in df.columns}
        check_columns(cols, REQUIRED_COLUMNS, source)
        has_m, has_l = "margin" in cols, "leverage" in cols
        cross_file = "liq_price" in cols and any(c in cols for c in MODE_COLUMNS)
        # a cross row with its price needs neither, nor does a spot holding (fully paid)
        may_spot = "venue" in cols or "kind" in cols
        if not (has_m or has_l or cross_file or may_spot):
            raise InputError(f"{source}: needs a margin or a leverage column")
        if len(df) == 0:
            raise InputError(f"{source}: no positions")
        assets, sides, sizes, eps, margins, stops, names = [], [], [], [], [], [], []
        venues: list[str] = []
        spots: list[bool] = []
        crosses: list[bool] = []
        stated_liq: list[float] = []
        for i, (_, r) in enumerate(df.iterrows()):
            row = f"{source}: {row_ref(i + 1)}"
            venue, spot = _venue(r, cols, row)
            a = _asset(r[cols["symbol"]])
            if a is None:
                raise InputError(f"{row}: symbol {_symbol_hint(r[cols['symbol']])}")
            sd = str(r[cols["side"]]).strip()
            side = side_sign(sd) or {"1": 1, "-1": -1}.get(sd)
            if side is None:
                raise InputError(f"{row}: side must be {SIDE_RULE} (got {r[cols['side']]!r})")
            if spot and side < 0:
                raise InputError(f"{row}: a spot holding must be long (a spot short "
                                 "borrows the asset: not modelled; use a perpetual)")  # fmt: skip

            def num(col: str, r: Any = r, row: str = row) -> float:
                v = r[cols[col]]
                try:
                    x = float(v)
                except (TypeError, ValueError):
                    raise InputError(f"{row}: {not_a_number(col, v)}") from None
                return x

            size, ep = num("size"), num("entry_price")
            if not (math.isfinite(size) and size > 0):
                raise InputError(f"{row}: size must be > 0 (got {size})")
            if not (math.isfinite(ep) and ep > 0):
                raise InputError(f"{row}: entry_price must be > 0 USD (got {ep})")
            is_cross, stated = _mode_and_liq(r, cols, row, spot)
            if not (has_m or has_l or cross_file or spot):  # a perpetual needs its margin
                raise InputError(f"{source}: needs a margin or a leverage column ({row_ref(i + 1)} "
                                 f"is a perpetual on {venue}, not a spot holding)")  # fmt: skip
            # a cross row with its account's price: the effective margin replaces its own
            m = math.nan if is_cross else _row_margin(r, cols, row, spot, size, ep, num)
            sp = math.nan
            if "stop_price" in cols:
                v = r[cols["stop_price"]]
                if not _blank(v):
                    sp = num("stop_price")
                    if not (math.isfinite(sp) and sp > 0):
                        raise InputError(f"{row}: stop_price must be > 0 USD (got {sp})")
            label = None
            if "name" in cols and not _blank(r[cols["name"]]):
                label = str(r[cols["name"]]).strip()
            names.append(
                label or f"{i + 1}:{contract_symbol(a)} {'long' if side > 0 else 'short'} {size:g}"
            )
            venues.append(SPOT if spot else venue)
            spots.append(spot)
            crosses.append(is_cross)
            stated_liq.append(stated)
            assets.append(a)
            sides.append(side)
            sizes.append(size)
            eps.append(ep)
            margins.append(m)
            stops.append(sp)
        asset = np.array(assets)
        side_a = np.array(sides, dtype=np.int8)
        size_a, ep_a, m_a = np.array(sizes), np.array(eps), np.array(margins)
        venue_a, spot_a = np.array(venues), np.array(spots, dtype=bool)
        cross_a, given = np.array(crosses, dtype=bool), np.array(stated_liq)
        tiers = {a: tier_table(a) for a in sorted(set(assets))}
        liq = _liquidation_prices(asset, side_a, size_a, ep_a, m_a, venue_a, tiers, ~cross_a)
        _use_stated(source, asset, side_a, size_a, ep_a, m_a, liq, venue_a, tiers, cross_a,
                    given)  # fmt: skip
        stop_a = np.array(stops)
        with np.errstate(invalid="ignore"):  # NaN stops / liquidations are not checked
            past = np.flatnonzero(side_a * (stop_a - liq) <= 0)
        if past.size:  # the venue liquidates first: the stop can never act
            i = int(past[0])
            kind = "long" if side_a[i] > 0 else "short"
            raise InputError(
                f"{source}: {row_ref(i + 1)}: stop_price {stop_a[i]:,.2f} is at or beyond the "
                f"position's liquidation price {liq[i]:,.2f} (a {kind} "
                f"at {size_a[i] * ep_a[i] / m_a[i]:.3g}x): the venue liquidates it first, so the "
                "stop can never act; put the stop between the entry and the liquidation price "
                "or lower the leverage"
            )
        _check_unique_names(names, source)
        stated_a = ~np.isnan(given)
        return cls(asset, side_a, size_a, ep_a, m_a, liq, stop_a, names, source, tiers, venues,
                   spot_a if spot_a.any() else None, stated_a if stated_a.any() else None,
                   cross_a if cross_a.any() else None)  # fmt: skip


def _mode_and_liq(r: Any, cols: dict[str, Any], row: str, spot: bool) -> tuple[bool, float]:
    """A row's margin mode (whether cross) and its stated ``liq_price`` (NaN: none), USD.

    ``margin_mode`` (else ``leverage_type``) is ``isolated`` or ``cross`` in any case; a
    blank cell or no such column is isolated. A ``liq_price`` cell is blank (none
    stated; NaN reads as blank) or a finite price >= 0 USD (a long's 0: never
    liquidated). A cross row must state it: its own margin does not say where its
    account is liquidated. A spot holding has neither.

    Raises
    ------
    InputError
        ``"SOURCE: data row N: ..."`` naming the column and the value.
    """
    col = next((cols[c] for c in MODE_COLUMNS if c in cols), None)
    cross = False
    if col is not None and not _blank(r[col]):
        mode = str(r[col]).strip().lower()
        if mode not in MARGIN_MODES:
            raise InputError(f"{row}: {str(col).strip().lower()} must be isolated or cross "
                             f"(got {str(r[col]).strip()!r})")  # fmt: skip
        cross = mode == "cross"
    stated = math.nan
    if "liq_price" in cols and not _blank(r[cols["liq_price"]]):
        v = r[cols["liq_price"]]
        try:
            stated = float(str(v).strip())
        except ValueError:
            raise InputError(f"{row}: {not_a_number('liq_price', v)}") from None
        if not (math.isfinite(stated) and stated >= 0):
            raise InputError(f"{row}: liq_price must be a finite price >= 0 USD (got {stated:g})")
    if spot and (cross or not math.isnan(stated)):
        raise InputError(f"{row}: a spot holding has no margin mode or liquidation price "
                         "(leave margin_mode and liq_price blank)")  # fmt: skip
    if cross and math.isnan(stated):
        raise InputError(
            f"{row}: a cross row needs its account's liq_price (missing or NaN): its own "
            "margin does not say where the account is liquidated; give the liq_price the "
            "venue states, or margin_mode isolated to price the row on its own margin"
        )
    return cross, stated


def _liquidation_prices(
    asset: np.ndarray, side: np.ndarray, size: FloatArray, entry: FloatArray,
    margin: FloatArray, venue: np.ndarray, tiers: dict[str, str], rows: np.ndarray,
) -> FloatArray:  # fmt: skip
    """The venue's liquidation price of each of ``rows`` from its own margin, USD.

    Per asset and venue (:func:`liqcascade.margin.liq_price`; Binance with
    :func:`tier_table`'s table); a spot holding's is 0 (never reached), a row outside
    ``rows`` NaN (a cross row's, stated).
    """
    from liqcascade.margin import liq_price

    liq = np.where(rows, 0.0, math.nan)
    for a in sorted(set(asset.tolist())):
        for v in sorted(set(venue[asset == a]) - {SPOT}):
            mk = (asset == a) & (venue == v) & rows
            if mk.any():
                symbol = tiers[a] if v == "binance" else contract_symbol(a)
                res = liq_price(v, side[mk], size[mk], entry[mk], margin=margin[mk], symbol=symbol)
                liq[mk] = res.liq_price
    return liq


def _use_stated(
    source: str, asset: np.ndarray, side: np.ndarray, size: FloatArray, entry: FloatArray,
    margin: FloatArray, liq: FloatArray, venue: np.ndarray, tiers: dict[str, str],
    cross: np.ndarray, stated: FloatArray,
) -> None:  # fmt: skip
    """Put each stated ``liq_price`` in ``liq``, and a cross row's effective margin in ``margin``.

    A stated price must lie below a long's entry (above a short's): the venue would
    liquidate the position at its own entry, and no margin >= 0 gives it. An isolated
    row's may not lie beyond the bankruptcy price of its own margin (more than
    :data:`liqcascade.margin.AGREE_TOLERANCE` of the entry: the positions files' rule);
    it keeps that margin, which is what it loses. A cross row's margin becomes
    :func:`liqcascade.margin.implied_margin`'s: the isolated margin whose liquidation
    price on its venue's rules is the stated one.

    Raises
    ------
    InputError
        ``"SOURCE: data row N: liq_price ..."`` for the first bad row.
    """
    from liqcascade.margin import AGREE_TOLERANCE, implied_margin

    for i in np.flatnonzero(~np.isnan(stated)):
        s, lp, ep, q = int(side[i]), float(stated[i]), float(entry[i]), float(size[i])
        row = f"{source}: {row_ref(int(i) + 1)}: liq_price {lp:,.2f}"
        if s * (ep - lp) <= 0:
            why = (
                " (a cross account whose other positions have lost: the stress holds a cross "
                "row's price with the isolated margin it implies, and none does here)"
                if cross[i]
                else ""
            )
            raise InputError(
                f"{row} is {'at or above' if s > 0 else 'at or below'} the entry_price "
                f"{ep:,.2f} of a {'long' if s > 0 else 'short'}: no margin gives a price the "
                f"venue would liquidate it at on opening{why}; correct liq_price, or leave it "
                "empty (an isolated row) to compute it"
            )
        if not cross[i]:
            bank = ep - s * float(margin[i]) / q
            if s * (bank - lp) > AGREE_TOLERANCE * ep:
                raise InputError(
                    f"{row} lies {'below' if s > 0 else 'above'} the bankruptcy price "
                    f"{bank:,.2f} its margin of {margin[i]:,.2f} USD gives (entry_price "
                    f"{'-' if s > 0 else '+'} margin / size): the margin would run out before "
                    "the liquidation; correct liq_price or the margin/leverage, or leave "
                    "liq_price empty to compute it"
                )
        else:
            a, v = str(asset[i]), str(venue[i])
            symbol = tiers[a] if v == "binance" else contract_symbol(a)
            margin[i] = float(implied_margin(v, s, q, ep, lp, symbol=symbol)[0])
        liq[i] = lp


def _row_margin(
    r: Any, cols: dict[str, Any], row: str, spot: bool, size: float, ep: float, num: Any
) -> float:
    """A row's own margin, USD: its ``margin``, else ``size·entry / leverage``, checked.

    Both given: the margin, when within 1 % of the leverage's (the positions files'
    rule, :func:`liqcascade.positions.margin_disagreement`). A spot holding without
    either is fully paid (its value at entry).
    """
    from liqcascade.positions import margin_disagreement

    has_m, has_l = "margin" in cols, "leverage" in cols
    m = num("margin") if has_m and not (spot and _blank(r[cols["margin"]])) else math.nan
    lev = num("leverage") if has_l and not _blank(r[cols["leverage"]]) else math.nan
    if spot and not (math.isnan(lev) or lev == 1):
        raise InputError(f"{row}: a spot holding has no leverage (got {lev:g}; give 1 "
                         "or leave it blank)")  # fmt: skip
    if spot and math.isnan(m):
        m = size * ep  # fully paid: its value at entry
    if not (math.isnan(lev) or (math.isfinite(lev) and 1 <= lev <= MAX_LEVERAGE)):
        raise InputError(f"{row}: leverage must be in [1, {MAX_LEVERAGE:g}] (got {lev})")
    if not math.isnan(lev) and math.isnan(m):
        m = size * ep / lev
    elif not math.isnan(lev) and math.isfinite(m) and m > 0:  # both: margin wins
        off = margin_disagreement(np.array([size * ep]), np.array([m]), np.array([lev]))
        if off is not None:  # positions files' rule: within 1 %
            raise InputError(f"{row}: {off[1]}")
    if not (math.isfinite(m) and m > 0):
        raise InputError(f"{row}: margin must be > 0 USD (or give a leverage)")
    if size * ep / m > MAX_LEVERAGE * (1 + 1e-9):
        raise InputError(
            f"{row}: margin {m:g} USD is leverage {size * ep / m:,.0f}x, above the "
            f"{MAX_LEVERAGE:g}x any venue allows"
        )
    return m


def _check_unique_names(names: list[str], source: str) -> None:
    """Refuse a name given to two rows: names identify the rows in every output.

    Raises
    ------
    InputError
        ``"SOURCE: rows I and J are both named 'x' ..."`` (1-based rows).
    """
    first: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in first:
            raise InputError(
                f"{source}: data rows {first[n] + 1} and {i + 1} are both named {n!r}: names "
                "identify the rows in the output (the positions liquidated in each "
                "scenario); give each row its own name",
                param="name",
            )
        first[n] = i


def read_portfolio(path: str | Path) -> Portfolio:
    """Read a portfolio file (CSV or Parquet; docs/design.md columns).

    Read as a positions file is (:func:`liqcascade._tables.read_user_table`): Parquet by
    its suffix (``.parquet``/``.pq``), else UTF-8 CSV with ``,``, ``;``, tab or ``|``
    between its fields.

    Columns: ``symbol`` (a USDT perpetual: ETH/ETHUSDT, BTC/BTCUSDT, SOL/SOLUSDT ...),
    ``side`` (long/short), ``size`` (base units), ``entry_price`` (USD), ``margin``
    (isolated, USD) or ``leverage``;
    optional ``stop_price`` (USD), ``name``, ``venue``, ``kind``, ``liq_price`` (USD)
    and ``margin_mode`` (``isolated``/``cross``); any other column is named in one
    ``note:`` (logger ``liqcascade.positions``) once the file is read, as a positions
    file's are. Liquidation prices follow the row's venue (Binance USDⓈ-M isolated
    margin with the packaged tier tables by default, ETHUSDT's for a contract without
    one: :func:`tier_table`), unless the row states its ``liq_price``: it is then
    liquidated there (:meth:`Portfolio.from_frame`).

    Parameters
    ----------
    path : str or pathlib.Path
        The portfolio file.

    Returns
    -------
    Portfolio

    Raises
    ------
    InputError
        ``"FILE: row N: what is wrong"``.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"portfolio: {p}: no such file", param="portfolio")
    df = read_user_table(p)
    out = Portfolio.from_frame(df, source=str(p))
    # once read (a refused file gets its error alone): the note liqmap's positions get
    from liqcascade.positions import note_unread

    note_unread([str(c).strip().lower() for c in df.columns], p, PORTFOLIO_COLUMNS,
                "a portfolio file")  # fmt: skip
    return out


def sample_portfolio(prices: dict[str, float]) -> Portfolio:
    """The report's sample: 10 ETH long 20×, 1 BTC long 10×, 5 ETH short 5× at ``prices``.

    Parameters
    ----------
    prices : dict of str to float
        Current USD prices; ``"ETH"`` and ``"BTC"`` are read and become the
        positions' entry prices.

    Returns
    -------
    Portfolio
    """
    df = pd.DataFrame(
        {
            "symbol": ["ETHUSDT", "BTCUSDT", "ETHUSDT"],
            "side": ["long", "long", "short"],
            "size": [10.0, 1.0, 5.0],
            "entry_price": [prices["ETH"], prices["BTC"], prices["ETH"]],
            "leverage": [20.0, 10.0, 5.0],
            "name": ["ETH long 20x", "BTC long 10x", "ETH short 5x"],
        }
    )
    return Portfolio.from_frame(df, source="<sample>")


#: The sample's positions: (asset, side, size in base units, leverage).
SAMPLE_POSITIONS: tuple[tuple[str, str, float, float], ...] = (
    ("ETH", "long", 10.0, 20.0),
    ("BTC", "long", 1.0, 10.0),
    ("ETH", "short", 5.0, 5.0),
)


def sample_portfolio_for(
    prices: dict[str, float], asset: str, *, single_asset: bool = False
) -> Portfolio:
    """The report's sample portfolio for a market of ``asset``, at ``prices`` (USD).

    ETH and BTC: :func:`sample_portfolio` (the ETH+BTC sample, the same for both). Any
    other asset, or ETH and BTC with ``single_asset``: the same three positions in
    ``asset``, notional-matched: each position's USD notional is the sample's at
    ``prices`` (10 ETH, 1 BTC, 5 ETH), its size that notional over ``asset``'s price,
    with the same sides and leverages.

    Parameters
    ----------
    prices : dict
        USD prices of ETH, BTC and ``asset`` at the market's date.
    asset : str
        The market's asset.
    single_asset : bool, default False
        Every position in ``asset`` even for ETH or BTC (a report of BTC alone).

    Raises
    ------
    InputError
        A price is missing.
    """
    a = str(asset).upper()
    need = {"ETH", "BTC", a}
    missing = sorted(x for x in need if x not in prices)
    if missing:
        raise InputError(f"prices: no price of {', '.join(missing)}", param="prices")
    if a in ("ETH", "BTC") and not single_asset:
        return sample_portfolio(prices)
    p = float(prices[a])
    rows = [
        {
            "symbol": contract_symbol(a),
            "side": side,
            "size": size * prices[src] / p,
            "entry_price": p,
            "leverage": lev,
            "name": f"{a} {side} {lev:g}x ({size:g} {src}'s notional)",
        }
        for src, side, size, lev in SAMPLE_POSITIONS
    ]
    return Portfolio.from_frame(pd.DataFrame(rows), source="<sample>")


@dataclass(frozen=True, eq=False)
class PortfolioOutcome:
    """Per-path portfolio PnL and per-position status.

    Attributes
    ----------
    pnl : array (paths,)
        Portfolio PnL from the current prices to the horizon, USD.
    liquidated, stopped : bool arrays (paths, positions)
    pnl_by_asset : dict of str to array (paths,)
        The PnL of each asset's positions (USD); they add up to ``pnl`` (a position's
        outcome reads its own asset's prices only).
    """

    pnl: FloatArray
    liquidated: np.ndarray
    stopped: np.ndarray
    pnl_by_asset: dict[str, FloatArray] = field(default_factory=dict)


def evaluate_portfolio(
    pf: Portfolio,
    prices: dict[str, float],
    final: dict[str, FloatArray],
    low: dict[str, FloatArray],
    high: dict[str, FloatArray],
    gap: dict[str, FloatArray] | None = None,
) -> PortfolioOutcome:
    """Each position's outcome on paths given by their final price and extremes.

    A long is stopped when the lowest price reaches a stop above its liquidation
    price, else liquidated when it reaches the liquidation price (losing its current
    equity ``margin + size·(P0 − entry)``), else marked to the final price. Shorts
    mirror. PnL is measured from the current price ``P0`` (USD).

    The stop's fill: the first price the path reaches at or beyond the trigger. Where
    the path moves continuously from ``P0`` that is the trigger itself. Where it jumps
    (``gap``: the price an instant move reaches from ``P0``, before any trading, as
    the shock scenario's shock), a stop the jump passes fills at the jump's price, not
    at its trigger; and a jump at or beyond the liquidation price liquidates the
    position (the venue's engine acts at the same price as the stop, and the stop can
    no longer fill above it).

    Parameters
    ----------
    pf : Portfolio
        The positions.
    prices : dict of str to float
        Current price ``P0`` per asset, USD (the paths' start).
    final : dict of str to array of float
        Each path's price at the horizon per asset, USD (:attr:`PathSet.final`).
    low, high : dict of str to array of float
        Each path's lowest and highest price per asset over the horizon, USD
        (:attr:`PathSet.low`, :attr:`PathSet.high`); longs' stops and liquidations
        are read against ``low``, shorts' against ``high``.
    gap : dict of str to array of float, optional
        Per asset, each path's first price after an instantaneous jump from ``P0``,
        USD; an asset left out (or no ``gap``) moves continuously: stops fill at their
        trigger.

    Returns
    -------
    PortfolioOutcome
        Per-path PnL (USD), per asset too, and per-position liquidated / stopped flags.
    """
    n = next(iter(final.values())).size
    k = len(pf)
    pnl = np.zeros(n)
    liq = np.zeros((n, k), dtype=bool)
    stp = np.zeros((n, k), dtype=bool)
    equity = pf.equity(prices)
    gaps = gap or {}
    by_asset: dict[str, FloatArray] = {}
    for i in range(k):
        a = str(pf.asset[i])
        p0 = prices[a]
        s = int(pf.side[i])
        size, lp, sp = pf.size[i], pf.liq_price[i], pf.stop_price[i]
        equity0 = equity[i]
        extreme = low[a] if s > 0 else high[a]
        first = gaps.get(a)
        has_stop = math.isfinite(sp) and s * (sp - lp) > 0
        # reached: the extreme is at or beyond the level in the adverse direction
        st = s * (extreme - sp) <= 0 if has_stop else np.zeros(n, dtype=bool)
        fill = np.full(n, sp)
        jumped = np.zeros(n, dtype=bool)
        if first is not None:
            first = np.broadcast_to(np.asarray(first, np.float64), (n,))
            jumped = s * (first - lp) <= 0  # the jump itself liquidates
            st = st & ~jumped
            passed = st & (s * (first - sp) < 0)  # the jump lands beyond the trigger
            fill = np.where(passed, first, sp)
        lq = ((s * (extreme - lp) <= 0) | jumped) & ~st
        mark = s * size * (final[a] - p0)
        pos_pnl = np.where(st, s * size * (fill - p0), np.where(lq, -equity0, mark))
        pnl += pos_pnl
        by_asset[a] = by_asset.get(a, 0.0) + pos_pnl
        liq[:, i] = lq
        stp[:, i] = st
    return PortfolioOutcome(pnl=pnl, liquidated=liq, stopped=stp, pnl_by_asset=by_asset)
