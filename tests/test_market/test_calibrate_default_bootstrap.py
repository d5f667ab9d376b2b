"""`liqmap calibrate --asset A` refits as many bootstrap samples as the shipped files hold."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest

from clihelpers import run_cli


def test_asset_default_is_the_shipped_count(monkeypatch: pytest.MonkeyPatch) -> None:
    import liqcascade._cli.liqmap_validate as lv

    seen: dict[str, Any] = {}

    def fake(asset: str, month: Any, n_boot: int, *rest: Any) -> None:
        seen["n"] = n_boot

    monkeypatch.setattr(lv, "_calibrate_asset", fake)
    r = run_cli("liqmap", "calibrate", "--asset", "SOL")
    assert r.exit_code == 0, r.stderr
    shipped = json.loads((files("liqcascade.positions") / "calibrated" / "ETH.json").read_text())
    assert seen["n"] == shipped["meta"]["bootstrap"]["n"] == 10
    run_cli("liqmap", "calibrate", "--asset", "SOL", "--bootstrap", "3")
    assert seen["n"] == 3
