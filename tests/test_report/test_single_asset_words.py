"""A report of one asset says what ran: the VaR card's words and the data section's files.

Until session 26 a BTC-only report (``report --asset BTC``) said the ETH+BTC sample was
"same in the ETH and BTC sections" though no ETH section ran, and its data section
listed every ETH bundled file (``eth_5m_2022_06``, ``eth_oi_4h``, ...), none of them read.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from liqcascade import datasets
from liqcascade.report._data_section import _run_files
from liqcascade.report._stress_section import _same_sample_text


@pytest.mark.parametrize(
    ("assets", "own", "text"),
    [
        (("ETH", "BTC"), False, "; same in the ETH and BTC sections"),
        (("BTC", "ETH"), False, "; same in the ETH and BTC sections"),
        (("BTC",), False, ""),
        (("ETH",), False, ""),
        (("SOL", "ETH", "BTC"), True, ""),  # SOL's own sample portfolio: no shared claim
    ],
    ids=["both", "both-btc-first", "btc-only", "eth-only", "own-portfolio"],
)
def test_the_sample_is_said_shared_only_where_both_sections_ran(
    assets: tuple[str, ...], own: bool, text: str
) -> None:
    v = SimpleNamespace(report_assets=assets, own_portfolio=own)
    assert _same_sample_text(v) == text  # type: ignore[arg-type]


def test_the_data_table_lists_the_run_s_files() -> None:
    prov = datasets.provenance()
    names = set(prov["name"])
    btc = set(_run_files(prov, ("BTC",))["name"])
    # the ETH files a BTC run never reads are gone; BTC's own and the shared ones stay
    assert not {"eth_5m_2022_06", "eth_oi_4h", "eth_30m", "eth_taker_4h"} & btc
    assert {n for n in names if n.startswith("btc_")} <= btc
    assert {"aave_v3_reserve_params", "hyperliquid_positions_2026_02", "usde_1m"} <= btc
    # the ETH+BTC sample's other leg is read (the stress section prices both)
    assert {"eth_1h", "eth_1d"} <= btc
    # both assets: every file, in the bundle's order
    assert list(_run_files(prov, ("ETH", "BTC"))["name"]) == list(prov["name"])
    eth = set(_run_files(prov, ("ETH",))["name"])
    assert "btc_oi_4h" not in eth and "eth_5m_2022_06" in eth and "btc_1d" in eth
    # a store asset's report reads neither bundled asset's own series
    sol = set(_run_files(prov, ("SOL",))["name"])
    assert not any(n.startswith(("eth_", "btc_")) for n in sol) and "usde_1m" in sol
