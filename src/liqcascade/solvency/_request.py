"""One solvency request, as ``liqcascade solvency`` makes it: checks, exchange, stress.

:func:`run_solvency_request` takes the command's options (a positions file, or the
estimated market of an asset at a date at the exchange's share of open interest),
checks them once (errors name the parameter, ``param=``), builds the
:class:`~liqcascade.solvency.Exchange` and runs :func:`~liqcascade.solvency.run_solvency`.
:class:`SolvencyRun` ``.to_dict()`` gives the JSON of ``liqcascade solvency --json``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liqcascade._limits import check_fraction
from liqcascade._tables import EmptyFileError
from liqcascade.errors import InputError
from liqcascade.market import EXCHANGE_OI_SHARE, market_times

__all__ = [
    "ACCOUNTS_PER_COHORT", "ENGINES", "FUND_SCALES", "LIQUIDITY_CHOICES", "MAX_LIQ_FEE",
    "SolvencyRun",
    "run_solvency_request",
]  # fmt: skip

#: Engines of :func:`run_solvency_request`.
ENGINES: tuple[str, ...] = ("auto", "cascade", "path")
#: ``liquidity`` of :func:`run_solvency_request` (auto: calibrated on the estimated
#: market, static on files).
LIQUIDITY_CHOICES: tuple[str, ...] = ("auto", "calibrated", "static")
#: ``fund_scale`` of :func:`run_solvency_request`: the dollars the fund and liabilities
#: given are in (feed: the estimated book's own scale; market: converted to it).
FUND_SCALES: tuple[str, ...] = ("feed", "market")
#: Accounts each estimated position is split into (the spread of auto-deleveraging).
ACCOUNTS_PER_COHORT = 50
#: The largest liquidation fee taken, fraction of notional, excluded (5 %: venues charge
#: well under 2 %; a fee from 5 % on is a percent typed as a fraction, 0.5 for 0.5 %).
MAX_LIQ_FEE = 0.05
#: The smallest account the split keeps, USD of notional at entry (``split_accounts``'
#: ``min_notional`` default).
DUST_USD = 10.0


@dataclass(frozen=True, eq=False)
class SolvencyRun:
    """The result of :func:`run_solvency_request`: the stress result and the market used."""

    result: Any
    state: Any = None
    pre_shock: dict[str, Any] | None = None
    dust: dict[str, Any] | None = None
    fund_scale: dict[str, Any] | None = None
    asset: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``liqcascade solvency --json``.

        ``market`` when estimated, with ``dust_filter`` (:func:`dust_filter`: the
        accounts under the split's minimum notional dropped, and their notional);
        ``pre_shock_price`` (``usd`` and ``source``: the given mid, the order book's mid
        or the positions' size-weighted entry price) and ``asset`` (the positions' asset,
        whose calibration and 2025-10-10 fall the run reads) for a positions file;
        ``fund_scale`` (:func:`_fund_scale`: the dollars the fund and liabilities given
        were read in). On an estimated market ``as_of`` (the instant the market is known,
        its bar's close), ``bar_open`` and ``bar_close``
        (:func:`liqcascade.market.market_times`) before ``market``, whose ``as_of`` is
        the bar's open (its label).
        """
        out: dict[str, Any] = self.result.to_dict()
        if self.fund_scale is not None:
            out["fund_scale"] = self.fund_scale
        if self.state is not None:
            out.update(market_times(self.state, iso=True))
            out["market"] = self.state.fingerprint()
        if self.dust is not None:
            out["dust_filter"] = self.dust
        if self.pre_shock is not None:
            out["pre_shock_price"] = self.pre_shock
        if self.state is None and self.asset is not None:
            out["asset"] = self.asset
        return out


def _fund_scale(
    scale: str, state: Any, insurance_fund: float, liabilities: float | None
) -> dict[str, Any]:
    """The fund and liabilities given, on the book's scale, and the scale they were given in.

    Parameters
    ----------
    scale : {"feed", "market"}
        The dollars ``insurance_fund`` and ``liabilities`` are in: ``feed``, the estimated
        book's own (its liquidation feed's, :func:`liqcascade.market.book_units`; a
        positions file's dollars); ``market``, market dollars of the venue's own balance,
        converted by :attr:`~liqcascade.market.BookUnits.feed_per_market_usd`.
    state : MarketState or None
        The estimated market (None: a positions file, whose dollars are its own).
    insurance_fund : float
        Fund at the start, USD in ``scale``'s dollars.
    liabilities : float, optional
        Users' balances, USD in ``scale``'s dollars (None: the positions' margin).

    Returns
    -------
    dict
        ``scale`` (``"feed"``, ``"market"``, or ``"file"`` on a positions file),
        ``insurance_fund_usd`` and ``liabilities_usd`` on the book's scale (USD; None
        when not given), on the estimated market ``feed_per_market_usd`` (fraction; None
        without open interest) and ``binance_share_of_oi`` (the share of open interest
        the book's venue is taken to hold,
        :data:`~liqcascade.market.BINANCE_BOOK_SHARE`: the factor is the book's share
        of open interest over it) and, for ``market``, the amounts as given
        (``insurance_fund_market_usd``, ``liabilities_market_usd``).
    """
    from liqcascade.market import BINANCE_BOOK_SHARE, book_units

    units = None if state is None else book_units(state)
    k = math.nan if units is None else units.feed_per_market_usd
    known = math.isfinite(k) and k > 0
    out: dict[str, Any] = {
        "scale": scale if state is not None else "file",
        "insurance_fund_usd": insurance_fund,
        "liabilities_usd": liabilities,
    }
    if state is not None:
        out["feed_per_market_usd"] = k if known else None
        # the assumption the factor rests on: the book is calibrated to Binance's feed,
        # taken to hold this share of open interest (k = book share of OI / it)
        out["binance_share_of_oi"] = BINANCE_BOOK_SHARE
    if scale == "feed":
        return out
    if not known:
        raise InputError(
            "fund_scale market converts by the estimated book's share of open interest: "
            + ("a positions file's dollars are its own" if state is None
               else "the market has no open interest at the bar"),
            param=("fund_scale", "positions") if state is None else "fund_scale",
        )  # fmt: skip
    return {
        **out,
        "insurance_fund_usd": insurance_fund * k,
        "liabilities_usd": None if liabilities is None else liabilities * k,
        "insurance_fund_market_usd": insurance_fund,
        "liabilities_market_usd": liabilities,
    }


def _policies(adl_policy: str) -> tuple[str, ...]:
    from liqcascade.solvency._adl import ADL_POLICIES

    pol = adl_policy.strip().lower()
    if pol == "all":
        return tuple(ADL_POLICIES)
    if pol not in ADL_POLICIES:
        raise InputError(
            f"adl_policy must be one of {', '.join(ADL_POLICIES)} or all (got {adl_policy!r})",
            param="adl_policy",
        )
    return (pol,)


def _file(path: Path, name: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{name}: {p}: no such file", param=name)
    return p


def _check_file_options(
    positions: Path | None, asset: str | None, as_of: Any, oi_share: float | None,
    liquidity: str, book: Path | None, engine: str, estimated: dict[str, Any],
) -> None:  # fmt: skip
    """Refuse estimated-market options that a positions file would ignore."""
    if positions is None:
        return
    if oi_share is not None:
        raise InputError(
            "oi_share goes with the estimated market: a positions file is the whole exchange",
            param=("oi_share", "positions"),
        )
    for name, value in estimated.items():
        if value is not None:
            raise InputError(
                f"{name} goes with the estimated market: a positions file gives its own "
                "accounts and positions",
                param=(name, "positions"),
            )
    # asset names the file's rows without a symbol (and the calibration of liquidity
    # calibrated); as_of only selects that calibration, never the asset
    if as_of is not None and not (
        liquidity == "calibrated" and book is not None and engine != "path"
    ):
        raise InputError(
            "as_of with positions only selects the calibration of liquidity calibrated on a "
            "book; the static book (a file's default) or the path engine would ignore it",
            param=("as_of", "positions", "liquidity", "book"),
        )


def _pre_shock(
    positions: Path | None, book: Path | None, pos: Any, order_book: Any, mid: float | None
) -> dict[str, Any] | None:
    """The price before the shock of a positions file, and where it comes from.

    :func:`~liqcascade.solvency._exchange.start_price`'s: the given mid, else the order
    book's mid, else the size-weighted entry price (``source`` names which, and the
    file).
    """
    from liqcascade.solvency._exchange import start_price

    if positions is None:
        return None
    usd, kind = start_price(pos, order_book, mid)
    source = {
        "mid": "mid (given)",
        "book": f"the mid of the order book {book}",
        "entry": f"the size-weighted entry price of {positions}",
    }[kind]
    return {"usd": usd, "source": source}


def _before(pre_shock: dict[str, Any]) -> str:
    """The price before the shock as a message names it (``at the given mid 3,000.00``)."""
    source = str(pre_shock["source"])
    if source == "mid (given)":
        return "the given mid"
    return f"the price before the shock ({source.removeprefix('the ')})"


def _market_mid(
    path: Path, as_of: Any, given: str | None = None
) -> tuple[float | None, str, str | None]:
    """The mid of the file's asset's market at ``as_of``, what it is, and a note or None.

    The price every command reads positions against when none is given: the estimated
    market's mid (:func:`liqcascade.market.estimated_market`, as ``liqmap --stops`` and
    ``stops recommend``), the last hourly close by the market date (default: the
    asset's last open-interest bar). It only checks the file (a position in cents, a
    second asset); the price before the shock stays the file's own. The estimated
    book's caveats are not logged: the file is the book. An asset with no market in the
    data (none bundled or stored) is read unchecked, with a note saying so; a file with
    no rows needs no price.
    """
    from liqcascade._symbols import DEFAULT_SYMBOL
    from liqcascade.margin import contract_symbol
    from liqcascade.market import MarketSpec, estimated_market, quiet_caveats
    from liqcascade.positions import positions_asset

    try:
        asset = positions_asset(path, contract_symbol(given) if given else DEFAULT_SYMBOL)
    except EmptyFileError:  # read_given_positions refuses it, naming the parameter
        return None, "the mid", None
    if asset is None:
        return None, "the mid", None
    try:
        with quiet_caveats():
            state = estimated_market(MarketSpec(asset, as_of, with_stops=False))
    except InputError as exc:
        if "asset" not in exc.params:
            raise
        why = str(exc).split(": ", 1)[-1].split("; ")[0]
        return (
            None,
            "the mid",
            (
                f"{path}: no {asset} market to check its prices against ({why}): read unchecked; "
                "a mid price given checks them (10x from it is a unit error)"
            ),
        )
    when = state.as_of if state.close_time is None else state.close_time
    return state.mid, f"the {asset} market's mid ({when:%Y-%m-%d %H:%M} UTC)", None


def _exchange_book(
    positions: Path | None, book: Path | None, asset: str | None, as_of: Any, oi_share: float,
    accounts_per_cohort: int, mid: float | None, book_model: str,
) -> tuple[Any, Any, float | None, Any, dict[str, Any] | None]:  # fmt: skip
    """``(positions, order book or None, mid, state or None, dust filter or None)``.

    ``asset``: the one given (None: the file's own; ETH for the estimated market). A
    positions file read with one is refused where a row names another asset.
    """
    if positions is not None:
        from liqcascade.positions import read_given_positions

        order_book = None
        ref: float | None = mid
        if book is not None:
            from liqcascade.book import OrderBook, warn_depth_scale

            order_book = OrderBook.from_file(_file(book, "book"))
            warn_depth_scale(order_book, asset or "ETH", str(book))  # sizes in USD read as ETH
        # the price the run starts at checks the file: the mid given (the path engine's,
        # beside a book too), else the book's; never the book's mid when the run starts
        # at the mid given
        if ref is None and order_book is not None:
            ref = order_book.mid
        where = f"the mid of {book}" if mid is None and book is not None else "the mid"
        path = _file(positions, "positions")
        note = None
        if ref is None:  # neither book nor mid: the market's mid checks the file's unit
            ref, where, note = _market_mid(path, as_of, asset)
        # an empty or header-only file is refused naming the parameter, as cascade and
        # liqmap do; rows liquidated at their own entry are read_positions' to refuse,
        # rows beyond their liquidation price at the price before the shock the caller's
        pos = read_given_positions(
            path, reference_price=ref, reference=where, asset=asset, default_scale=True
        )
        if note is not None:  # once the file is read: a refused file prints its error alone
            import logging

            logging.getLogger("liqcascade.solvency").warning("note: %s", note)
        return pos, order_book, mid, None, None
    if book is not None:
        raise InputError(
            "book goes with positions (the estimated market has its own)", param=("book",)
        )
    if mid is not None:
        raise InputError(
            "mid goes with positions (the estimated market starts at its own order book's mid)",
            param=("mid", "positions"),
        )
    from liqcascade.market import MarketSpec, estimated_market
    from liqcascade.solvency._market import estimated_exchange_market, split_accounts

    spec = MarketSpec(
        asset or "ETH", as_of, share=oi_share, with_stops=False, book_model=book_model
    )
    state = estimated_market(spec)
    cohorts, order_book = estimated_exchange_market(oi_share=oi_share, state=state)
    pos = split_accounts(cohorts, accounts_per_cohort, min_notional=DUST_USD)
    dust = dust_filter(cohorts, pos, accounts_per_cohort)
    return pos, order_book, order_book.mid if mid is None else mid, state, dust


def dust_filter(cohorts: Any, accounts: Any, per_cohort: int) -> dict[str, Any]:
    """What :func:`~liqcascade.solvency._market.split_accounts`' dust filter dropped.

    The split makes ``per_cohort`` accounts of every cohort and keeps those of at least
    ``min_notional`` (10 USD) at entry; the split keeps each cohort's notional, so what
    the kept accounts lack is what was dropped. Logs a ``note:`` (logger
    ``liqcascade.solvency``) when it dropped any; refuses the book it empties, naming
    the filter.

    Parameters
    ----------
    cohorts, accounts : PositionBook
        The estimated cohorts and their split.
    per_cohort : int
        Accounts made per cohort.

    Returns
    -------
    dict
        ``min_notional_usd``, ``accounts_made``, ``accounts_dropped``,
        ``notional_dropped_usd`` (at entry) and ``notional_dropped_share`` (of the
        cohorts' notional).

    Raises
    ------
    InputError
        Every account dropped (``param=("oi_share", "accounts_per_cohort")``).
    """
    import logging

    import numpy as np

    made = len(cohorts) * per_cohort
    total = float(np.sum(cohorts.size * cohorts.entry_price))
    kept = float(np.sum(accounts.size * accounts.entry_price))
    dropped, lost = made - len(accounts), max(0.0, total - kept)
    share = lost / total if total > 0 else 0.0
    # a share that rounds to 0.0 % is said as under 0.1 %: 6,457 USD is not nothing
    pct = "< 0.1 %" if 0 < share < 0.0005 else f"{share * 100:.1f} %"
    what = (
        f"{dropped:,} of {made:,} accounts ({per_cohort} per estimated cohort) are under "
        f"{DUST_USD:g} USD of notional: dropped ({lost:,.0f} USD, {pct} of the notional)"
    )
    if len(accounts) == 0:
        raise InputError(
            f"the exchange has no positions: {what}; a larger oi_share or fewer "
            "accounts_per_cohort gives accounts above it",
            param=("oi_share", "accounts_per_cohort"),
        )
    if dropped:
        logging.getLogger("liqcascade.solvency").warning("note: %s", what)
    return {
        "min_notional_usd": DUST_USD, "accounts_made": made, "accounts_dropped": dropped,
        "notional_dropped_usd": lost, "notional_dropped_share": share,
    }  # fmt: skip


def run_solvency_request(
    insurance_fund: float,
    *,
    positions: Path | None = None,
    asset: str | None = None,
    as_of: Any = None,
    oi_share: float | None = None,
    reserve_buffer: float = 0.06,
    scenarios: Sequence[Any] | None = None,
    adl_policy: str = "all",
    liq_fee: float = 0.0,
    liabilities: float | None = None,
    book: Path | None = None,
    mid: float | None = None,
    engine: str = "auto",
    accounts_per_cohort: int | None = None,
    whole_positions: bool = False,
    book_model: str | None = None,
    liquidity: str = "auto",
    fund_scale: str = "feed",
    on_run: Callable[[], None] | None = None,
) -> SolvencyRun:
    """Insurance-fund, reserve-buffer and ADL stress of one exchange.

    Parameters
    ----------
    insurance_fund : float
        Fund at the start, USD in ``fund_scale``'s dollars.
    positions, book : Path, optional
        The exchange's users' positions and its order book (files); without
        ``positions`` the exchange holds ``oi_share`` of the estimated market of
        ``asset`` at ``as_of`` (:func:`liqcascade.market.estimated_market`, no stops).
    asset : str, optional
        Estimated market's asset (default ETH); with ``positions``, the asset of the
        file's rows without a symbol (their contract's tier table; default ETHUSDT, and a
        file off ETH's price scale is then refused), a row of another asset refused, and
        with ``liquidity="calibrated"`` the calibration's asset.
    as_of : datetime-like, optional
        Estimated market's date (default the last bar); with ``positions`` only with
        ``liquidity="calibrated"`` on a book (it picks the calibration), else refused.
    oi_share : float, optional
        The exchange's share of aggregated open interest (estimated market only;
        default :data:`~liqcascade.market.EXCHANGE_OI_SHARE`, 0.2).
    mid : float, optional
        Price before the shock of the path engine (USD); refused where the cascade
        engine starts at its order book's mid (the estimated market, ``book``).
    reserve_buffer, liabilities, whole_positions
        As in :class:`~liqcascade.solvency.Exchange` and
        :func:`~liqcascade.solvency.run_solvency`.
    liq_fee : float
        Liquidation fee to the fund, fraction of notional in [0, :data:`MAX_LIQ_FEE`)
        (a fee from 5 % on is refused: a percent typed as a fraction).
    scenarios : sequence of StressScenario, optional
        Default :func:`~liqcascade.solvency.default_scenarios`.
    adl_policy : str
        One registered ADL policy or ``"all"``.
    engine : {"auto", "cascade", "path"}
    accounts_per_cohort : int, optional
        Accounts per estimated position (the ADL spread), estimated market only
        (default :data:`ACCOUNTS_PER_COHORT`, 50); refused with ``positions``.
    book_model : {"identified", "legacy"}, optional
        Position book of the estimated market (default identified); refused with
        ``positions``.
    liquidity : {"auto", "calibrated", "static"}
        The cascade's liquidity (:func:`~liqcascade.solvency.run_solvency`): auto is
        the calibrated response on the estimated market (the calibration of its
        asset fitted before its date) and the static book on files; calibrated on
        files uses ``asset``'s calibration at ``as_of``.
    fund_scale : {"feed", "market"}, default "feed"
        The dollars ``insurance_fund`` and ``liabilities`` are given in
        (:func:`_fund_scale`): the book's own (feed) or market dollars, converted to the
        book's scale; market only on the estimated market.
    on_run : callable, optional
        Called after each engine run (:func:`~liqcascade.solvency.run_solvency`'s
        progress hook).

    Returns
    -------
    SolvencyRun
    """
    from liqcascade.solvency import Exchange, run_solvency
    from liqcascade.solvency._exchange import _run_asset, check_exchange_settings, scenarios_of

    policies = _policies(adl_policy)
    if fund_scale not in FUND_SCALES:
        raise InputError(
            f"fund_scale must be feed or market (got {fund_scale!r})", param="fund_scale"
        )
    if liquidity not in LIQUIDITY_CHOICES:
        raise InputError(
            f"liquidity must be auto, calibrated or static (got {liquidity!r})", param="liquidity"
        )
    if engine not in ENGINES:
        raise InputError(f"engine must be auto, cascade or path (got {engine!r})", param="engine")
    # [0, 5 %): a fee schedule's 0.5 (meaning 0.5 %) read as 50 % turned a failing
    # scenario into one the fund covers; the hint says how to give it
    check_fraction(liq_fee, "liq_fee", most=MAX_LIQ_FEE)
    # the fund, buffer and liabilities too: Exchange checks them again, on the book's scale,
    # but only once the market is built (seconds), after its notes
    check_exchange_settings(insurance_fund, reserve_buffer, liabilities)
    if mid is not None and not mid > 0:
        raise InputError(f"mid must be > 0 (got {mid})", param="mid")
    estimated = {"accounts_per_cohort": accounts_per_cohort, "book_model": book_model}
    _check_file_options(positions, asset, as_of, oi_share, liquidity, book, engine, estimated)
    if liquidity != "auto" and (engine == "path" or (positions is not None and book is None)):
        raise InputError(
            f"liquidity {liquidity} needs book (an order book) and engine cascade; without "
            "them the path engine moves price along the scenario and walks no book: leave "
            "liquidity out",
            param=("liquidity", "book", "engine"),
        )
    if mid is not None and book is not None and engine != "path":
        raise InputError(
            "mid with book: the cascade engine starts at the book's mid (mid sets the path "
            "engine's price)",
            param=("mid", "book"),
        )
    share = EXCHANGE_OI_SHARE if oi_share is None else oi_share
    per_cohort = ACCOUNTS_PER_COHORT if accounts_per_cohort is None else accounts_per_cohort
    pos, order_book, mid, state, dust = _exchange_book(
        positions, book, asset, as_of, share, per_cohort, mid,
        "identified" if book_model is None else book_model,
    )  # fmt: skip
    if engine == "auto":
        engine = "cascade" if order_book is not None else "path"
    scaled = _fund_scale(fund_scale, state, insurance_fund, liabilities)
    # one price before the shock: run_solvency's, checked there once (the file's row named)
    pre_shock = _pre_shock(positions, book, pos, order_book, mid)
    ex = Exchange(
        pos,
        insurance_fund=scaled["insurance_fund_usd"],
        reserve_buffer=reserve_buffer,
        liquidation_fee=liq_fee,
        liabilities_usd=scaled["liabilities_usd"],
        mid=mid,
    )
    # the positions' asset named as run_solvency names it (a file of one asset's several
    # contracts is that asset's, not MIXED, which has no hourly prices)
    named = _run_asset(pos, asset) if state is None else state.asset
    res = run_solvency(
        ex,
        list(scenarios) if scenarios else scenarios_of(named),
        order_book=order_book,
        policies=policies,  # type: ignore[arg-type]
        engine=engine,  # type: ignore[arg-type]
        whole_positions=whole_positions,
        liquidity=_liquidity(liquidity, state),
        asset=named,
        as_of=as_of if state is None else state.close_time,
        position_draws=[] if state is None else [d.positions for d in state.draws()],
        positions_file=None if positions is None else str(positions),
        start_reference=None if pre_shock is None else _before(pre_shock),
        find_adl_start=True,
        on_run=on_run,
    )
    return SolvencyRun(res, state, pre_shock, dust, scaled, asset=named)


def _liquidity(liquidity: str, state: Any) -> str:
    if liquidity == "auto":
        return "static" if state is None else "calibrated"
    return liquidity
