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


def test_the_asset_fit_prints_its_key_parameters_and_log_likelihood() -> None:
    """`liqmap calibrate --asset` printed only the asset and the file (newasset32 F11)."""
    from liqcascade._cli.liqmap_validate import FIT_COLUMNS, fit_rows

    fit = {"month": "2025-07", "fit_end": "2025-06-30", "loglik": -38952.18, "dist_median": 1.0,
           "dist_sigma": 1.852374, "theta0": 0.369262, "theta_funding": 0.164029,
           "theta_move": -0.093022, "scale": 0.0103027}  # fmt: skip
    (row,) = fit_rows([fit])
    assert [h for h, _ in FIT_COLUMNS][-1] == "log-likelihood"
    assert row == ("2025-07", "2025-06-30", "1", "1.852", "0.3693", "0.164", "-0.09302",
                   "0.0103", "-38,952")  # fmt: skip
    assert fit_rows([{"month": "2025-07"}])[0][1:] == ("–",) * (len(FIT_COLUMNS) - 1)
