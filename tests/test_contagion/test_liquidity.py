"""Contagion through the calibrated liquidity response (latent depth); static as upper bound."""

from __future__ import annotations

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.book import OrderBook
from liqcascade.cascade._clock_kernels import effective_depth
from liqcascade.contagion import simulate_contagion
from liqcascade.contagion._config import parse_config
from liqcascade.contagion._liquidity import latent_book, run_setup
from liqcascade.contagion._presets import oct_2025
from liqcascade.errors import InputError


def test_latent_book_golden_and_identity() -> None:
    ob = OrderBook.from_levels(100.0, [[99.5, 1], [97.0, 2]], [[100.5, 1], [103.0, 4]])
    assert latent_book(ob, 0.0, 0.01) is ob
    lb = latent_book(ob, 8.0, 0.01)
    # inside the visible 1 %: unchanged; at 3 % from mid: 1 + 8 (3 - 1) = 17 times
    np.testing.assert_allclose(lb.bid_size, [1.0, 34.0], rtol=1e-12)
    np.testing.assert_allclose(lb.ask_size, [1.0, 68.0], rtol=1e-12)
    with pytest.raises(InputError, match="latent_depth"):
        latent_book(ob, -1.0, 0.01)


@pytest.mark.parametrize("seed", range(20))
def test_latent_book_is_the_clock_kernels_effective_depth(seed: int) -> None:
    rng = np.random.default_rng(seed)
    mid = 2000.0
    n = int(rng.integers(1, 40))
    bp = np.sort(mid * (1 - rng.uniform(1e-4, 0.2, n)))[::-1]
    bp = np.unique(bp)[::-1]
    bq = rng.uniform(0.1, 10, bp.size)
    ob = OrderBook(mid, bp, bq, np.array([mid * 1.001]), np.array([1.0]))
    lam, vis = float(rng.uniform(0, 8)), float(rng.uniform(0.002, 0.03))
    qc, _ = effective_depth(mid, bp, bp, bq, lam, vis)
    lb = latent_book(ob, lam, vis)
    np.testing.assert_allclose(np.cumsum(lb.bid_size), qc[1:], rtol=1e-12)


@pytest.fixture(scope="module")
def setup():  # type: ignore[no-untyped-def]
    return oct_2025({})


@pytest.mark.parametrize("shock", [-0.05, -0.12])
def test_calibrated_bounded_by_static_on_the_preset(setup, shock: float) -> None:  # type: ignore[no-untyped-def]
    cal = run_setup(setup, shock=shock)
    st = run_setup(setup, shock=shock, liquidity="static")
    assert cal.liquidity == "calibrated" and st.liquidity == "static"
    assert cal.cex_liquidated_usd <= st.cex_liquidated_usd
    # the same accounts, liquidated lower: the debt owed in WETH or WBTC repays fewer
    # dollars there, so the static figure may fall short by cents (1e-9 at -5 %)
    assert cal.defi_liquidated_usd <= st.defi_liquidated_usd * (1 + 1e-6)
    for n, v in cal.venues.items():
        s = st.venues[n]
        assert v.n_liquidated <= s.n_liquidated
        assert abs(v.move) <= abs(s.move) + 1e-12
    assert cal.static_upper_bound is not None and cal.interval is not None
    assert cal.static_upper_bound["cex_liquidated_usd"] == pytest.approx(
        st.cex_liquidated_usd, rel=1e-12
    )
    assert cal.interval["n_draws"] >= 1
    assert cal.interval["cex_liquidated_usd_p10"] <= cal.interval["cex_liquidated_usd_p90"]
    assert cal.summary()["liquidity"] == "calibrated" and "interval" in cal.summary()


def test_static_reproduces_the_engine(setup) -> None:  # type: ignore[no-untyped-def]
    st = run_setup(setup, liquidity="static")
    ref = simulate_contagion(setup.venues, setup.links, setup.lending,
                             shock_venue=setup.shock_venue, max_rounds=setup.max_rounds,
                             **setup.shock)  # fmt: skip
    assert st.rounds == ref.rounds
    for n, v in ref.venues.items():
        assert st.venues[n].final_price == pytest.approx(v.final_price, rel=1e-12)
        assert st.venues[n].liquidated_usd == pytest.approx(v.liquidated_usd, rel=1e-12)
    assert st.defi_liquidated_usd == pytest.approx(ref.defi_liquidated_usd, rel=1e-12)
    assert "interval" not in st.summary()


def test_config_liquidity_key() -> None:
    import tomllib

    from liqcascade.contagion._config import PRESETS_DIR

    base = tomllib.loads((PRESETS_DIR / "oct-2025.toml").read_text(encoding="utf-8"))
    assert parse_config(base, "t.toml").simulation.liquidity == "calibrated"
    base["simulation"]["liquidity"] = "static"
    assert parse_config(base, "t.toml").simulation.liquidity == "static"
    base["simulation"]["liquidity"] = "deep"
    with pytest.raises(InputError, match="liquidity"):
        parse_config(base, "t.toml")


def test_cli_liquidity() -> None:
    r = run_cli("contagion", "--preset", "oct-2025", "--liquidity", "static", "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["liquidity"] == "static" and "interval" not in d
    r = run_cli("contagion", "--preset", "oct-2025", "--json")
    c = r.json()
    assert c["liquidity"] == "calibrated" and c["calibration"]["latent_depth"] >= 0
    assert c["static_upper_bound"]["cex_liquidated_usd"] == pytest.approx(
        sum(v["liquidated_usd"] for v in d["venues"].values()), rel=1e-12
    )
    r = run_cli("contagion", "--preset", "oct-2025", "--liquidity", "deep")
    assert r.exit_code == 2 and "--liquidity" in r.stderr and "Traceback" not in r.stderr
