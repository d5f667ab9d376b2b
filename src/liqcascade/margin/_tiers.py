"""Exchange leverage brackets ("tiers"): notional ranges, max leverage, MMR, cum.

A tier table maps a position's notional (USD) to its maintenance margin rate
(``mmr``, a fraction) and Binance's maintenance amount (``cum``, USD), so that the
maintenance margin of a notional ``N`` in tier ``k`` is ``N * mmr[k] - cum[k]``. With
``cum[k] = cum[k-1] + floor[k] * (mmr[k] - mmr[k-1])`` that margin is continuous
and convex in ``N``; :func:`load_tiers` checks this, because the tier
re-evaluation of :func:`~liqcascade.margin.binance_liq_price` relies on it.

Tables ship as CSV files in ``liqcascade/margin/tiers/`` (ETHUSDT, BTCUSDT,
snapshots), load from any CSV/Parquet file with the same columns, or are fetched
live through ccxt (:func:`fetch_tiers_ccxt`, optional extra ``[live]``).
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._limits import MAX_USD, real_array
from liqcascade._paths import read_parquet_bytes
from liqcascade._symbols import contract_symbol, split_symbol
from liqcascade._tables import check_columns, norm_column
from liqcascade._typing import FloatArray, IntArray
from liqcascade.errors import InputError, row_ref

TIER_COLUMNS: tuple[str, ...] = (
    "notional_floor",
    "notional_cap",
    "max_leverage",
    "mmr",
    "cum",
)

#: Relative tolerance of the cum continuity check (USD per USD of floor notional).
_CUM_RTOL = 1e-6

#: Binance's own bracket field names (``GET /fapi/v1/leverageBracket``, after
#: :func:`liqcascade._tables.norm_column`) read as the tier columns they mean.
_BINANCE_NAMES: dict[str, str] = {
    "initial_leverage": "max_leverage",
    "maint_margin_ratio": "mmr",
}


def notional_array(notional: Any, name: str = "notional", *, nan_only: bool = False) -> FloatArray:
    """``notional`` as float64 (its shape kept), each entry finite, >= 0 and at most 1e15 USD.

    Parameters
    ----------
    notional : float or array-like
        Position notional(s), USD.
    name : str, default "notional"
        The parameter's name, for the error and its ``param``.
    nan_only : bool, default False
        Refuse NaN only (a tier table's own lookups clamp any other number to its first
        or last tier).

    Returns
    -------
    array of float64

    Raises
    ------
    InputError
        On an entry that is not a number or NaN, or (without ``nan_only``) infinite,
        negative or past :data:`~liqcascade._limits.MAX_USD` (1e300 was priced as the
        last tier, and ``leverage_refusal`` wrote it out in 301 digits); naming ``name``
        and the index in an array.
    """
    return real_array(
        notional, name, finite=not nan_only, nan=False, least=None if nan_only else 0.0,
        most_usd=None if nan_only else MAX_USD, shape="any",
        rule="a number (USD)" if nan_only else "a finite number >= 0 USD",
        numbers="{name} must be a number, USD (got {values!r})",
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class TierTable:
    """Leverage brackets of one contract.

    Parameters
    ----------
    notional_floor : array of float
        Lowest notional of each tier, USD (first is 0, ascending).
    notional_cap : array of float
        Upper bound (exclusive) of each tier, USD; ``notional_cap[k] == notional_floor[k+1]``.
    max_leverage : array of float
        Highest leverage allowed in the tier (initial margin ``notional / max_leverage``).
    mmr : array of float
        Maintenance margin rate, fraction of notional (0.004 = 0.4 %), increasing.
    cum : array of float
        Maintenance amount, USD: maintenance margin ``= notional * mmr - cum``.
    symbol : str
        Contract, e.g. ``"ETHUSDT"``.
    source : str
        Where the table came from (file path, ``"package:ETHUSDT"``, ``"ccxt:binanceusdm"``).

    Notes
    -----
    A notional ``N`` belongs to tier ``k`` when ``floor[k] <= N < cap[k]``. Notionals at
    or above the last cap are priced with the last tier (the exchange would refuse
    to open them; :meth:`max_leverage` returns 0 there).
    """

    notional_floor: FloatArray
    notional_cap: FloatArray
    max_leverage: FloatArray
    mmr: FloatArray
    cum: FloatArray
    symbol: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        for name in TIER_COLUMNS:
            arr = np.ascontiguousarray(np.asarray(getattr(self, name), dtype=np.float64))
            object.__setattr__(self, name, arr)
        _validate(self, self.source or self.symbol or "tiers")

    def __len__(self) -> int:
        return int(self.mmr.shape[0])

    def tier_index(self, notional: Any) -> IntArray:
        """0-based tier of each notional (USD); below 0 -> tier 0, above the last cap -> last.

        Parameters
        ----------
        notional : float or array-like
            Position notional, USD.

        Returns
        -------
        array of int64
            0-based tier per notional.

        Raises
        ------
        InputError
            ``param="notional"``: a NaN notional (it took the last tier: the table's
            lowest leverage and highest rate for no notional at all).
        """
        n = notional_array(notional, nan_only=True)
        k = np.searchsorted(self.notional_floor, n, side="right") - 1
        return np.clip(k, 0, len(self) - 1).astype(np.int64)

    def max_leverage_at(self, notional: Any) -> FloatArray:
        """Highest leverage allowed for a position of this notional (USD); 0 above the last cap.

        Parameters
        ----------
        notional : float or array-like
            Position notional, USD.

        Returns
        -------
        array of float
            Max leverage (x) per notional; 0 at or above the last cap.
        """
        n = notional_array(notional, nan_only=True)
        lev = self.max_leverage[self.tier_index(n)]
        return np.where(n >= self.notional_cap[-1], 0.0, lev)

    def maintenance_margin(self, notional: Any) -> FloatArray:
        """Maintenance margin, USD, of a notional (USD): ``notional * mmr - cum`` of its tier.

        Parameters
        ----------
        notional : float or array-like
            Position notional, USD.

        Returns
        -------
        array of float
            Maintenance margin per notional, USD.
        """
        n = notional_array(notional, nan_only=True)
        k = self.tier_index(n)
        return n * self.mmr[k] - self.cum[k]

    def with_mmr(self, mmr: float) -> TierTable:
        """A one-tier table with a flat maintenance rate ``mmr`` (fraction) and cum 0.

        Parameters
        ----------
        mmr : float
            Maintenance margin rate, fraction of notional in (0, 1) (0.005 = 0.5 %).

        Returns
        -------
        TierTable
            One tier from 0 to this table's last cap, at this table's first-tier max leverage.

        Raises
        ------
        InputError
            If ``mmr`` is not in (0, 1) (``param="mmr"``).
        """
        if not (np.isfinite(mmr) and 0 < mmr < 1):  # a tier's rate is > 0 (liq before bankruptcy)
            raise InputError(
                f"mmr must be a fraction in (0, 1) for a tier table (got {mmr:g})", param="mmr"
            )
        cap = float(self.notional_cap[-1]) if len(self) else np.inf
        lev = float(self.max_leverage[0]) if len(self) else 125.0
        return TierTable(
            np.array([0.0]), np.array([cap]), np.array([lev]), np.array([float(mmr)]),
            np.array([0.0]), symbol=self.symbol, source=f"{self.source} (flat mmr {mmr})",
        )  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        """One row per tier (1-based ``tier`` column) with the table's columns."""
        df = pd.DataFrame({c: getattr(self, c) for c in TIER_COLUMNS})
        df.insert(0, "tier", np.arange(1, len(self) + 1))
        return df

    def summary(self) -> dict[str, Any]:
        """Symbol, source, number of tiers, max leverage and the first tier's MMR."""
        return {
            "symbol": self.symbol,
            "source": self.source,
            "n_tiers": len(self),
            "max_leverage": float(self.max_leverage.max()),
            "first_mmr": float(self.mmr[0]),
            "max_notional_usd": float(self.notional_cap[-1]),
        }

    def _repr_html_(self) -> str:
        head = f"<b>TierTable {html.escape(self.symbol)}</b> ({html.escape(self.source)})"
        return head + self.to_frame().to_html(index=False)


def _validate(t: TierTable, where: str) -> None:
    n = t.mmr.shape[0]
    if n == 0:
        raise InputError(f"{where}: tier table has no rows")
    for name in TIER_COLUMNS:
        arr = getattr(t, name)
        if arr.shape != (n,):
            raise InputError(f"{where}: column {name} has {arr.shape[0]} rows, expected {n}")
        bad = np.flatnonzero(np.isnan(arr))
        if bad.size:
            raise InputError(f"{where}: {row_ref(bad[0] + 1)}: column {name}: missing or NaN")
    checks: list[tuple[np.ndarray, str]] = [
        (t.notional_floor < 0, "notional_floor must be >= 0"),
        (t.notional_cap <= t.notional_floor, "notional_cap must be > notional_floor"),
        (~(t.max_leverage >= 1), "max_leverage must be >= 1"),
        (~((t.mmr > 0) & (t.mmr < 1)), "mmr must be a fraction in (0, 1)"),
        (~np.isfinite(t.cum), "cum must be finite"),
    ]
    for mask, msg in checks:
        bad = np.flatnonzero(mask)
        if bad.size:
            raise InputError(f"{where}: {row_ref(bad[0] + 1)}: {msg}")
    if t.notional_floor[0] != 0:
        raise InputError(f"{where}: {row_ref(1)}: the first tier must start at notional 0")
    for k in range(1, n):
        if t.notional_floor[k] != t.notional_cap[k - 1]:
            raise InputError(
                f"{where}: {row_ref(k + 1)}: notional_floor {t.notional_floor[k]:g} must equal the "
                f"previous notional_cap {t.notional_cap[k - 1]:g}"
            )
        if t.mmr[k] < t.mmr[k - 1]:
            raise InputError(f"{where}: {row_ref(k + 1)}: mmr must not decrease across tiers")
        expected = t.cum[k - 1] + t.notional_floor[k] * (t.mmr[k] - t.mmr[k - 1])
        if abs(t.cum[k] - expected) > _CUM_RTOL * max(1.0, t.notional_floor[k]):
            raise InputError(
                f"{where}: {row_ref(k + 1)}: cum {t.cum[k]:g} breaks maintenance-margin continuity "
                f"(expected cum[k-1] + floor*(mmr[k]-mmr[k-1]) = {expected:g})"
            )


def _check_initial_margin(arrays: dict[str, FloatArray], source: str) -> None:
    """Refuse a row whose maintenance rate is at or above its initial margin ``1/max_leverage``.

    Such a row liquidates a position at its maximum leverage the moment it opens; in a
    file it is almost always a rate typed in percent (0.4 for 0.4 %).

    Parameters
    ----------
    arrays : dict of str to array of float
        The tier columns (``max_leverage``, ``mmr``: fractions), as read.
    source : str
        The file (or package table), first in the message.

    Raises
    ------
    InputError
        Naming the file, the 1-based row and the likely percent-for-fraction mistake.
    """
    lev, mmr = arrays["max_leverage"], arrays["mmr"]
    with np.errstate(divide="ignore", invalid="ignore"):
        bad = np.flatnonzero((lev >= 1) & (mmr > 0) & (mmr < 1) & (mmr * lev >= 1))
    if bad.size:
        k = int(bad[0])
        raise InputError(
            f"{source}: {row_ref(k + 1)}: mmr {mmr[k]:g} is at or above the initial margin rate "
            f"1/max_leverage = {1 / lev[k]:g} of {lev[k]:g}x (a position at that leverage "
            f"would be liquidated on opening): rates are fractions, is it a percent? "
            f"(for {mmr[k]:g} % give {mmr[k] / 100:g})"
        )


def _table_from_frame(df: pd.DataFrame, symbol: str, source: str) -> TierTable:
    df = df.rename(columns=lambda c: _BINANCE_NAMES.get(norm_column(c), norm_column(c)))
    check_columns(df.columns, TIER_COLUMNS, source)
    arrays: dict[str, FloatArray] = {}
    for c in TIER_COLUMNS:
        col = pd.to_numeric(df[c], errors="coerce")
        bad = np.flatnonzero(col.isna().to_numpy() & df[c].notna().to_numpy())
        if bad.size:
            raise InputError(
                f"{source}: {row_ref(bad[0] + 1)}: column {c}: not a number "
                f"({df[c].iloc[bad[0]]!r})"
            )
        arrays[c] = col.to_numpy(dtype=np.float64)
    _check_initial_margin(arrays, source)
    return TierTable(**arrays, symbol=symbol, source=source)


@lru_cache(maxsize=32)
def _packaged(symbol: str) -> TierTable:
    res = files("liqcascade.margin") / "tiers" / f"{symbol}.csv"
    if not res.is_file():
        raise InputError(
            f"symbol {symbol!r}: no packaged tier table (have: "
            f"{', '.join(packaged_symbols())}); give the venue's tier table as a file, tiers "
            "(CSV/Parquet: notional_floor, notional_cap, max_leverage, mmr, cum)",
            param=("symbol", "tiers"),
        )
    df = pd.read_csv(io.StringIO(res.read_text(encoding="utf-8")), comment="#")
    return _table_from_frame(df, symbol, f"package:{symbol}")


def packaged_symbols() -> list[str]:
    """Symbols whose tier tables ship with the package (e.g. ``["BTCUSDT", "ETHUSDT"]``)."""
    d = files("liqcascade.margin") / "tiers"
    return sorted(p.name[:-4] for p in d.iterdir() if p.name.endswith(".csv"))


#: The tier table used for a contract without a packaged one (the table the estimated
#: market's position book uses for every asset, ``EstimationParams.tiers``).
FALLBACK_TIERS = "ETHUSDT"


def asset_tiers(asset: str) -> str:
    """The Binance USDⓈ-M tier table applied to ``asset``'s positions.

    Parameters
    ----------
    asset : str
        Base asset (``"ETH"``, ``"BTC"``, ``"SOL"``).

    Returns
    -------
    str
        Its own contract's packaged table (``"BTCUSDT"`` for ``"BTC"``), else
        :data:`FALLBACK_TIERS` for a contract whose table the package does not ship.
    """
    c = contract_symbol(asset)
    return c if c in packaged_symbols() else FALLBACK_TIERS


def tiers_caveat(asset: str) -> str | None:
    """The caveat of an asset whose positions use :data:`FALLBACK_TIERS` (None: its own table).

    One wording for every command that applies :func:`asset_tiers` (the estimated
    market's ``caveats``, ``stops recommend``, ``stress --portfolio``).

    Parameters
    ----------
    asset : str
        Base asset (``"SOL"``).

    Returns
    -------
    str or None
        ``"margin tiers: ETHUSDT's, no SOLUSDT table (...)"``, or None for a contract
        whose table ships.
    """
    c = contract_symbol(asset)
    if asset_tiers(asset) == c:
        return None
    return (
        f"margin tiers: {FALLBACK_TIERS}'s, no {c} table ({asset}'s liquidation prices and "
        f"leverage caps are Binance {FALLBACK_TIERS}'s; packaged: "
        f"{', '.join(packaged_symbols())})"
    )


def symbol_tiers(symbol: str) -> tuple[TierTable, str | None]:
    """The packaged tier table a contract's positions are priced with, and its caveat.

    The one rule for a contract named without a table (``liq_price(symbol=...)``,
    ``margin liq-price --symbol``, positions files, portfolios, the estimated market):
    a USDT perpetual (any spelling, or a bare asset) takes :func:`asset_tiers`' table,
    its own when packaged, else :data:`FALLBACK_TIERS`' with :func:`tiers_caveat`'s
    words; any other contract (``ETHUSD``, COIN-M) is :func:`load_tiers`' (refused
    without a packaged table).

    Parameters
    ----------
    symbol : str
        Contract (``"SOLUSDT"``, ``"sol/usdt:usdt"``, ``"SOL"``).

    Returns
    -------
    (TierTable, str or None)
        The table, and the caveat when it is another contract's (None: its own).

    Raises
    ------
    InputError
        An empty symbol, or a contract other than a USDT perpetual without a packaged
        table (``param=("symbol", "tiers")``).
    """
    s = str(symbol)
    if not s.strip():
        raise InputError("symbol is empty (a contract such as ETHUSDT)", param="symbol")
    base, quote = split_symbol(s)
    if quote not in ("USDT", "PERP", "") or not base:
        return load_tiers(s), None
    return _packaged(asset_tiers(base)), tiers_caveat(base)


def load_tiers(symbol_or_path: str | Path | TierTable = "ETHUSDT") -> TierTable:
    """Load a tier table: a packaged symbol, a CSV/Parquet file, or a table (returned as is).

    Parameters
    ----------
    symbol_or_path : str, Path or TierTable, default "ETHUSDT"
        ``"ETHUSDT"`` / ``"BTCUSDT"`` (packaged snapshots; any spelling of a USDT
        perpetual, read by :func:`liqcascade._symbols.split_symbol`: ``"eth/usdt:usdt"``,
        ``"ETH-PERP"``; an asset alone is its contract, ``"ETH"`` is ``"ETHUSDT"``), or
        a file with columns ``notional_floor, notional_cap,
        max_leverage, mmr, cum`` (notional in USD, rates as fractions; ``#`` comment
        lines allowed in CSV). Headers are read as :func:`liqcascade._tables.norm_column`
        reads positions files (``notionalFloor`` is ``notional_floor``), and Binance's
        own bracket fields ``initialLeverage`` and ``maintMarginRatio`` are
        ``max_leverage`` and ``mmr``.

    Returns
    -------
    TierTable

    Raises
    ------
    InputError
        Unknown symbol, unreadable file, missing columns, or a table whose tiers are
        not contiguous, whose ``cum`` breaks maintenance-margin continuity, or whose
        ``mmr`` is at or above the row's initial margin ``1/max_leverage`` (a percent
        typed as a fraction), naming the file and the 1-based row.
    """
    if isinstance(symbol_or_path, TierTable):
        return symbol_or_path
    s = str(symbol_or_path)
    if not s.strip():
        raise InputError("symbol is empty (a contract such as ETHUSDT)", param="symbol")
    p = Path(s)
    if p.suffix.lower() in (".csv", ".parquet", ".pq") or p.exists():
        if p.is_dir():
            raise InputError(f"{s}: is a folder, not a tier table file")
        if not p.is_file():
            raise InputError(f"{s}: no such tier file")
        try:
            if p.suffix.lower() in (".parquet", ".pq"):
                df = read_parquet_bytes(p.read_bytes())
            else:
                df = pd.read_csv(p, comment="#")
        except (OSError, ValueError) as exc:
            raise InputError(f"{s}: cannot read tier table: {exc}") from exc
        return _table_from_frame(df, p.stem.upper(), s)
    base, quote = split_symbol(s)
    # a USDT perpetual in any spelling, or a bare asset: its contract; else as named
    usdt = quote in ("USDT", "PERP", "")
    return _packaged(contract_symbol(base) if usdt else f"{base}{quote}")


def max_leverage(notional: Any, tiers: str | Path | TierTable = "ETHUSDT") -> FloatArray:
    """Highest leverage the exchange allows for a position of ``notional`` USD.

    Parameters
    ----------
    notional : float or array
        Position notional at entry, USD.
    tiers : str, Path or TierTable, default "ETHUSDT"
        Tier table (see :func:`load_tiers`).

    Returns
    -------
    array of float
        Max leverage per notional (0 above the table's last cap).

    Raises
    ------
    InputError
        ``param="notional"``: a notional that is NaN, infinite or negative (NaN was
        given 1x, a negative notional 125x).
    """
    return load_tiers(tiers).max_leverage_at(np.atleast_1d(notional_array(notional)))


def fetch_tiers_ccxt(exchange: Any = "binanceusdm", symbol: str = "ETH/USDT:USDT") -> TierTable:
    """Fetch a contract's current leverage brackets through ccxt (optional extra ``[live]``).

    Parameters
    ----------
    exchange : str or ccxt exchange instance, default "binanceusdm"
        A ccxt exchange id or an object with ``fetch_leverage_tiers(symbols)``.
    symbol : str, default "ETH/USDT:USDT"
        Unified ccxt symbol; ``"ETHUSDT"`` is turned into ``"ETH/USDT:USDT"``.

    Returns
    -------
    TierTable
        ``cum`` from the exchange's raw ``info["cum"]`` when given, else rebuilt
        from the floors and rates (continuity).

    Raises
    ------
    InputError
        ccxt missing, the exchange failing, or no tiers for the symbol.
    """
    if "/" not in symbol:
        base, quote = split_symbol(symbol)
        if quote in ("USDT", "USDC", "USD"):
            symbol = f"{base}/{quote}:{quote}"
    # the venue failing (ccxt's errors, the network); any other error is a bug and raises
    venue_errors: tuple[type[BaseException], ...] = (OSError,)
    try:
        import ccxt
    except ImportError as exc:
        if isinstance(exchange, str):
            raise InputError("fetching tiers needs ccxt: pip install 'liqcascade[live]'") from exc
    else:
        venue_errors = (ccxt.BaseError, OSError)
    ex = exchange
    name = str(exchange)
    if isinstance(exchange, str):
        if not hasattr(ccxt, exchange):
            raise InputError(f"unknown ccxt exchange {exchange!r}")
        ex = getattr(ccxt, exchange)()
    else:
        name = str(getattr(exchange, "id", type(exchange).__name__))
    try:
        raw = ex.fetch_leverage_tiers([symbol])
    except venue_errors as exc:
        raise InputError(f"ccxt {name}: fetch_leverage_tiers({symbol}) failed: {exc}") from exc
    rows = (raw or {}).get(symbol)
    if not rows:
        raise InputError(f"ccxt {name}: no leverage tiers for {symbol}")
    rows = sorted(rows, key=lambda r: float(r.get("minNotional") or 0.0))
    floor = np.array([float(r.get("minNotional") or 0.0) for r in rows])
    cap = np.array([float(r["maxNotional"]) for r in rows])
    mmr = np.array([float(r["maintenanceMarginRate"]) for r in rows])
    lev = np.array([float(r["maxLeverage"]) for r in rows])
    cum = np.zeros(len(rows))
    for k in range(1, len(rows)):
        cum[k] = cum[k - 1] + floor[k] * (mmr[k] - mmr[k - 1])
    given = [(r.get("info") or {}).get("cum") for r in rows]
    if all(g is not None for g in given):
        cum = np.array([float(str(g)) for g in given])
    plain = symbol.split(":")[0].replace("/", "")
    return TierTable(floor, cap, lev, mmr, cum, symbol=plain, source=f"ccxt:{name}")
