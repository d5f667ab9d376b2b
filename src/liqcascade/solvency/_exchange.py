"""Exchange stress: insurance fund, bad debt, reserve buffers and ADL over scenarios.

An exchange is its users' positions (a :class:`~liqcascade.positions.PositionBook`),
an insurance fund ``F`` (USD), reserves held as a buffer ``b`` over liabilities
(reserves ``R = L (1 + b)``) and a liquidation fee. Each scenario moves price by a
shock; liquidations draw and feed the fund with the static accounting of issue 17 (a
liquidated long gives ``(fill − bankruptcy) · size``; shortfalls draw on the opening
fund only and what it cannot pay is bad debt ``B = max(0, Σ shortfall − F)``; surpluses
and fees are credited after the event: ``fund_end = max(0, F − Σ shortfall) + Σ gain``).

Two engines:

- ``"cascade"``: liquidations walk the order book, move price, trigger more; past the
  book, what it cannot absorb closes at the price reached, with its losses. With
  ``liquidity="calibrated"`` (the default) the cascade runs through the calibrated
  liquidity response on a clock (:mod:`liqcascade.solvency._liquidity`; the index
  held at the shocked price for 24 h, the interval over the calibration's parameter
  draws) and the static book runs beside it as the upper bound; with
  ``liquidity="static"`` it is :func:`liqcascade.cascade.simulate_cascade`
  (docs/design.md's reference semantics) alone.
- ``"path"``: a gap to the shocked price ``P1 = P0 (1 + shock)`` where every triggered
  position fills at ``P1`` with no further impact — the cascade on an infinitely deep
  book (never more bad debt than the static cascade: each triggered position closes
  at ``P1``, at or better than its cascade fill, and the cascade closes at least the
  same positions).

Reserve stress: the exchange absorbs the bad debt from its reserves instead of
auto-deleveraging: ``reserves − liabilities − B`` must stay >= 0, i.e. the buffer must
be at least ``B / L`` (``min_buffer_survives``). ``reserve_ratio_end = (R − B) / L``.
Liabilities ``L`` default to the users' collateral in the book (``Σ margin``); real
liabilities also hold idle balances, so that default makes the test harder, not easier.

ADL: the alternative to using reserves: the bad debt is closed by haircuts on the
surviving profitable opposite positions at the final price, capped by the
size-weighted bankruptcy price of the positions that left the deficit, per policy
(:func:`~liqcascade.solvency.allocate_adl`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from liqcascade._crashes import OCT_2025
from liqcascade._limits import check_fraction, check_insurance_fund, check_number, real_number
from liqcascade._plotly_text import plain
from liqcascade._prices import count_text, percent_text, shock_name
from liqcascade._symbols import MIXED_SYMBOL, base_asset, check_same_asset
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, check_at_price
from liqcascade.solvency._accounts import (
    SharedExposure,
    account_labels,
    shared_accounts,
    shared_exposure,
    shared_in_run,
    warn_shared_accounts,
)
from liqcascade.solvency._adl import ADL_POLICIES, AdlPolicy, AdlResult, allocate_adl
from liqcascade.solvency._adl_start import adl_start

__all__ = [
    "DEFAULT_BUFFERS",
    "Exchange",
    "ScenarioOutcome",
    "SolvencyResult",
    "StressScenario",
    "default_scenarios",
    "october_2025_shock",
    "run_solvency",
]

DEFAULT_BUFFERS: tuple[float, ...] = (0.06, 0.10, 0.14)
Engine = Literal["auto", "cascade", "path"]
#: Liquidity models of the cascade engine.
LIQUIDITY: tuple[str, ...] = ("calibrated", "static")
#: Where the price before the shock comes from (:func:`start_price`).
StartSource = Literal["mid", "book", "entry"]
#: How a refusal at the start names each source's price.
_START_WORDS: dict[str, str] = {
    "mid": "the given mid",
    "book": "the price before the shock (the order book's mid)",
    "entry": "the price before the shock (the size-weighted entry price)",
}


def start_price(
    positions: PositionBook, order_book: Any = None, mid: float | None = None
) -> tuple[float, StartSource]:
    """The price before the shock, USD, and where it comes from.

    The one rule of :func:`run_solvency` and of ``liqcascade solvency``'s line "price
    before the shock": the given ``mid``, else the order book's mid, else the
    positions' size-weighted entry price.

    Parameters
    ----------
    positions : PositionBook
        The exchange's positions.
    order_book : OrderBook, optional
        The exchange's order book.
    mid : float, optional
        The given price before the shock, USD (:attr:`Exchange.mid`).

    Returns
    -------
    tuple of (float, {"mid", "book", "entry"})
        The price, USD, and its source.
    """
    if mid is not None:
        return float(mid), "mid"
    if order_book is not None:
        return float(order_book.mid), "book"
    weighted = np.sum(positions.entry_price * positions.size) / positions.size.sum()
    return float(weighted), "entry"


def check_start(
    positions: PositionBook,
    price: float,
    source: StartSource,
    *,
    file: str | None = None,
    reference: str | None = None,
) -> None:
    """Refuse positions that cannot hold at the price before the shock.

    :func:`~liqcascade.positions.check_at_price`: an entry price 10x off is a unit
    error; a position already beyond its liquidation price would stay open on a move
    away from it and be bad debt on any move towards it. At the size-weighted entry
    price (no mid, no book) the refusal says to give ``mid``, the price before the
    shock (``param="mid"``): a book of several entries can be sound at the market's
    price and not at their weighted mean.

    Parameters
    ----------
    positions : PositionBook
        The exchange's positions.
    price : float
        The price before the shock, USD (:func:`start_price`).
    source : {"mid", "book", "entry"}
        Where ``price`` comes from (:func:`start_price`).
    file : str, optional
        The file the positions were read from: the refusal names its row
        (``FILE: row N``); None: a book built in Python (``PositionBook: position i``).
    reference : str, optional
        What the message calls ``price``; default by ``source`` (``"the given mid"``).

    Raises
    ------
    InputError
        The first position that fails either rule.
    """
    words = _START_WORDS[source] if reference is None else reference
    weighted = source == "entry"  # the fix is the price before the shock: give mid
    check_at_price(positions.side, positions.entry_price, positions.liq_price, price,
                   file=file, reference=words,
                   liquidated_hint="give mid (the price before the shock)" if weighted else "",
                   liquidated_param="mid" if weighted else None)  # fmt: skip


@dataclass(frozen=True)
class StressScenario:
    """A price shock.

    Parameters
    ----------
    name : str
        Label.
    shock : float
        Price move, fraction (-0.10 = a 10 % fall), in (-1, inf), not 0.
    """

    name: str
    shock: float

    def __post_init__(self) -> None:
        x = self.shock
        if not np.isfinite(x):
            why = f"shock must be a finite fraction above -1 (got {x})"
        elif x <= -1:
            why = (f"shock {x:g} ({percent_text(x, 0)}) takes the price to 0 or below: a shock "
                   "must be above -1 (a fall of less than 100 %)")  # fmt: skip
        elif x == 0:
            why = "shock is 0 (nothing moves): give a non-zero shock above -1"
        else:
            return
        raise InputError(f"scenario {self.name!r}: {why}")


@dataclass(frozen=True)
class _AssetsFall(StressScenario):
    """The 2025-10-10 scenario: ``asset``'s own fall that day (``shock``).

    :func:`run_solvency` on another asset's book takes that asset's fall instead (the
    scenario is always the book's asset's own; docs/solvency.md, "Scenarios").
    """

    asset: str = "ETH"
    fall: float = math.nan
    """The fall it was made with: a copy whose ``shock`` was changed
    (``dataclasses.replace``) is the caller's own number, kept as given."""

    def for_asset(self, asset: str) -> StressScenario | None:
        """The scenario for ``asset``: this one, ``asset``'s own fall that day, or None.

        None (with a warning) when ``asset`` has no hourly bars that day, as
        :func:`scenarios_of` leaves the day out. A copy with another ``shock`` than the
        fall it was made with is the caller's number and is kept for any asset.
        """
        a = asset.upper()
        if a == self.asset or self.shock != self.fall:
            return self
        try:
            return _AssetsFall(self.name, shock := october_2025_shock(a), a, shock)
        except InputError as exc:
            _leave_out_the_day(exc)
            return None


def october_2025_shock(asset: str = "ETH", prices: pd.DataFrame | None = None) -> float:
    """An asset's 2025-10-10 intraday fall: lowest hourly low of the UTC day / its first open − 1.

    Computed from ``asset``'s own hourly bars (ETH: −21.4 %, 4,368.09 → 3,435.00; BTC:
    −16.2 %, from the bundled Binance bars; any other asset from its store's bars).

    Parameters
    ----------
    asset : str
    prices : DataFrame, optional
        ``asset``'s hourly OHLCV (USD). Default: loaded through
        :func:`liqcascade.market.bars_until` (the default store's, else the bundled).

    Raises
    ------
    InputError
        ``asset`` has no hourly bars on 2025-10-10 (names the asset and the span it has).
    """
    a = asset.upper()
    if prices is None:
        from liqcascade.data import SeriesNotFound
        from liqcascade.market import bars_until

        try:
            prices = bars_until(a, "1h")
        except SeriesNotFound:  # nobody holds them; a store that cannot be read says so itself
            raise InputError(
                f"scenario {OCT_2025.name}: no hourly prices of {a} in the store or the bundle "
                "(the scenario is the asset's own fall that day)",
                param="scenario",
            ) from None
    idx = pd.DatetimeIndex(prices.index)
    day = OCT_2025.day
    h = prices[(idx >= day) & (idx < day + pd.Timedelta(days=1))]
    if len(h) == 0:
        span = f"{idx.min():%Y-%m-%d} -> {idx.max():%Y-%m-%d}" if len(idx) else "none"
        raise InputError(
            f"scenario {OCT_2025.name}: no {a} hourly bars on {day:%Y-%m-%d} (its hourly prices: "
            f"{span}); give the shock as a number (name=-0.15)",
            param="scenario",
        )
    return float(h["low"].min() / h["open"].iloc[0] - 1.0)


def default_scenarios(
    asset: str = "ETH", prices: pd.DataFrame | None = None
) -> list[StressScenario]:
    """Shocks of -5, -10, -20, -30 %, +10, +20 % and ``asset``'s own 2025-10-10 fall.

    ``prices``: ``asset``'s hourly OHLCV (see :func:`october_2025_shock`). The last
    scenario stays the asset's own: :func:`run_solvency` on a book of another asset
    (``default_scenarios()`` passed for a BTCUSDT book) runs that asset's fall instead.

    Parameters
    ----------
    asset : str, default "ETH"
        Whose 2025-10-10 fall is the last scenario.
    prices : DataFrame, optional
        ``asset``'s hourly OHLCV, USD (see :func:`october_2025_shock`).

    Returns
    -------
    list of StressScenario
        Shocks as fractions of the price (-0.05 is a 5 % fall); the last one knows its
        asset.
    """
    out = [StressScenario(shock_name(s), s) for s in (-0.05, -0.10, -0.20, -0.30, 0.10, 0.20)]
    fall = october_2025_shock(asset, prices)
    out.append(_AssetsFall(OCT_2025.name, fall, asset.upper(), fall))
    return out


def scenarios_of(asset: str) -> list[StressScenario]:
    """The default scenarios of ``asset``; without its bars of 2025-10-10, the shocks alone.

    A period or an asset whose hourly prices do not cover that day (data ending before
    it) still gets the fixed shocks; one warning says the recorded day is left out.
    Naming the day as a scenario keeps refusing it (exit 2, the span its prices cover).

    Parameters
    ----------
    asset : str
        Whose 2025-10-10 fall is the last scenario.

    Returns
    -------
    list of StressScenario
        :func:`default_scenarios` of ``asset``, or its fixed shocks alone.
    """
    try:
        return default_scenarios(asset)
    except InputError as exc:
        _leave_out_the_day(exc)
        return [s for s in default_scenarios("ETH") if s.name != "2025-10-10"]


def _leave_out_the_day(exc: InputError) -> None:
    """Warn that the 2025-10-10 scenario is left out for ``exc``; re-raise any other error.

    ``exc`` is :func:`october_2025_shock`'s refusal of an asset without hourly bars that
    day (``param="scenario"``); any other error is the caller's and is raised.
    """
    import logging

    if "scenario" not in exc.params:
        raise exc
    logging.getLogger("liqcascade.solvency").warning(
        "warning: the 2025-10-10 scenario is left out: %s", str(exc).split(": ", 1)[-1]
    )


def check_exchange_settings(
    insurance_fund: Any, reserve_buffer: Any, liabilities_usd: Any = None
) -> tuple[float, float, float | None]:
    """An exchange's fund, reserve buffer and liabilities, checked: the one check of each.

    :class:`Exchange` applies it, and
    :func:`~liqcascade.solvency.run_solvency_request` before any work (the estimated
    market takes seconds to build: a bad value is refused before it).

    Parameters
    ----------
    insurance_fund : float
        Fund, USD: a finite number >= 0, at most 1e15
        (:func:`~liqcascade._limits.check_insurance_fund`; 1e300 and text were taken).
    reserve_buffer : float
        Reserves over liabilities, a fraction in [0, 1) (6 for 6 % is told so).
    liabilities_usd : float, optional
        Users' balances, USD: finite and > 0 (inf made every ratio of the test 0).

    Returns
    -------
    tuple of (float, float, float or None)
        The three as floats (None liabilities stay None).

    Raises
    ------
    InputError
        ``param`` the value's name (``insurance_fund``, ``reserve_buffer``,
        ``liabilities_usd``).
    """
    fund = check_insurance_fund(insurance_fund)
    # a percentage given for a fraction (6 for 6 %) is told so: the shared rule
    buffer = check_fraction(reserve_buffer, "reserve_buffer")
    if liabilities_usd is None:
        return fund, buffer, None
    liabilities = check_number(liabilities_usd, "liabilities_usd")
    if not (math.isfinite(liabilities) and liabilities > 0):
        raise InputError(
            f"liabilities_usd must be > 0 and finite (got {liabilities})",
            param="liabilities_usd",
        )
    return fund, buffer, liabilities


@dataclass(frozen=True)
class Exchange:
    """An exchange under stress.

    Parameters
    ----------
    positions : PositionBook
        Its users' positions (margins, liquidation and bankruptcy prices).
    insurance_fund : float
        Insurance fund, USD, >= 0 and at most :data:`~liqcascade._limits.MAX_USD` (1e15).
    reserve_buffer : float, default 0.06
        Extra reserves over liabilities, fraction (0.06 = 6 %), >= 0.
    liquidation_fee : float, default 0.0
        Fee paid to the fund per liquidation, fraction of notional (0.001 = 0.1 %), in
        [0, 1).
    liabilities_usd : float, optional
        Users' balances, USD; default ``Σ margin`` of the positions.
    mid : float, optional
        Price before the shock, USD; default the order book's mid, else the
        size-weighted entry price.
    """

    positions: PositionBook
    insurance_fund: float
    reserve_buffer: float = 0.06
    liquidation_fee: float = 0.0
    liabilities_usd: float | None = None
    mid: float | None = None

    def __post_init__(self) -> None:
        # each kept as the checked float (a Decimal, which the checks take, failed in the sums)
        fund, buffer, liabilities = check_exchange_settings(
            self.insurance_fund, self.reserve_buffer, self.liabilities_usd
        )
        object.__setattr__(self, "insurance_fund", fund)
        object.__setattr__(self, "reserve_buffer", buffer)
        object.__setattr__(self, "liabilities_usd", liabilities)
        # [0, 1), the rule of CascadeConfig and of both commands' liq_fee
        fee = check_fraction(self.liquidation_fee, "liquidation_fee")
        object.__setattr__(self, "liquidation_fee", fee)
        if len(self.positions) == 0:
            raise InputError("the exchange has no positions")
        m = None if self.mid is None else real_number(self.mid)
        if self.mid is not None and (m is None or not (math.isfinite(m) and m > 0)):
            # NaN ran every scenario from a NaN price
            raise InputError(f"mid must be finite and > 0 USD (got {self.mid!r})", param="mid")
        object.__setattr__(self, "mid", m)
        if self.liabilities_usd is None and not float(self.positions.margin.sum()) > 0:
            # every ratio of the test (min_buffer, reserve_ratio_end) is over L
            raise InputError(
                "the exchange's liabilities (its positions' margin) are 0 USD: give "
                "liabilities_usd",
                param="liabilities_usd",
            )

    @property
    def liabilities(self) -> float:
        """Liabilities ``L``, USD."""
        if self.liabilities_usd is not None:
            return float(self.liabilities_usd)
        return float(self.positions.margin.sum())

    @property
    def reserves(self) -> float:
        """Reserves ``L (1 + buffer)``, USD."""
        return self.liabilities * (1.0 + self.reserve_buffer)


@dataclass
class ScenarioOutcome:
    """One scenario's result.

    Attributes
    ----------
    name : str
        Scenario.
    shock : float
        Price move, fraction.
    final_price : float
        Price after the cascade, USD.
    liquidated_usd : float
        Notional liquidated, USD.
    n_liquidated : int
        Positions liquidated.
    fund_end_usd : float
        Insurance fund after the liquidations, before ADL, USD (``fund_start − the
        shortfalls it covered + the surpluses and fees``); an ADL policy's overshoot is
        credited on top of it (:meth:`fund_after_adl`).
    bad_debt_usd : float
        Deficit the fund could not cover, USD.
    min_buffer : float
        Smallest reserve buffer that absorbs the bad debt: ``B / L``.
    reserve_ratio_end : float
        ``(R − B) / L`` when the exchange absorbs the bad debt.
    survives : bool
        ``R − L − B >= 0``.
    adl : dict of str to AdlResult
        ADL allocation per policy (closing ``B`` instead).
    engine : str
        ``"cascade"`` or ``"path"``.
    book_exhausted : bool
        The cascade ran through the whole book: what it could not absorb, and every
        position whose liquidation price the exhaustion price reached, closed at that
        price, losses booked (docs/design.md, "Fills" and "Settlement").
    liquidity : str
        ``"calibrated"`` (then ``final_price`` is the furthest price reached within
        the horizon), ``"static"`` or ``"path"``.
    interval : dict, optional
        Calibrated only: ``bad_debt_p10_usd``, ``bad_debt_p90_usd``,
        ``liquidated_p10_usd``, ``liquidated_p90_usd``, ``final_price_p10``,
        ``final_price_p90`` over the calibration's parameter draws, ``n_draws``.
    static_upper_bound : dict, optional
        Calibrated only: the static book's ``final_price``, ``liquidated_usd``,
        ``n_liquidated``, ``bad_debt_usd``, ``book_exhausted``.
    shortfall_usd : float
        Σ shortfall of the liquidations that closed beyond their bankruptcy price, net
        of each one's fee, USD: what the fund is asked for (NaN: not known).
    fund_start_usd : float
        The insurance fund at the start, USD (NaN: not known).
    """

    name: str
    shock: float
    final_price: float
    liquidated_usd: float
    n_liquidated: int
    fund_end_usd: float
    bad_debt_usd: float
    min_buffer: float
    reserve_ratio_end: float
    survives: bool
    adl: dict[str, AdlResult] = field(default_factory=dict)
    engine: str = "path"
    book_exhausted: bool = False
    liquidity: str = "static"
    interval: dict[str, float] | None = None
    static_upper_bound: dict[str, Any] | None = None
    shortfall_usd: float = math.nan
    fund_start_usd: float = math.nan

    @property
    def fund_draw_usd(self) -> float:
        """What the fund paid of the shortfalls: ``min(shortfall, fund at the start)``, USD."""
        return max(0.0, min(self.shortfall_usd, self.fund_start_usd))

    @property
    def fund_covers(self) -> bool:
        """The insurance fund alone covers the shortfalls: no bad debt, no ADL needed."""
        return not self.bad_debt_usd > 0

    @property
    def buffer_covers(self) -> bool:
        """The reserve buffer covers the bad debt (``R − L − B >= 0``): :attr:`survives`."""
        return self.survives

    def fund_after_adl(self, policy: str | None) -> float:
        """The fund once ``policy``'s ADL has run: :attr:`fund_end_usd` + its overshoot, USD.

        A whole-position queue takes more than the bad debt (``overshoot_usd``): the
        surplus goes to the insurance fund (as :class:`ExchangeLedger` books it). No ADL
        (no bad debt, or ``policy`` not evaluated): :attr:`fund_end_usd`.

        Parameters
        ----------
        policy : str or None
            An ADL policy of :attr:`adl` (``"binance"``, ``"hyperliquid"``, ``"socialized"``,
            ``"optimal"``); None: no ADL.
        """
        r = self.adl.get(policy) if policy is not None else None
        return self.fund_end_usd + (r.overshoot_usd if r is not None else 0.0)

    def adl_notional(self, policy: str | None) -> float:
        """The notional ``policy``'s ADL force-closes, USD (0 without ADL).

        No ADL (no bad debt, or ``policy`` not evaluated): 0.

        Parameters
        ----------
        policy : str or None
            An ADL policy of :attr:`adl`; None: no ADL.
        """
        r = self.adl.get(policy) if policy is not None else None
        return r.notional_usd if r is not None else 0.0

    def row(self) -> dict[str, Any]:
        """The CLI's per-scenario JSON object.

        Returns
        -------
        dict
            The outcome's figures (USD, fractions) without the per-account ADL detail;
            ``fund_end_usd`` is :attr:`fund_end_usd`, the fund the liquidations left,
            before ADL (one figure whichever policy comes first), and
            ``fund_before_adl_usd`` the same figure under the name that says so (the
            fund after each policy's ADL is that policy's: :meth:`fund_after_adl`).
            ``adl_notional_usd`` is per policy, ``{policy: USD}`` over the policies
            evaluated (:meth:`adl_notional`; empty without bad debt), whatever their
            order. ``shortfall_usd`` (what the liquidations asked of the fund),
            ``fund_draw_usd`` (what it paid: ``min(shortfall, fund at the start)``) and
            ``surplus_usd`` (surpluses and fees credited after the event:
            ``fund_end_usd − fund at the start + fund_draw_usd``); ``fund_covers`` (no
            bad debt: the fund alone pays) and ``buffer_covers`` (the reserve buffer
            absorbs the bad debt; ``survives`` is its older name, kept).
        """
        return {
            "name": self.name,
            "shock": self.shock,
            "final_price": self.final_price,
            "liquidated_usd": self.liquidated_usd,
            "n_liquidated": self.n_liquidated,
            "bad_debt_usd": self.bad_debt_usd,
            "fund_end_usd": self.fund_end_usd,
            "fund_before_adl_usd": self.fund_end_usd,
            "adl_notional_usd": {p: self.adl_notional(p) for p in self.adl},
            "shortfall_usd": self.shortfall_usd,
            "fund_draw_usd": self.fund_draw_usd,
            "surplus_usd": self.fund_end_usd - self.fund_start_usd + self.fund_draw_usd,
            "reserve_ratio_end": self.reserve_ratio_end,
            "min_buffer": self.min_buffer,
            "fund_covers": self.fund_covers,
            "buffer_covers": self.buffer_covers,
            "survives": self.survives,
            "book_exhausted": self.book_exhausted,
            "liquidity": self.liquidity,
            **({"interval": self.interval} if self.interval is not None else {}),
            **(
                {"static_upper_bound": self.static_upper_bound}
                if self.static_upper_bound is not None
                else {}
            ),
        }

    def _flat_row(self, adl: dict[str, Any]) -> dict[str, Any]:
        """:meth:`row`'s figures flat, one value per key (a frame's row, the repr's figures).

        ``adl`` in the place of the per-policy ``adl_notional_usd``; the interval's own
        keys (``bad_debt_p10_usd`` ...) and the static bound's prefixed ``static_``
        (``static_bad_debt_usd`` ...) where the calibrated run has them.
        """
        out: dict[str, Any] = {}
        for k, v in self.row().items():
            if k == "adl_notional_usd":
                out.update(adl)
            elif k == "interval":
                out.update(v)
            elif k == "static_upper_bound":
                out.update({f"static_{b}": x for b, x in v.items()})
            else:
                out[k] = v
        return out

    def _figures(self) -> dict[str, Any]:
        """:meth:`_flat_row` with the ADL policies evaluated and each one's notional."""
        adl = {f"adl_notional_usd ({p})": self.adl_notional(p) for p in self.adl}
        return self._flat_row({"adl_policies": ", ".join(self.adl) or "none", **adl})

    def __repr__(self) -> str:
        """One line: the scenario's figures (the dataclass default printed every ADL result).

        The ADL allocations hold an array per position; :attr:`adl` keeps them.
        """
        from liqcascade._notebook import summary_repr

        keys = ("name", "shock", "final_price", "liquidated_usd", "n_liquidated",
                "bad_debt_usd", "fund_before_adl_usd", "min_buffer", "survives",
                "book_exhausted",
                "liquidity", "adl_policies")  # fmt: skip
        return summary_repr("ScenarioOutcome", self._figures(), keys)

    def _repr_html_(self) -> str:
        from liqcascade._notebook import summary_html

        return summary_html(f"ScenarioOutcome {self.name}", self._figures())


#: The ADL figures of the ``solvency`` JSON, per policy (beside its ``fund_end_usd``).
_ADL_JSON_KEYS = frozenset({
    "deficit_usd", "covered_usd", "n_accounts", "notional_usd", "haircut_usd", "gini",
    "overshoot_usd", "uncovered_usd", "n_eligible", "bottom_quartile_share",
    "bottom_quartile_haircut_to_equity", "max_haircut_to_equity",
})  # fmt: skip


@dataclass
class SolvencyResult:
    """Exchange stress over scenarios.

    Attributes
    ----------
    exchange : Exchange
        The exchange.
    outcomes : list of ScenarioOutcome
        One per scenario, in order.
    policies : tuple of str
        ADL policies evaluated.
    engine : str
        Engine used.
    notes : list of str
        Sentences on how to read the figures (book exhausted, calibrated liquidity).
    liquidity : str
        ``"calibrated"``, ``"static"`` or ``"path"``.
    calibration : dict or None
        Calibrated liquidity only: its ``asset``, ``as_of``, ``n_events``, ``n_draws``,
        ``latent_depth`` (dimensionless multiple of the displayed depth) and
        ``resilience_half_life_s`` (seconds).
    adl_start : dict or None
        The fall at which the fund is exhausted and ADL starts
        (:func:`~liqcascade.solvency._adl_start.adl_start`; None: not sought, or no
        fall among the scenarios).
    shared_accounts : dict of int to list of int
        Accounts holding several positions → their rows (1-based), priced position by
        position (:func:`~liqcascade.solvency._accounts.shared_accounts`).
    shared_exposure : SharedExposure or None
        Their notional at the price before the shock, its share of the book, the part
        that is a long against a short in one account, and per scenario what their
        positions make of the liquidations and the shortfall
        (:func:`~liqcascade.solvency._accounts.shared_exposure`); None when none.
    account_labels : dict of int to str
        The positions file's own ids of the shared accounts
        (:func:`~liqcascade.solvency._accounts.account_labels`), which name them in the
        JSON's ``shared_accounts`` and the warning; empty for a book built in Python.
    """

    exchange: Exchange
    outcomes: list[ScenarioOutcome]
    policies: tuple[str, ...]
    engine: str
    notes: list[str] = field(default_factory=list)
    liquidity: str = "static"
    calibration: dict[str, Any] | None = None
    adl_start: dict[str, Any] | None = None
    shared_accounts: dict[int, list[int]] = field(default_factory=dict)
    shared_exposure: SharedExposure | None = None
    account_labels: dict[int, str] = field(default_factory=dict)

    @property
    def worst(self) -> ScenarioOutcome:
        """The scenario with the largest bad debt."""
        return max(self.outcomes, key=lambda o: o.bad_debt_usd)

    @property
    def adl_outcome(self) -> ScenarioOutcome:
        """The scenario shown for ADL: the worst one (:attr:`worst`, the largest bad debt).

        Not the largest bad debt ADL could close in full (where the policies differ),
        which would pass over a scenario with 28x the bad debt for a milder one: the
        worst is the one a risk team asks about (where ADL cannot close it, every
        policy takes all the winners can give, and the command says so under the
        table).
        """
        return self.worst

    def min_buffer_survives(self) -> dict[str, float]:
        """Per scenario, the smallest buffer (fraction of liabilities) that survives."""
        return {o.name: o.min_buffer for o in self.outcomes}

    def breaks(self, buffers: tuple[float, ...] = DEFAULT_BUFFERS) -> dict[str, list[str]]:
        """Per buffer (as ``"6%"``), the scenarios whose bad debt exceeds it.

        Parameters
        ----------
        buffers : tuple of float, default (0.06, 0.10, 0.14)
            Reserve buffers, fractions of liabilities (0.06 is 6 %).

        Returns
        -------
        dict of str to list of str
            Buffer as a percent label -> names of the scenarios it does not cover.
        """
        return {f"{b:.0%}": [o.name for o in self.outcomes if o.min_buffer > b] for b in buffers}

    def adl_table(self) -> pd.DataFrame:
        """ADL policies side by side on :attr:`adl_outcome`."""
        w = self.adl_outcome
        rows = [r.summary() for r in w.adl.values()]
        return pd.DataFrame(rows).set_index("policy") if rows else pd.DataFrame()

    def to_frame(self) -> pd.DataFrame:
        """One row per scenario: :meth:`ScenarioOutcome.row`'s figures.

        The ADL notional is one column per policy evaluated,
        ``adl_notional_usd_<policy>`` (USD; 0 where the scenario left no bad debt to
        deleverage: :meth:`ScenarioOutcome.adl_notional`), in the place of the JSON
        row's ``{policy: USD}``. A calibrated run's interval and static bound are plain
        columns too, as the outcome's repr names them: the interval's own keys
        (``bad_debt_p10_usd``, ``bad_debt_p90_usd``, ``liquidated_p10_usd``,
        ``liquidated_p90_usd``, ``final_price_p10``, ``final_price_p90`` in USD,
        ``n_draws``, ``n_book_draws``) and the static book's figures prefixed
        ``static_`` (``static_final_price``, ``static_liquidated_usd``,
        ``static_n_liquidated``, ``static_bad_debt_usd``, ``static_book_exhausted``,
        ``static_n_books``); the JSON row keeps both dicts.
        """
        return pd.DataFrame(
            [
                o._flat_row({f"adl_notional_usd_{p}": o.adl_notional(p) for p in self.policies})
                for o in self.outcomes
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``liqcascade solvency --json`` object (ADL on :attr:`adl_outcome`)."""
        w = self.adl_outcome
        return {
            "engine": self.engine,
            "liquidity": self.liquidity,
            **({"calibration": self.calibration} if self.calibration is not None else {}),
            "insurance_fund_usd": self.exchange.insurance_fund,
            "reserve_buffer": self.exchange.reserve_buffer,
            "liabilities_usd": self.exchange.liabilities,
            "reserves_usd": self.exchange.reserves,
            "n_positions": len(self.exchange.positions),
            "scenarios": [o.row() for o in self.outcomes],
            "min_buffer_survives": self.min_buffer_survives(),
            "breaks": self.breaks(),
            "adl_scenario": w.name,
            "adl_scenario_rule": "the scenario with the largest bad debt",
            "adl": {
                p: {
                    "fund_end_usd": w.fund_after_adl(p),
                    **{k: v for k, v in r.summary().items() if k in _ADL_JSON_KEYS},
                }
                for p, r in w.adl.items()
            },
            "adl_start": self.adl_start,
            "shared_accounts": {
                self.account_labels.get(a, str(a)): rows for a, rows in self.shared_accounts.items()
            },
            "shared_accounts_exposure": (
                None if self.shared_exposure is None else self.shared_exposure.to_dict()
            ),
            "notes": self.notes,
        }

    def summary(self) -> dict[str, Any]:
        """Alias of :meth:`to_dict`."""
        return self.to_dict()

    def plot(self) -> Any:
        """Bar chart: bad debt per scenario against the 6/10/14 % buffers (plotly)."""
        import plotly.graph_objects as go

        df = self.to_frame()
        L = self.exchange.liabilities
        fig = go.Figure(
            go.Bar(
                x=[plain(n) for n in df["name"]],
                y=df["bad_debt_usd"] / 1e6,
                name="bad debt after the fund",
            )
        )
        for b, col in zip(DEFAULT_BUFFERS, ("#27ae60", "#f39c12", "#c0392b"), strict=True):
            fig.add_hline(
                y=b * L / 1e6,
                line_dash="dash",
                line_color=col,
                annotation_text=f"{percent_text(b, 0)} buffer",
            )
        fig.update_layout(
            title="Bad debt per scenario against reserve buffers",
            yaxis_title="million USD",
            height=420,
        )
        return fig

    def __repr__(self) -> str:
        """One line: the exchange's size, the worst scenario and its bad debt.

        The dataclass default printed the whole exchange (every position's arrays).
        """
        from liqcascade._notebook import summary_repr

        w = self.worst
        return summary_repr(
            "SolvencyResult",
            {
                "engine": self.engine,
                "liquidity": self.liquidity,
                "n_positions": len(self.exchange.positions),
                "liabilities_usd": self.exchange.liabilities,
                "insurance_fund_usd": self.exchange.insurance_fund,
                "reserve_buffer": self.exchange.reserve_buffer,
                "n_scenarios": len(self.outcomes),
                "worst": w.name,
                "worst_bad_debt_usd": w.bad_debt_usd,
                "worst_min_buffer": w.min_buffer,
            },
        )

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


# ---------------------------------------------------------------------------- engines
class _Run(NamedTuple):
    final_price: float
    fund: float
    bad_debt: float
    n_liquidated: int
    liquidated_usd: float
    mask: np.ndarray
    fill: np.ndarray
    book_exhausted: bool
    shortfall: float = 0.0


def _path_outcome(pos: PositionBook, p0: float, shock: float, fund0: float, fee: float) -> _Run:
    """Gap to ``P1``; every triggered position fills at ``P1``."""
    p1 = p0 * (1.0 + shock)
    if shock < 0:
        trig = (pos.side == 1) & (pos.liq_price >= p1)
        contrib = (p1 - pos.bankruptcy_price) * pos.size
    else:
        trig = (pos.side == -1) & (pos.liq_price <= p1)
        contrib = (pos.bankruptcy_price - p1) * pos.size
    notional = pos.size[trig] * p1
    c = contrib[trig]
    c = c + fee * notional  # the fee is part of each position's result, as in the cascade
    gains = float(c[c > 0].sum())
    shortfall = float((-c[c < 0]).sum())  # 0.0, never -0.0, when none
    # shortfalls draw on the opening fund only; gains are credited after (issue 17)
    bad = max(0.0, shortfall - fund0)
    fund = max(0.0, fund0 - shortfall) + gains
    fill = np.full(len(pos), p1)
    return _Run(p1, fund, bad, int(trig.sum()), float(notional.sum()), trig, fill, False, shortfall)


def _cascade_outcome(
    pos: PositionBook, order_book: Any, shock: float, fund0: float, fee: float
) -> _Run:
    from liqcascade.cascade import CascadeConfig, PreparedMarket, simulate_cascade

    res = simulate_cascade(
        order_book,
        None if isinstance(order_book, PreparedMarket) else pos,
        None,
        shock=shock,
        insurance_fund=fund0,
        config=CascadeConfig(liquidation_fee=fee),
    )
    mask = np.asarray(res.liquidated_mask, dtype=bool)
    # per-position close price: the book's fills, and the exhaustion price for what the
    # book could not absorb (docs/design.md, "Fills" and "Settlement")
    close = res.position_outcomes()["close_price"].to_numpy(dtype=np.float64)
    fill = np.where(np.isfinite(close), close, float(res.final_price))
    return _Run(
        float(res.final_price),
        float(res.insurance_fund_end),
        float(res.bad_debt_usd),
        int(res.n_liquidated),
        float(res.liquidated_long_usd + res.liquidated_short_usd),
        mask,
        fill,
        bool(res.book_exhausted),
        float(res.shortfall_usd),
    )


def _loss_bankruptcy_price(
    pos: PositionBook, mask: np.ndarray, fill: np.ndarray, down: bool, final: float
) -> float:
    """Size-weighted bankruptcy price of the liquidated positions that filled beyond it."""
    if down:
        bust = mask & (pos.side == 1) & (pos.bankruptcy_price > fill)
    else:
        bust = mask & (pos.side == -1) & (pos.bankruptcy_price < fill)
    if not bust.any():
        return final
    w = pos.size[bust]
    return float(np.sum(pos.bankruptcy_price[bust] * w) / w.sum())


def run_solvency(
    exchange: Exchange,
    scenarios: list[StressScenario] | None = None,
    *,
    order_book: Any = None,
    policies: tuple[AdlPolicy, ...] | list[AdlPolicy] = ADL_POLICIES,
    engine: Engine = "auto",
    whole_positions: bool = False,
    liquidity: str = "calibrated",
    calibration: Any = None,
    asset: str | None = None,
    as_of: Any = None,
    position_draws: Sequence[PositionBook] = (),
    positions_file: str | None = None,
    start_reference: str | None = None,
    find_adl_start: bool = False,
    on_run: Callable[[], None] | None = None,
) -> SolvencyResult:
    """Stress an exchange over scenarios: fund, bad debt, reserve buffer, ADL per policy.

    Parameters
    ----------
    exchange : Exchange
        Positions, fund, buffer, fee.
    scenarios : list of StressScenario, optional
        Default :func:`default_scenarios` of ``asset`` (its own 2025-10-10 fall; left
        out with a warning when its prices do not cover that day).
    order_book : OrderBook, optional
        The exchange's order book, for the ``"cascade"`` engine.
    policies : sequence of str
        ADL policies to evaluate (default all four).
    engine : {"auto", "cascade", "path"}
        ``"auto"``: the cascade when an order book is given, else the path.
    whole_positions : bool, default False
        Queue policies close whole positions (see :func:`allocate_adl`).
    liquidity : {"calibrated", "static"}
        The cascade engine's liquidity: the calibrated response (default; figures
        from the calibration's central parameters, ``interval`` over its draws, the
        static book beside it as ``static_upper_bound``) or the static book
        (docs/design.md's reference semantics, the upper bound). Ignored by ``"path"``.
    calibration : Calibration, optional
        The liquidity calibration; default
        ``liqcascade.cascade.load_liquidity(asset, as_of)`` (pass the market's date
        so the calibration is fitted before it; default: the latest).
    asset : str, optional
        The asset whose calibration (when ``calibration`` is not given), default
        scenarios and 2025-10-10 fall (of :func:`default_scenarios` of any asset) are
        used; default the positions' own (the base of ``exchange.positions.symbol``:
        ``BTCUSDT`` gives BTC). An asset other than the positions' own is refused, but
        for positions of the default symbol (``ETHUSDT``: a file without a symbol) or
        of several (``"mixed"``).
    as_of : datetime-like, optional
        Selects the shipped calibration fitted before it when ``calibration`` is not
        given.
    position_draws : sequence of PositionBook, optional
        The exchange's positions under each of the position book's parameter draws
        (:meth:`liqcascade.market.MarketState.draws`, sized as ``exchange``'s). With the
        calibrated liquidity the ``interval`` then spans every pair of a liquidity draw
        and a book draw, and ``static_upper_bound`` is the extreme of the static runs on
        the central book and every draw (deepest price, most liquidated, most bad debt).
    positions_file, start_reference : str, optional
        The file ``exchange.positions`` was read from and what the price before the
        shock is called (``"the mid of the order book book.csv"``), for the one check
        at the start (:func:`check_start`): the price before the shock is
        :func:`start_price`'s (``exchange.mid``, else the order book's mid, else the
        size-weighted entry price) and a position already beyond its liquidation price
        there is refused, naming the file's row when ``positions_file`` is given.
    find_adl_start : bool, default False
        Also find the fall at which the fund is exhausted and ADL starts
        (:func:`~liqcascade.solvency._adl_start.adl_start`: a bisection over the shock
        on the same engine, a few more runs; ``SolvencyResult.adl_start``).
    on_run : callable, optional
        Called after each engine run (a scenario, a bisection step): a progress hook.

    Accounts holding several positions are priced position by position (isolated
    margin, no netting): a ``warning:`` names them (and the file's rows), and ADL
    never haircuts an account to pay its own shortfall.

    Returns
    -------
    SolvencyResult

    Raises
    ------
    InputError
        ``asset`` is not the positions' own (named both), among others.
    """
    asset = _run_asset(exchange.positions, asset)
    if scenarios is None:
        scenarios = scenarios_of(asset)
    if not scenarios:
        raise InputError("scenarios must not be empty", param="scenarios")
    scenarios = [
        t
        for t in (s.for_asset(asset) if isinstance(s, _AssetsFall) else s for s in scenarios)
        if t is not None
    ]
    if not scenarios:
        raise InputError(
            f"scenarios: the one scenario given, 2025-10-10, has no {asset} bars that day",
            param="scenarios",
        )
    for p in policies:
        if p not in ADL_POLICIES:
            raise InputError(
                f"policies must be among {', '.join(ADL_POLICIES)} (got {p!r})", param="policies"
            )
    if engine == "auto":
        engine = "cascade" if order_book is not None else "path"
    if engine == "cascade" and order_book is None:
        raise InputError(
            "engine cascade needs an order book: give order_book too, or use the path engine",
            param=("engine", "order_book"),
        )
    if liquidity not in LIQUIDITY:
        raise InputError(
            f"liquidity must be calibrated or static (got {liquidity!r})", param="liquidity"
        )
    pos = exchange.positions
    # a position already beyond its liquidation price at p0: refused, as stress does
    p0, source = start_price(pos, order_book, exchange.mid)
    check_start(pos, p0, source, file=positions_file, reference=start_reference)
    # the file's own ids name its shared accounts (read again only when there are some)
    labels = account_labels(pos, positions_file) if shared_accounts(pos) else {}
    shared = warn_shared_accounts(pos, positions_file, p0, labels)
    exposure = shared_exposure(pos, p0) if shared else None
    calibrated = engine == "cascade" and liquidity == "calibrated"
    pm = cal = None
    if calibrated:
        from liqcascade.cascade import load_liquidity, prepare_cascade

        cal = calibration if calibration is not None else load_liquidity(asset, as_of)
        pm = prepare_cascade(order_book, exchange.positions)
        books = [prepare_cascade(order_book, p) for p in position_draws]
    L = exchange.liabilities
    R = exchange.reserves
    outcomes: list[ScenarioOutcome] = []
    tick = on_run if on_run is not None else (lambda: None)
    for sc in scenarios:
        interval = upper = None
        if calibrated:
            run, interval, upper = _calibrated_outcome(
                pos, pm, cal, sc.shock, exchange.insurance_fund, exchange.liquidation_fee, books
            )
        elif engine == "cascade":
            run = _cascade_outcome(
                pos, order_book, sc.shock, exchange.insurance_fund, exchange.liquidation_fee
            )
        else:
            run = _path_outcome(
                pos, p0, sc.shock, exchange.insurance_fund, exchange.liquidation_fee
            )
        tick()
        fp, fund, bad, n_liq, liq_usd, mask, fill, exhausted, short = run
        down = sc.shock < 0
        if exposure is not None:  # what netting the shared accounts could change
            fee = exchange.liquidation_fee
            exposure.scenarios[sc.name] = shared_in_run(pos, mask, fill, down, fee)
        adl: dict[str, AdlResult] = {}
        if bad > 0:
            # an account never pays its own shortfall: ADL haircuts other accounts only
            alive = ~mask & ~np.isin(pos.account, pos.account[mask])
            pb = _loss_bankruptcy_price(pos, mask, fill, down, fp)
            for pol in policies:
                adl[pol] = allocate_adl(
                    pol,
                    side=pos.side[alive],
                    size=pos.size[alive],
                    entry_price=pos.entry_price[alive],
                    margin=pos.margin[alive],
                    mark_price=fp,
                    deficit=bad,
                    loss_side=1 if down else -1,
                    bankruptcy_price=pb,
                    account=pos.account[alive],
                    whole_positions=whole_positions,
                )
        outcomes.append(
            ScenarioOutcome(
                name=sc.name,
                shock=sc.shock,
                final_price=fp,
                liquidated_usd=liq_usd,
                n_liquidated=n_liq,
                fund_end_usd=fund,
                bad_debt_usd=bad,
                min_buffer=bad / L,
                reserve_ratio_end=(R - bad) / L,
                survives=R - L - bad >= 0,
                adl=adl,
                engine=engine,
                book_exhausted=exhausted,
                liquidity=("calibrated" if calibrated else "static")
                if engine == "cascade"
                else "path",
                interval=interval,
                static_upper_bound=upper,
                shortfall_usd=short,
                fund_start_usd=exchange.insurance_fund,
            )
        )
    notes = []
    ex_names = [o.name for o in outcomes if o.book_exhausted]
    if ex_names:
        notes.append(
            "the order book ran out in " + ", ".join(ex_names) + ": what it could not "
            "absorb, and every position the price reached, closed at the price reached "
            "(the venue's backstop), losses and bad debt included"
        )
    if exposure is not None:
        notes.append(_shared_note(exposure, outcomes))
    start = None
    if find_adl_start:

        def evaluate(shock: float) -> tuple[float, float, float]:
            fund0, fee = exchange.insurance_fund, exchange.liquidation_fee
            if pm is not None and cal is not None:  # the calibrated engine
                from liqcascade.solvency._liquidity import calibrated_exchange_run

                c = calibrated_exchange_run(pm, shock, cal, fund0, fee, books=books)
                tick()
                return c.bad_debt, c.bad_debt_p10, c.bad_debt_p90
            if engine == "cascade":
                b = _cascade_outcome(pos, order_book, shock, fund0, fee).bad_debt
            else:
                b = _path_outcome(pos, p0, shock, fund0, fee).bad_debt
            tick()
            return b, b, b

        start = adl_start(evaluate, [(o.shock, _bad_debts(o)) for o in outcomes])
    liq = ("calibrated" if calibrated else "static") if engine == "cascade" else "path"
    cal_d = None
    if cal is not None:
        notes.append(
            "calibrated liquidity response: the index held at each scenario's price for "
            "24 h while the book responds; figures from the central parameters, interval "
            "over the calibration's draws; the static book is the upper bound"
        )
        cal_d = {
            "asset": cal.asset,
            "as_of": None if cal.as_of is None else cal.as_of.isoformat(),
            "n_events": cal.n_events,
            "n_draws": len(cal.draws),
            "latent_depth": cal.params.latent_depth,
            "resilience_half_life_s": cal.params.resilience_half_life_s,
        }
    return SolvencyResult(
        exchange, outcomes, tuple(policies), engine, notes, liquidity=liq, calibration=cal_d,
        adl_start=start, shared_accounts=shared, shared_exposure=exposure,
        account_labels={a: labels[a] for a in shared if a in labels},
    )  # fmt: skip


def _shared_note(exposure: SharedExposure, outcomes: list[ScenarioOutcome]) -> str:
    """The result's note on the accounts holding several positions, with their weight.

    Their share of the book's notional, and of the worst scenario's liquidations and
    shortfall (what netting the accounts could change).
    """
    head = (
        f"{count_text(exposure.n_accounts, 'account')} holding several positions: priced "
        "position by position (isolated margin, not netted); ADL haircuts no account for "
        f"its own shortfall; {exposure.text()}"
    )
    worst = max(outcomes, key=lambda o: o.bad_debt_usd, default=None)
    if worst is None:
        return head
    mine = exposure.scenarios[worst.name]
    return (
        f"{head}; in scenario {worst.name} (the largest bad debt) their positions make "
        f"{mine['liquidated_usd']:,.0f} of the {worst.liquidated_usd:,.0f} USD liquidated "
        f"and {mine['shortfall_usd']:,.0f} of the {worst.shortfall_usd:,.0f} USD shortfall, "
        "which netting the accounts could change"
    )


def _bad_debts(o: ScenarioOutcome) -> tuple[float, float, float]:
    """A scenario's bad debt, its p10 and p90 (the central figure thrice without a range)."""
    iv = o.interval or {}
    b = o.bad_debt_usd
    return b, iv.get("bad_debt_p10_usd", b), iv.get("bad_debt_p90_usd", b)


def _run_asset(pos: PositionBook, asset: str | None) -> str:
    """The run's asset: ``asset``, else the positions' own; another asset than theirs refused.

    Positions of the default symbol (a file without one reads as ``ETHUSDT``) take any.
    Those of several assets (:data:`~liqcascade._symbols.MIXED_SYMBOL`,
    :func:`~liqcascade.positions.read_positions`) are refused, with or without ``asset``
    (``param="asset"``): one price moves one asset's positions. A file of one asset's
    several contracts (``ETHUSDT`` and ``ETH`` rows) reads as that asset's book (symbol
    ``ETH``): checked as any other.
    """
    if str(pos.symbol).strip().lower() == MIXED_SYMBOL:
        raise InputError(
            "the positions hold several assets' symbols (mixed): one price moves one asset's "
            "positions; split them by asset",
            param="asset",
        )
    own = base_asset(pos.symbol)
    if asset is None:
        return own
    check_same_asset(asset, pos.symbol, param="asset", what="asset",
                     hint=f": leave asset out, or give {own}")  # fmt: skip
    return str(asset).strip().upper()


def _calibrated_outcome(
    pos: PositionBook, pm: Any, cal: Any, shock: float, fund0: float, fee: float,
    books: Sequence[Any] = (),
) -> tuple[_Run, dict[str, float], dict[str, Any]]:  # fmt: skip
    """A scenario through the calibrated response, its interval and the static upper bound."""
    from liqcascade.solvency._liquidity import calibrated_exchange_run

    c = calibrated_exchange_run(pm, shock, cal, fund0, fee, books=books)
    st = _cascade_outcome(pos, pm, shock, fund0, fee)
    others = [_cascade_outcome(b.positions, b, shock, fund0, fee) for b in books]
    run = _Run(
        c.final_price, c.fund, c.bad_debt, c.n_liquidated, c.liquidated_usd, c.mask, c.fill,
        c.book_exhausted, c.shortfall,
    )  # fmt: skip
    interval = {
        "bad_debt_p10_usd": c.bad_debt_p10,
        "bad_debt_p90_usd": c.bad_debt_p90,
        "liquidated_p10_usd": c.liquidated_p10,
        "liquidated_p90_usd": c.liquidated_p90,
        "final_price_p10": c.final_price_p10,
        "final_price_p90": c.final_price_p90,
        "n_draws": c.n_draws,
        "n_book_draws": c.n_book_draws,
    }
    every = [st, *others]
    deep = min if shock < 0 else max
    upper = {
        "final_price": deep(r.final_price for r in every),
        "liquidated_usd": max(r.liquidated_usd for r in every),
        "n_liquidated": st.n_liquidated,
        "bad_debt_usd": max(r.bad_debt for r in every),
        "book_exhausted": any(r.book_exhausted for r in every),
        "n_books": len(every),
    }
    return run, interval, upper
