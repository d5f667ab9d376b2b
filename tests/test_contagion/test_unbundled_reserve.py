"""A lending market on a reserve the bundled Aave v3 snapshot lacks (session 25).

An Aave Horizon RWA reserve (``collateral = "USTB"``) with ``liq_threshold`` and
``liq_bonus`` given failed with "no Aave reserve 'USTB' on ethereum": the two given now
run it; without them the refusal names what to give.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade import datasets
from liqcascade.contagion import build_setup, load_config, run_setup
from liqcascade.errors import InputError
from test_contagion.test_cli import _variant

_COLL = 'collateral = "WETH"\ncollateral_price = 2000.0'


def _ustb(tmp_path: Path, extra: str, price: str = "collateral_price = 2000.0") -> Path:
    return _variant(tmp_path, _COLL, f'collateral = "USTB"\n{extra}\n{price}')


def test_a_reserve_outside_the_snapshot_runs_on_the_two_given(tmp_path: Path) -> None:
    # Aave Horizon's USTB: LT 88 %, bonus 3 % (load_aave_horizon_params, in percent)
    p = _ustb(tmp_path, "liq_threshold = 0.88\nliq_bonus = 1.03")
    setup = build_setup(load_config(p), p.name)
    (m,) = setup.lending
    assert m.liq_threshold == pytest.approx(0.88, abs=1e-12)
    assert m.liq_bonus == pytest.approx(1.03, abs=1e-12)
    res = run_setup(setup, liquidity="static")
    assert res.defi_liquidated_usd >= 0.0 and res.rounds >= 1


def test_its_own_price_is_not_held_to_the_venues_eth(tmp_path: Path) -> None:
    """A tokenised fund at $10.9 is not a unit error against ETH venues at $2,000."""
    p = _ustb(tmp_path, "liq_threshold = 0.88\nliq_bonus = 1.03\nbeta = 0.01",
              "collateral_price = 10.9")  # fmt: skip
    (m,) = build_setup(load_config(p), p.name).lending
    assert m.collateral_price == pytest.approx(10.9, rel=1e-12)


def test_without_its_price_it_is_refused_naming_the_key(tmp_path: Path) -> None:
    p = _ustb(tmp_path, "liq_threshold = 0.88\nliq_bonus = 1.03",
              'collateral_price_at = "2025-10-10T20:00:00Z"')  # fmt: skip
    with pytest.raises(InputError, match=r"lending\[0\]\.collateral_price: 'USTB' is not in"):
        build_setup(load_config(p), p.name)


@pytest.mark.parametrize(
    ("extra", "missing"),
    [("", "give liq_threshold and liq_bonus to use it"),
     ("liq_threshold = 0.88", "give liq_bonus to use it")],
    ids=["neither", "threshold-only"],
)  # fmt: skip
def test_without_both_the_refusal_names_what_to_give(
    tmp_path: Path, extra: str, missing: str
) -> None:
    r = run_cli("contagion", "--config", str(_ustb(tmp_path, extra)), "--liquidity", "static")
    assert r.exit_code == 2
    (line,) = r.stderr.strip().splitlines()
    assert "lending[0].collateral: no Aave reserve 'USTB' on ethereum" in line
    assert missing in line and "load_aave_horizon_params" in line


def test_the_horizon_table_names_its_source_commits_and_date() -> None:
    h = datasets.load_aave_horizon_params()
    a = h.attrs
    assert a["repository"] == "aave/aave-v3-horizon" and a["date"] == "2025-08-21"
    assert a["commits"] == {
        "HorizonPhaseOneListing.sol": "8c290476a46aed64f8e97a70b2aa87097b6623ff",
        "HorizonPhaseOneUpdate.sol": "5d5d8c70c333cca3401b3ba7119f067f07172d94",
    }
    assert a["source"].startswith("Derived by hand from aave/aave-v3-horizon")
    row = datasets.provenance().set_index("name").loc["aave_horizon_rwa_params"]
    assert row["range"] == a["date"]
