"""Fragility: how far cascades carry price, the critical shock, the next-wave levels."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._limits import check_count, check_whole
from liqcascade._typing import FloatArray
from liqcascade.book import OrderBook
from liqcascade.cascade._config import CascadeConfig
from liqcascade.cascade._engine import check_insurance_fund, ensure_prepared
from liqcascade.cascade._kernels import N_GRID, fragility_kernel
from liqcascade.cascade._prepare import PreparedMarket
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook

__all__ = [
    "CriticalShock",
    "FragilityCurve",
    "NextWave",
    "critical_shock",
    "fragility_curve",
    "next_wave_levels",
]

_COLS = (
    "final_price",
    "liquidated_usd",
    "stops_usd",
    "rounds",
    "book_exhausted",
    "bad_debt_usd",
    "insurance_fund_end",
    "shock_price",
    "n_liquidated",
    "unfilled_base",
)


def _shock_grid(shocks: Any) -> FloatArray:
    """``shocks`` as a flat float64 array of finite fractions > -1 (``param="shocks"``)."""
    raw = np.asarray(shocks)
    try:
        if raw.dtype.kind in "USV":
            raise TypeError(raw.dtype)
        s = np.ascontiguousarray(raw, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise InputError("shocks must be numbers (fractions of mid)", param="shocks") from None
    if s.size == 0 or not np.isfinite(s).all() or (s <= -1).any():
        raise InputError("shocks must be finite fractions > -1", param="shocks")
    return s


def _run_grid(
    pm: PreparedMarket, shocks: FloatArray, insurance_fund: float, cfg: CascadeConfig
) -> FloatArray:
    """Final states for fractional shocks (both signs), shape (n, N_GRID) like the kernel's."""
    mid = pm.book.mid
    out = np.empty((shocks.size, N_GRID))
    chunks = np.asarray(cfg.chunk_fractions(), dtype=np.float64)
    mr = 0 if cfg.max_rounds is None else int(cfg.max_rounds)
    for dirsign in (1.0, -1.0):
        mask = shocks <= 0 if dirsign > 0 else shocks > 0
        if not mask.any():
            continue
        side = pm.side(dirsign)
        target_x = np.ascontiguousarray(dirsign * mid * (1.0 + shocks[mask]))
        out[mask] = fragility_kernel(
            *side.kernel_args(),
            *side.fast_args(),
            target_x,
            0,
            dirsign,
            float(insurance_fund),
            cfg.refill_fraction,
            cfg.withdrawal_fraction,
            cfg.mark_price_weight,
            chunks,
            cfg.liquidation_fee,
            mr,
        )
    return out


@dataclass(frozen=True, eq=False)
class FragilityCurve(SummaryDict):
    """Cascade outcome against the initial shock over a grid.

    Attributes
    ----------
    mid : float
        Initial price, USD.
    shocks : array
        Initial shocks, fraction of mid (−0.05 = a 5 % fall).
    frame : DataFrame
        Per shock: ``shock``, ``shock_price``, ``final_price`` (USD), ``final_move``
        (fraction), ``amplification``, ``liquidated_usd``, ``stops_usd`` (closed
        notional, USD: what the book filled plus what it could not absorb, at the
        price reached), ``n_liquidated``, ``rounds``, ``book_exhausted``,
        ``unfilled_base`` (base closed at the exhaustion price), ``bad_debt_usd``,
        ``insurance_fund_end``.
    """

    mid: float
    shocks: FloatArray
    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The curve, one row per shock."""
        return self.frame.copy()

    def at(self, shock: float) -> pd.Series:
        """The row whose shock is nearest ``shock`` (the first of two equally near).

        Parameters
        ----------
        shock : float
            Initial shock, fraction of mid (−0.05: a 5 % fall).
        """
        i = int(np.argmin(np.abs(self.shocks - shock)))
        return self.frame.iloc[i]

    def summary(self) -> dict[str, Any]:
        """Headline figures: the largest amplification and the forced notional at −5 % / −10 %."""
        f = self.frame
        out: dict[str, Any] = {
            "mid": self.mid,
            "n_shocks": len(f),
            "max_amplification": float(np.nanmax(f["amplification"])) if len(f) else math.nan,
        }
        for s in (-0.05, -0.10, 0.05, 0.10):
            if len(f) and self.shocks.min() <= s <= self.shocks.max():
                row = self.at(s)
                key = f"{'down' if s < 0 else 'up'}_{abs(round(s * 100))}pct"
                out[f"{key}_final_move"] = float(row["final_move"])
                out[f"{key}_forced_usd"] = float(row["liquidated_usd"] + row["stops_usd"])
        return out

    def plot(self) -> Any:
        """Plotly figure: final move and forced notional against the shock."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        f = self.frame
        fig = make_subplots(specs=[[{"secondary_y": True}]])
        fig.add_trace(
            go.Scatter(
                x=f["shock"] * 100,
                y=f["final_move"] * 100,
                name="final move (%)",
                line={"color": "#c0392b"},
            ),
            secondary_y=False,
        )
        fig.add_trace(
            go.Scatter(
                x=f["shock"] * 100,
                y=f["shock"] * 100,
                name="no cascade (final = shock)",
                line={"color": "#7f8c8d", "dash": "dot"},
            ),
            secondary_y=False,
        )
        fig.add_trace(
            go.Scatter(
                x=f["shock"] * 100,
                y=(f["liquidated_usd"] + f["stops_usd"]) / 1e6,
                name="forced orders filled (M USD)",
                line={"color": "#2c3e50"},
            ),
            secondary_y=True,
        )
        fig.update_layout(title="Fragility curve", height=400)
        fig.update_xaxes(title_text="initial shock (% of mid)")
        fig.update_yaxes(title_text="final move (% of mid)", secondary_y=False)
        fig.update_yaxes(title_text="forced orders (M USD)", secondary_y=True)
        return fig

    def _repr_html_(self) -> str:
        return str(self.frame.to_html(max_rows=20))


def fragility_curve(
    market: PreparedMarket | OrderBook,
    positions: PositionBook | None = None,
    stops: StopBook | None = None,
    *,
    shocks: FloatArray | None = None,
    insurance_fund: float = 0.0,
    config: CascadeConfig | None = None,
) -> FragilityCurve:
    """Run a cascade for every shock of a grid (in parallel, reusing the prepared sort).

    Parameters
    ----------
    market : PreparedMarket or OrderBook
        A prepared market (:func:`prepare_cascade`) or a book with ``positions``/``stops``.
    positions, stops : optional
        Required with an :class:`OrderBook`.
    shocks : array of float, optional
        Initial shocks, fractions of mid (negative: falls); default 301 points from
        −15 % to 0.
    insurance_fund : float, default 0.0
        Fund at the start, USD.
    config : CascadeConfig, optional
        Extensions.

    Returns
    -------
    FragilityCurve

    Raises
    ------
    InputError
        ``shocks`` empty or not finite fractions > -1, ``insurance_fund`` not a finite
        number >= 0 (each naming its parameter).
    """
    cfg = config if config is not None else CascadeConfig()
    fund = check_insurance_fund(insurance_fund)
    pm = ensure_prepared(market, positions, stops, cfg)
    s = np.linspace(-0.15, 0.0, 301) if shocks is None else _shock_grid(shocks)
    out = _run_grid(pm, s, fund, cfg)
    mid = pm.book.mid
    frame = pd.DataFrame(out, columns=list(_COLS))
    frame.insert(0, "shock", s)
    frame["book_exhausted"] = frame["book_exhausted"] > 0
    frame["rounds"] = frame["rounds"].astype(np.int64)
    frame["n_liquidated"] = frame["n_liquidated"].astype(np.int64)
    frame["final_move"] = frame["final_price"] / mid - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["amplification"] = np.where(
            s != 0, (mid - frame["final_price"]) / (mid - frame["shock_price"]), np.nan
        )
    cols = ["shock", "shock_price", "final_price", "final_move", "amplification"]
    cols += ["liquidated_usd", "stops_usd", "n_liquidated", "rounds", "book_exhausted"]
    cols += ["unfilled_base", "bad_debt_usd", "insurance_fund_end"]
    return FragilityCurve(mid=mid, shocks=s, frame=frame[cols])


@dataclass(frozen=True)
class CriticalShock(SummaryDict):
    """The smallest initial shock whose cascade carries price beyond ``total_move``.

    Attributes
    ----------
    shock : float
        Initial shock, fraction of mid (signed like ``total_move``); ``float(x)`` gives it.
    total_move : float
        The total move asked for, fraction.
    shock_price, final_price : float
        USD, at the critical shock.
    book_exhausted : bool
        The cascade at the critical shock ran the book out.
    amplification : float
        ``total_move`` reached per unit of shock at the critical shock
        (``final_move / shock``).
    """

    shock: float
    total_move: float
    shock_price: float
    final_price: float
    book_exhausted: bool
    amplification: float

    def __float__(self) -> float:
        return float(self.shock)

    @property
    def reached(self) -> bool:
        """Whether the cascade at the critical shock reaches ``total_move``.

        False when the book runs out first: no shock's cascade reaches the move on this
        book, and the critical shock is the smallest that exhausts it.
        """
        start = self.shock_price / (1.0 + self.shock)  # the mid the moves are of
        move = self.final_price / start - 1.0
        return bool(move <= self.total_move + 1e-12 if self.total_move < 0 else
                    move >= self.total_move - 1e-12)  # fmt: skip

    def summary(self) -> dict[str, Any]:
        """The attributes as a dict, with ``reached`` (:attr:`reached`)."""
        return {
            "shock": self.shock,
            "total_move": self.total_move,
            "shock_price": self.shock_price,
            "final_price": self.final_price,
            "book_exhausted": self.book_exhausted,
            "amplification": self.amplification,
            "reached": self.reached,
        }


def critical_shock(
    market: PreparedMarket | OrderBook,
    positions: PositionBook | None = None,
    stops: StopBook | None = None,
    *,
    total_move: float = -0.10,
    insurance_fund: float = 0.0,
    config: CascadeConfig | None = None,
    grid: int = 400,
    tol: float = 1e-6,
) -> CriticalShock:
    """Smallest shock whose cascade ends beyond ``total_move`` (or exhausts the book).

    A shock equal to ``total_move`` always qualifies, so the answer lies in
    ``(0, |total_move|]``. A grid of ``grid`` shocks brackets the first qualifying
    shock, then bisection narrows it to ``tol`` (fraction). The final price is
    monotone in the shock under the default semantics (a property the tests check),
    which makes the bracket exact; with extensions it is the first crossing on the grid.

    Parameters
    ----------
    market, positions, stops
        As in :func:`fragility_curve`.
    total_move : float, default -0.10
        Target total move, fraction of mid (negative: a fall), non-zero.
    insurance_fund : float
        Fund at the start, USD.
    config : CascadeConfig, optional
        Extensions.
    grid : int, default 400
        Grid points before bisection, >= 1.
    tol : float, default 1e-6
        Bisection tolerance, fraction of mid, > 0 (a tol below the spacing of floats
        near the answer stops there).

    Raises
    ------
    InputError
        Naming the parameter: ``total_move`` not a non-zero fraction > -1, ``grid`` not a
        whole number >= 1 (or too many points for the memory), ``tol`` not finite and
        > 0, ``insurance_fund`` not a finite number >= 0.
    """
    if not (math.isfinite(total_move) and total_move != 0 and total_move > -1):
        raise InputError(
            f"total_move must be a non-zero fraction > -1 (got {total_move})", param="total_move"
        )
    grid = check_whole(grid, "grid")
    check_count("grid", grid, 8.0 * (N_GRID + 3))  # the grid's rows, refused before
    if not (math.isfinite(tol) and tol > 0):
        raise InputError(f"tol must be a finite fraction > 0 (got {tol})", param="tol")
    insurance_fund = check_insurance_fund(insurance_fund)
    cfg = config if config is not None else CascadeConfig()
    pm = ensure_prepared(market, positions, stops, cfg)
    mid = pm.book.mid
    down = total_move < 0
    target = mid * (1.0 + total_move)

    def hits(rows: FloatArray) -> np.ndarray:
        beyond = rows[:, 0] <= target if down else rows[:, 0] >= target
        return np.asarray(beyond | (rows[:, 4] > 0))

    s = np.linspace(total_move / grid, total_move, grid)
    rows = _run_grid(pm, s, insurance_fund, cfg)
    h = hits(rows)
    i = int(np.argmax(h))  # the last point always qualifies
    hi = float(s[i])
    lo = 0.0 if i == 0 else float(s[i - 1])
    while abs(hi - lo) > tol:
        midpoint = 0.5 * (lo + hi)
        if not (min(lo, hi) < midpoint < max(lo, hi)):
            break  # lo and hi are adjacent floats: a tol below their spacing is reached
        r = _run_grid(pm, np.array([midpoint]), insurance_fund, cfg)
        if hits(r)[0]:
            hi = midpoint
        else:
            lo = midpoint
    r = _run_grid(pm, np.array([hi]), insurance_fund, cfg)[0]
    return CriticalShock(
        shock=hi,
        total_move=float(total_move),
        shock_price=float(r[7]),
        final_price=float(r[0]),
        book_exhausted=bool(r[4] > 0),
        amplification=float((r[0] / mid - 1.0) / hi),
    )


def _nice_step(price: float, span: float, n: int = 12) -> float:
    raw = price * span / n
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= raw:
            return float(m * mag)
    return float(10 * mag)


@dataclass(frozen=True, eq=False)
class NextWave(SummaryDict):
    """What each price level releases once breached.

    Attributes
    ----------
    price : float
        Current price, USD.
    direction : {"down", "up"}
        Which way price moves: a fall releases longs and sell stops, a rise shorts
        and buy stops.
    frame : DataFrame
        One row per level, nearest first: ``level`` and ``next_level`` (USD), and for
        triggers in the band between them (``[next_level, level)`` for a fall):
        ``liquidations_usd`` and ``stops_usd`` (notional at the trigger price, USD),
        ``released_usd`` (their sum), ``n_positions``, ``n_stops``; and
        ``cumulative_usd``: everything released from the current price to ``next_level``.
    """

    price: float
    direction: str
    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The levels, one row each."""
        return self.frame.copy()

    def at(self, level: float) -> pd.Series:
        """The row of ``level`` (USD): what breaching it releases, on to the next level.

        Parameters
        ----------
        level : float
            One of the table's levels, USD (matched to within a relative 1e-9).

        Raises
        ------
        InputError
            ``level`` is not a level of the table.
        """
        f = self.frame
        i = int(np.argmin(np.abs(f["level"].to_numpy() - level)))
        if not math.isclose(float(f["level"].iloc[i]), level, rel_tol=1e-9):
            raise InputError(f"level {level:g} is not in the table (levels: {f['level'].tolist()})")
        return f.iloc[i]

    def released_between(self, high: float, low: float) -> float:
        """Forced notional (USD) of the bands lying wholly inside ``[low, high]``.

        A band runs from ``level`` to ``next_level`` (down for a fall, up for a rise);
        with two of the table's levels this is the notional with triggers between them
        (``[low, high)`` for a fall, ``(low, high]`` for a rise). A band cut by ``low``
        or ``high`` is left out.

        Parameters
        ----------
        high, low : float
            The upper and the lower price, USD (``high >= low`` whatever the
            direction).
        """
        f = self.frame
        lo = np.minimum(f["level"], f["next_level"])
        hi = np.maximum(f["level"], f["next_level"])
        m = (lo >= low) & (hi <= high)
        return float(f.loc[m, "released_usd"].sum())

    def summary(self) -> dict[str, Any]:
        """The largest band and the cumulative notional at the last level."""
        f = self.frame
        if f.empty:
            return {"price": self.price, "direction": self.direction}
        top = f.iloc[int(np.argmax(f["released_usd"].to_numpy()))]
        return {
            "price": self.price,
            "direction": self.direction,
            "largest_band_level": float(top["level"]),
            "largest_band_usd": float(top["released_usd"]),
            "cumulative_usd": float(f["cumulative_usd"].iloc[-1]),
        }

    def plot(self) -> Any:
        """Plotly bar chart: notional released per band."""
        import plotly.graph_objects as go

        from liqcascade._prices import price_range

        f = self.frame
        fig = go.Figure()
        lab = [
            price_range(a, b, self.price, sep="→")
            for a, b in zip(f["level"], f["next_level"], strict=True)
        ]
        fig.add_trace(
            go.Bar(
                x=lab, y=f["liquidations_usd"] / 1e6, name="liquidations", marker_color="#c0392b"
            )
        )
        fig.add_trace(go.Bar(x=lab, y=f["stops_usd"] / 1e6, name="stops", marker_color="#e67e22"))
        fig.update_layout(
            barmode="stack",
            title=f"What each level releases ({self.direction} from {self.price:,.2f})",
            xaxis_title="band (USD)",
            yaxis_title="notional at trigger (M USD)",
            height=380,
        )
        return fig

    def _repr_html_(self) -> str:
        return str(self.frame.to_html())


def next_wave_levels(
    positions: PositionBook,
    stops: StopBook | None,
    price: float,
    levels: FloatArray | list[float] | None = None,
    *,
    direction: str = "down",
    max_distance: float = 0.25,
    from_price: bool = False,
) -> NextWave:
    """For each price level beyond ``price``, the notional released once it is breached.

    Parameters
    ----------
    positions : PositionBook
        Leveraged positions; longs count for a fall, shorts for a rise.
    stops : StopBook, optional
        Sell stops count for a fall, buy stops for a rise.
    price : float
        Current price, USD.
    levels : array of float, optional
        Levels (USD) beyond ``price``; default round numbers (a "nice" step such as
        50 or 100 USD, about 12 levels per 25 %) within ``max_distance``.
    direction : {"down", "up"}
        Which way price moves.
    max_distance : float, default 0.25
        Range of the default levels, fraction of ``price``.
    from_price : bool, default False
        Also a first row for the band between ``price`` and the first level (its
        ``level`` is ``price``): what the move releases before any level is breached.
        Without it that band is only in ``cumulative_usd``.

    Returns
    -------
    NextWave
        Notional is valued at each order's trigger price (``size · trigger``, USD).
        This is the static release map: it ignores the book (see
        :func:`simulate_cascade` for how far a breach carries).

    Raises
    ------
    InputError
        Naming the parameter: ``price`` not finite and > 0, ``max_distance`` not a
        finite fraction > 0, ``levels`` not finite prices > 0 on the move's side of
        ``price``, ``direction`` neither ``"down"`` nor ``"up"``.
    """
    if direction not in ("down", "up"):
        raise InputError(f"direction must be 'down' or 'up' (got {direction!r})", param="direction")
    if not (math.isfinite(price) and price > 0):
        raise InputError(f"price must be > 0 USD (got {price})", param="price")
    if not (math.isfinite(max_distance) and max_distance > 0):
        raise InputError(
            f"max_distance must be a finite fraction > 0 (got {max_distance})",
            param="max_distance",
        )
    down = direction == "down"
    stops = StopBook.empty() if stops is None else stops
    if levels is None:
        step = _nice_step(price, max_distance)
        eps = 1e-9 * step  # relative: an absolute 1e-9 USD spans ~10^291 steps at 1e-300
        if step < 4 * math.ulp(price):  # levels a step apart would be the same float
            raise InputError(
                f"max_distance {max_distance:g} is too small: the levels' step "
                f"({step:g} USD) is below the resolution of the price {price:g}",
                param="max_distance",
            )
        if down:
            top = math.floor(price / step) * step
            if top >= price:
                top -= step
            lv = np.arange(top, price * (1 - max_distance) - eps, -step)
        else:
            bot = math.ceil(price / step) * step
            if bot <= price:
                bot += step
            lv = np.arange(bot, price * (1 + max_distance) + eps, step)
    else:
        try:
            lv = np.asarray(levels, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise InputError("levels must be prices, USD (numbers)", param="levels") from None
        if not (np.isfinite(lv).all() and (lv > 0).all()):
            bad = lv[~(np.isfinite(lv) & (lv > 0))][0]
            raise InputError(f"levels must be finite prices > 0 USD (got {bad:g})", param="levels")
        lv = np.sort(lv)[::-1] if down else np.sort(lv)
        bad = lv >= price if down else lv <= price
        if bad.any():
            raise InputError(
                f"levels must be {'below' if down else 'above'} the price {price:g} "
                f"(got {float(lv[bad][0]):g})",
                param="levels",
            )
    lv = lv[lv > 0]
    if lv.size == 0:
        raise InputError("no levels to evaluate")
    if down:
        pm = positions.side == 1
        sm = stops.side == -1
    else:
        pm = positions.side == -1
        sm = stops.side == 1
    liq = positions.liq_price[pm]
    lnot = positions.size[pm] * liq
    trig = stops.trigger[sm]
    snot = stops.size[sm] * trig
    gap = abs(lv[0] - lv[1]) if lv.size > 1 else _nice_step(price, max_distance)
    nxt = np.append(lv[1:], max(lv[-1] - gap, 0.0) if down else lv[-1] + gap)
    if from_price:  # the band from the price to the first level
        lv, nxt = np.append(price, lv), np.append(lv[0], nxt)
    rows = []
    for a, b in zip(lv, nxt, strict=True):
        if down:
            m1 = (liq < a) & (liq >= b)
            m2 = (trig < a) & (trig >= b)
            c1 = (liq < price) & (liq >= b)
            c2 = (trig < price) & (trig >= b)
        else:
            m1 = (liq > a) & (liq <= b)
            m2 = (trig > a) & (trig <= b)
            c1 = (liq > price) & (liq <= b)
            c2 = (trig > price) & (trig <= b)
        rows.append(
            {
                "level": float(a),
                "next_level": float(b),
                "liquidations_usd": float(lnot[m1].sum()),
                "stops_usd": float(snot[m2].sum()),
                "n_positions": int(m1.sum()),
                "n_stops": int(m2.sum()),
                "cumulative_usd": float(lnot[c1].sum() + snot[c2].sum()),
            }
        )
    frame = pd.DataFrame(rows)
    frame.insert(4, "released_usd", frame["liquidations_usd"] + frame["stops_usd"])
    return NextWave(price=float(price), direction=direction, frame=frame)
