from __future__ import annotations

import pandas as pd
import pytest

from liqcascade.volatility import compare_models, fit_volatility


def test_aic_bic_table(eth_returns_2022_2025: pd.Series) -> None:
    r = eth_returns_2022_2025.loc["2024"]
    t = compare_models(r, models=("garch", "gjr"), dists=("normal", "t"))
    assert len(t) == 4
    assert t["aic"].is_monotonic_increasing
    assert t["delta_aic"].iloc[0] == 0
    one = fit_volatility(r, "gjr", "t")
    row = t[(t.model == "gjr") & (t.dist == "t")].iloc[0]
    assert row["aic"] == pytest.approx(one.aic)
    assert row["bic"] == pytest.approx(one.bic)
    assert row["n_params"] == 6
    # fat tails: Student-t beats the normal by a wide margin on ETH
    best_normal = t[t.dist == "normal"]["aic"].min()
    best_t = t[t.dist == "t"]["aic"].min()
    assert best_t < best_normal - 10
