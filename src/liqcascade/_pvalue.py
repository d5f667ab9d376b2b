"""How a p-value reads, wherever it is printed: the report and the command line.

One rule (the report's and the commands'): ``< 0.001`` below a thousandth, three
decimals below 0.1 (``0.032``), two from 0.1 up (``0.41``; a value that rounds to
0.100, such as 0.0996, reads ``0.10``): a p-value's precision matters only near the
levels a reader compares it with (0.05, 0.01).
"""

from __future__ import annotations

from typing import Any

from liqcascade._prices import is_finite

__all__ = ["p_said", "pvalue_text"]


def pvalue_text(p: Any) -> str:
    """A p-value as read in a paper: ``< 0.001``, ``0.032``, ``0.41``; ``n/a`` if missing.

    Parameters
    ----------
    p : float or None
        The p-value (a probability, 0 to 1); None or a non-finite value prints ``n/a``.

    >>> pvalue_text(0.0002), pvalue_text(0.0978), pvalue_text(0.0996), pvalue_text(0.41)
    ('< 0.001', '0.098', '0.10', '0.41')
    """
    if p is None or not is_finite(p):
        return "n/a"
    v = float(p)
    if v < 0.001:
        return "< 0.001"
    three = f"{v:.3f}"  # the rule reads the rounded value: 0.0996 is 0.10, not 0.100
    return three if float(three) < 0.1 else f"{v:.2f}"


def p_said(p: Any, name: str = "p") -> str:
    """A p-value in a sentence, by :func:`pvalue_text`'s rule: ``p < 0.001``, ``p = 0.41``.

    Parameters
    ----------
    p : float or None
        The p-value (a probability, 0 to 1); missing prints ``p = n/a``.
    name : str, default "p"
        What the sentence calls it (``"Kupiec p"``).

    >>> p_said(0.0002), p_said(0.0978, "Kupiec p"), p_said(0.41)
    ('p < 0.001', 'Kupiec p = 0.098', 'p = 0.41')
    """
    t = pvalue_text(p)
    return f"{name} {t}" if t.startswith("<") else f"{name} = {t}"
