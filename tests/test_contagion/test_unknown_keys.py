"""A key the configuration does not take is named as unknown, with the keys it takes.

pydantic's words were "Extra inputs are not permitted": a lending analyst who wrote
``close_factor = 1.0``, an oracle ``method = "median"`` or ``emode = 1`` learnt neither
that the key does not exist nor what the model does instead. A percent written as text
(``liq_threshold = "82.5%"``) was told only "must be a number".
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from typing import Any

import pytest

from liqcascade.contagion._config import parse_config
from liqcascade.errors import InputError
from test_contagion.test_cli import CFG

BASE = tomllib.loads(CFG.read_text())


def _refusal(change: Callable[[dict[str, Any]], None]) -> str:
    data = copy.deepcopy(BASE)
    change(data)
    with pytest.raises(InputError) as e:
        parse_config(data, "c.toml")
    return str(e.value)


LENDING_KEYS = (
    "name, collateral, chain, liq_threshold, liq_bonus, collateral_price, collateral_price_at, "
    "beta, beta_window, beta_method, oracle, sell_to, dex_depth_usd, protocol_fee, accounts, "
    "drop_initially_liquidatable"
)


@pytest.mark.parametrize(
    ("change", "want"),
    [
        (
            lambda d: d["lending"][0].update(close_factor=1.0),
            "c.toml: lending[0].close_factor: unknown key: the liquidations follow Aave v3.3's "
            "close factor (50 % of the debt; all of it at HF <= 0.95 or under $2,000 of "
            f"collateral or debt), which is not a parameter (known: {LENDING_KEYS})",
        ),
        (
            lambda d: d["lending"][0]["oracle"].update(method="median"),
            "c.toml: lending[0].oracle.method: unknown key: how the oracle reads its sources "
            'is aggregate = "mean" (the default) or "median" (known: sources, deviation, '
            "heartbeat, aggregate)",
        ),
        (
            lambda d: d["lending"][0].update(emode=1),
            "c.toml: lending[0].emode: unknown key: one liq_threshold and liq_bonus per market",
        ),
        (  # a discriminated union's member: the table's keys, not the union's
            lambda d: d["lending"][0]["accounts"].update(lt=0.93),
            "c.toml: lending[0].accounts.lt: unknown key (known: kind, collateral, debt_usd, "
            "debt_collateral, debt_source_usd)",
        ),
        (
            lambda d: d["links"][0].update(latency=2),
            "c.toml: links[0].latency: unknown key (known: from, to, cost, capacity_usd)",
        ),
        (
            lambda d: d.update(oracle={}),
            "c.toml: oracle: unknown key (known: simulation, shock, venues, links, lending, "
            "assumptions)",
        ),
    ],
)
def test_an_unknown_key_is_named_with_the_keys_its_table_takes(
    change: Callable[[dict[str, Any]], None], want: str
) -> None:
    got = _refusal(change)
    assert got.startswith(want), got
    assert "Extra inputs" not in got


@pytest.mark.parametrize(
    ("key", "text", "want"),
    [
        ("liq_threshold", "82.5%", "(got '82.5%'; for 82.5 % give 0.825)"),
        ("liq_bonus", "5%", "(got '5%'; for 5 % give 1.05)"),  # a multiplier, not 0.05
        ("liq_threshold", "abc", "(got 'abc')"),
    ],
)
def test_a_percent_written_as_text_is_told_the_number_to_give(
    key: str, text: str, want: str
) -> None:
    got = _refusal(lambda d: d["lending"][0].update({key: text}))
    assert got == f"c.toml: lending[0].{key}: must be a number {want}"


def test_a_deviation_written_as_a_percent_is_told_the_fraction() -> None:
    got = _refusal(lambda d: d["lending"][0]["oracle"].update(deviation="0.5 %"))
    want = "(got '0.5 %'; for 0.5 % give 0.005)"
    assert got == f"c.toml: lending[0].oracle.deviation: must be a number {want}"
