"""What ``JointModel.innovations`` draws: FHS rows joint across assets, the copula.

(a) a plain loop making the same ``rng`` calls reproduces the draws: FHS takes one
residual day per (path, step) for every asset; the Gaussian copula is
``ppf_j(Φ((L g)_j))`` with ``L`` the Cholesky factor of ``corr`` (computed here by
hand) and ``ppf_j`` the standardised Student t / normal (from scipy, not ``arch``);
(b) the Gaussian copula's Spearman correlation is ``(6/π)·asin(ρ/2)``;
(c) FHS draws are residual rows and ignore ``corr``; the copula's marginals do not
depend on ``corr``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from arch.univariate import Normal, StudentsT
from scipy import stats

from floats import assert_same
from liqcascade.stress import AssetModel, JointModel


def _model(asset: str, nu: float | None) -> AssetModel:
    dist, par = (Normal(), np.zeros(0)) if nu is None else (StudentsT(), np.array([nu]))
    return AssetModel(asset, 100.0, "gjr", 0.0, 0.05, 0.08, 0.05, 0.88, 9.0, par, dist)


def _joint(method: str, corr, nus, resid=None) -> JointModel:
    k = len(nus)
    models = tuple(_model(f"A{j}", nu) for j, nu in enumerate(nus))
    pool = np.zeros((5, k)) if resid is None else resid
    return JointModel(
        tuple(m.asset for m in models),
        models,
        method,
        np.asarray(corr, dtype=np.float64),
        pool,
        pd.Timestamp("2020-01-01"),
        pd.Timestamp("2021-01-01"),
    )


def _cholesky_py(a: list[list[float]]) -> list[list[float]]:
    """Cholesky–Banachiewicz with plain loops."""
    n = len(a)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = sum(low[i][m] * low[j][m] for m in range(j))
            if i == j:
                low[i][j] = math.sqrt(a[i][i] - s)
            else:
                low[i][j] = (a[i][j] - s) / low[j][j]
    return low


def _ppf_ref(u: float, nu: float | None) -> float:
    """Standardised (unit-variance) innovation at probability u."""
    if nu is None:
        return float(stats.norm.ppf(u))
    return float(stats.t.ppf(u, nu)) * math.sqrt((nu - 2.0) / nu)


def _random_corr(rng: np.random.Generator, k: int) -> np.ndarray:
    a = rng.standard_normal((k, k + 2))
    c = a @ a.T
    d = np.sqrt(np.diag(c))
    out = c / np.outer(d, d)
    np.fill_diagonal(out, 1.0)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_fhs_equals_a_plain_loop_over_joint_residual_days(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 4))
    days = int(rng.integers(3, 40))
    resid = rng.standard_t(4, size=(days, k))
    jm = _joint("fhs", np.eye(k), [5.0] * k, resid)
    n, h = int(rng.integers(1, 30)), int(rng.integers(1, 20))
    got = jm.innovations(np.random.default_rng(1000 + seed), n, h)
    # the same rng call, then a plain loop: one day per (path, step) for every asset
    day = np.random.default_rng(1000 + seed).integers(0, days, size=(n, h))
    assert len(got) == k
    for j in range(k):
        assert got[j].shape == (n, h) and got[j].flags["C_CONTIGUOUS"]
        for i in range(n):
            for t in range(h):
                assert got[j][i, t] == resid[int(day[i, t]), j]  # values copied, not computed
    # (c) every (path, step) is one recorded day of all assets together
    rows = {tuple(r) for r in resid.tolist()}
    for i in range(n):
        for t in range(h):
            assert tuple(float(got[j][i, t]) for j in range(k)) in rows


def test_fhs_ignores_the_correlation_and_draws_every_day() -> None:
    rng = np.random.default_rng(5)
    resid = rng.standard_normal((7, 2))
    a = _joint("fhs", np.eye(2), [5.0, 5.0], resid).innovations(np.random.default_rng(9), 50, 40)
    c = [[1.0, 0.9], [0.9, 1.0]]
    b = _joint("fhs", c, [5.0, 5.0], resid).innovations(np.random.default_rng(9), 50, 40)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)  # the same rows copied: no arithmetic
    # a uniform bootstrap over the 7 days: every day drawn, each about 1/7 of the time
    _, counts = np.unique(a[0], return_counts=True)
    assert counts.size == 7
    assert np.all(np.abs(counts / 2000 - 1 / 7) < 0.03)


@pytest.mark.parametrize("seed", range(4))
def test_copula_equals_a_plain_loop(seed: int) -> None:
    rng = np.random.default_rng(50 + seed)
    k = int(rng.integers(1, 4))
    corr = _random_corr(rng, k) if k > 1 else np.ones((1, 1))
    nus: list[float | None] = [
        None if rng.random() < 0.3 else float(rng.uniform(2.5, 30)) for _ in range(k)
    ]
    jm = _joint("garch", corr, nus)
    n, h = int(rng.integers(1, 12)), int(rng.integers(1, 10))
    got = jm.innovations(np.random.default_rng(2000 + seed), n, h)
    g = np.random.default_rng(2000 + seed).standard_normal(size=(k, n, h))
    low = _cholesky_py(corr.tolist())
    for i in range(n):
        for t in range(h):
            for j in range(k):
                x = sum(low[j][m] * float(g[m, i, t]) for m in range(k))
                u = 0.5 * math.erfc(-x / math.sqrt(2.0))  # Φ(x)
                u = min(max(u, 1e-12), 1.0 - 1e-12)
                assert_same(got[j][i, t], _ppf_ref(u, nus[j]), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("rho", [-0.8, 0.0, 0.35, 0.9])
def test_copula_spearman_is_the_gaussian_formula(rho: float) -> None:
    """Spearman's ρ_s of a Gaussian copula is (6/π)·asin(ρ/2), whatever the marginals.

    200,000 draws (seeded): the standard error of ρ_s is below (1 − ρ_s²)/√n ≈ 0.0022,
    the tolerance 0.01 is over four of them.
    """
    jm = _joint("garch", [[1.0, rho], [rho, 1.0]], [4.0, None])
    a, b = jm.innovations(np.random.default_rng(int(1000 * (rho + 1))), 400, 500)
    rs = stats.spearmanr(a.ravel(), b.ravel()).statistic
    assert abs(rs - 6.0 / math.pi * math.asin(rho / 2.0)) < 0.01


def test_copula_pairwise_spearman_with_three_assets() -> None:
    corr = np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]])
    jm = _joint("garch", corr, [3.5, 8.0, None])
    x = [v.ravel() for v in jm.innovations(np.random.default_rng(77), 300, 500)]
    for i, j in ((0, 1), (0, 2), (1, 2)):
        rs = stats.spearmanr(x[i], x[j]).statistic
        assert abs(rs - 6.0 / math.pi * math.asin(corr[i, j] / 2.0)) < 0.01, (i, j)


@pytest.mark.parametrize("rho", [0.0, 0.5, -0.95])
def test_copula_marginals_do_not_depend_on_the_correlation(rho: float) -> None:
    """Each asset's draws follow its own standardised distribution for any ``corr``.

    The first asset's draws are the same numbers (``L[0, 0] = 1``); the second's pass a
    one-sample KS test against the standardised t with ν = 4 (seeded, 100,000 draws)
    and have unit variance.
    """
    nu = 4.0
    corr = [[1.0, rho], [rho, 1.0]]
    a0, b0 = _joint("garch", np.eye(2), [6.0, nu]).innovations(np.random.default_rng(3), 200, 500)
    a1, b1 = _joint("garch", corr, [6.0, nu]).innovations(np.random.default_rng(3), 200, 500)
    assert_same(a1, a0)
    scale = math.sqrt((nu - 2.0) / nu)
    ks = stats.kstest(b1.ravel() / scale, stats.t(nu).cdf)
    assert ks.pvalue > 1e-3, ks
    # the variance of a standardised t(4) converges slowly (infinite kurtosis):
    # compare the interquartile range instead, 2·t_0.75(4)·scale
    q1, q3 = np.quantile(b1.ravel(), [0.25, 0.75])
    assert abs((q3 - q1) - 2 * stats.t.ppf(0.75, nu) * scale) < 0.02
    # with rho = 0 both runs draw the same second margin too
    if rho == 0.0:
        assert_same(b1, b0)


def test_real_eth_btc_model_draws_its_own_residual_days_and_copula() -> None:
    """On the bundled ETH and BTC daily returns: FHS rows are recorded days, the
    copula's Spearman follows the fitted correlation."""
    from liqcascade.stress import fit_joint_model

    as_of = pd.Timestamp("2024-06-30")
    prices = {"ETH": 3400.0, "BTC": 62000.0}
    fhs = fit_joint_model(["ETH", "BTC"], prices, as_of=as_of, method="fhs")
    e, b = fhs.innovations(np.random.default_rng(11), 20, 30)
    rows = {tuple(r) for r in fhs.resid.tolist()}
    assert all((float(x), float(y)) in rows for x, y in zip(e.ravel(), b.ravel(), strict=True))
    cop = fit_joint_model(["ETH", "BTC"], prices, as_of=as_of, method="garch")
    rho = float(cop.corr[0, 1])
    assert 0.5 < rho < 0.95  # ETH and BTC move together
    e, b = cop.innovations(np.random.default_rng(12), 400, 500)
    rs = stats.spearmanr(e.ravel(), b.ravel()).statistic
    assert abs(rs - 6.0 / math.pi * math.asin(rho / 2.0)) < 0.01
