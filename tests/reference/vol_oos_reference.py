"""Plain-Python twins of the out-of-sample score's loss and baselines.

Written from docs/volatility.md ("Out of sample"), one case at a time, with no numpy:
:func:`liqcascade.volatility.qlike`, :func:`~liqcascade.volatility.ewma_variance` and
:func:`~liqcascade.volatility.trailing_variance` must give the same numbers.
"""

from __future__ import annotations

import math


def qlike_py(proxy: list[float], h: list[float]) -> list[float]:
    """``proxy / h + ln h`` per case (Patton 2011's QLIKE without the proxy-only term)."""
    return [p / v + math.log(v) for p, v in zip(proxy, h, strict=True)]


def ewma_py(returns: list[float], lam: float = 0.94) -> list[float]:
    """RiskMetrics' forecast of each return, made before it (start: mean of 30 squares)."""
    if not returns:
        return []
    first = returns[:30]
    s2 = sum(x * x for x in first) / len(first)
    out = []
    for x in returns:
        out.append(s2)
        s2 = lam * s2 + (1.0 - lam) * x * x
    return out


def trailing_py(returns: list[float], window: int = 30) -> list[float]:
    """The mean of the ``window`` squared returns before each return (NaN before)."""
    out = []
    for i in range(len(returns)):
        if i < window:
            out.append(math.nan)
        else:
            out.append(sum(x * x for x in returns[i - window : i]) / window)
    return out
