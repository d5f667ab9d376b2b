"""Collateral and contagion configurations: NaN / inf numbers refused naming the key (C14)."""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

from liqcascade.collateral._config import build_setup
from liqcascade.collateral._presets import preset_config
from liqcascade.contagion._config import parse_config
from liqcascade.errors import InputError

TWO_VENUES = Path(__file__).resolve().parents[1] / "data" / "contagion" / "two_venues.toml"


def _given_books(cfg: dict[str, Any]) -> dict[str, Any]:
    """The preset with every own book given (no calibration: a fast check)."""
    cfg = copy.deepcopy(cfg)
    for a in cfg["assets"]:
        if a.get("book") == "calibrated":
            a["book"], a["depth_usd_per_pct"] = "given", 1e6
    return cfg


def _set(cfg: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(cfg)
    node = out
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return out


def test_preset_builds() -> None:
    cfg = _given_books(preset_config("oct-2025"))
    _, setup = build_setup(cfg, "t.toml", 3800.0)
    assert [a.name for a in setup.assets] == [a["name"] for a in cfg["assets"]]
    assert setup.venue.threshold == cfg["venue"]["threshold"]  # read from the preset
    assert len(setup.accounts) == sum(c["accounts"] for c in cfg["cohorts"]) > 0
    assert setup.asset("WBETH").half_life_min == cfg["assets"][1]["half_life_min"]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("cohorts", 0, "collateral_usd"), math.nan,
         "t.toml: cohorts[0].collateral_usd: must be a finite number (got nan)"),
        (("cohorts", 0, "collateral_usd"), math.inf,
         "t.toml: cohorts[0].collateral_usd: must be a finite number (got inf)"),
        (("venue", "threshold"), math.nan, "t.toml: venue.threshold: must be a finite number"),
        (("assets", 1, "floor"), math.nan, "t.toml: assets[1].floor: must be a finite number"),
        (("assets", 0, "tiers", "ratios"), [0.95, math.nan, 0.8],
         "t.toml: assets[0].tiers.ratios[1]: must be a finite number (got nan)"),
        (("assets", 0, "tiers", "bounds"), [1e7, math.nan, math.inf],
         "t.toml: assets[0].tiers.bounds[1]: must be a finite number (got nan)"),
        (("cohorts", 0, "leverage"), [1.0, math.nan], "t.toml: cohorts[0].leverage"),
    ],
)  # fmt: skip
def test_collateral_nan_names_the_key(path: tuple[Any, ...], value: Any, message: str) -> None:
    cfg = _set(_given_books(preset_config("oct-2025")), path, value)
    with pytest.raises(InputError) as e:
        build_setup(cfg, "t.toml", 3800.0)
    assert str(e.value).startswith(message), str(e.value)


def test_collateral_inf_where_it_means_none() -> None:
    cfg = _set(_given_books(preset_config("oct-2025")), ("assets", 1, "half_life_min"), math.inf)
    _, setup = build_setup(cfg, "t.toml", 3800.0)  # no recovery: allowed
    assert setup.asset("WBETH").half_life_min == math.inf


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (("venues", 0, "insurance_fund"), math.nan, "venues[0].insurance_fund"),
        (("venues", 0, "mid"), math.inf, "venues[0].mid"),
        (("lending", 0, "beta"), math.nan, "lending[0].beta:"),
        (("links", 0, "capacity_usd"), math.nan, "links[0].capacity_usd"),
    ],
)
def test_contagion_nan_names_the_key(path: tuple[Any, ...], value: float, key: str) -> None:
    with TWO_VENUES.open("rb") as fh:
        cfg = tomllib.load(fh)
    parse_config(_set(cfg, ("links", 0, "capacity_usd"), math.inf), "two_venues.toml")  # no cap
    with pytest.raises(InputError) as e:
        parse_config(_set(cfg, path, value), "two_venues.toml")
    assert str(e.value).startswith(f"two_venues.toml: {key}"), str(e.value)
