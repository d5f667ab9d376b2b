"""One grammar for alert rules, ``watch --alert`` and ``diff --alert``: a level or a move.

- ``KEY OP VALUE``, OP one of ``<``, ``<=``, ``>``, ``>=``: a **level**, raised when the
  figure is OP VALUE (``critical_shock>-0.06``: the critical shock is shallower than a
  6 % fall).
- ``KEY=VALUE``: a **move**, raised when the figure moved by more than VALUE (≥ 0) from
  the one before (the previous report, the watch's previous line): ``critical_shock=0.005``.

VALUE is a number, or a number and ``%``; what the percent means is the caller's: on a
level, a fraction written in percent (``critical_shock>-3%`` is -0.03); on a move, a
relative move (``forced_selling_5pct=25%``). Spaces may surround OP; KEY is read in
lower case.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from liqcascade.errors import InputError

__all__ = ["LEVEL_OPS", "RuleText", "parse_rule_text", "sign_warning"]

#: The operators of a level rule; ``=`` is a move rule's.
LEVEL_OPS = ("<=", ">=", "<", ">")
_RULE = re.compile(
    r"^\s*([a-z_][a-z_0-9]*)\s*(<=|>=|<|>|=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(%?)\s*$"
)


@dataclass(frozen=True)
class RuleText:
    """An alert rule as written, parsed: ``key op value[%]``.

    Parameters
    ----------
    key : str
        The figure the rule watches (lower case).
    op : {"<", "<=", ">", ">=", "="}
        A level's comparison, or ``"="``: a move.
    value : float
        The number as written (a percent not yet divided by 100); ≥ 0 on a move.
    percent : bool
        Whether the number was written with ``%``.
    text : str
        The rule as written (stripped).
    """

    key: str
    op: str
    value: float
    percent: bool
    text: str

    @property
    def move(self) -> bool:
        """Whether the rule is a move (``KEY=VALUE``) rather than a level."""
        return self.op == "="


def parse_rule_text(text: str) -> RuleText:
    """Parse ``KEY OP VALUE``, ``KEY=VALUE`` or either with ``VALUE%``.

    Parameters
    ----------
    text : str
        The rule (the module's grammar).

    Returns
    -------
    RuleText

    Raises
    ------
    InputError
        The text is neither form, its VALUE is not a finite number, or a move's VALUE
        is negative (names ``alert``).
    """
    m = _RULE.match(str(text).lower())
    if m is None:
        raise InputError(
            f"alert {text!r}: expected KEY OP VALUE (a level, OP one of <, <=, >, >=: "
            "critical_shock>-0.06) or KEY=VALUE (a move by more than VALUE: "
            "critical_shock=0.005); VALUE a number, or a number and %",
            param="alert",
        )
    key, op, raw, percent = m.groups()
    value = float(raw)
    if not math.isfinite(value):
        raise InputError(f"alert {text!r}: the value must be finite", param="alert")
    if op == "=" and value < 0:
        raise InputError(
            f"alert {text!r}: a move's VALUE is a size, ≥ 0 (KEY=VALUE fires on a move "
            "either way by more than VALUE; for a level write KEY<VALUE or KEY>VALUE)",
            param="alert",
        )
    return RuleText(key, op, value, bool(percent), str(text).strip())


#: A level's comparison turned round: the rule a distance copied with its printed sign meant.
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
#: How a rewrite's comparison reads in the warning (``for a distance over 5%``).
_READS = {"<": "under", "<=": "of at most", ">": "over", ">=": "of at least"}


def sign_warning(
    rule: RuleText, value: float, what: str, *, distance: bool = False, positive: bool = False
) -> str | None:
    """Why a level rule on a figure that is never negative cannot mean what it says.

    A level compared with a negative ``value`` is always true (``>``, ``>=``) or never
    true (``<``, ``<=``): ``cluster_below_pct>-1%`` copied from a printed ``-3.33 %``
    fires on every line, the figure being the positive distance 3.33. For a distance
    the warning gives the rule meant: the absolute value with the comparison turned
    round (``cluster_below_pct<-5%``, more than 5 % below: ``cluster_below_pct>5%``).
    With ``positive`` the figure is never *positive* (a fall, signed, that a card prints
    as its size): a level against a positive ``value`` is always true (``<``, ``<=``) or
    never true (``>``, ``>=``): ``critical_shock<6%`` copied from the card's ``5.4 %``
    (the rule meant, a fall under 6 %: ``critical_shock>-6%``).

    Parameters
    ----------
    rule : RuleText
        The parsed rule.
    value : float
        Its threshold in the figure's unit (a percent already converted).
    what : str
        What the figure is (``"a distance below the price, in percent"``).
    distance : bool, default False
        Whether the figure is a distance printed with a sign (then the warning suggests
        the rewrite); a figure that is not (a price, a USD amount) gets none: no rule
        meant is to be read from a negative one.
    positive : bool, default False
        Whether the figure is never positive rather than never negative: a fall printed
        as its size (the warning suggests the signed rewrite).

    Returns
    -------
    str or None
        One line for the caller to warn with; None when the rule can go either way
        (a move, or a threshold ≥ 0).
    """
    if rule.move or (value <= 0 if positive else value >= 0):
        return None
    always = rule.op in (("<", "<=") if positive else (">", ">="))
    text = (
        f"alert {rule.text}: {rule.key} is never {'positive' if positive else 'negative'} "
        f"({what}), so this rule is {'always' if always else 'never'} true"
    )
    amount = f"{abs(rule.value):g}{'%' if rule.percent else ''}"
    flipped = _FLIPPED[rule.op]
    if positive:  # the size as written, the figure signed: the comparison turned round
        return f"{text}; for a fall {_READS[rule.op]} {amount} write {rule.key}{flipped}-{amount}"
    if not distance:
        return text
    return f"{text}; for a distance {_READS[flipped]} {amount} write {rule.key}{flipped}{amount}"
