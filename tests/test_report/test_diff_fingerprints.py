"""Per-asset data fingerprints: summary.json's ``fingerprints`` and ``liqcascade diff``.

The report's ``fingerprint`` hashes every asset it covers, so an ETH-only report and an
ETH+BTC one on the same ETH data print different ones. Each asset's own fingerprint
(:func:`liqcascade.report._build.asset_fingerprints`) does not depend on the other
assets, and the diff says per asset both reports fingerprint whether its data are the
same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli
from liqcascade.report import diff_reports
from liqcascade.report._build import asset_fingerprints, data_fingerprint
from liqcascade.report._data import read_sources


@pytest.fixture(scope="module", autouse=True)
def _no_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    mp = pytest.MonkeyPatch()
    mp.setenv("LIQCASCADE_STORE", str(tmp_path_factory.mktemp("fp") / "none.duckdb"))
    yield
    mp.undo()


def test_an_assets_fingerprint_ignores_the_other_assets() -> None:
    read = read_sources(("ETH", "BTC"))
    both = asset_fingerprints(("ETH", "BTC"), read)
    assert list(both) == ["ETH", "BTC"] and both["ETH"] != both["BTC"]
    eth_only = data_fingerprint(("ETH",))
    # ETH's in the ETH+BTC report is the ETH-only report's, whose combined one it is
    assert both["ETH"] == eth_only == asset_fingerprints(("ETH",))["ETH"]
    assert both["BTC"] == data_fingerprint(("BTC",))
    # the combined fingerprint keeps its meaning: it differs with the asset list
    assert data_fingerprint(("ETH", "BTC"), read) != eth_only


def _summary(assets: list[str], prints: dict[str, str] | None) -> dict[str, Any]:
    front: dict[str, Any] = {"assets": assets, "as_of": "2025-07-31T20:00:00+00:00",
                             "headlines": {}}  # fmt: skip
    if prints is not None:
        front["fingerprints"] = prints
    return {"front": front}


def test_diff_compares_the_assets_both_fingerprint() -> None:
    old = _summary(["ETH"], {"ETH": "aaaaaaaaaaaa"})
    new = _summary(["ETH", "BTC"], {"ETH": "aaaaaaaaaaaa", "BTC": "bbbbbbbbbbbb"})
    d = diff_reports(old, new)
    assert d.data == [{"asset": "ETH", "old": "aaaaaaaaaaaa", "new": "aaaaaaaaaaaa", "same": True}]
    assert "ETH data: the same (fingerprint aaaaaaaaaaaa)" in d.lines()
    changed = diff_reports(old, _summary(["ETH"], {"ETH": "cccccccccccc"}))
    assert changed.data[0]["same"] is False
    assert "ETH data: changed (fingerprint aaaaaaaaaaaa → cccccccccccc)" in changed.lines()
    # a summary written before per-asset fingerprints: nothing to compare, no line
    older = diff_reports(_summary(["ETH"], None), new)
    assert older.data == [] and not any(" data: " in x for x in older.lines())
    assert older.to_dict()["data_fingerprints"] == []


def test_cli_prints_the_data_line_and_refuses_a_bad_shape(tmp_path: Path) -> None:
    def folder(name: str, summary: dict[str, Any]) -> str:
        d = tmp_path / name
        d.mkdir()
        (d / "summary.json").write_text(json.dumps(summary))
        return str(d)

    a = folder("a", _summary(["ETH"], {"ETH": "aaaaaaaaaaaa"}))
    b = folder("b", _summary(["ETH"], {"ETH": "aaaaaaaaaaaa"}))
    r = run_cli("diff", a, b)
    assert r.exit_code == 0, r.stderr
    assert "ETH data: the same (fingerprint aaaaaaaaaaaa)" in r.stdout.splitlines()
    j = run_cli("diff", a, b, "--json").json()
    assert j["data_fingerprints"][0]["same"] is True
    bad = folder("bad", _summary(["ETH"], ["aaaaaaaaaaaa"]))  # type: ignore[arg-type]
    e = run_cli("diff", a, bad)
    assert e.exit_code == 2 and e.stderr.count("\n") == 1
    assert e.stderr.startswith("error: ") and "front.fingerprints must be" in e.stderr
