"""A fit's starting values and variance bounds, compiled and remembered (``volatility._starts``).

Held to ``arch``'s own methods on many random samples, and the fits that use them to
the fits without them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from arch import arch_model

from liqcascade import datasets
from liqcascade._numba import NUMBA_DISABLED
from liqcascade.volatility import _kernels as K
from liqcascade.volatility import arch_spec, fit_arch, log_returns
from liqcascade.volatility._loglik import fast_loglik
from liqcascade.volatility._starts import METHODS, FastStarts

compiled = pytest.mark.skipif(NUMBA_DISABLED, reason="numba disabled: arch's own methods")

#: arch computes the same operations in the same order: equal to the last bits on this
#: machine; the tolerance leaves room for a C library whose log differs by an ulp
REL = 1e-12

VOLS = [("GARCH", 1, 0, 1), ("GARCH", 1, 1, 1), ("EGARCH", 1, 1, 1), ("GARCH", 2, 1, 1),
        ("EGARCH", 1, 0, 2)]  # fmt: skip


def _sample(seed: int) -> np.ndarray:
    """Residuals with clustering and fat tails, of a random length and scale (percent)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(120, 3000))
    scale = float(10 ** rng.uniform(-1.5, 1.0))
    h = np.empty(n)
    e = np.empty(n)
    h[0] = 1.0
    a = rng.uniform(0.02, 0.3)
    b = rng.uniform(0.5, 0.95) * (1 - a)
    for t in range(n):
        if t:
            h[t] = (1 - a - b) * 1.0 + a * e[t - 1] ** 2 + b * h[t - 1]
        e[t] = np.sqrt(h[t]) * rng.standard_t(float(rng.uniform(2.5, 30)))
    e = e * scale
    return np.asarray(e - e.mean(), dtype=np.float64)


def _process(y: np.ndarray, vol: str, p: int, o: int, q: int) -> object:
    am = arch_model(y, mean="Constant", vol=vol, p=p, o=o, q=q, dist="normal", rescale=False)
    return am.volatility


def _stand_in(v: object) -> FastStarts:
    kind = K.VOL_EGARCH if type(v).__name__ == "EGARCH" else K.VOL_GARCH
    from liqcascade.volatility._loglik import _arch_lnsigma_max

    return FastStarts(v, kind, _arch_lnsigma_max())


@compiled
@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize(("vol", "p", "o", "q"), VOLS, ids=[f"{v}{p}{o}{q}" for v, p, o, q in VOLS])
def test_starting_values_are_archs(seed: int, vol: str, p: int, o: int, q: int) -> None:
    r = _sample(seed)
    v = _process(r, vol, p, o, q)
    want = v.starting_values(r)  # type: ignore[attr-defined]
    fast = _stand_in(v)
    np.testing.assert_allclose(fast.starting_values(r), want, rtol=REL, atol=0)
    np.testing.assert_allclose(fast.starting_values(r), want, rtol=REL, atol=0)  # remembered
    bounds = v.variance_bounds(r)  # type: ignore[attr-defined]
    np.testing.assert_allclose(fast.variance_bounds(r), bounds, rtol=REL, atol=0)


@compiled
@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize(("vol", "p", "o", "q"), VOLS, ids=[f"{v}{p}{o}{q}" for v, p, o, q in VOLS])
def test_gaussian_loglikelihood_is_archs(seed: int, vol: str, p: int, o: int, q: int) -> None:
    r = _sample(1000 + seed)
    v = _process(r, vol, p, o, q)
    rng = np.random.default_rng(seed)
    bounds = v.variance_bounds(r)  # type: ignore[attr-defined]
    backcast = v.backcast(r)  # type: ignore[attr-defined]
    fast = _stand_in(v)
    for _ in range(10):
        k = 1 + p + o + q
        if vol == "EGARCH":
            x = np.concatenate([[rng.normal(0, 0.3)], rng.uniform(-0.3, 0.3, k - 1 - q),
                                rng.uniform(0.0, 0.999, q)])  # fmt: skip
        else:
            omega = float(np.var(r)) * rng.uniform(0.01, 0.5)
            x = np.concatenate(
                [[omega], rng.uniform(0.0, 0.3, k - 1 - q), rng.uniform(0.0, 0.9, q) / q]
            )
        want = v._gaussian_loglikelihood(x, r, backcast, bounds)  # type: ignore[attr-defined]
        got = fast._gaussian_loglikelihood(x, r, backcast, bounds)
        assert got == pytest.approx(want, rel=REL, abs=0)


def test_remembered_answers_are_copies() -> None:
    r = _sample(7)
    fast = _stand_in(_process(r, "GARCH", 1, 1, 1))
    sv = fast.starting_values(r)
    sv[:] = -1.0
    b = fast.variance_bounds(r)
    b[:] = -1.0
    assert np.all(fast.starting_values(r) > 0)
    assert np.all(fast.variance_bounds(r) > 0)


def test_install_and_remove_leave_the_process_as_it_was() -> None:
    r = _sample(3)
    v = _process(r, "EGARCH", 1, 1, 1)
    fast = _stand_in(v)
    fast.install()
    assert all(name in vars(v) for name in METHODS)
    FastStarts.remove(v)
    assert not any(name in vars(v) for name in METHODS)


@compiled
@pytest.mark.parametrize("model", ["garch", "gjr", "egarch"])
@pytest.mark.parametrize("dist", ["normal", "t", "skewt"])
def test_fits_equal_the_fits_without_them(
    model: str, dist: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = log_returns(datasets.load_ohlcv("ETH", "1d")["close"], "2023-01-01", "2024-12-31")
    am = arch_spec(r, model, dist)
    assert fast_loglik(am) is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_arch(am, disp="off", show_warning=False)
        assert not any(name in vars(am.volatility) for name in METHODS)
        assert not any(name in vars(res.model.volatility) for name in METHODS)
        monkeypatch.setattr(FastStarts, "install", lambda self: None)
        plain = fit_arch(arch_spec(r, model, dist), disp="off", show_warning=False)
    np.testing.assert_allclose(np.asarray(res.params), np.asarray(plain.params), rtol=REL, atol=0)
    assert res.loglikelihood == pytest.approx(plain.loglikelihood, rel=REL, abs=0)
    assert isinstance(res.params, pd.Series)
