"""An oracle reads the mean of its venues, or their median (``oracle.aggregate``).

A lending analyst comparing an oracle on one venue with one on a median of venues could
only have the mean: ``method = "median"`` was refused as an extra input. With three
venues the two differ: one venue's crash moves the mean by a third of its fall and the
median not at all.
"""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.book import OrderBook
from liqcascade.contagion import LendingMarket, Oracle, Venue, simulate_contagion
from liqcascade.contagion._config import oracle_assumption, parse_config
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from test_contagion.test_unknown_keys import BASE


def _venue(name: str, mid: float) -> Venue:
    e = np.empty(0)
    pos = PositionBook(np.empty(0, np.int8), e, e, e, e, e)
    return Venue(name, OrderBook.parametric(mid, 5e7, n_levels=3000), pos)


def _market(aggregate: str) -> LendingMarket:
    # HF 10 · p · 0.83 / 16,000: 1.0375 at 2,000, below 1 under 1,927.7
    return LendingMarket("m", np.array([10.0]), np.array([16_000.0]), 0.83, 1.05,
                         Oracle(("a", "b", "c"), 0.0, aggregate=aggregate),
                         collateral_price=2000.0)  # fmt: skip


@pytest.mark.parametrize("aggregate", ["mean", "median"])
def test_the_oracle_reads_the_mean_or_the_median_of_its_venues(aggregate: str) -> None:
    venues = [_venue("a", 2000.0), _venue("b", 2000.0), _venue("c", 2004.0)]
    r = simulate_contagion(venues, lending=[_market(aggregate)], shock_venue="a",
                           shock_price=1700.0)  # fmt: skip
    prices = r.to_frame().pivot(index="round", columns="venue", values="price")
    read = r.lending_frame().set_index("round")["source_price"]
    want = prices.median(axis=1) if aggregate == "median" else prices.mean(axis=1)
    np.testing.assert_allclose(read.to_numpy(), want.to_numpy(), rtol=1e-12)
    # no link: a falls alone to 1,700; the mean reads (1,700 + 2,000 + 2,004) / 3 = 1,901.3,
    # under 1,927.7, and the account goes; the median reads b's 2,000 and it stays
    assert read.iloc[0] == pytest.approx(1901.33 if aggregate == "mean" else 2000.0, rel=1e-3)
    assert r.defi["m"]["n_accounts_liquidated"] == (1 if aggregate == "mean" else 0)


def test_the_configuration_takes_aggregate_and_names_it() -> None:
    data = {**BASE, "lending": [{**BASE["lending"][0]}]}
    data["lending"][0]["oracle"] = {**data["lending"][0]["oracle"], "aggregate": "median"}
    assert parse_config(data, "c.toml").lending[0].oracle.aggregate == "median"
    assert oracle_assumption(_market("median"))["value"].startswith(
        "the median of a, b, c's prices"
    )
    data["lending"][0]["oracle"]["aggregate"] = "vwap"
    with pytest.raises(InputError, match=r"c\.toml: lending\[0\]\.oracle\.aggregate: "):
        parse_config(data, "c.toml")
    with pytest.raises(InputError, match=r"oracle\.aggregate must be 'mean' or 'median'"):
        Oracle(("a",), aggregate="vwap")
