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


def garch_forecast_py(returns: list[float], params: dict, model: str, horizon: int,
                      kappa: float = 0.5) -> list[float]:  # fmt: skip
    """arch's analytic GARCH/GJR variance forecast from the last bar, written out.

    Residuals ``e = r - mu``; arch's backcast ``bc`` (the 0.94-weighted mean of the first
    75 squared residuals) stands for every lagged square, and half of it for the lagged
    negative square: ``s2_0 = omega + (alpha + gamma/2) bc + beta bc``; then the
    recursion; one step ahead from the last shock; beyond it
    ``s2_{T+h} = omega + (alpha + kappa gamma + beta) s2_{T+h-1}``.
    """
    e = [x - params["mu"] for x in returns]
    tau = min(75, len(e))
    w = [0.94**i for i in range(tau)]
    bc = sum(wi * ei * ei for wi, ei in zip(w, e[:tau], strict=True)) / sum(w)
    g = params.get("gamma[1]", 0.0) if model == "gjr" else 0.0
    a, b, om = params["alpha[1]"], params["beta[1]"], params["omega"]
    s2_0 = om + (a + g / 2) * bc + b * bc
    path = garch_variance_path_py(params, model, e, s2_0)
    last = e[-1]
    out = [om + a * last * last + (g * last * last if last < 0 else 0.0) + b * path[-1]]
    for _ in range(1, horizon):
        out.append(om + (a + kappa * g + b) * out[-1])
    return out
