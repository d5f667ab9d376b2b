from __future__ import annotations

import pandas as pd
import pytest

from floats import same_value
from liqcascade.errors import InputError
from liqcascade.volatility import fit_volatility, log_returns, volatility_study


def test_study_is_the_fit_plus_its_leverage_effect(eth_close: pd.Series) -> None:
    calls: list[float] = []
    st = volatility_study(eth_close, model="garch", dist="normal", start="2022-01-01",
                          end="2023-12-31", asset="eth", on_progress=calls.append)  # fmt: skip
    assert calls == [0, 1, 1]  # checked, the garch fit, the gjr beside it
    r = log_returns(eth_close, "2022-01-01", "2023-12-31")
    direct = fit_volatility(r, "garch", "normal")
    d = st.to_dict()
    assert d["asset"] == "ETH" and d["n_obs"] == len(r) == 729
    assert same_value(d["params"]["beta[1]"], float(direct.params["beta[1]"]))
    gjr = fit_volatility(r, "gjr", "normal").leverage
    assert gjr is not None and d["leverage_model"] == "gjr"
    assert same_value(d["leverage_gamma"], gjr.gamma)
    assert d["periods"] == [] and d["data_source"] == "bundled"


def test_study_by_period_uses_only_the_range(eth_close: pd.Series) -> None:
    st = volatility_study(eth_close, start="2021-01-01", end="2022-12-31", by_period=True)
    assert st.periods is not None and st.leverage_fit is None
    rows = st.to_dict()["periods"]
    assert [p["label"] for p in rows] == ["2021", "2022"]  # spans clipped to a year: that year
    # the first close of the range anchors: the first return (and row) starts 2021-01-02
    assert rows[0]["start"] == "2021-01-02" and rows[-1]["end"] <= "2022-12-31"


def test_study_errors_name_the_parameters(eth_close: pd.Series) -> None:
    with pytest.raises(InputError, match="too few observations") as e:
        volatility_study(eth_close, start="2024-01-01", end="2024-02-01", asset="ETH")
    assert e.value.params == ("start", "end")
    assert e.value.for_flags({"start": "--start", "end": "--end"}).startswith("--start/--end:")
    with pytest.raises(InputError, match="model must be one of") as e:
        volatility_study(eth_close, model="figarch")
    assert e.value.param == "model"
