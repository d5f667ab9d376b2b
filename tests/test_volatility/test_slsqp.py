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
        (ours,), theirs = constraints_with_jacobian(a, b), base.constraint(a, b)
        assert len(theirs) == n
        assert ours["type"] == "ineq"
        x = rng.normal(size=k)
        values = ours["fun"](x)  # type: ignore[operator]
        jac = ours["jac"](x)  # type: ignore[operator]
        assert values.shape == (n,) and jac.shape == (n, k)
        for i, (t, row) in enumerate(zip(theirs, a, strict=True)):
            assert t["type"] == "ineq"
            # each row's value computed as arch's own row function computes it
            assert values[i] == pytest.approx(t["fun"](x), rel=1e-15, abs=0)  # type: ignore[operator]
            np.testing.assert_allclose(jac[i], row, rtol=0, atol=0)
            num = approx_fprime(x, t["fun"], 1e-6)  # type: ignore[arg-type]
            np.testing.assert_allclose(jac[i], num, rtol=1e-6, atol=1e-7)
    assert constraints_with_jacobian(np.zeros((0, 3)), np.zeros(0)) == []


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
