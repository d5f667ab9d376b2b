"""A fit that stops on SLSQP's line search or iteration limit gets one restart.

SLSQP's exit flag depends on the last bits of the likelihood, which change with the
machine's BLAS threads and CPU (docs/design.md, "Thread counts and reproducibility"):
:func:`settle` answers exits 8 and 9 by a restart from the end point, so a verdict does
not flip between machines on the flag alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.volatility import fit_volatility, log_returns
from liqcascade.volatility._fit import SLSQP_ITERATIONS, SLSQP_LINE_SEARCH, settle


@dataclass
class _Result:
    convergence_flag: int
    loglikelihood: float
    params: np.ndarray


@dataclass
class _Model:
    """A model whose ``fit`` returns the prepared restart and records its start."""

    restart: _Result
    starts: list[Any] = field(default_factory=list)

    def fit(self, **kwargs: Any) -> _Result:
        self.starts.append(kwargs.get("starting_values"))
        return self.restart


P = np.array([0.05, 0.02, 0.08, 0.05, 0.88, 5.0])


def _res(flag: int, ll: float, p: np.ndarray = P) -> _Result:
    return _Result(flag, ll, np.asarray(p, dtype=float))


def test_a_converged_fit_is_not_restarted() -> None:
    m = _Model(_res(0, -1.0))
    first = _res(0, -100.0)
    assert settle(m, first) == (first, False) and m.starts == []


@pytest.mark.parametrize("flag", [1, 2, 4, 5, 6, 7])
def test_other_failures_are_returned_as_they_are(flag: int) -> None:
    m = _Model(_res(0, -1.0))
    first = _res(flag, -100.0)
    assert settle(m, first) == (first, False) and m.starts == []


@pytest.mark.parametrize("flag", [SLSQP_LINE_SEARCH, SLSQP_ITERATIONS])
def test_a_restart_that_converges_no_lower_is_kept(flag: int) -> None:
    again = _res(0, -100.0 + 1e-3, P * 1.01)
    m = _Model(again)
    out, settled = settle(m, _res(flag, -100.0))
    assert out is again and not settled
    np.testing.assert_array_equal(m.starts[0], P)  # restarted from the end point


@pytest.mark.parametrize("flag", [SLSQP_LINE_SEARCH, SLSQP_ITERATIONS])
def test_a_restart_that_leaves_for_a_worse_point_is_not_an_answer(flag: int) -> None:
    # EGARCH on one year: a restart "converges" at a far lower likelihood
    first = _res(flag, -808.9)
    out, settled = settle(_Model(_res(0, -4489.5, P * 50)), first)
    assert out is first and not settled


def test_the_line_search_stopping_twice_at_the_same_point_is_the_optimum() -> None:
    first = _res(SLSQP_LINE_SEARCH, -17050.0616)
    same = _res(SLSQP_LINE_SEARCH, -17050.0616 * (1 + 1e-12), P * (1 + 1e-9))
    out, settled = settle(_Model(same), first)
    assert out is first and settled


@pytest.mark.parametrize(("ll", "scale"), [(-17050.0616 - 1e-3, 1.0), (-17050.0616, 1.0 + 1e-4)])
def test_stopping_twice_at_another_point_is_not(ll: float, scale: float) -> None:
    first = _res(SLSQP_LINE_SEARCH, -17050.0616)
    out, settled = settle(_Model(_res(SLSQP_LINE_SEARCH, ll, P * scale)), first)
    assert out is first and not settled


def test_the_iteration_limit_twice_is_not_convergence() -> None:
    first = _res(SLSQP_ITERATIONS, -604.0)
    out, settled = settle(_Model(_res(SLSQP_ITERATIONS, -604.0)), first)
    assert out is first and not settled


def test_btc_hourly_gjr_converges_on_any_thread_count() -> None:
    """BTC's hourly GJR-t 2022 → 2025-07 ends on exit 8 with one or two BLAS threads
    and converges with four, at log-likelihoods within 0.06 of each other: it is
    converged and reliable whichever way it ends here, and its γ is the same to 1 %."""
    close = datasets.load_ohlcv("BTC", "1h")["close"]
    close = close[close.index < "2025-08-01"]
    r = log_returns(close, pd.Timestamp("2022-01-01", tz="UTC"), "2025-12-31")
    f = fit_volatility(r, "gjr", "t", interval="1h")
    assert f.converged and f.reliable, f.convergence_message
    assert f.leverage_verdict == f.leverage.verdict  # type: ignore[union-attr]
    assert f.params["gamma[1]"] == pytest.approx(0.006, rel=0.01)
    assert f.loglik == pytest.approx(-17050.1, abs=0.1)


def test_an_unreliable_fit_says_so_instead_of_a_verdict(eth_returns_2022_2025: pd.Series) -> None:
    f = fit_volatility(eth_returns_2022_2025, "gjr", "t")
    assert f.leverage_verdict == f.leverage.verdict  # type: ignore[union-attr]
    f.__dict__["reliable"] = False  # as a fit at a singular Hessian
    assert f.leverage_verdict == "unreliable (singular Hessian)"
    assert f.to_dict()["leverage_verdict"] == "unreliable (singular Hessian)"
    settled = type(f)(f.returns, f.model, f.dist, f.interval, f.result, settled=True)
    assert settled.converged and "restart from that point" in settled.convergence_message
    assert fit_volatility(eth_returns_2022_2025, "garch", "t").leverage_verdict is None
