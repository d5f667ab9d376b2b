"""An unknown --shock-venue is refused naming --shock-venue, with a preset or a config.

`contagion --preset oct-2025 --shock-venue bogus` said "--shock venue 'bogus' ..." (the
engine's "shock venue" read as the --shock flag).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.contagion._config import build_setup, load_config
from liqcascade.contagion._liquidity import run_setup
from liqcascade.errors import InputError

CFG = Path(__file__).resolve().parents[1] / "data" / "contagion" / "two_venues.toml"


@pytest.mark.parametrize(
    ("source", "venues"),
    [(("--preset", "oct-2025"), "binance, bybit, hyperliquid"), (("--config", str(CFG)), "a, b")],
)
def test_cli_names_the_flag(source: tuple[str, str], venues: str) -> None:
    r = run_cli("contagion", *source, "--shock-venue", "bogus")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        f"error: --shock-venue: unknown venue 'bogus' (venues: {venues})"
    ]


def test_library_error_names_the_parameter() -> None:
    setup = build_setup(load_config(CFG), CFG.name, {})
    with pytest.raises(InputError) as e:
        run_setup(setup, shock_venue="bogus", liquidity="static")
    assert e.value.param == "shock_venue"
    assert str(e.value) == "shock_venue: unknown venue 'bogus' (venues: a, b)"
