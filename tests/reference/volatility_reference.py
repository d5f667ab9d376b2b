"""Plain-Python references for liqcascade.volatility (loops, no pandas tricks)."""

from __future__ import annotations

import math


def log_returns_py(times: list, closes: list[float], start, end) -> list[tuple[object, float]]:
    """100·(log c_i − log c_{i-1}) over consecutive closes with start <= t <= end."""
    kept = [(t, c) for t, c in zip(times, closes, strict=True) if start <= t <= end]
    out = []
    for i in range(1, len(kept)):
        out.append((kept[i][0], 100.0 * (math.log(kept[i][1]) - math.log(kept[i - 1][1]))))
    return out


def realized_vol_py(times: list, closes: list[float], min_bars: int) -> dict[object, float]:
    """sqrt(sum r^2) per UTC day of the later bar, times sqrt(365); NaN under min_bars."""
    sums: dict[object, float] = {}
    counts: dict[object, int] = {}
    for i in range(1, len(closes)):
        day = times[i].normalize()
        r = 100.0 * (math.log(closes[i]) - math.log(closes[i - 1]))
        sums[day] = sums.get(day, 0.0) + r * r
        counts[day] = counts.get(day, 0) + 1
    return {
        d: (math.sqrt(sums[d]) * math.sqrt(365.0) if counts[d] >= min_bars else math.nan)
        for d in sums
    }


def garch_variance_path_py(params: dict, model: str, resid: list[float], s2_0: float) -> list:
    """sigma^2_t by the model's recursion from sigma^2_0 (arch's conventions)."""
    out = [s2_0]
    w, a, b = params["omega"], params["alpha[1]"], params["beta[1]"]
    g = params.get("gamma[1]", 0.0)
    for t in range(1, len(resid)):
        e, s2 = resid[t - 1], out[-1]
        if model == "egarch":
            z = e / math.sqrt(s2)
            ln = w + a * (abs(z) - math.sqrt(2 / math.pi)) + g * z + b * math.log(s2)
            out.append(math.exp(ln))
        else:
            out.append(w + a * e * e + (g * e * e if (model == "gjr" and e < 0) else 0.0) + b * s2)
    return out
