"""`arch`'s fit with exact constraint Jacobians (``volatility._slsqp.fit_arch``).

The constraints are arch's own (the same functions), with the row of ``a`` as their
Jacobian; the fit reaches arch's plain optimum within the optimiser's tolerance.
"""

from __future__ import annotations

import arch.univariate.base as base
import numpy as np
import pytest
from arch import arch_model
from arch.univariate import Normal, StudentsT
from scipy.optimize import approx_fprime

from liqcascade.volatility._slsqp import constraints_with_jacobian, fit_arch


def test_the_constraints_are_archs_with_their_jacobian() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        n, k = int(rng.integers(1, 6)), int(rng.integers(1, 7))
        a, b = rng.normal(size=(n, k)), rng.normal(size=n)
        ours, theirs = constraints_with_jacobian(a, b), base.constraint(a, b)
        assert len(ours) == len(theirs) == n
        x = rng.normal(size=k)
        for o, t, row in zip(ours, theirs, a, strict=True):
            assert o["type"] == t["type"] == "ineq"
            assert o["fun"](x) == t["fun"](x)  # type: ignore[operator]
            np.testing.assert_array_equal(o["jac"](x), row)  # type: ignore[operator]
            num = approx_fprime(x, t["fun"], 1e-6)  # type: ignore[arg-type]
            np.testing.assert_allclose(o["jac"](x), num, rtol=1e-6, atol=1e-7)  # type: ignore[operator]


#: (vol, o, dist, simulation parameters: mu, omega, alpha, [gamma], beta, [nu])
CASES = [
    ("GARCH", 1, "t", [0.05, 0.05, 0.05, 0.08, 0.85, 6.0]),
    ("GARCH", 0, "normal", [0.05, 0.05, 0.08, 0.9]),
    ("EGARCH", 1, "t", [0.05, 0.02, 0.1, -0.05, 0.97, 6.0]),
    ("GARCH", 1, "normal", [0.0, 0.1, 0.03, 0.1, 0.85]),
]


@pytest.mark.parametrize(("vol", "o", "dist", "params"), CASES)
def test_the_fit_reaches_archs_optimum(vol: str, o: int, dist: str, params: list[float]) -> None:
    seed = np.random.default_rng(len(params) * 10 + o)
    sim = arch_model(None, vol=vol, p=1, o=o, q=1, dist=dist)
    sim.distribution = (StudentsT if dist == "t" else Normal)(seed=seed)  # a seeded simulation
    y = np.asarray(sim.simulate(params, 2000, burn=500)["data"])
    model = arch_model(y, vol=vol, p=1, o=o, q=1, dist=dist)
    plain = model.fit(disp="off", show_warning=False)
    fast = fit_arch(model, disp="off", show_warning=False)
    assert fast.convergence_flag == 0
    assert fast.loglikelihood == pytest.approx(plain.loglikelihood, rel=1e-7)
    np.testing.assert_allclose(fast.params, plain.params, rtol=2e-3, atol=2e-4)


def test_archs_module_is_left_as_it_was() -> None:
    plain = base.constraint

    class Boom:
        def fit(self, **kwargs: object) -> None:
            assert base.constraint is constraints_with_jacobian  # patched during the fit
            raise RuntimeError("the fit failed")

    with pytest.raises(RuntimeError, match="the fit failed"):
        fit_arch(Boom())
    assert base.constraint is plain
