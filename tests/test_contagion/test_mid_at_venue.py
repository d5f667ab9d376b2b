"""A venue's ``mid_at`` read from the bundled bars of a venue that has none says how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade.contagion import build_setup, load_config
from liqcascade.errors import InputError

WORLD = """
[shock]
venue = "acmex"
fraction = -0.05

[[venues]]
name = "acmex"
mid_at = "{at}"
{data_venue}
book = {{ kind = "parametric", d1_usd_bid = 3e6, n_levels = 200 }}
positions = {{ kind = "bundled", as_of = "2025-07-31", stops = false, margin_rules = "binance" }}
"""


def _setup(tmp_path: Path, at: str, data_venue: str = "") -> None:
    f = tmp_path / "world.toml"
    f.write_text(WORLD.format(at=at, data_venue=data_venue), encoding="utf-8")
    build_setup(load_config(f))


def test_own_venue_name_names_the_bundled_venues_and_data_venue(tmp_path: Path) -> None:
    # the user's own exchange has no bundled bars: the error used to read "(None → None)"
    with pytest.raises(InputError) as e:
        _setup(tmp_path, "2025-07-31T20:00:00Z")
    msg = str(e.value)
    assert "venues[0].mid_at" in msg and "'acmex'" in msg
    assert "binance" in msg and "data_venue" in msg
    assert "None" not in msg


def test_a_time_outside_the_bars_gives_their_span(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        _setup(tmp_path, "2031-07-31T20:00:00Z", 'data_venue = "binance"')
    msg = str(e.value)
    assert "no bundled binance ETH hourly bar at 2031-07-31 20:00 UTC" in msg
    assert "None" not in msg and "→" in msg


def test_a_mid_at_before_the_open_interest_names_mid_at(tmp_path: Path) -> None:
    """A bundled book without ``as_of`` is the market closed by ``mid_at``'s close: one
    before the open interest's first bar closes is refused naming ``mid_at`` as given (it
    read ``as_of 2024-06-01T21:00:00+00:00``, a key and a time the config does not hold)."""
    f = tmp_path / "world.toml"
    f.write_text(
        '[shock]\nvenue = "a"\nfraction = -0.05\n\n[[venues]]\nname = "a"\nmid = 3000.0\n'
        'mid_at = "2024-06-01T20:00:00Z"\nbook = { kind = "bundled" }\n'
        'positions = { kind = "bundled" }\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as e:
        build_setup(load_config(f), "world.toml")
    msg = str(e.value)
    assert msg.startswith("world.toml: venues[0].mid_at 2024-06-01 20:00 UTC: "), msg
    assert "open interest starts 2024-11-22 20:00 UTC" in msg and "21:00" not in msg
