"""``diff --alert KEY`` on reports of one asset: the bare key is that asset's headline.

Until session 26 ``diff rep rep --alert critical_shock=0.005`` on two BTC-only reports
was refused ("unknown key 'critical_shock'; known: ... critical_shock_btc"): a report of
one asset other than ETH suffixes its keys. Reports of several assets keep the rule (a
bare key is ETH's), and an unknown key suggests its suffixed ones.
"""

from __future__ import annotations

from typing import Any

import pytest

from liqcascade.errors import InputError
from liqcascade.report import diff_reports
from liqcascade.report._diff import parse_alert


def _head(key: str, asset: str, value: float) -> dict[str, Any]:
    return {"key": key, "label": f"Critical shock ({asset})", "value": value,
            "unit": "fraction", "section": "cascade" + ("" if asset == "ETH" else "-btc"),
            "asset": asset}  # fmt: skip


def _summary(assets: list[str], heads: dict[str, float]) -> dict[str, Any]:
    rows = {k: _head(k, "BTC" if k.endswith("_btc") else "ETH", v) for k, v in heads.items()}
    return {"front": {"assets": assets, "as_of": "2025-07-31T20:00:00+00:00", "headlines": rows}}


def test_a_bare_key_is_the_one_asset_s_headline() -> None:
    old = _summary(["BTC"], {"critical_shock_btc": -0.0658})
    new = _summary(["BTC"], {"critical_shock_btc": -0.0558})  # 1 pp smaller
    d = diff_reports(old, new, [parse_alert("critical_shock=0.005")])
    assert len(d.alerts) == 1 and d.alerts[0].startswith("critical_shock_btc: ")
    # under the threshold: read, and quiet
    assert diff_reports(old, new, [parse_alert("critical_shock=0.02")]).alerts == []


def test_several_assets_keep_the_bare_key_as_eth_s() -> None:
    both = {"critical_shock": -0.07, "critical_shock_btc": -0.0658}
    old = _summary(["ETH", "BTC"], both)
    new = _summary(["ETH", "BTC"], both | {"critical_shock_btc": -0.0558})
    # the bare key is ETH's (unchanged): the BTC move does not fire it
    assert diff_reports(old, new, [parse_alert("critical_shock=0.005")]).alerts == []
    btc = diff_reports(old, new, [parse_alert("critical_shock_btc=0.005")]).alerts
    assert len(btc) == 1 and btc[0].startswith("critical_shock_btc: ")


def test_an_unknown_key_suggests_the_suffixed_ones() -> None:
    old = _summary(["ETH", "BTC"], {"critical_shock": -0.07, "critical_shock_btc": -0.0658})
    with pytest.raises(InputError) as exc:
        diff_reports(old, old, [parse_alert("critical=0.005")])
    msg = str(exc.value)
    assert "unknown key 'critical' (did you mean critical_shock or critical_shock_btc?)" in msg
    assert msg.endswith("known: clusters, critical_shock, critical_shock_btc")
    with pytest.raises(InputError) as exc:
        diff_reports(old, old, [parse_alert("nonsense=0.005")])
    assert "did you mean" not in str(exc.value)
    with pytest.raises(InputError, match=r"did you mean move_5pct_btc\?\)"):
        diff_reports(
            _summary(["BTC"], {"move_5pct_btc": -0.08}),
            _summary(["BTC"], {"move_5pct_btc": -0.08}),
            [parse_alert("move=0.01")],
        )
