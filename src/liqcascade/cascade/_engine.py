"""``simulate_cascade``: one cascade through the order book (docs/design.md semantics)."""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from liqcascade._limits import check_insurance_fund, check_number
from liqcascade.book import OrderBook
from liqcascade.cascade._config import CascadeConfig
from liqcascade.cascade._kernels import cascade_fast_kernel, cascade_kernel
from liqcascade.cascade._prepare import PreparedMarket, prepare_cascade
from liqcascade.cascade._result import CascadeResult
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook

_LOG = logging.getLogger("liqcascade.cascade")

#: How a shock is written, the hint of every refusal or warning about its size.
SHOCK_HINT = "a fraction of mid: -0.05 for a 5 % fall, 0.05 for a 5 % rise"

#: The shocks of 1 (+100 %) or more already warned about in this process (once each).
_WARNED_RISES: set[float] = set()

__all__ = [
    "SHOCK_HINT",
    "check_insurance_fund",
    "check_shock",
    "ensure_prepared",
    "resolve_shock",
    "simulate_cascade",
]


def ensure_prepared(
    market: PreparedMarket | OrderBook,
    positions: PositionBook | None,
    stops: StopBook | None,
    config: CascadeConfig,
) -> PreparedMarket:
    """A :class:`PreparedMarket` fit for ``config`` (re-prepared for partial liquidation)."""
    thr = config.partial_threshold_usd if config.partial_liquidation else math.inf
    if isinstance(market, PreparedMarket):
        if market.partial_threshold_usd == thr:
            return market
        return prepare_cascade(
            market.book, market.positions, market.stops, partial_threshold_usd=thr
        )
    if positions is None:
        raise InputError(
            "positions are required with an OrderBook (or pass a PreparedMarket)",
            param="positions",
        )
    return prepare_cascade(market, positions, stops, partial_threshold_usd=thr)


def check_shock(name: str, value: float, *, warn: bool = True) -> float:
    """The one rule on a shock's value; returns it as a float.

    ``shock_price`` (USD) must be > 0, ``shock`` (a fraction of mid: -0.05 is -5 %) > -1,
    ``shock_sell_usd`` and ``shock_buy_usd`` (market orders, USD) >= 0; each finite.
    :func:`resolve_shock` (the library) and the cascade request (the command line)
    both apply it. A ``shock`` of -1 or less is refused with :data:`SHOCK_HINT`; one of
    1 or more (+100 % or more) runs, with a warning once (:func:`warn_large_rise`).

    Parameters
    ----------
    name : {"shock_price", "shock", "shock_sell_usd", "shock_buy_usd"}
        The way the shock is given.
    value : float
        Its value (USD, or a fraction of mid for ``shock``).
    warn : bool, default True
        False when the caller's notation already states the rise (the command line's
        ``150%``): the value then counts as said, and no check of it in this process
        logs :func:`warn_large_rise`'s warning.

    Raises
    ------
    InputError
        Naming ``name`` (``param=name``) and the value: not one real number
        (:func:`~liqcascade._limits.check_number`: text, a bool, an array), not
        finite or out of range.
    """
    v = check_number(value, name)  # float() read True as a +100 % rise, "-0.08" as -8 %
    if name in ("shock_sell_usd", "shock_buy_usd"):
        ok, rule = math.isfinite(v) and v >= 0, f"a finite number >= 0 (got {v:g})"
    elif name == "shock":
        hint = f"; {SHOCK_HINT}" if v <= -1.0 else ""
        ok, rule = math.isfinite(v) and v > -1.0, f"a fraction > -1 (got {v:g}{hint})"
    else:
        ok, rule = math.isfinite(v) and v > 0, f"> 0 USD (got {v:g})"
    if not ok:
        raise InputError(f"{name} must be {rule}", param=name)
    if name == "shock" and v >= 1.0:
        if warn:
            warn_large_rise(v)
        else:
            _WARNED_RISES.add(v)
    return v


def warn_large_rise(shock: float) -> None:
    """Log, once per value and process, that a shock of 1 or more is a rise of 100 % or more.

    ``shock=5`` is a +500 % rise: a legitimate (if extreme) scenario, so it runs, but far
    more often a percent typed as a fraction. The command line refuses a bare ``5`` and
    takes ``500%`` (its notation says which is meant); the library, which has only the
    number, runs it and says so once, as ``warning: ...`` on the ``liqcascade.cascade``
    logger (printed on stderr when nothing configured logging).

    Parameters
    ----------
    shock : float
        The fraction of mid given, 1 or more.
    """
    from liqcascade._prices import percent_text

    if shock in _WARNED_RISES:
        return
    _WARNED_RISES.add(shock)
    _LOG.warning(
        "warning: shock %g is a %s rise (%s)", shock, percent_text(shock, 0, signed=True),
        SHOCK_HINT,
    )  # fmt: skip


def check_shock_scale(shock_price: float | None, mid: float, reference: str) -> None:
    """Refuse a target price more than 10x from ``mid``: a unit error, not a shock.

    ``liqmap``'s price and the positions and stops files are checked the same way
    (:data:`liqcascade.positions.PRICE_SCALE`): a target given in cents (100x the mid)
    would otherwise liquidate the whole short side at a price no market reaches.

    Parameters
    ----------
    shock_price : float or None
        The target price, USD per coin (None: the shock is given another way).
    mid : float
        The book's mid, USD per coin.
    reference : str
        What ``mid`` is, for the message (``"the ETH market's mid"``).

    Raises
    ------
    InputError
        Naming ``shock_price`` (``param="shock_price"``): not finite and > 0
        (:func:`check_shock`'s rule, applied first: -5 is no unit error), or the value
        and the ratio.
    """
    from liqcascade.positions import off_scale, unit_error

    if shock_price is None:
        return
    shock_price = check_shock("shock_price", shock_price)
    if not bool(off_scale(np.asarray([shock_price]), np.asarray([mid]))[0]):
        return
    deeper = "; a fall that deep is given as a fraction of mid" if shock_price < mid else ""
    raise InputError(
        unit_error("shock_price", shock_price, mid, reference) + deeper, param="shock_price"
    )


def resolve_shock(
    mid: float,
    shock_price: float | None,
    shock: float | None,
    shock_sell_usd: float | None,
    shock_buy_usd: float | None,
) -> tuple[float, int, float]:
    """Check that exactly one shock is given; return ``(dirsign, kind, value)``.

    ``kind`` 0 is a target price (``value`` in USD), 1 a market order (``value`` USD).
    A target at or below ``mid`` is a down move. The value's rule is
    :func:`check_shock`.
    """
    given = {
        "shock_price": shock_price,
        "shock": shock,
        "shock_sell_usd": shock_sell_usd,
        "shock_buy_usd": shock_buy_usd,
    }
    named = [k for k, v in given.items() if v is not None]
    if len(named) != 1:
        raise InputError(
            "give exactly one of shock_price, shock, shock_sell_usd, shock_buy_usd"
            f" (got {', '.join(named) if named else 'none'})"
        )
    name = named[0]
    value = check_shock(name, given[name])  # type: ignore[arg-type]
    if name == "shock":
        name, value = "shock_price", mid * (1.0 + value)
    if name == "shock_price":
        return (1.0 if value <= mid else -1.0), 0, value
    return (1.0 if name == "shock_sell_usd" else -1.0), 1, value


@dataclass(frozen=True, eq=False)
class _PerOrder:
    """The order-by-order kernel of one cascade: needed for chunks and the per-order closes.

    A module-level object rather than a closure, so that a :class:`CascadeResult`
    (which keeps :meth:`closes` to run when its per-order detail is first asked for)
    pickles (multiprocessing, joblib).
    """

    side: Any
    kind: int
    shock_arg: float
    tail: tuple[float, ...]
    chunks: Any
    fee: float
    max_rounds: int

    def __call__(self) -> tuple[Any, ...]:
        out: tuple[Any, ...] = cascade_kernel(
            *self.side.kernel_args(), self.kind, self.shock_arg, *self.tail, self.chunks,
            self.fee, self.max_rounds, True,
        )  # fmt: skip
        return out

    def closes(self) -> tuple[Any, ...]:
        """Per sorted position / stop: USD closed and base the book filled."""
        return tuple(self()[17:])


@overload
def simulate_cascade(
    book: PreparedMarket,
    positions: None = None,
    stops: None = None,
    *,
    shock_price: float | None = None,
    shock: float | None = None,
    shock_sell_usd: float | None = None,
    shock_buy_usd: float | None = None,
    insurance_fund: float = 0.0,
    config: CascadeConfig | None = None,
) -> CascadeResult: ...


@overload
def simulate_cascade(
    book: OrderBook,
    positions: PositionBook,
    stops: StopBook | None = None,
    *,
    shock_price: float | None = None,
    shock: float | None = None,
    shock_sell_usd: float | None = None,
    shock_buy_usd: float | None = None,
    insurance_fund: float = 0.0,
    config: CascadeConfig | None = None,
) -> CascadeResult: ...


def simulate_cascade(
    book: OrderBook | PreparedMarket,
    positions: PositionBook | None = None,
    stops: StopBook | None = None,
    *,
    shock_price: float | None = None,
    shock: float | None = None,
    shock_sell_usd: float | None = None,
    shock_buy_usd: float | None = None,
    insurance_fund: float = 0.0,
    config: CascadeConfig | None = None,
) -> CascadeResult:
    """Run one liquidation cascade through the order book.

    A shock moves price; liquidations (positions whose liquidation price is
    reached) and stops (whose trigger is reached) walk the book round by round, one
    order after another in trigger order, each at the VWAP of its own slice; price
    moves to the last level touched; the next round triggers whatever that price
    reaches; until nothing triggers or the book runs out (what it cannot absorb
    closes at the price reached). Shortfalls draw on the opening fund only; surpluses
    and fees are credited after the cascade. docs/design.md's "reference semantics" with
    the default config, as changed by issue 17 (fills by trigger priority, gains
    credited after the cascade).

    Parameters
    ----------
    book : OrderBook or PreparedMarket
        The order book, or a market prepared by :func:`prepare_cascade` (then
        ``positions`` and ``stops`` are taken from it).
    positions : PositionBook, optional
        Leveraged positions (liquidation and bankruptcy prices, USD): required with an
        :class:`OrderBook`; left out with a :class:`PreparedMarket` (which holds its
        own; one given is ignored, and the type hints refuse it).
    stops : StopBook, optional
        Resting stop-market orders (none by default); left out with a
        :class:`PreparedMarket`.
    shock_price : float, optional
        Target price, USD: bid levels above it (ask levels below it) are consumed.
    shock : float, optional
        Fractional move: ``shock_price = mid · (1 + shock)`` (−0.05 is a 5 % fall), any
        finite fraction > −1 (1.5 is a rise of 150 %). The command line's ``--shock``
        takes the same range; there a bare number of 1 or more must be written as a
        percent (``150%``), because ``5`` is likelier a percent typed without its sign
        than a +500 % move: a guard on the notation, not a narrower range. Here a
        shock of 1 or more runs and logs ``warning: shock 5 is a +500 % rise`` once.
    shock_sell_usd, shock_buy_usd : float, optional
        An exogenous market sell / buy of this many USD walking the book.
    insurance_fund : float, default 0.0
        Fund at the start ``F0``, USD.
    config : CascadeConfig, optional
        Extensions (all off by default).

    Returns
    -------
    CascadeResult

    Raises
    ------
    InputError
        Not exactly one shock; a shock price <= 0; a negative USD amount or fund;
        ``param="positions"``: none with an :class:`OrderBook`.

    Examples
    --------
    >>> import numpy as np
    >>> from liqcascade.book import OrderBook
    >>> from liqcascade.positions import PositionBook
    >>> ob = OrderBook(100.0, [99.0, 98.0, 97.0], [1.0, 1.0, 5.0], [101.0], [1.0])
    >>> pos = PositionBook(np.array([1], np.int8), [1.5], [105.0], [10.0], [98.5], [98.0])
    >>> r = simulate_cascade(ob, pos, shock_price=98.4)
    >>> r.final_price, r.rounds, round(r.liquidated_long_usd, 2)
    (97.0, 1, 146.5)
    """
    cfg = config if config is not None else CascadeConfig()
    if not isinstance(cfg, CascadeConfig):
        raise InputError(
            f"config must be a CascadeConfig (got {type(cfg).__name__})", param="config"
        )
    insurance_fund = check_insurance_fund(insurance_fund)
    pm = ensure_prepared(book, positions, stops, cfg)
    mid = pm.book.mid
    dirsign, kind, value = resolve_shock(mid, shock_price, shock, shock_sell_usd, shock_buy_usd)
    side = pm.side(dirsign)
    shock_arg = dirsign * value if kind == 0 else value
    chunks = np.asarray(cfg.chunk_fractions(), dtype=np.float64)
    tail = (
        dirsign,
        float(insurance_fund),
        cfg.refill_fraction,
        cfg.withdrawal_fraction,
        cfg.mark_price_weight,
    )
    mr = 0 if cfg.max_rounds is None else int(cfg.max_rounds)

    per_order = _PerOrder(side, kind, shock_arg, tail, chunks, cfg.liquidation_fee, mr)
    closes: Callable[[], tuple[Any, ...]]
    if side.large_rank.size == 0:  # nothing liquidated in chunks: the block kernel
        fa = side.fast_args()
        r = cascade_fast_kernel(
            *side.kernel_args()[:8],
            fa[0],
            fa[1],
            side.stop_key,
            *fa[2:],
            kind,
            shock_arg,
            *tail,
            cfg.liquidation_fee,
            mr,
            True,
        )
        closes = per_order.closes  # run when first asked
    else:
        r = per_order()
        closes = functools.partial(tuple, r[17:])  # already run: kept

    (shock_x, price_x, rounds, liq_usd, stop_usd, n_liq, n_stop) = r[:7]
    (fund, bad, exhausted, unfilled, ib, cur, scale, trace) = r[7:15]
    (gains, shortfalls) = r[15:17]
    down = dirsign > 0
    return CascadeResult(
        initial_price=mid,
        shock_price=float(dirsign * shock_x),
        final_price=float(dirsign * price_x),
        rounds=int(rounds),
        liquidated_long_usd=float(liq_usd) if down else 0.0,
        liquidated_short_usd=0.0 if down else float(liq_usd),
        n_liquidated=int(n_liq),
        stops_sell_usd=float(stop_usd) if down else 0.0,
        stops_buy_usd=0.0 if down else float(stop_usd),
        n_stops=int(n_stop),
        insurance_fund_end=float(fund),
        bad_debt_usd=float(bad),
        book_exhausted=bool(exhausted),
        unfilled_base=float(unfilled),
        direction="down" if down else "up",
        insurance_fund_start=float(insurance_fund),
        liquidation_surplus_usd=float(gains),
        shortfall_usd=float(shortfalls),
        config=cfg,
        _trace=np.asarray(trace),
        _prepared=pm,
        _book_state=(int(ib), float(cur), float(scale)),
        _closes_fn=closes,
    )
