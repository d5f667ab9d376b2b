"""The watch's within-2/5 % amounts are ``liqmap``'s liquidations: positions on stops excluded.

The clusters stay the whole book's (where its positions' liquidation prices bunch).

A position whose stop closes it before its liquidation price is a stop order, not a
liquidation (the estimated market splits it off, ``model_stops_detailed``). The watch
measured its line on the whole book, so at the bundled market (2025-07-31 20:00, ETH
3,698.39) it printed "within 2 % 6.4M 5 % 24.3M" where ``liqmap`` at the same bar sums
3.71 M + 0.655 M = 4.36 M and 11.6 M + 4.85 M = 16.4 M.
"""

from __future__ import annotations

import json

import pytest

from clihelpers import run_cli
from liqcascade.live import cluster_metrics
from liqcascade.market import MarketSpec, estimated_market


@pytest.fixture(scope="module")
def last_line(tmp_path_factory: pytest.TempPathFactory) -> dict:
    store = tmp_path_factory.mktemp("within") / "absent.duckdb"
    r = run_cli("watch", "--replay", "2025-07-31T23:00/2025-08-01T00:00", "--liquidity",
                "static", "--json", env={"LIQCASCADE_STORE": str(store)})  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout.splitlines()[-1])


def test_the_line_counts_the_positions_liqmap_counts(last_line: dict) -> None:
    st = estimated_market(MarketSpec("ETH"))
    assert last_line["market_as_of"] == st.as_of.isoformat()
    assert last_line["price"] == pytest.approx(st.mid, rel=1e-12)
    want = cluster_metrics(st.positions, st.mid)
    for key in ("notional_2pct_usd", "notional_5pct_usd"):
        assert last_line[key] == pytest.approx(want[key], rel=1e-9), key
    # the same amount as the map's cumulative liquidations within 2 % either way
    # (3.71 M of longs + 0.655 M of shorts), not the whole book's 6.36 M
    assert 4.2e6 < last_line["notional_2pct_usd"] < 4.5e6
    whole = cluster_metrics(st.whole_positions, st.mid)
    assert whole["notional_2pct_usd"] > 1.3 * last_line["notional_2pct_usd"]
    # the clusters stay the whole book's: where its positions' liquidation prices bunch
    for key in ("cluster_below_pct", "cluster_above_pct", "cluster_below_threshold_usd"):
        assert last_line[key] == pytest.approx(whole[key], rel=1e-9), key


def test_cluster_metrics_counts_the_liquidated_book_given() -> None:
    st = estimated_market(MarketSpec("ETH"))
    both = cluster_metrics(st.whole_positions, st.mid, liquidated=st.positions)
    alone = cluster_metrics(st.positions, st.mid)
    whole = cluster_metrics(st.whole_positions, st.mid)
    assert both["notional_5pct_usd"] == pytest.approx(alone["notional_5pct_usd"], rel=1e-12)
    assert both["cluster_above_pct"] == pytest.approx(whole["cluster_above_pct"], rel=1e-12)
