"""A percent written as text in a collateral configuration is told the number to give.

``threshold = "105%"`` and ``ratios = ["75%"]`` (a lending analyst's spreadsheet habit)
were refused as "must be a number" and "must be numbers", saying nothing of what to write.
"""

from __future__ import annotations

import pytest

from liqcascade.collateral._config import build_setup
from liqcascade.collateral._presets import preset_config
from liqcascade.errors import InputError
from test_collateral.test_config_finite import _given_books, _set


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("venue", "threshold"), "105%",
         "t.toml: venue.threshold: must be a number (got '105%'; for 105 % give 1.05)"),
        (("assets", 0, "tiers", "ratios"), [0.95, "90 %", 0.8],
         "t.toml: assets[0].tiers.ratios: must be numbers (got '90 %'; for 90 % give 0.9)"),
        (("venue", "threshold"), "high", "t.toml: venue.threshold: must be a number (got 'high')"),
        (("assets", 0, "tiers", "ratios"), [0.95, "x%", 0.8],
         "t.toml: assets[0].tiers.ratios: must be numbers (got 'x%')"),
    ],
)  # fmt: skip
def test_a_percent_as_text_gets_the_number(path: tuple, value: object, message: str) -> None:
    cfg = _set(_given_books(preset_config("oct-2025")), path, value)
    with pytest.raises(InputError) as e:
        build_setup(cfg, "t.toml", 3800.0)
    assert str(e.value) == message
