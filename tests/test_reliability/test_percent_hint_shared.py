"""Session 24: every fraction's percent hint is ``_limits.percent_hint``'s one wording.

The collateral venue's ``threshold`` (a uniMMR ratio near 1) said ``a percent? write
1.05 for 105 %`` in words of its own, and the contagion ``[shock] fraction`` said
``write -0.05 for a 5 % fall`` whatever the sign given. Both now give the shared
``"; for X % give Y"``: the threshold up to 500 (a ratio's percents), the shock's
either sign.
"""

from __future__ import annotations

import pytest

from liqcascade._limits import percent_hint
from liqcascade.collateral._loop import MAX_THRESHOLD, VenueRules
from liqcascade.errors import InputError


@pytest.mark.parametrize(
    ("kw", "value", "hint"),
    [
        ({}, 6.0, "; for 6 % give 0.06"),
        ({}, -6.0, ""),  # unsigned: a negative value is not a percent
        ({"signed": True}, -6.0, "; for -6 % give -0.06"),
        ({"signed": True}, 5.0, "; for 5 % give 0.05"),
        ({"signed": True}, -0.5, ""),
        ({"signed": True}, -150.0, ""),
        ({"most": 500.0}, 105.0, "; for 105 % give 1.05"),
        ({}, 105.0, ""),
        ({"most": 500.0}, 500.0, ""),
    ],
)
def test_percent_hint_range_and_sign(kw: dict[str, object], value: float, hint: str) -> None:
    assert percent_hint(value, **kw) == hint  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "hint"),
    [(105.0, "; for 105 % give 1.05"), (50.0, "; for 50 % give 0.5"), (-1.0, ""), (600.0, "")],
)
def test_collateral_threshold_hint_is_the_shared_one(given: float, hint: str) -> None:
    with pytest.raises(InputError) as e:
        VenueRules(threshold=given)
    assert str(e.value) == (
        f"threshold must be a uniMMR ratio in (0, {MAX_THRESHOLD:g}] (got {given:g}{hint}; "
        "Binance liquidates at 1.05)"
    )
    assert e.value.param == "threshold"


@pytest.mark.parametrize(
    ("given", "hint"),
    [(-6.0, "; for -6 % give -0.06"), (5.0, "; for 5 % give 0.05"), (0.0, "")],
)
def test_contagion_shock_fraction_hint_is_the_shared_one(given: float, hint: str) -> None:
    from liqcascade.contagion._config import parse_config

    doc = {"shock": {"venue": "a", "fraction": given},
           "venues": [{"name": "a", "book": {"kind": "parametric", "mid": 2000.0}}]}  # fmt: skip
    with pytest.raises(InputError) as e:
        parse_config(doc, "c.toml")
    assert str(e.value) == (
        f"c.toml: shock.fraction: must be a non-zero fraction in (-1, 1) (got {given:g}{hint}; "
        "-0.05 is a 5 % fall)"
    )
