"""The identified book's calibration: one month's main fit and its bootstrap refits (ETH).

What ``liqmap calibrate --asset ETH --bootstrap 10`` repeats per month, on its
smallest window (the fit that predicts 2025-03: 2024-11-13 -> 2025-02-28, 589 scored
bars): the global maximum-likelihood search (12 grid + 64 Sobol starts, Nelder–Mead
from the 6 best) and ``N_REFITS`` moving-block bootstrap refits, each the same
search. Timed with the numba evaluation (the shipped default) against the reference
evaluation of session 4 (the full walk and scipy's trust-region profile,
``engine="reference"``), and checked equal: the same main fit and refits.
"""

from __future__ import annotations

from typing import Any

from benchmarks._scale import scaled
from benchmarks._timing import best_of

N_REFITS = 2
START = "2024-11-13"
MONTH = "2025-03"


def _once(frames: Any, engine: str) -> tuple[Any, list[Any]]:
    import pandas as pd

    from liqcascade._time import to_utc
    from liqcascade.positions._likelihood import bootstrap_fits, fit_book

    t0 = to_utc(scaled(START, "2025-01-20"))
    t1 = to_utc(MONTH + "-01") - pd.Timedelta(microseconds=1)
    f = frames.until(t1)  # fresh caches
    # the library's defaults (12 grid + 64 Sobol starts, 6 local searches of <= 250 steps)
    search = {"maxiter": scaled(250, 3), "n_sobol": scaled(64, 1), "n_local": scaled(6, 1)}
    fit = fit_book(f, t0, t1, engine=engine, **search)
    boot = bootstrap_fits(f, t0, t1, fit.params, n=scaled(N_REFITS, 1), seed=0,
                          starts=[p for _, p in fit.optima[1:]], engine=engine,
                          **search)  # fmt: skip
    return fit, boot


def run() -> list[dict[str, object]]:
    from liqcascade.market import load_market_frames

    frames = load_market_frames("ETH", "4h", None)
    out: dict[str, Any] = {}

    def go(engine: str) -> None:
        out[engine] = _once(frames, engine)

    go("numba")  # compile (numba caches to disk) and warm the data
    t_fast = best_of(lambda: go("numba"), 1)
    t_ref = best_of(lambda: go("reference"), 1)
    (fa, ba), (fr, br) = out["numba"], out["reference"]
    worst = 0.0
    for a, b in zip([fa.params, *ba], [fr.params, *br], strict=True):
        for k, v in b.to_dict().items():
            w = getattr(a, k)
            worst = max(worst, abs(w - v) / abs(v) if v else abs(w))
    worst = max(worst, abs(fa.loglik - fr.loglik) / abs(fr.loglik))
    return [
        {
            "name": f"identified-book calibration, ETH fit for {MONTH} (589 bars): main fit "
            f"(global search) + {N_REFITS} bootstrap refits, numba vs reference evaluation",
            "seconds": t_fast,
            "reference_seconds": t_ref,
            "repeats": 1,
            "notes": (
                f"one month of `liqmap calibrate --asset ETH` ({1 + N_REFITS} of its 11 "
                f"global searches); reference = session 4's evaluation (engine='reference'); "
                f"same fits: largest relative difference of parameters and log-likelihood "
                f"{worst:.1e}"
            ),
        }
    ]
