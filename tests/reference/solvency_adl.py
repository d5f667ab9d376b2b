"""Plain-Python ADL allocations (loops, no numpy), the reference for liqcascade.solvency."""

from __future__ import annotations


def capacity(side, size, entry, mark, loss_side, pb=None):
    g, c = [], []
    for s, q, e in zip(side, size, entry, strict=True):
        u = s * (mark - e)
        gi = u if (s == -loss_side and u > 0 and q > 0) else 0.0
        if pb is not None:
            gi = min(gi, abs(mark - pb))
        g.append(gi)
        c.append(q * gi)
    return g, c


def score(policy, s, q, e, m, mark):
    m = max(m, 1e-12)
    upnl = s * q * (mark - e)
    equity = max(m + upnl, 1e-12)
    lev = q * mark / equity
    if policy == "binance":
        return upnl / m * lev
    return (mark / e if s > 0 else e / mark) * lev


def allocate(policy, side, size, entry, margin, mark, deficit, loss_side, pb=None, whole=False):
    g, cap = capacity(side, size, entry, mark, loss_side, pb)
    n = len(cap)
    covered = min(deficit, sum(cap))
    h = [0.0] * n
    if policy in ("binance", "hyperliquid"):
        sc = [score(policy, side[i], size[i], entry[i], margin[i], mark) for i in range(n)]
        order = sorted(range(n), key=lambda i: (-sc[i], i))
        rem = covered
        for i in order:
            if rem <= 0:
                break
            if cap[i] <= 0:
                continue
            take = cap[i] if whole else min(cap[i], rem)
            h[i] = take
            rem -= take
    elif policy == "socialized":
        tot = sum(cap)
        h = [c * covered / tot if tot > 0 else 0.0 for c in cap]
    else:  # optimal: greedy on cost per USD of haircut, mark / g (cheapest first)
        order = sorted((i for i in range(n) if cap[i] > 0), key=lambda i: (mark / g[i], i))
        rem = covered
        for i in order:
            take = min(cap[i], rem)
            h[i] = take
            rem -= take
    closed = [h[i] / g[i] if g[i] > 0 else 0.0 for i in range(n)]
    return h, closed, covered
