"""The result of a multi-venue cascade."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._prices import percent_text
from liqcascade._tables import records_frame
from liqcascade.errors import InputError

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["ContagionResult", "VenueOutcome"]

#: Relative shortfall within which a static figure still counts as bounding the
#: calibrated one: a millionth (a dollar in a million), far above float noise. The
#: lending debts owed in BTC or ETH are repaid at the prices each run reaches, so the
#: same accounts liquidated on two paths differ by fractions of a cent.
BOUND_RTOL = 1e-6


@dataclass(frozen=True)
class VenueOutcome:
    """One venue at the end of a multi-venue cascade (prices and notionals in USD).

    ``rounds`` counts the rounds in which something triggered on this venue (the
    single-venue engine's ``rounds``; on the clock, the rounds in which it sent orders
    to the book); ``arb_net_base`` is the base bought by arbitrage on it (negative:
    sold). On the clock (``liquidity="calibrated"``) ``liquidated_base`` is the base of
    the positions closed (the queue's released pieces and the settlement),
    ``queue_left_base`` the base still in the venue's liquidation queue when the loop
    ended and ``queue_peak_usd`` the most the queue held (USD at the venue's price);
    the three are 0 on the static books.

    Attributes
    ----------
    name : str
        The venue.
    initial_price, final_price : float
        Mid before the shock and last trade price when the loop ended, USD.
    liquidated_usd : float
        Liquidated notional closed on the venue, USD (as the single-venue
        :class:`~liqcascade.cascade.CascadeResult`'s, both sides).
    stops_usd : float
        Stop notional closed, USD.
    n_liquidated, n_stops : int
        Positions and stops closed.
    rounds : int
        Rounds in which something triggered on this venue (see above).
    insurance_fund_end : float
        The venue's insurance fund at the end, USD.
    bad_debt_usd : float
        The shortfall the fund could not cover, USD.
    book_exhausted : bool
        The venue's moving side of the book ran out.
    unfilled_base : float
        Base-asset units closed at the exhaustion price (0 when the book lasted).
    arb_net_base : float
        Base-asset units bought by arbitrage on this venue, net (negative: sold).
    liquidated_base : float, default 0.0
        On the clock: base-asset units of the positions closed.
    queue_left_base : float, default 0.0
        On the clock: base-asset units still queued for liquidation at the end.
    queue_peak_usd : float, default 0.0
        On the clock: the most the liquidation queue held, USD at the venue's price.
    """

    name: str
    initial_price: float
    final_price: float
    liquidated_usd: float
    stops_usd: float
    n_liquidated: int
    n_stops: int
    rounds: int
    insurance_fund_end: float
    bad_debt_usd: float
    book_exhausted: bool
    unfilled_base: float
    arb_net_base: float
    liquidated_base: float = 0.0
    queue_left_base: float = 0.0
    queue_peak_usd: float = 0.0

    @property
    def move(self) -> float:
        """Final price over initial, minus one (fraction)."""
        return self.final_price / self.initial_price - 1.0


@dataclass(frozen=True, eq=False)
class ContagionResult(SummaryDict):
    """A cascade across venues and lending markets.

    Attributes
    ----------
    venues : dict of str to VenueOutcome
    defi : dict of str to dict
        Per lending market: ``liquidated_usd`` (collateral seized, USD at the oracle
        price), ``debt_repaid_usd``, ``bad_debt_usd``, counts, ``final_oracle_price``
        (the oracle's last push, the mean or median of its source venues, USD),
        ``final_collateral_price`` and ``initial_collateral_price`` (USD),
        ``n_oracle_updates`` and ``price_floor_hit`` (the collateral price's formula
        reached zero and was held at 1e-12 USD); the run's lowest collateral price
        ``lowest_collateral_price`` (USD), the oracle's push then ``lowest_oracle_price``,
        its ``lowest_round`` (0: the start) and ``lowest_t_s`` (seconds from the shock on
        the clock, else None), and ``liquidation_price_range`` (``[low, high]`` of the
        collateral prices at which accounts were liquidated, USD; None when none was):
        :func:`~liqcascade.contagion._engine.lowest_collateral`.
    shock_venue : str
    direction : {"down", "up"}
    rounds : int
        Last round in which anything happened (a trigger, a trade, an oracle update).
    rounds_to_spread : int or None
        First round with a liquidation outside the shocked venue (a venue or a
        lending market); None if the cascade never left it.
    hit_max_rounds : bool
    clock : dict or None
        On the calibrated response's clock: ``round_s`` (seconds per round),
        ``elapsed_s`` (time of the last active round), ``index`` (what the mark is
        anchored to) and ``mechanisms`` (the parameters carried); None on the static
        books.
    liquidity : {"static", "calibrated"}, default "static"
        The liquidity model the figures come from: ``"calibrated"`` when they ran on
        the calibrated response's clock (:func:`simulate_contagion` given
        ``liquidity``; ``clock`` is then set), ``"static"`` on the displayed books.
    interval : dict of str to float, optional
        Calibrated only: 10th and 90th percentiles over the calibration's bootstrap
        draws (``<figure>_p10``, ``<figure>_p90``) of ``cex_liquidated_usd`` and
        ``defi_liquidated_usd`` (USD) and each venue's ``<venue>_move`` (fraction),
        plus ``n_draws``.
    static_upper_bound : dict of str to float, optional
        Calibrated only: the same figures on the static displayed books (no
        response), USD and fractions. Usually above the calibrated figures, not always
        (:meth:`static_bound`).
    static_venues : dict of str to VenueOutcome, optional
        Calibrated only: each venue's outcome on the static books (what
        :meth:`static_bound` reads).
    calibration : dict, optional
        Calibrated only: the calibration used (``asset``, ``as_of`` ISO UTC,
        ``latent_depth``, ``visible_distance``, ``n_draws``, ``carried``).
    scope : {"venue", "market"}, default "venue"
        Where the first shock landed: ``shock_venue`` alone, or every venue by the same
        relative move (then every venue is shocked: ``contagion_share`` and
        ``rounds_to_spread`` still measure from ``shock_venue``, whose mid the shock
        was read on, and say little about spreading).
    """

    venues: dict[str, VenueOutcome]
    defi: dict[str, dict[str, Any]]
    shock_venue: str
    direction: str
    rounds: int
    rounds_to_spread: int | None
    hit_max_rounds: bool
    _rows: list[dict[str, Any]] = field(repr=False, default_factory=list)
    _lending_rows: list[dict[str, Any]] = field(repr=False, default_factory=list)
    _flows: list[dict[str, Any]] = field(repr=False, default_factory=list)
    _accounts: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)
    liquidity: str = "static"
    interval: dict[str, float] | None = None
    static_upper_bound: dict[str, float] | None = None
    static_venues: dict[str, VenueOutcome] | None = None
    calibration: dict[str, Any] | None = None
    clock: dict[str, Any] | None = None
    scope: str = "venue"

    @property
    def cex_liquidated_usd(self) -> float:
        """Liquidated notional on all venues, USD."""
        return sum(v.liquidated_usd for v in self.venues.values())

    @property
    def defi_liquidated_usd(self) -> float:
        """Collateral seized in all lending markets, USD."""
        return float(sum(d["liquidated_usd"] for d in self.defi.values()))

    @property
    def defi_bad_debt_usd(self) -> float:
        """Bad debt (deficit) left in the lending markets, USD."""
        return float(sum(d["bad_debt_usd"] for d in self.defi.values()))

    @property
    def contagion_share(self) -> float:
        """Share of all liquidations (venues + lending, USD) outside the shocked venue.

        0 when nothing was liquidated.
        """
        total = self.cex_liquidated_usd + self.defi_liquidated_usd
        if total <= 0:
            return 0.0
        return (total - self.venues[self.shock_venue].liquidated_usd) / total

    def share_on_market_dollars(self, feed_per_market_usd: Mapping[str, float]) -> float:
        """:attr:`contagion_share` with every venue's liquidations in market dollars.

        A venue whose positions are the estimated book counts its liquidations in its
        liquidation feed's dollars (Binance-feed dollars: a fraction of the market's);
        a positions file's venue and the lending markets count real dollars. Dividing
        the first by their feed dollars per market dollar puts every term on one scale.

        Parameters
        ----------
        feed_per_market_usd : mapping of str to float
            Venue name -> its book (feed) dollars per market dollar (fraction,
            :attr:`ContagionSetup.feed_per_market_usd`); venues not named are in real
            dollars already.

        Returns
        -------
        float
            Fraction of all liquidations (market dollars) outside the shocked venue; NaN
            when a named venue's factor is not a positive number; 0 when nothing was
            liquidated.
        """
        usd = {}
        for n, v in self.venues.items():
            k = feed_per_market_usd.get(n)
            if k is not None and not (math.isfinite(k) and k > 0):
                return math.nan
            usd[n] = v.liquidated_usd / k if k is not None else v.liquidated_usd
        total = sum(usd.values()) + self.defi_liquidated_usd
        if total <= 0:
            return 0.0
        return (total - usd[self.shock_venue]) / total

    def static_bound(self) -> dict[str, Any] | None:
        """Whether the static books' figures bound the calibrated run's, and why not.

        The static books (no response) let price fall further, so they reach at least
        the positions the calibrated run reaches — usually. Two things break the
        bound in dollars: a venue whose displayed book runs out halts there (the
        positions past the book's end are never liquidated on it), and liquidations
        are counted at their fill prices, so the same positions closed lower count
        fewer dollars.

        Returns
        -------
        dict or None
            None unless calibrated. ``cex_liquidated_usd``, ``defi_liquidated_usd``:
            whether the static figure is at least the calibrated one and the
            interval's 90th percentile (True: a bound). ``venues``: each venue whose
            static figure is below its calibrated one, with why: ``"book_ran_out"``
            (its static book ran out and it liquidated fewer positions),
            ``"lower_fill_prices"`` (as many positions or more, closed at lower
            prices) or ``"fewer_positions"`` (fewer positions, its book did not run
            out).
        """
        if self.static_upper_bound is None:
            return None
        iv = self.interval or {}
        own = {"cex_liquidated_usd": self.cex_liquidated_usd,
               "defi_liquidated_usd": self.defi_liquidated_usd}  # fmt: skip
        out: dict[str, Any] = {
            k: bool(self.static_upper_bound[k] >= max(v, iv.get(f"{k}_p90", v)) * (1 - BOUND_RTOL))
            for k, v in own.items()
        }
        why: dict[str, str] = {}
        for n, st in (self.static_venues or {}).items():
            cal = self.venues[n]
            if st.liquidated_usd >= cal.liquidated_usd * (1 - BOUND_RTOL):
                continue
            if st.n_liquidated >= cal.n_liquidated:
                why[n] = "lower_fill_prices"
            else:
                why[n] = "book_ran_out" if st.book_exhausted else "fewer_positions"
        out["venues"] = why
        return out

    def summary(self) -> dict[str, Any]:
        """The CLI's JSON: per-venue outcome, the DeFi leg, contagion share, rounds.

        Calibrated: also ``static_upper_bound`` and ``static_bound``
        (:meth:`static_bound`: whether it bounds, and why not).
        """
        return {
            "venues": {
                n: {
                    "initial_price": v.initial_price,
                    "final_price": v.final_price,
                    "liquidated_usd": v.liquidated_usd,
                    "stops_usd": v.stops_usd,
                    "rounds": v.rounds,
                    "n_liquidated": v.n_liquidated,
                    "bad_debt_usd": v.bad_debt_usd,
                    "insurance_fund_end_usd": v.insurance_fund_end,
                    "book_exhausted": v.book_exhausted,
                    "arb_net_base": v.arb_net_base,
                    **(
                        {
                            "liquidated_base": v.liquidated_base,
                            "queue_left_base": v.queue_left_base,
                            "queue_peak_usd": v.queue_peak_usd,
                        }
                        if self.clock is not None
                        else {}
                    ),
                }
                for n, v in self.venues.items()
            },
            "defi": {
                "liquidated_usd": self.defi_liquidated_usd,
                "bad_debt_usd": self.defi_bad_debt_usd,
                "markets": self.defi,
            },
            "contagion_share": self.contagion_share,
            "rounds": self.rounds,
            "rounds_to_spread": self.rounds_to_spread,
            "shock_venue": self.shock_venue,
            "scope": self.scope,
            "direction": self.direction,
            "hit_max_rounds": self.hit_max_rounds,
            "liquidity": self.liquidity,
            **{
                k: v
                for k, v in (
                    ("interval", self.interval),
                    ("static_upper_bound", self.static_upper_bound),
                    ("static_bound", self.static_bound()),
                    ("calibration", self.calibration),
                    ("clock", self.clock),
                )
                if v is not None
            },
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per round per venue: price, liquidations, stops, arbitrage and DeFi flow.

        ``price`` is the venue's price at the end of the round (USD, after arbitrage and
        the lending markets' sales), ``cascade_price`` its price after the round's
        cascade step (USD, before arbitrage: in round 1 the shocked venue's first shock
        and what it filled, the round's extreme).

        On the clock also ``t_s`` (seconds from the shock), ``index_price`` (USD, the
        mark's index), ``queue_base`` (the venue's queue after the round) and
        ``withdrawn`` (the fraction of depth withdrawn in the round).
        """
        cols = ["price", "cascade_price", "liquidated_usd", "stops_usd", "cascade_filled_base",
                "arb_base", "defi_sold_base"]  # fmt: skip
        if self.clock is not None:
            cols += ["t_s", "index_price", "queue_base", "withdrawn"]
        dtypes = {"round": np.int64, "venue": str, **dict.fromkeys(cols, np.float64)}
        return records_frame(self._rows, dtypes)

    def lending_frame(self) -> pd.DataFrame:
        """One row per round per lending market: prices, liquidations, bad debt, DEX price.

        Returns
        -------
        DataFrame
            ``round``, ``market``; ``oracle_price``: the **collateral's** price the market
            read in the round (USD, from the oracle's last push times ``beta``: WBTC's on
            ETH venues), not the oracle's own price (the name is kept for the scripts that
            read it; at the end ``defi``'s ``final_collateral_price`` is this column's
            last value and ``final_oracle_price`` the oracle's push); ``source_price``: the
            mean (or median) price of the oracle's source venues in the round (USD), which
            the oracle pushes when it moved past its deviation (``oracle_updated``);
            ``pushed_price``: the oracle's last push after the round (USD, the price the
            collateral's is read from); ``liquidated_usd`` (collateral seized, USD),
            ``debt_repaid_usd``, ``bad_debt_usd``; ``dex_price`` (the pool's price of the
            collateral, USD); on the clock ``t_s`` (seconds from the shock, as
            :meth:`to_frame`'s).
        """
        return pd.DataFrame(self._lending_rows)

    def accounts_frame(self, market: str) -> pd.DataFrame:
        """One row per account of a lending market: liquidated or not, and how much.

        Parameters
        ----------
        market : str
            The lending market's name.

        Returns
        -------
        DataFrame
            :meth:`LendingState.accounts_frame` at the end of the run, indexed by
            ``account`` (an accounts file's data row; rows left out before the run, below
            HF 1 at the start, are not in it).

        Raises
        ------
        InputError
            ``market`` is not one of the run's lending markets.
        """
        if market not in self._accounts:
            known = ", ".join(self._accounts) or "none"
            raise InputError(f"unknown lending market {market!r} (markets: {known})",
                             param="market")  # fmt: skip
        return self._accounts[market].copy()

    def flows_frame(self) -> pd.DataFrame:
        """Every arbitrage crossing: round, link, venues, base, USD on each leg."""
        cols = ["round", "link", "buy_venue", "sell_venue", "base", "buy_usd", "sell_usd"]
        return pd.DataFrame(self._flows, columns=cols)

    def plot(self) -> go.Figure:
        """Price per venue by round (and the oracle-implied collateral price, dashed)."""
        import plotly.graph_objects as go

        from liqcascade._plotly_text import plain

        fig = go.Figure()
        df = self.to_frame()
        for name, g in df.groupby("venue", sort=False):
            v = self.venues[str(name)]
            x = [0, *g["round"].tolist()]
            y = [v.initial_price, *g["price"].tolist()]
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=plain(name)))
        fig.update_layout(
            title=f"Cascade from {plain(self.shock_venue)}: price by round",
            xaxis_title="round",
            yaxis_title="price (USD)",
        )
        return fig

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(n)}</td><td>{v.final_price:,.2f}</td>"
            f"<td>{v.liquidated_usd:,.0f}</td>"
            f"<td>{v.rounds}</td></tr>"
            for n, v in self.venues.items()
        )
        return (
            f"<b>ContagionResult</b> shock on {html.escape(self.shock_venue)}, "
            f"{self.rounds} rounds, "
            f"contagion share {percent_text(self.contagion_share)}, DeFi liquidated "
            f"${self.defi_liquidated_usd:,.0f}, bad debt ${self.defi_bad_debt_usd:,.0f}"
            "<table><tr><th>venue</th><th>final price</th><th>liquidated USD</th>"
            f"<th>rounds</th></tr>{rows}</table>"
        )
