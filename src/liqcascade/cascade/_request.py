"""One cascade request, as ``liqcascade cascade`` makes it: checks, market, run, result.

:func:`run_cascade_request` takes the command's options (files or the estimated market
of a date, one shock or the fragility grid, the extensions), makes every check once
(errors name the parameter, ``param=``), builds the market (from files, or
:func:`liqcascade.market.estimated_market`) and runs :func:`simulate_cascade` or the
fragility analysis. :class:`CascadeRun` holds the result; ``to_dict()`` gives the JSON
keys of ``liqcascade cascade --json``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from liqcascade._json import to_jsonable
from liqcascade._limits import check_fraction, check_insurance_fund
from liqcascade.errors import InputError
from liqcascade.market import market_times

__all__ = ["SHOCK_PARAMS", "CascadeRun", "market_times", "run_cascade_request"]

#: The four ways of giving the shock, exactly one per cascade.
SHOCK_PARAMS: tuple[str, ...] = ("shock_price", "shock", "shock_sell_usd", "shock_buy_usd")

#: Shocks of the fragility grid (fractions of mid).
FRAGILITY_GRID = np.round(np.linspace(-0.20, 0.20, 401), 6)


@dataclass(frozen=True, eq=False)
class CascadeRun:
    """The result of :func:`run_cascade_request`.

    Attributes
    ----------
    kind : {"cascade", "fragility"}
    data : dict
        The command's JSON object (cascade summary with ``as_of``, ``bar_open``,
        ``bar_close`` (:func:`market_times`) and ``market`` for an estimated market; or
        ``as_of, bar_open, bar_close, mid, curve, critical_shock, next_wave_down,
        next_wave_up, summary, market`` for the fragility analysis).
    state : MarketState or None
        The estimated market (None for files).
    """

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    state: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``liqcascade cascade --json``."""
        return dict(self.data)


def _check(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise InputError(message, param=name)


def _nonneg(value: float | None, name: str, upper: float | None = None) -> None:
    if value is None:
        return
    bad = not math.isfinite(value) or value < 0 or (upper is not None and value > upper)
    rng = f"a finite number in [0, {upper:g}]" if upper is not None else "a finite number >= 0"
    _check(not bad, name, f"{name} must be {rng} (got {value:g})")


def _check_shock(shocks: dict[str, float | None], fragility: bool) -> None:
    given = [k for k, v in shocks.items() if v is not None]
    if fragility:
        if given:
            raise InputError(
                f"fragility runs a grid of shocks: drop {', '.join(given)}",
                param=("fragility", *given),
            )
    elif len(given) != 1:
        raise InputError(  # each name once: the command line shows each as its flag
            f"give exactly one of {', '.join(SHOCK_PARAMS)}"
            + (f" ({len(given)} were given)" if given else " (none was given)"),
            param=SHOCK_PARAMS,
        )
    from liqcascade.cascade._engine import check_shock  # the library's one rule

    for name, value in shocks.items():
        if value is not None:
            check_shock(name, value)
    # a market order of 0 USD is no shock, as a shock of 0 is not one (the command line's
    # "must be non-zero"): it ran a cascade that moved nothing; a zero move is asked by
    # shock_price at the mid
    for name, what in (("shock_sell_usd", "sell"), ("shock_buy_usd", "buy")):
        if shocks.get(name) == 0:
            raise InputError(
                f"{name} must be non-zero (a market {what} in USD: 1e6 = 1 M USD {what}s "
                "into the book)",
                param=name,
            )


def _config(
    refill: float, withdrawal: float, mark_weight: float, partial_liquidation: bool,
    liq_fee: float, max_rounds: int | None,
) -> Any:  # fmt: skip
    from liqcascade.cascade._config import CascadeConfig

    _nonneg(refill, "refill", 1.0)
    ok = math.isfinite(withdrawal) and 0.0 <= withdrawal < 1.0
    _check(ok, "withdrawal", f"withdrawal must be a fraction in [0, 1) (got {withdrawal:g})")
    ok = math.isfinite(mark_weight) and 0 < mark_weight <= 1
    _check(ok, "mark_weight", f"mark_weight must be in (0, 1] (got {mark_weight:g})")
    check_fraction(liq_fee, "liq_fee")  # [0, 1): the rule of solvency and CascadeConfig
    if max_rounds is not None:
        _check(max_rounds >= 1, "max_rounds", f"max_rounds must be >= 1 (got {max_rounds})")
    return CascadeConfig(
        refill_fraction=refill,
        withdrawal_fraction=withdrawal,
        mark_price_weight=mark_weight,
        partial_liquidation=partial_liquidation,
        liquidation_fee=liq_fee,
        max_rounds=max_rounds,
    )


def _file(path: Path, name: str) -> Path:
    p = Path(path)
    _check(p.exists(), name, f"{name}: {p}: no such file")
    _check(p.is_file(), name, f"{name}: {p}: not a file")
    return p


def _book_at_mid(order_book: Any, path: Path, mid: float | None) -> Any:
    """The book file read at ``mid``; a ``mid`` beyond all the book's prices is named first.

    A mid given 100x away (370000 for a book about 3,700) was refused as the book's
    fault: ``ebook.csv: data row 2: ask 3702 is not above mid 370000``. When the book
    reads without the mid given and that mid is beyond all its prices, the error names
    ``mid``, the book's price range and, 10x away, the unit error. A mid among the
    levels keeps the book's error naming the level on its wrong side.
    """
    if mid is None:
        return order_book.from_file(path)
    try:
        return order_book.from_file(path, mid=mid)
    except InputError:
        own = None
        for probe in (None, 1e-300, 1e300):  # two-sided, asks only, bids only
            try:
                own = order_book.from_file(path, mid=probe)
                break
            except InputError:
                continue
        if own is None:  # the book's own fault: its error as it was
            raise
        prices = np.concatenate([own.bid_price, own.ask_price])
        lo, hi = float(prices.min()), float(prices.max())
        if lo <= mid <= hi:
            raise
    from liqcascade.positions import PRICE_SCALE

    bid = f"best bid {own.bid_price[0]:,.6g}" if own.bid_price.size else None
    ask = f"best ask {own.ask_price[0]:,.6g}" if own.ask_price.size else None
    sides = (
        f"between its {bid} and {ask}" if bid and ask else f"below its {ask}" if ask
        else f"above its {bid}"
    )  # fmt: skip
    near = lo if mid < lo else hi
    unit = (
        f", {mid / near:.3g}x its nearest: more than {PRICE_SCALE:g}x away is a unit error "
        "(prices are USD per coin)"
        if max(mid / near, near / mid) > PRICE_SCALE
        else ""
    )
    raise InputError(
        f"mid {mid:,.6g} is outside {path}'s prices {lo:,.6g}–{hi:,.6g}{unit}; the mid is {sides}",
        param="mid",
    ) from None


def _market(
    positions: Path | None, stops: Path | None, book: Path | None, mid: float | None,
    asset: str | None, as_of: Any, book_model: str,
) -> tuple[Any, Any, Any, Any]:  # fmt: skip
    """``(order book, positions, stops, state or None)`` from files or the estimated market."""
    if positions is not None or book is not None or stops is not None:
        if positions is None or book is None:
            raise InputError(
                "positions and book are both required for a cascade from files",
                param=("positions", "book"),
            )
        _check(as_of is None, "as_of", "as_of applies to the estimated market, not to files")
        from liqcascade.book import OrderBook, warn_depth_scale
        from liqcascade.positions import read_given_positions, read_stops

        ob = _book_at_mid(OrderBook, _file(book, "book"), mid)
        warn_depth_scale(ob, asset or "ETH", str(book))  # sizes in USD read as ETH
        ref, where = ob.mid, f"the mid of {book}"  # a price 10x away from it: a unit error
        # a row already beyond its liquidation price at the mid is refused, as stress and
        # solvency do (the engine left it open on a rise, bad debt on any fall)
        # asset names the asset of rows without a symbol (their contract's tier table);
        # without it such rows are ETH's, and prices off ETH's scale are refused
        pos = read_given_positions(_file(positions, "positions"), reference_price=ref,
                                   reference=where, refuse_liquidated=True, asset=asset,
                                   default_scale=True)  # fmt: skip
        st = (
            None
            if stops is None
            else read_stops(_file(stops, "stops"), reference_price=ref, reference=where)
        )
        return ob, pos, st, None
    from liqcascade.market import MarketSpec, estimated_market

    _check(mid is None, "mid", "mid applies to book files; the estimated market uses its own price")
    spec = MarketSpec(asset=asset or "ETH", as_of=as_of, book_model=book_model)
    state = estimated_market(spec)
    return state.book, state.positions, state.stops, state


def run_cascade_request(
    *,
    positions: Path | None = None,
    stops: Path | None = None,
    book: Path | None = None,
    mid: float | None = None,
    shock_price: float | None = None,
    shock: float | None = None,
    shock_sell_usd: float | None = None,
    shock_buy_usd: float | None = None,
    insurance_fund: float = 0.0,
    refill: float = 0.0,
    withdrawal: float = 0.0,
    mark_weight: float = 1.0,
    partial_liquidation: bool = False,
    liq_fee: float = 0.0,
    max_rounds: int | None = None,
    asset: str | None = None,
    as_of: Any = None,
    fragility: bool = False,
    total_move: float | None = None,
    book_model: str = "identified",
) -> CascadeRun:
    """One cascade (or the fragility analysis) from files or the estimated market.

    Parameters
    ----------
    positions, stops, book : Path, optional
        Files (CSV/Parquet); without them the market is
        ``estimated_market(MarketSpec(asset, as_of, book_model=book_model))``.
    mid : float, optional
        Mid of the book file, USD (files only).
    shock_price, shock, shock_sell_usd, shock_buy_usd : float, optional
        Exactly one (a target price in USD, a fraction of mid, an exogenous sell or
        buy in USD), none with ``fragility``.
    insurance_fund : float
        Fund at the start, USD (>= 0).
    refill, withdrawal, mark_weight, partial_liquidation, liq_fee, max_rounds
        The extensions (:class:`liqcascade.cascade.CascadeConfig`).
    asset : str, optional
        The estimated market's asset (default ETH); with files, the asset of the
        positions' rows without a symbol (their contract's tier table: ``BTCUSDT`` for
        BTC; default ETHUSDT, and a file off ETH's price scale is then refused), and a
        row of another asset is refused.
    as_of : optional
        The estimated market's date; refused with files.
    fragility : bool
        The fragility curve (shocks -20 % ... +20 %), the critical shock for
        ``total_move`` and the next-wave levels instead of one cascade.
    total_move : float, optional
        Non-zero fraction > -1, with ``fragility`` only (default -0.10).
    book_model : {"identified", "legacy"}
        Position book of the estimated market.

    Returns
    -------
    CascadeRun

    Raises
    ------
    InputError
        Naming the parameter at fault (``param=``).
    """
    from liqcascade.cascade._engine import check_shock_scale, simulate_cascade
    from liqcascade.cascade._prepare import prepare_cascade

    shocks = dict(
        zip(SHOCK_PARAMS, (shock_price, shock, shock_sell_usd, shock_buy_usd), strict=True)
    )
    _check_shock(shocks, fragility)
    check_insurance_fund(insurance_fund)
    config = _config(refill, withdrawal, mark_weight, partial_liquidation, liq_fee, max_rounds)
    if mid is not None:
        _check(math.isfinite(mid) and mid > 0, "mid", f"mid must be > 0 USD (got {mid:g})")
    if total_move is None:
        total_move = -0.10
    else:
        if not fragility:
            raise InputError(
                "total_move goes with fragility (the move the critical shock is found for); "
                "one cascade takes a shock",
                param=("total_move", "fragility"),
            )
    ok = math.isfinite(total_move) and total_move != 0 and total_move > -1
    _check(ok, "total_move", f"total_move must be a non-zero fraction > -1 (got {total_move:g})")
    ob, pos, st, state = _market(positions, stops, book, mid, asset, as_of, book_model)
    where = f"the mid of {book}" if state is None else f"the {state.asset} market's mid"
    check_shock_scale(shock_price, ob.mid, where)
    market = None if state is None else state.fingerprint()
    thr = config.partial_threshold_usd if partial_liquidation else None
    pm = prepare_cascade(ob, pos, st, partial_threshold_usd=thr)
    if not fragility:
        r = simulate_cascade(pm, **shocks, insurance_fund=insurance_fund, config=config)  # type: ignore[arg-type]
        out: dict[str, Any] = r.summary()
        if state is not None:
            out.update(market_times(state))
            out["market"] = market
        return CascadeRun("cascade", out, state)
    return CascadeRun(
        "fragility",
        _fragility(pm, pos, st, ob, insurance_fund, config, total_move, state, market),
        state,
    )


def _fragility(
    pm: Any, pos: Any, st: Any, ob: Any, fund: float, config: Any, total_move: float,
    state: Any, market: Any,
) -> dict[str, Any]:  # fmt: skip
    from liqcascade.cascade._fragility import critical_shock, fragility_curve, next_wave_levels

    fc = fragility_curve(pm, shocks=FRAGILITY_GRID, insurance_fund=fund, config=config)
    cs = critical_shock(pm, total_move=total_move, insurance_fund=fund, config=config)
    down = next_wave_levels(pos, st, ob.mid, direction="down", from_price=True)
    up = next_wave_levels(pos, st, ob.mid, direction="up", from_price=True)
    return {
        **(
            dict.fromkeys(("as_of", "bar_open", "bar_close"))
            if state is None
            else market_times(state)
        ),
        "mid": ob.mid,
        "curve": to_jsonable(fc.to_frame()),
        "critical_shock": cs.summary(),
        "next_wave_down": to_jsonable(down.to_frame()),
        "next_wave_up": to_jsonable(up.to_frame()),
        "summary": fc.summary(),
        "market": market,
    }
