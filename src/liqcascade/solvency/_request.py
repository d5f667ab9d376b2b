"""One solvency request, as ``liqcascade solvency`` makes it: checks, exchange, stress.

:func:`run_solvency_request` takes the command's options (a positions file, or the
estimated market of an asset at a date at the exchange's share of open interest),
checks them once (errors name the parameter, ``param=``), builds the
:class:`~liqcascade.solvency.Exchange` and runs :func:`~liqcascade.solvency.run_solvency`.
:class:`SolvencyRun` ``.to_dict()`` gives the JSON of ``liqcascade solvency --json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liqcascade.errors import InputError
from liqcascade.market._params import EXCHANGE_OI_SHARE

__all__ = ["ENGINES", "LIQUIDITY_CHOICES", "SolvencyRun", "run_solvency_request"]

#: Engines of :func:`run_solvency_request`.
ENGINES: tuple[str, ...] = ("auto", "cascade", "path")
#: ``liquidity`` of :func:`run_solvency_request` (auto: calibrated on the estimated
#: market, static on files).
LIQUIDITY_CHOICES: tuple[str, ...] = ("auto", "calibrated", "static")


@dataclass(frozen=True, eq=False)
class SolvencyRun:
    """The result of :func:`run_solvency_request`: the stress result and the market used."""

    result: Any
    state: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``liqcascade solvency --json`` (``market`` when estimated)."""
        out: dict[str, Any] = self.result.to_dict()
        if self.state is not None:
            out["market"] = self.state.fingerprint()
        return out


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


def _exchange_book(
    positions: Path | None, book: Path | None, asset: str, as_of: Any, oi_share: float,
    accounts_per_cohort: int, mid: float | None, book_model: str,
) -> tuple[Any, Any, float | None, Any]:  # fmt: skip
    """``(positions, order book or None, mid, state or None)``."""
    if positions is not None:
        from liqcascade.positions import read_positions

        order_book = None
        ref: float | None = mid
        if book is not None:
            from liqcascade.book import OrderBook

            order_book = OrderBook.from_file(_file(book, "book"))
            ref = order_book.mid
        where = f"the mid of {book}" if book is not None else "the mid"
        pos = read_positions(_file(positions, "positions"), reference_price=ref, reference=where)
        return pos, order_book, mid, None
    if book is not None:
        raise InputError(
            "book goes with positions (the estimated market has its own)", param=("book",)
        )
    from liqcascade.market import MarketSpec, estimated_market
    from liqcascade.solvency._market import estimated_exchange_market, split_accounts

    spec = MarketSpec(asset, as_of, share=oi_share, with_stops=False, book_model=book_model)
    state = estimated_market(spec)
    pos, order_book = estimated_exchange_market(oi_share=oi_share, state=state)
    pos = split_accounts(pos, accounts_per_cohort)
    return pos, order_book, order_book.mid if mid is None else mid, state


def run_solvency_request(
    insurance_fund: float,
    *,
    positions: Path | None = None,
    asset: str = "ETH",
    as_of: Any = None,
    oi_share: float = EXCHANGE_OI_SHARE,
    reserve_buffer: float = 0.06,
    scenarios: Sequence[Any] | None = None,
    adl_policy: str = "all",
    liq_fee: float = 0.0,
    liabilities: float | None = None,
    book: Path | None = None,
    mid: float | None = None,
    engine: str = "auto",
    accounts_per_cohort: int = 50,
    whole_positions: bool = False,
    book_model: str = "identified",
    liquidity: str = "auto",
) -> SolvencyRun:
    """Insurance-fund, reserve-buffer and ADL stress of one exchange.

    Parameters
    ----------
    insurance_fund : float
        Fund at the start, USD.
    positions, book : Path, optional
        The exchange's users' positions and its order book (files); without
        ``positions`` the exchange holds ``oi_share`` of the estimated market of
        ``asset`` at ``as_of`` (:func:`liqcascade.market.estimated_market`, no stops).
    oi_share : float
        The exchange's share of aggregated open interest (estimated market).
    reserve_buffer, liq_fee, liabilities, mid, whole_positions
        As in :class:`~liqcascade.solvency.Exchange` and
        :func:`~liqcascade.solvency.run_solvency`.
    scenarios : sequence of StressScenario, optional
        Default :func:`~liqcascade.solvency.default_scenarios`.
    adl_policy : str
        One registered ADL policy or ``"all"``.
    engine : {"auto", "cascade", "path"}
    accounts_per_cohort : int
        Accounts per estimated position (the ADL spread), estimated market only.
    book_model : {"identified", "legacy"}
        Position book of the estimated market.
    liquidity : {"auto", "calibrated", "static"}
        The cascade's liquidity (:func:`~liqcascade.solvency.run_solvency`): auto is
        the calibrated response on the estimated market (the calibration of its
        asset fitted before its date) and the static book on files; calibrated on
        files uses ``asset``'s calibration at ``as_of``.

    Returns
    -------
    SolvencyRun
    """
    from liqcascade.solvency import Exchange, run_solvency

    policies = _policies(adl_policy)
    if liquidity not in LIQUIDITY_CHOICES:
        raise InputError(
            f"liquidity must be auto, calibrated or static (got {liquidity!r})", param="liquidity"
        )
    if engine not in ENGINES:
        raise InputError(f"engine must be auto, cascade or path (got {engine!r})", param="engine")
    if not 0 <= liq_fee < 1:
        raise InputError(f"liq_fee must be in [0, 1) (got {liq_fee})", param="liq_fee")
    if mid is not None and not mid > 0:
        raise InputError(f"mid must be > 0 (got {mid})", param="mid")
    pos, order_book, mid, state = _exchange_book(
        positions, book, asset, as_of, oi_share, accounts_per_cohort, mid, book_model
    )
    ex = Exchange(
        pos,
        insurance_fund=insurance_fund,
        reserve_buffer=reserve_buffer,
        liquidation_fee=liq_fee,
        liabilities_usd=liabilities,
        mid=mid,
    )
    named = asset if state is None else state.asset
    res = run_solvency(
        ex,
        list(scenarios) if scenarios else _defaults(named),
        order_book=order_book,
        policies=policies,  # type: ignore[arg-type]
        engine=engine,  # type: ignore[arg-type]
        whole_positions=whole_positions,
        liquidity=_liquidity(liquidity, state),
        asset=asset if state is None else state.asset,
        as_of=as_of if state is None else state.close_time,
        position_draws=[] if state is None else [d.positions for d in state.draws()],
    )
    return SolvencyRun(res, state)


def _liquidity(liquidity: str, state: Any) -> str:
    if liquidity == "auto":
        return "static" if state is None else "calibrated"
    return liquidity


def _defaults(asset: str) -> list[Any]:
    """The default scenarios of ``asset``; without its bars of 2025-10-10, the shocks alone.

    A period or an asset whose hourly prices do not cover that day (data ending before
    it) still gets the fixed shocks; one warning says the recorded day is left out.
    Naming the day as a scenario keeps refusing it (exit 2, the span its prices cover).
    """
    import logging

    from liqcascade.solvency._exchange import default_scenarios

    try:
        return default_scenarios(asset)
    except InputError as exc:
        if "2025-10-10" not in str(exc):
            raise
        logging.getLogger("liqcascade.solvency").warning(
            "warning: the 2025-10-10 scenario is left out: %s", str(exc).split(": ", 1)[-1]
        )
        return [s for s in default_scenarios("ETH") if s.name != "2025-10-10"]
