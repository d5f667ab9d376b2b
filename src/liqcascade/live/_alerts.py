"""Alert rules of ``liqcascade watch``: ``NAME OP VALUE``, parsed once, checked each interval.

Names are keys of the watch line (:data:`ALERT_METRICS`); ``OP`` is one of ``<``,
``<=``, ``>``, ``>=``; ``VALUE`` a number (``critical_shock>-0.02``: an alert when a
fall of less than 2 % starts a 10 % fall within 24 h under the calibrated liquidity
response; ``static_critical_shock>-0.02``: the same on the static book, the bound;
``cluster_within_pct<1``: a large cluster less than 1 % away). ``NAME=VALUE`` (the
grammar ``liqcascade diff`` takes too, :mod:`liqcascade._alert_rules`) is a move: an
alert when the figure moved by more than VALUE since the previous line that was not
stale (``critical_shock=0.005``; ``notional_2pct_usd=25%``: a relative move).
With a positions file the ``position_*`` metrics are the nearest watched position's
(``position_liq_within_pct<3``: a position's liquidation price within 3 % of the price);
their alerts carry ``position_rows``, the file's data rows behind the figure.

``critical_shock`` is the line's calibrated figure, of the bar ``critical_shock_as_of``:
in the interval in which a new 4-hour bar closes, the previous bar's (the new bar's is
computed in the idle time after that interval), so its alert can come one interval
after the bar (in a replay, which computes it before the line, at the bar); every
alert carries ``critical_shock_as_of``. With the watch's
``liquidity="static"`` it is the static book's figure.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from liqcascade._alert_rules import parse_rule_text, sign_warning
from liqcascade._limits import real_number
from liqcascade.errors import InputError
from liqcascade.live._positions import POSITION_METRICS, POSITION_ROWS

__all__ = ["ALERT_METRICS", "CONTEXT", "NEVER_NEGATIVE", "AlertRule", "evaluate", "parse_rule",
           "rule_warnings"]  # fmt: skip

#: Metrics a rule may name (keys of the watch line), with their unit.
ALERT_METRICS: dict[str, str] = {
    "price": "USD",
    "critical_shock": "fraction of mid (negative: a fall); the calibrated liquidity response's",
    "static_critical_shock": "fraction of mid (negative: a fall); the static book's, the bound",
    "cluster_within_pct": "percent from price, nearest large cluster either side (≥ 0)",
    "cluster_below_pct": "percent below price, a positive distance (printed as -3.33 %: 3.33)",
    "cluster_above_pct": "percent above price, a positive distance",
    "notional_2pct_usd": "USD liquidated within 2 % either side",
    "notional_5pct_usd": "USD liquidated within 5 % either side",
    **POSITION_METRICS,
}

#: Metrics that are never negative, with what they are: a level rule comparing one with
#: a negative value is always or never true (:func:`rule_warnings`).
NEVER_NEGATIVE: dict[str, str] = {
    "price": "a price in USD",
    "cluster_within_pct": "a distance from the price, in percent",
    "cluster_below_pct": "a distance below the price, in percent: the line's -3.33 % is 3.33",
    "cluster_above_pct": "a distance above the price, in percent",
    "notional_2pct_usd": "USD",
    "notional_5pct_usd": "USD",
    "position_stop_in_crowd": "a count of positions",
}

#: The never-negative metrics that are distances printed with a sign (the line's
#: ``-3.33 %``): their warning suggests the rule meant (:func:`rule_warnings`).
_DISTANCES = frozenset({"cluster_within_pct", "cluster_below_pct", "cluster_above_pct"})

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}


@dataclass(frozen=True)
class AlertRule:
    """One rule: ``metric op value``.

    Parameters
    ----------
    metric : str
        A key of :data:`ALERT_METRICS`.
    op : {"<", "<=", ">", ">=", "="}
        Comparison of the line's value with ``value``; ``"="``: a move, the line's
        value against the previous line's (:meth:`check`).
    value : float
        Threshold in the metric's unit (:data:`ALERT_METRICS`: a fraction for the
        critical shocks, percent for the cluster distances, USD otherwise); a ``%``
        given on a fraction metric is already divided by 100. A move's: the size of
        the move (≥ 0), or with ``relative`` a fraction of the previous value.
    text : str
        The rule as written (stripped), quoted by the alerts.
    relative : bool, default False
        A move given in percent (``notional_2pct_usd=25%``): ``value`` is a fraction
        of the previous line's value.
    """

    metric: str
    op: str
    value: float
    text: str
    relative: bool = False

    def __post_init__(self) -> None:
        # parse_rule checks its text; a rule built directly was not: an unknown metric
        # or op raised KeyError on the first line, a NaN value never fired
        if self.metric not in ALERT_METRICS:
            raise InputError(
                f"metric must be one of {', '.join(ALERT_METRICS)} (got {self.metric!r})",
                param="metric",
            )
        if self.op not in _OPS and self.op != "=":
            raise InputError(
                f"op must be one of {', '.join(_OPS)} or = (got {self.op!r})", param="op"
            )
        v = real_number(self.value)
        if v is None or not math.isfinite(v) or (self.op == "=" and v < 0):
            what = "a finite number ≥ 0 (a move's size)" if self.op == "=" else "a finite number"
            raise InputError(f"value must be {what} (got {self.value!r})", param="value")

    def check(self, line: dict[str, Any], previous: dict[str, Any] | None = None) -> bool:
        """Whether the rule fires on a watch line (a missing or NaN metric never fires).

        Parameters
        ----------
        line : dict
            A watch line (metric name -> value).
        previous : dict, optional
            The previous line that was not stale: a move rule compares with it (none:
            the first line, a move rule does not fire).

        Returns
        -------
        bool
        """
        v = _finite(line.get(self.metric))
        if v is None:
            return False
        if self.op != "=":
            return _OPS[self.op](v, self.value)
        was = None if previous is None else _finite(previous.get(self.metric))
        if was is None:
            return False
        if self.relative:
            return v != was if was == 0 else abs(v - was) / abs(was) > self.value
        return abs(v - was) > self.value


def _finite(v: Any) -> float | None:
    """``v`` as a float when it is a finite number, else None."""
    if v is None or isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v) if math.isfinite(float(v)) else None


def parse_rule(text: str) -> AlertRule:
    """Parse ``NAME OP VALUE`` or ``NAME=VALUE`` (a move), either with ``VALUE%``.

    ``critical_shock>-3%`` is ``-0.03`` (as ``--shock -3%`` elsewhere); on a metric
    already in percent, ``cluster_within_pct<1%`` is ``1``; USD metrics take no percent
    in a level. A move's percent is relative: ``notional_2pct_usd=25%`` fires on a move
    of more than a quarter of the previous line's value. The grammar is
    :func:`liqcascade._alert_rules.parse_rule_text`'s, shared with ``liqcascade diff``.

    Parameters
    ----------
    text : str
        The rule, case-insensitive, spaces allowed around the operator.

    Returns
    -------
    AlertRule

    Raises
    ------
    InputError
        Unknown metric, operator or a value that is not a number (names ``alert``).
    """
    r = parse_rule_text(text)
    if r.key not in ALERT_METRICS:
        raise InputError(
            f"alert {text!r}: unknown metric {r.key!r} (known: {', '.join(ALERT_METRICS)})",
            param="alert",
        )
    value = r.value
    if r.percent and r.move:
        return AlertRule(r.key, r.op, value / 100.0, r.text, relative=True)
    if r.percent:
        unit = ALERT_METRICS[r.key]
        if unit.startswith("fraction"):
            value /= 100.0
        elif not unit.startswith("percent"):
            raise InputError(
                f"alert {text!r}: {r.key} is in {unit}, not a fraction: give it without %",
                param="alert",
            )
    return AlertRule(r.key, r.op, value, r.text)


#: Keys of the watch line every alert carries besides its own (what it was measured on).
CONTEXT = (
    "time",
    "replay",
    "asset",
    "stale",
    "stale_reason",
    "price_as_of",
    "market_as_of",
    "critical_shock_as_of",
)


def evaluate(
    rules: list[AlertRule], line: dict[str, Any], previous: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The alerts ``rules`` raise on ``line``.

    A line that is not stale: one dict per rule that fires (``rule``, ``metric``,
    ``value``, ``threshold``). A stale line (``line["stale"]``: no live price or book,
    see :func:`liqcascade.live._watch.staleness`): no rule is checked, since its figures
    do not describe the market now; instead one alert ``rule = metric = "stale"``
    (``value`` True, ``threshold`` None) whose ``rules_not_checked`` lists the rules held
    back and whose ``stale_reason`` says why. No alert when there are no rules. An alert
    of a ``position_*`` metric carries ``position_rows``: the positions file's data rows
    the figure is of (the nearest position's; those in the crowd). Every alert
    also carries the line's :data:`CONTEXT`: the ``time`` (the wall clock of the poll; in
    a replay the replayed bar's close), ``replay`` (true in a replay), ``asset``,
    ``stale``, ``stale_reason``, the close of the hourly bar of the price
    (``price_as_of``), the open of the 4-hour bar of the book (``market_as_of``) and of
    the bar whose calibrated critical shock the line carries (``critical_shock_as_of``).

    Parameters
    ----------
    rules : list of AlertRule
        The session's rules.
    line : dict
        The interval's watch line.
    previous : dict, optional
        The previous line that was not stale, for the move rules (``NAME=VALUE``),
        whose alerts also carry its value as ``previous``.

    Returns
    -------
    list of dict
        The alerts; empty when there are no rules or none fires.
    """
    if not rules:
        return []
    ctx = {k: line.get(k) for k in CONTEXT}
    if line.get("stale"):
        return [{"rule": "stale", "metric": "stale", "value": True, "threshold": None, **ctx,
                 "stale": True, "rules_not_checked": [r.text for r in rules]}]  # fmt: skip
    return [
        {"rule": r.text, "metric": r.metric, "value": line[r.metric], "threshold": r.value,
         **ctx, "stale": False}
        | ({"previous": previous[r.metric]} if r.op == "=" and previous is not None else {})
        | ({"position_rows": line.get(POSITION_ROWS[r.metric])} if r.metric in POSITION_ROWS
           else {})
        for r in rules
        if r.check(line, previous)
    ]  # fmt: skip


def rule_warnings(texts: list[str] | tuple[str, ...]) -> list[str]:
    """One line per level rule on a never-negative metric against a negative value.

    Such a rule is always true (``cluster_below_pct>-1%``) or never true
    (:func:`liqcascade._alert_rules.sign_warning`); the rule is still run as written.
    On a cluster distance the line gives the rule meant, the comparison turned round
    (``cluster_below_pct<-5%``: ``cluster_below_pct>5%``); on the price or a USD figure
    only the warning.

    Parameters
    ----------
    texts : sequence of str
        The rules as written (each must parse: :func:`parse_rule`).

    Returns
    -------
    list of str
        The warnings, in the rules' order (empty: none).
    """
    out = []
    for text in texts:
        rule = parse_rule(text)
        if rule.metric in NEVER_NEGATIVE:
            w = sign_warning(parse_rule_text(text), rule.value, NEVER_NEGATIVE[rule.metric],
                             distance=rule.metric in _DISTANCES)  # fmt: skip
            if w:
                out.append(w)
    return out
