"""Every result type has a JSON-safe ``to_dict()`` (the library trial of session 22).

``summary()`` returned a dict for Cascade, Stress, Solvency, Contagion and
LiquidationMap results but a Series for VolatilityFit, SupportStudy and LiqResult, and
``to_dict()`` existed on four of the eight. ``summary()`` keeps its types (callers rely
on them); each ``to_dict()`` goes through ``json.dumps`` and gives back its key figures
(within ``RTOL``: JSON keeps a float's 17 digits, the tolerance spares bit-for-bit).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RTOL = 1e-12
DATA = Path(__file__).resolve().parent / "data"


def _cascade() -> Any:
    from liqcascade import simulate_cascade
    from liqcascade.book import OrderBook
    from liqcascade.positions import PositionBook

    book = OrderBook.parametric(3000.0, 30e6, beta=0.73)
    pos = PositionBook([1, -1], [10.0, 5.0], [3100.0, 2900.0], [1550.0, 1450.0],
                       [2960.0, 3040.0], [2945.0, 3045.0])  # fmt: skip
    return simulate_cascade(book, pos, shock=-0.05)


def _stress() -> Any:
    from liqcascade.stress import sample_portfolio, shock_grid, stress_market

    market = stress_market()
    return shock_grid(sample_portfolio(market.prices), market, [-0.05, -0.1])


def _solvency() -> Any:
    from liqcascade.positions import PositionBook
    from liqcascade.solvency import Exchange, StressScenario, run_solvency

    book = PositionBook(side=[1, 1, -1], size=[1.0, 2.0, 1.0], entry_price=[2000.0] * 3,
                        margin=[100.0, 400.0, 200.0], liq_price=[1910.0, 1810.0, 2190.0],
                        bankruptcy_price=[1900.0, 1800.0, 2200.0])  # fmt: skip
    ex = Exchange(book, insurance_fund=50.0, reserve_buffer=0.01, mid=2000.0)
    return run_solvency(ex, [StressScenario("a", -0.08)])


def _contagion() -> Any:
    from liqcascade.contagion import build_setup, load_config, simulate_contagion

    setup = build_setup(load_config(DATA / "contagion" / "two_venues.toml"))
    return simulate_contagion(
        list(setup.venues), list(setup.links), list(setup.lending), shock_venue="a", shock=-0.06
    )


def _liqmap() -> Any:
    from liqcascade.positions import PositionBook, liquidation_map

    pos = PositionBook([1, -1], [10.0, 5.0], [2100.0, 1900.0], [1050.0, 950.0],
                       [1960.0, 2040.0], [1945.0, 2045.0])  # fmt: skip
    return liquidation_map(pos, price=2000.0)


def _volatility() -> Any:
    from liqcascade import datasets
    from liqcascade.volatility import fit_volatility, log_returns

    close = datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2024-12-31")["close"]
    return fit_volatility(log_returns(close), "gjr", "t")


def _support() -> Any:
    from liqcascade import datasets
    from liqcascade.events import support_study

    return support_study(datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-12-31"), seed=3)


def _liq() -> Any:
    from liqcascade.margin import liq_price

    return liq_price("binance", "long", 1.0, 2000.0, leverage=50, mmr=0.01)


#: (id, build, the key figures: (key in to_dict(), the value expected from the result))
CASES: list[tuple[str, Callable[[], Any], Callable[[Any], dict[str, Any]]]] = [
    ("CascadeResult", _cascade,
     lambda r: {"final_price": r.final_price, "bad_debt_usd": r.bad_debt_usd,
                "n_liquidated": r.n_liquidated}),
    ("StressResult", _stress,
     lambda r: {k: r.summary()[k] for k in ("whole_margin_usd",) if k in r.summary()}),
    ("SolvencyResult", _solvency,
     lambda r: {"insurance_fund_usd": r.exchange.insurance_fund,
                "n_positions": len(r.exchange.positions)}),
    ("ContagionResult", _contagion,
     lambda r: {"contagion_share": r.contagion_share, "rounds": r.rounds,
                "shock_venue": r.shock_venue}),
    ("LiquidationMap", _liqmap, lambda r: {"price": 2000.0, "bucket": 0.005}),
    ("VolatilityFit", _volatility,
     lambda r: {k: float(r.summary()[k]) for k in ("persistence",) if k in r.summary()}),
    ("SupportStudy", _support,
     lambda r: {k: r.summary()[k] for k in ("n_tests", "n_zones", "win_rate_1_10")}),
    ("LiqResult", _liq,
     lambda r: {"n_positions": len(r), "notional_usd": float(r.notional.sum())}),
]  # fmt: skip


def _close(got: Any, want: Any, key: str) -> None:
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=RTOL), key
    else:
        assert got == want, key


@pytest.mark.parametrize(("build", "figures"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_to_dict_is_json_and_keeps_the_key_figures(
    build: Callable[[], Any], figures: Callable[[Any], dict[str, Any]]
) -> None:
    result = build()
    summary_type = type(result.summary())
    d = result.to_dict()
    assert isinstance(d, dict)
    back = json.loads(json.dumps(d, allow_nan=False))  # plain types, no NaN
    want = figures(result)
    assert want, "no key figure checked"
    for key, value in want.items():
        assert key in back, (key, sorted(back))
        _close(back[key], value, key)
    assert type(result.summary()) is summary_type  # summary() unchanged by to_dict()
