"""Session 23's minor fixes: an empty shock list, the Horizon table's units, --shock's hint."""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade import datasets
from liqcascade.collateral import build_setup, preset_config, smallest_haircut
from liqcascade.errors import InputError


def test_smallest_haircut_of_no_shock_is_an_input_error() -> None:
    # an empty list made an empty frame, then a KeyError selecting its 'shock' column
    _, setup = build_setup(preset_config("oct-2025"), "oct-2025.toml", 3864.76)
    with pytest.raises(InputError, match="at least one fraction") as e:
        smallest_haircut(setup, [], p0=3864.76)
    assert e.value.param == "shocks"


def test_horizon_params_are_percents_as_the_docstring_says() -> None:
    h = datasets.load_aave_horizon_params()
    doc = " ".join((datasets.load_aave_horizon_params.__doc__ or "").split())
    # the values: thresholds in percent (above 1), the bonus in percent (not a multiplier)
    assert (h["emode_stablecoins_lt_pct"] > 1).all()
    assert (h["liq_bonus_pct"] < 50).all() and (h["liq_bonus_pct"] > 1).all()
    assert any("->" in str(v) for v in h["emode_gho_lt_pct"])
    assert "are percents (``88`` = 0.88)" in doc
    assert "are text (object columns)" in doc


def test_contagion_shock_hint_names_a_rise_too() -> None:
    r = run_cli("contagion", "--preset", "oct-2025", "--shock", "5")
    assert r.exit_code == 2
    assert "write -0.05 or -5% for a 5 % fall, 0.05 or 5% for a 5 % rise" in r.stderr
