"""Auto-deleveraging (ADL): who pays a deficit the insurance fund could not cover.

Model
-----
At mark price ``P`` a deficit ``D`` USD (bad debt) is left by bankrupt positions on one
side (``loss_side``: +1 longs went bankrupt in a fall). ADL closes *profitable opposite*
positions ("winners") at the bankruptcy price ``P_b`` of the loss instead of at ``P``.
Winner ``i`` (side ``s_i``, size ``q_i``, entry ``e_i``) has unrealised profit per unit
``u_i = s_i (P - e_i) > 0``; each unit closed at ``P_b`` hands the exchange
``g_i = min(|P - P_b|, u_i)`` USD (ADL takes profit, never collateral principal: if
``P_b`` lies beyond the winner's entry, it takes the whole per-unit profit and no more).
Without a bankruptcy price (``bankruptcy_price=None``) ``g_i = u_i``: the closed part is
settled at break-even and its whole profit is the haircut. So winner ``i`` can give at
most ``c_i = q_i g_i`` USD (its *capacity*); closing ``x_i <= q_i`` units costs it the
haircut ``h_i = g_i x_i`` and deleverages ``x_i P`` USD of notional. An account with no
open position, or with no profit, has zero capacity and never pays.

Policies (every one covers ``min(D, Σ c_i)``; the rest stays as uncovered bad debt):

- ``binance``: queue by ``PnL% × effective leverage`` where ``PnL% = upnl / margin`` and
  effective leverage ``= notional / (margin + upnl)`` (Binance's "LeveragePnL" ranking);
  highest first.
- ``hyperliquid``: queue by ``(mark / entry) × (notional / account value)`` for longs,
  ``(entry / mark) × (notional / account value)`` for shorts — Hyperliquid's docs rank
  ADL counterparties by unrealised PnL and leverage, and only among users with an open
  position on the opposite side.
- ``socialized``: pro-rata, ``h_i = covered · c_i / Σ c`` (haircut ∝ profit when there is
  no bankruptcy-price cap).
- ``optimal`` (after Chitra, "Autodeleveraging: Impossibilities and Optimization", 2025):
  the linear programme ``min Σ (P / g_i) h_i`` subject to ``Σ h_i = covered``,
  ``0 <= h_i <= c_i`` (solved with ``scipy.optimize.linprog``/HiGHS). Every policy that
  closes the deficit takes at least ``covered`` in haircuts, so the LP's total haircut
  is the minimum; among those allocations it force-closes the least position notional
  (``Σ x_i P``). A bare "minimise total haircut" is degenerate (every exact allocation
  ties), hence this objective. With one equality constraint and box bounds the LP is a
  continuous knapsack whose optimum fills the cheapest ``P / g_i`` first (Dantzig,
  1957); HiGHS solves it up to ``LP_MAX_WINNERS`` winners, the exact greedy fill beyond
  (HiGHS time grows quadratically here: 3 s at 10,000 winners); tests hold them equal.

Queue policies close the needed part of the last position in the queue by default
(``whole_positions=False``). ``whole_positions=True`` closes every queued position in
full, as production queues are observed to do (Chitra reports Hyperliquid's queue
overshooting the minimal haircut on 2025-10-10); the overshoot is credited to the
insurance fund.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._limits import real_array, real_number
from liqcascade._typing import FloatArray, IntArray
from liqcascade.errors import InputError

AdlPolicy = Literal["binance", "hyperliquid", "socialized", "optimal"]

__all__ = [
    "ADL_POLICIES",
    "ADL_POLICY_RULES",
    "ADL_QUEUE_POLICIES",
    "AdlPolicy",
    "AdlPolicyRules",
    "AdlResult",
    "adl_capacity",
    "adl_policy",
    "adl_ranking",
    "allocate_adl",
    "gini",
    "register_adl_policy",
]

QueueScore = Callable[[FloatArray, FloatArray, FloatArray, FloatArray, float], FloatArray]
"""``(side, size, entry_price, margin, mark_price) -> score`` (higher is closed first)."""
Allocator = Callable[[FloatArray, FloatArray, float, float], FloatArray]
"""``(capacity, per_unit_haircut, mark_price, covered) -> haircut per position``."""


@dataclass(frozen=True)
class AdlPolicyRules:
    """One ADL policy: a queue (``score``) or a direct allocation (``allocate``).

    Attributes
    ----------
    name : str
        The policy's name (the ``policy`` argument, ``--adl-policy``).
    description : str
        One line: who pays, in what order.
    score : callable, optional
        Queue policies: ``(side, size, entry_price, margin, mark_price) -> score``;
        positions are closed by decreasing score (ties in input order), the last one
        partly unless ``whole_positions``.
    allocate : callable, optional
        Other policies: ``(capacity, per_unit_haircut, mark_price, covered) ->
        haircut`` per position, USD, summing to ``covered``.
    """

    name: str
    description: str
    score: QueueScore | None = None
    allocate: Allocator | None = None

    @property
    def queue(self) -> bool:
        """Whether the policy closes positions in a ranked queue."""
        return self.score is not None


ADL_POLICY_RULES: dict[str, AdlPolicyRules] = {}
"""The registered ADL policies, in registration order (name -> rules)."""


def register_adl_policy(rules: AdlPolicyRules) -> AdlPolicyRules:
    """Register an ADL policy (exactly one of ``score`` and ``allocate``); returns it.

    Parameters
    ----------
    rules : AdlPolicyRules
        The policy; its name must be new.

    Returns
    -------
    AdlPolicyRules
        ``rules``, now in :data:`ADL_POLICY_RULES`.

    Raises
    ------
    ValueError
        If the name is taken, or not exactly one of ``score`` and ``allocate`` is given.
    """
    if rules.name in ADL_POLICY_RULES:
        raise ValueError(f"ADL policy {rules.name!r} is already registered")
    if (rules.score is None) == (rules.allocate is None):
        raise ValueError(f"ADL policy {rules.name!r}: give exactly one of score and allocate")
    ADL_POLICY_RULES[rules.name] = rules
    return rules


def adl_policy(policy: str, param: str = "policy") -> AdlPolicyRules:
    """The registered rules of ``policy``, or an InputError naming ``param``.

    Parameters
    ----------
    policy : str
        Policy name (case-sensitive).
    param : str, default "policy"
        The parameter's name, for the error message and its ``param``.

    Returns
    -------
    AdlPolicyRules
    """
    if policy not in ADL_POLICY_RULES:
        raise InputError(
            f"{param} must be one of {', '.join(ADL_POLICY_RULES)} (got {policy!r})", param=param
        )
    return ADL_POLICY_RULES[policy]


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative amounts (0 equal, → 1 concentrated; NaN if all 0).

    Parameters
    ----------
    x : array of float
        Non-negative amounts in any one unit (e.g. haircuts, USD).

    Returns
    -------
    float
        In [0, 1); NaN when empty or the total is 0.

    Raises
    ------
    InputError
        ``param="x"``: not a one-dimensional array of finite numbers >= 0, or amounts
        so large that their weighted sum overflows (a NaN or negative amount gave a
        NaN or a coefficient outside [0, 1) before).
    """
    v = np.sort(real_array(x, "x", least=0.0))
    n = v.size
    with np.errstate(over="ignore"):
        tot = float(v.sum())
    if n == 0 or tot <= 0:
        return float("nan")
    i = np.arange(1, n + 1, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        g = float((2.0 * np.sum(i * v) / (n * tot)) - (n + 1.0) / n)
    if not math.isfinite(g):
        raise InputError(
            f"x is too large: the amounts' weighted sum overflows (max {v[-1]:g})", param="x"
        )
    return g


def _adl_inputs(
    side: Any, size: Any, entry_price: Any, margin: Any, mark_price: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]:
    """The ADL functions' arrays as float64, checked once (each error names its parameter).

    ``side`` is +1, -1 or 0 (a closed slot), ``size`` finite and >= 0, ``entry_price``
    finite and > 0 where a position is open, ``margin`` (when given) finite and >= 0, all
    of one length; ``mark_price`` finite and > 0. A NaN or infinite entry, margin or mark
    price came back as a NaN ranking or capacity, or as a zero capacity that dropped the
    position from the queue without a word.
    """
    mark = real_number(mark_price)
    if mark is None or not (math.isfinite(mark) and mark > 0):
        raise InputError(f"mark_price must be > 0 (got {mark_price})", param="mark_price")
    s = np.asarray(side, dtype=np.float64)
    q = np.asarray(size, dtype=np.float64)
    e = np.asarray(entry_price, dtype=np.float64)
    m = None if margin is None else np.asarray(margin, dtype=np.float64)
    n = s.shape[0] if s.ndim == 1 else -1
    arrays = [("side", s), ("size", q), ("entry_price", e)] + ([] if m is None else [("margin", m)])
    if n < 0 or any(a.shape != (n,) for _, a in arrays):
        names = ", ".join(k for k, _ in arrays)
        raise InputError(
            f"{names} must be one-dimensional with the same length",
            param=tuple(k for k, _ in arrays),
        )
    open_ = q > 0
    checks = [
        ("side", s, np.isin(s, (-1.0, 0.0, 1.0)), "+1, -1 or 0"),
        ("size", q, np.isfinite(q) & (q >= 0), "finite and >= 0 (base units)"),
        ("entry_price", e, ~open_ | (np.isfinite(e) & (e > 0)), "finite and > 0 USD"),
    ]
    if m is not None:
        checks.append(("margin", m, np.isfinite(m) & (m >= 0), "finite and >= 0 USD"))
    for name, arr, ok, rule in checks:
        bad = np.flatnonzero(~ok)
        if bad.size:
            i = int(bad[0])
            raise InputError(f"{name}[{i}] must be {rule} (got {arr[i]:g})", param=name)
    return s, q, e, m


def adl_capacity(
    side: np.ndarray,
    size: np.ndarray,
    entry_price: np.ndarray,
    mark_price: float,
    loss_side: int,
    bankruptcy_price: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Per-unit haircut ``g`` and capacity ``c = size * g`` of each position, USD.

    Zero for positions on the loss side, for losing or flat positions, and for
    positions of size 0.

    Parameters
    ----------
    side : array of float
        ``+1`` long, ``-1`` short, per position.
    size : array of float
        Position size, base units.
    entry_price : array of float
        Entry price, USD.
    mark_price : float
        Mark price, USD.
    loss_side : int
        Side of the bankrupt positions (``+1`` longs, ``-1`` shorts); winners are on the
        other side.
    bankruptcy_price : float, optional
        Price the winners are closed at, USD; caps the per-unit haircut at
        ``|mark_price - bankruptcy_price|``. Default none: the whole per-unit profit.

    Returns
    -------
    (array of float, array of float)
        Per-unit haircut ``g`` (USD per base unit) and capacity ``size * g`` (USD).

    Raises
    ------
    InputError
        Naming the parameter: arrays of different lengths, a ``side`` other than +1, -1
        or 0, a ``size`` not finite and >= 0, an open position's ``entry_price`` not
        finite and > 0, a ``mark_price`` or ``bankruptcy_price`` not finite and > 0
        (>= 0 for the bankruptcy price), a ``loss_side`` other than +1 or -1.
    """
    s, q, e, _ = _adl_inputs(side, size, entry_price, None, mark_price)
    _check_loss_side(loss_side)
    if bankruptcy_price is not None and not (
        math.isfinite(bankruptcy_price) and bankruptcy_price >= 0
    ):
        raise InputError(
            f"bankruptcy_price must be a finite price >= 0 USD (got {bankruptcy_price})",
            param="bankruptcy_price",
        )
    u = s * (mark_price - e)
    winner = (s == -loss_side) & (u > 0) & (q > 0)
    g = np.where(winner, u, 0.0)
    if bankruptcy_price is not None:
        g = np.minimum(g, abs(mark_price - bankruptcy_price))
    return g, q * g


def adl_ranking(
    policy: Literal["binance", "hyperliquid"],
    side: np.ndarray,
    size: np.ndarray,
    entry_price: np.ndarray,
    margin: np.ndarray,
    mark_price: float,
) -> FloatArray:
    """Queue score per position (higher is deleveraged first).

    ``binance``: ``(upnl / margin) × notional / (margin + upnl)``;
    ``hyperliquid``: ``(mark / entry)^s × notional / (margin + upnl)``.
    Scores of non-winners are irrelevant (their capacity is 0).

    Parameters
    ----------
    policy : {"binance", "hyperliquid"}
        A queue policy.
    side : array of float
        ``+1`` long, ``-1`` short, per position.
    size : array of float
        Position size, base units.
    entry_price : array of float
        Entry price, USD.
    margin : array of float
        Margin (collateral excluding unrealised profit) per position, USD.
    mark_price : float
        Mark price, USD.

    Returns
    -------
    array of float
        Score per position, dimensionless.

    Raises
    ------
    InputError
        For an unknown policy or one that is not a queue (``param="policy"``); for
        arrays or a mark price outside their domain (as :func:`adl_capacity`; ``margin``
        finite and >= 0), naming the parameter.
    """
    rules = adl_policy(policy)
    if rules.score is None:
        raise InputError(f"policy {policy!r} is not a queue policy", param="policy")
    s, q, e, m = _adl_inputs(side, size, entry_price, margin, mark_price)
    assert m is not None
    return rules.score(s, q, e, m, float(mark_price))


def _check_loss_side(loss_side: Any) -> None:
    if isinstance(loss_side, bool) or loss_side not in (1, -1):
        raise InputError(f"loss_side must be +1 or -1 (got {loss_side})", param="loss_side")


def _pnl_and_leverage(
    s: FloatArray, q: FloatArray, e: FloatArray, margin: FloatArray, mark_price: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Margin (floored), unrealised PnL and effective leverage per position."""
    m = np.maximum(margin, 1e-12)
    upnl = s * q * (mark_price - e)
    equity = np.maximum(m + upnl, 1e-12)
    return m, upnl, q * mark_price / equity


def _binance_score(
    s: FloatArray, q: FloatArray, e: FloatArray, margin: FloatArray, mark_price: float
) -> FloatArray:
    m, upnl, eff_lev = _pnl_and_leverage(s, q, e, margin, mark_price)
    return (upnl / m) * eff_lev


def _hyperliquid_score(
    s: FloatArray, q: FloatArray, e: FloatArray, margin: FloatArray, mark_price: float
) -> FloatArray:
    _, _, eff_lev = _pnl_and_leverage(s, q, e, margin, mark_price)
    return np.where(s > 0, mark_price / e, e / mark_price) * eff_lev


@dataclass
class AdlResult(SummaryDict):
    """One ADL allocation.

    Attributes
    ----------
    policy : str
        The policy.
    deficit_usd : float
        Deficit to close, USD.
    covered_usd : float
        Part of the deficit closed (``min(deficit, capacity)``), USD.
    uncovered_usd : float
        Deficit left (capacity exhausted), USD.
    haircut : array of float
        Haircut per position, USD (0 for positions not deleveraged).
    closed_size : array of float
        Size closed per position, base units.
    mark_price : float
        Mark price, USD.
    account : array of int
        Account per position.
    equity : array of float
        Equity per position before ADL (``margin + upnl``), USD.
    has_position : array of bool
        Positions with size > 0.
    capacity : array of float
        Most each position could give, USD (> 0 only for eligible winners).
    """

    policy: str
    deficit_usd: float
    covered_usd: float
    uncovered_usd: float
    haircut: FloatArray
    closed_size: FloatArray
    mark_price: float
    account: IntArray
    equity: FloatArray
    has_position: np.ndarray = field(repr=False)
    capacity: FloatArray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def haircut_usd(self) -> float:
        """Total haircut, USD (>= covered; above it only for whole-position queues)."""
        return float(self.haircut.sum())

    @property
    def overshoot_usd(self) -> float:
        """Haircut beyond the deficit (credited to the fund), USD."""
        return max(0.0, self.haircut_usd - self.covered_usd)

    @property
    def notional_usd(self) -> float:
        """Notional force-closed, USD at the mark price."""
        return float(self.closed_size.sum() * self.mark_price)

    def by_account(self) -> pd.DataFrame:
        """Per account (with an open position): equity, haircut, closed notional, USD."""
        m = self.has_position
        cap = self.capacity if self.capacity.size else np.zeros_like(self.haircut)
        df = pd.DataFrame(
            {
                "account": self.account[m],
                "equity": self.equity[m],
                "capacity": cap[m],
                "haircut": self.haircut[m],
                "closed_notional": self.closed_size[m] * self.mark_price,
            }
        )
        return df.groupby("account", sort=True).sum()

    def to_frame(self) -> pd.DataFrame:
        """Per account: equity, capacity, haircut, closed notional (USD) — :meth:`by_account`."""
        return self.by_account()

    def plot(self) -> Any:
        """Haircut as a share of equity by equity decile of the eligible accounts (plotly)."""
        import plotly.graph_objects as go

        acc = self.by_account()
        acc = acc[acc["capacity"] > 0]
        fig = go.Figure()
        if len(acc):
            dec = pd.qcut(acc["equity"].rank(method="first"), min(10, len(acc)), labels=False)
            g = acc.groupby(dec)[["haircut", "equity"]].sum()
            fig.add_trace(
                go.Bar(
                    x=[f"D{int(i) + 1}" for i in g.index],
                    y=100 * g["haircut"] / g["equity"],
                    name=self.policy,
                )
            )
        fig.update_layout(
            title=f"ADL ({self.policy}): haircut / equity by equity decile",
            xaxis_title="equity decile of eligible accounts (D1 smallest)",
            yaxis_title="% of equity",
            height=380,
        )
        return fig

    def _repr_html_(self) -> str:
        return str(pd.Series(self.summary()).to_frame(self.policy).to_html())

    def summary(self) -> dict[str, Any]:
        """Headline figures.

        ``n_accounts`` deleveraged, ``notional_usd`` closed, ``haircut_usd`` total,
        ``gini`` of haircuts across the accounts that paid,
        ``bottom_quartile_share``: share of the total haircut paid by the bottom quartile
        by equity of the *eligible* accounts (those with a profit ADL could take),
        ``bottom_quartile_haircut_to_equity``: their haircut over their equity, and
        ``max_haircut_to_equity``: the largest haircut as a fraction of its account's equity.
        """
        acc = self.by_account()
        hit = acc["haircut"] > 0
        tot = float(acc["haircut"].sum())
        payers = acc[acc["haircut"] > 0]
        elig = acc[acc["capacity"] > 0]
        bq_share = float("nan")
        bq_hit = float("nan")
        if len(elig) and tot > 0:
            cut = float(np.quantile(elig["equity"], 0.25))
            low = elig[elig["equity"] <= cut]
            bq_share = float(low["haircut"].sum() / tot)
            eq_low = float(low["equity"].sum())
            bq_hit = float(low["haircut"].sum() / eq_low) if eq_low > 0 else float("nan")
        eq = payers["equity"].to_numpy()
        ratio = payers["haircut"].to_numpy() / np.where(eq > 0, eq, np.nan)
        return {
            "policy": self.policy,
            "deficit_usd": self.deficit_usd,
            "covered_usd": self.covered_usd,
            "uncovered_usd": self.uncovered_usd,
            "n_accounts": int(hit.sum()),
            "notional_usd": self.notional_usd,
            "haircut_usd": self.haircut_usd,
            "overshoot_usd": self.overshoot_usd,
            "gini": gini(payers["haircut"].to_numpy()) if len(payers) else float("nan"),
            "n_eligible": len(elig),
            "bottom_quartile_share": bq_share,
            "bottom_quartile_haircut_to_equity": bq_hit,
            "max_haircut_to_equity": float(np.nanmax(ratio)) if len(payers) else 0.0,
        }


def _queue(order: np.ndarray, cap: FloatArray, target: float, whole: bool) -> FloatArray:
    h = np.zeros_like(cap)
    rem = target
    for i in order:
        if rem <= 0:
            break
        c = cap[i]
        if c <= 0:
            continue
        take = c if whole else min(c, rem)
        h[i] = take
        rem -= take
    return h


LP_MAX_WINNERS = 2000


def _optimal_greedy(cap: FloatArray, g: FloatArray, target: float) -> FloatArray:
    """Exact optimum of the one-constraint LP: fill cheapest cost ``P/g`` first."""
    h = np.zeros_like(cap)
    idx = np.flatnonzero(cap > 0)
    if target <= 0 or idx.size == 0:
        return h
    order = idx[np.lexsort((idx, -g[idx]))]  # cheapest = largest g; ties by input order
    cum = np.cumsum(cap[order])
    k = int(np.searchsorted(cum, target, side="left"))
    if k >= order.size:
        h[order] = cap[order]
        return h
    h[order[:k]] = cap[order[:k]]
    h[order[k]] = target - (float(cum[k - 1]) if k > 0 else 0.0)
    return h


def _optimal_lp(cap: FloatArray, g: FloatArray, price: float, target: float) -> FloatArray:
    """The LP solved with ``scipy.optimize.linprog`` (HiGHS), then made exact."""
    from scipy.optimize import linprog

    idx = np.flatnonzero(cap > 0)
    h = np.zeros_like(cap)
    if target <= 0 or idx.size == 0:
        return h
    if target >= cap[idx].sum():
        h[idx] = cap[idx]
        return h
    c = price / g[idx]
    scale = target if target > 1e-6 else 1.0  # O(1) for the solver's tolerances
    res = linprog(
        c,
        A_eq=np.ones((1, idx.size)),
        b_eq=[target / scale],
        bounds=np.column_stack([np.zeros(idx.size), cap[idx] / scale]),
        method="highs",
    )
    if not res.success:  # pragma: no cover - feasible by construction
        raise RuntimeError(f"ADL linear programme failed: {res.message}")
    x = np.clip(res.x * scale, 0.0, cap[idx])
    # remove the solver's round-off so the deficit is closed exactly: adjust the
    # cheapest position with room (down: the dearest with something to give)
    err = target - float(x.sum())
    order = np.argsort(c, kind="stable")
    for j in order if err > 0 else order[::-1]:
        if err == 0:
            break
        room = (cap[idx][j] - x[j]) if err > 0 else x[j]
        step = min(room, abs(err))
        x[j] += step if err > 0 else -step
        err = target - float(x.sum())
    h[idx] = x
    return h


def _spread_ties(h: FloatArray, cap: FloatArray, g: FloatArray) -> FloatArray:
    """Within a group of equal cost that is partly used, spread its haircut pro-rata.

    The objective, the total and the bounds are unchanged; among the optimal
    allocations this picks the one that treats equally placed winners alike.
    """
    out = h.copy()
    idx = np.flatnonzero(cap > 0)
    if idx.size == 0:
        return out
    keys, inv = np.unique(g[idx], return_inverse=True)
    tot_h = np.bincount(inv, weights=h[idx], minlength=keys.size)
    tot_c = np.bincount(inv, weights=cap[idx], minlength=keys.size)
    part = (tot_h > 0) & (tot_h < tot_c)
    if part.any():
        sel = part[inv]
        j = idx[sel]
        out[j] = cap[j] * (tot_h[inv[sel]] / tot_c[inv[sel]])
    return out


def _optimal(cap: FloatArray, g: FloatArray, price: float, target: float) -> FloatArray:
    if int(np.count_nonzero(cap > 0)) <= LP_MAX_WINNERS:
        h = _optimal_lp(cap, g, price, target)
    else:
        h = _optimal_greedy(cap, g, target)
    return _spread_ties(h, cap, g)


def _socialized(cap: FloatArray, g: FloatArray, price: float, covered: float) -> FloatArray:
    tot = float(cap.sum())
    return cap * (covered / tot) if tot > 0 else np.zeros(cap.shape[0])


register_adl_policy(AdlPolicyRules(
    "binance",
    "queue by PnL % x effective leverage (Binance's LeveragePnL ranking), highest first",
    score=_binance_score,
))  # fmt: skip
register_adl_policy(AdlPolicyRules(
    "hyperliquid",
    "queue by (mark/entry, shorts entry/mark) x notional / account value (Hyperliquid)",
    score=_hyperliquid_score,
))  # fmt: skip
register_adl_policy(AdlPolicyRules(
    "socialized",
    "pro-rata: each winner pays in proportion to what it could give",
    allocate=_socialized,
))  # fmt: skip
register_adl_policy(AdlPolicyRules(
    "optimal",
    "least notional force-closed for the deficit (Chitra 2025's linear programme)",
    allocate=_optimal,
))  # fmt: skip

ADL_POLICIES: tuple[AdlPolicy, ...] = tuple(ADL_POLICY_RULES)  # type: ignore[arg-type]
"""Names of the registered ADL policies (``binance``, ``hyperliquid``, ``socialized``,
``optimal``)."""
ADL_QUEUE_POLICIES: tuple[AdlPolicy, ...] = tuple(
    p for p in ADL_POLICIES if ADL_POLICY_RULES[p].queue
)
"""The registered queue policies (``whole_positions`` applies to them only)."""


def allocate_adl(
    policy: AdlPolicy,
    *,
    side: np.ndarray,
    size: np.ndarray,
    entry_price: np.ndarray,
    margin: np.ndarray,
    mark_price: float,
    deficit: float,
    loss_side: int,
    bankruptcy_price: float | None = None,
    account: np.ndarray | None = None,
    whole_positions: bool = False,
) -> AdlResult:
    """Allocate an ADL deficit across profitable opposite positions.

    Parameters
    ----------
    policy : str
        A registered policy (:data:`ADL_POLICY_RULES`: ``"binance"``,
        ``"hyperliquid"``, ``"socialized"``, ``"optimal"``; see the module notes).
    side, size, entry_price, margin : arrays
        Open positions: +1/-1, base units (>= 0; 0 = no open position), USD, USD.
    mark_price : float
        Mark price, USD.
    deficit : float
        Deficit to close, USD, >= 0.
    loss_side : int
        Side of the bankrupt positions (+1 longs, -1 shorts); winners are the other side.
    bankruptcy_price : float, optional
        Bankruptcy price of the loss, USD (caps the per-unit haircut at ``|P - P_b|``).
    account : array of int, optional
        Account per position (default: one account per position).
    whole_positions : bool, default False
        Queue policies close each queued position in full (overshooting the deficit).

    Returns
    -------
    AdlResult

    Raises
    ------
    InputError
        Naming the parameter: ``deficit`` not finite and >= 0, ``account`` not one id
        per position, or any of the inputs of :func:`adl_ranking` and
        :func:`adl_capacity` outside its domain.
    """
    rules = adl_policy(policy)
    if not (np.isfinite(deficit) and deficit >= 0):
        raise InputError(f"deficit must be finite and >= 0 (got {deficit})", param="deficit")
    _check_loss_side(loss_side)
    s, q, e, m = _adl_inputs(side, size, entry_price, margin, mark_price)
    assert m is not None
    n = s.shape[0]
    acc = np.arange(n, dtype=np.int64) if account is None else np.asarray(account, np.int64)
    if acc.shape != (n,):
        raise InputError(
            f"account must hold one id per position ({n}; got shape {acc.shape})",
            param="account",
        )
    g, cap = adl_capacity(s, q, e, mark_price, loss_side, bankruptcy_price)
    covered = float(min(deficit, cap.sum()))
    if rules.score is not None:
        score = rules.score(s, q, e, m, mark_price)
        order = np.lexsort((np.arange(n), -score))  # stable: ties by input order
        h = _queue(order, cap, covered, whole_positions)
    else:
        assert rules.allocate is not None
        h = rules.allocate(cap, g, float(mark_price), covered)
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = np.where(g > 0, h / np.where(g > 0, g, 1.0), 0.0)
    closed = np.minimum(closed, q)
    equity = m + s * q * (mark_price - e)
    return AdlResult(
        policy=policy,
        deficit_usd=float(deficit),
        covered_usd=covered,
        uncovered_usd=float(deficit) - covered,
        haircut=h,
        closed_size=closed,
        mark_price=float(mark_price),
        account=acc,
        equity=equity,
        has_position=q > 0,
        capacity=cap,
    )
