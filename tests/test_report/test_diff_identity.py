"""``liqcascade diff`` matches a headline by (section, asset, metric), never by its label.

An ETH+BTC report diffed with a BTC-only one showed the shared ETH+BTC VaR as a BTC
headline with no old value plus a gone ETH one; the gone clusters did not say whose
they were; and a label holding a figure ("ES $15,563") is no key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli
from liqcascade.report import diff_reports
from liqcascade.report._diff import headline_identity


def _head(key: str, section: str, asset: str, value: float, label: str, **kw: Any) -> dict:
    return {"key": key, "label": label, "value": value, "unit": "usd", "section": section,
            "asset": asset, **kw}  # fmt: skip


def _summary(assets: list[str], heads: list[dict], clusters: list[dict]) -> dict[str, Any]:
    front = {
        "assets": assets,
        "as_of": "2025-07-31T20:00:00+00:00",
        "headlines": {h["key"]: h for h in heads},
        "clusters_near_price": clusters,
    }
    return {"front": front}


VAR = "30-day 95 % VaR, ETH+BTC sample"
BOTH = _summary(
    ["ETH", "BTC"],
    [
        _head("forced_selling_5pct", "cascade", "ETH", 2.0e7, "Forced (ETH $1)"),
        _head("var95_30d", "stress", "ETH", 13_155.0, f"{VAR} (ES $15,563)", scope="ETH+BTC"),
        _head("forced_selling_5pct_btc", "cascade-btc", "BTC", 1.6e7, "Forced (BTC $1)"),
    ],
    [{"price": 3837.0, "distance": 0.0375, "notional_usd": 1.4e7}],  # before clusters had assets
)
BTC_ONLY = _summary(
    ["BTC"],
    [
        _head("forced_selling_5pct_btc", "cascade-btc", "BTC", 1.7e7, "Forced (BTC $2)"),
        _head(
            "var95_30d_btc", "stress-btc", "BTC", 12_144.0, f"{VAR} (ES $14,000)", scope="ETH+BTC"
        ),
    ],
    [{"asset": "BTC", "price": 118_000.0, "distance": -0.01, "notional_usd": 3e7}],
)


def test_identity_drops_the_asset_suffix_and_keeps_the_scope() -> None:
    assert headline_identity("critical_shock_btc", {"section": "cascade-btc", "asset": "BTC"}) == (
        "cascade", "BTC", "critical_shock")  # fmt: skip
    assert headline_identity("critical_shock", {"section": "cascade", "asset": "ETH"}) == (
        "cascade", "ETH", "critical_shock")  # fmt: skip
    v = BTC_ONLY["front"]["headlines"]["var95_30d_btc"]
    assert headline_identity("var95_30d_btc", v) == ("stress", "ETH+BTC", "var95_30d")


def test_shared_var_is_one_move_and_the_eth_headline_is_gone() -> None:
    d = diff_reports(BOTH, BTC_ONLY)
    moves = {c.key: (c.old, c.new) for c in d.changes}
    assert moves == {
        "forced_selling_5pct_btc": (1.6e7, 1.7e7),
        "var95_30d_btc": (13_155.0, 12_144.0),
    }
    assert d.added == []
    assert [c.key for c in d.gone] == ["forced_selling_5pct"]
    assert [(c["asset"], c["price"]) for c in d.clusters_gone] == [("ETH", 3837.0)]
    assert [(c["asset"], c["price"]) for c in d.clusters_new] == [("BTC", 118_000.0)]


def test_cli_names_the_asset_of_every_new_gone_and_cluster_line(tmp_path: Path) -> None:
    folders = []
    for name, s in (("both", BOTH), ("btc", BTC_ONLY)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps(s))
        folders.append(str(tmp_path / name))
    r = run_cli("diff", *folders)
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert f"ETH+BTC: {VAR} (ES $15,563 → $14,000): $13,155 → $12,144" in out  # both ES
    assert "gone: ETH: Forced (ETH $1): was $20.0 M (not in the new report)" in out
    assert "gone cluster: ETH $3,837" in out and "new cluster: BTC $118,000" in out
    assert "– →" not in out
    back = run_cli("diff", folders[1], folders[0]).stdout  # the other way: ETH's is new
    assert "new: ETH: Forced (ETH $1): $20.0 M (not in the old report)" in back


def test_a_summary_written_before_scope_matches_the_shared_var() -> None:
    """Before ``scope``, the shared VaR was its section's asset's; it is still one move."""
    pre_scope = _summary(
        ["ETH", "BTC"],
        [
            _head("forced_selling_5pct", "cascade", "ETH", 2.0e7, "Forced (ETH $1)"),
            _head("var95_30d", "stress", "ETH", 13_000.0, f"{VAR} (ES $15,000)"),
        ],
        [],
    )
    d = diff_reports(pre_scope, BOTH)
    moves = {c.key: (c.old, c.new) for c in d.changes}
    assert moves["var95_30d"] == pytest.approx((13_000.0, 13_155.0), rel=1e-12)
    assert moves["forced_selling_5pct"] == pytest.approx((2.0e7, 2.0e7), rel=1e-12)
    assert d.added == ["forced_selling_5pct_btc"] and d.gone == []
    back = diff_reports(BOTH, pre_scope)  # the other way: the old one has the scope
    back_moves = {c.key: (c.old, c.new) for c in back.changes}
    assert back_moves["var95_30d"] == pytest.approx((13_155.0, 13_000.0), rel=1e-12)
    assert [c.key for c in back.gone] == ["forced_selling_5pct_btc"]


def test_an_unscoped_headline_of_another_asset_is_not_the_shared_var() -> None:
    """A pre-scope BTC-section VaR is not matched to a scope that lacks BTC."""
    eth_only_scope = _summary(
        ["ETH"], [_head("var95_30d", "stress", "ETH", 9_000.0, "VaR", scope="ETH+SOL")], []
    )
    pre_scope_btc = _summary(
        ["BTC"], [_head("var95_30d_btc", "stress-btc", "BTC", 8_000.0, "VaR")], []
    )
    d = diff_reports(pre_scope_btc, eth_only_scope)
    assert d.added == ["var95_30d"] and [c.key for c in d.gone] == ["var95_30d_btc"]
