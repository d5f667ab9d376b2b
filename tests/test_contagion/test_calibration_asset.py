"""``[simulation] asset``: whose liquidity calibration a contagion world runs on.

Each world runs on its own asset's calibration, not ETH's for every configuration
(``load_liquidity("ETH", ...)``): a BTC world gets BTC's latent depth 16, not ETH's 32,
and its 600 s resilience half-life, not 30 s.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.cascade import load_liquidity
from liqcascade.contagion._config import PRESETS_DIR, parse_config
from liqcascade.errors import InputError
from test_contagion.test_world_asset import _world

DATA = Path(__file__).resolve().parents[1] / "data" / "contagion"


def test_the_asset_key_defaults_to_eth_and_is_checked() -> None:
    base = tomllib.loads((PRESETS_DIR / "oct-2025.toml").read_text(encoding="utf-8"))
    assert "asset" not in base["simulation"]  # the preset states none: ETH's, as before
    assert parse_config(base, "t.toml").simulation.asset == "ETH"
    base["simulation"]["asset"] = " btc "
    # the preset's bundled books, positions and closes are ETH's: BTC's calibration on
    # them was a world of neither asset, run without a word; refused naming the first key
    with pytest.raises(
        InputError,
        match=r"t\.toml: venues\[0\]\.book: simulation\.asset is "
        r"BTC, but the bundled books, positions, mid_at closes and volume "
        r"shares are ETH only \(book, positions, mid_at read them here\)",
    ):
        parse_config(base, "t.toml")
    world = tomllib.loads((DATA / "two_venues.toml").read_text(encoding="utf-8"))
    world["simulation"]["asset"] = " btc "  # file and parametric venues: a BTC world
    assert parse_config(world, "t.toml").simulation.asset == "BTC"
    for bad in ("", "BTC/USDT", 5):
        base["simulation"]["asset"] = bad
        with pytest.raises(InputError, match=r"t\.toml: simulation\.asset: "):
            parse_config(base, "t.toml")


def test_a_btc_world_runs_on_btc_s_calibration(tmp_path: Path) -> None:
    eth, btc = load_liquidity("ETH", None).params, load_liquidity("BTC", None).params
    assert eth.latent_depth != btc.latent_depth  # the case tells the two apart
    runs = {}
    for asset in (None, "BTC"):
        r = run_cli("contagion", "--config", str(_world(tmp_path, asset)), "--json")
        assert r.exit_code == 0, r.stderr
        runs[asset] = r.json()["calibration"]
    assert runs[None]["asset"] == "ETH"
    assert runs[None]["latent_depth"] == pytest.approx(eth.latent_depth, rel=1e-12)
    assert runs["BTC"]["asset"] == "BTC"
    assert runs["BTC"]["latent_depth"] == pytest.approx(btc.latent_depth, rel=1e-12)
    text = run_cli("contagion", "--config", str(_world(tmp_path, "BTC")))
    assert "calibrated liquidity on the clock (BTC's calibration, rounds of" in " ".join(
        text.stdout.split()
    )
