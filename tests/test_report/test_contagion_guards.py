"""The contagion section on a record of zero or a figure that is not a number.

``closest_to_aave``, ``_market_take`` and the summary divided by the recorded Aave
liquidations unguarded: a record of zero raised ZeroDivisionError, a NaN wrote "nan" in
the text and NaN in summary.json. The ratio is now ``None`` there ("n/a" in the text,
``null`` in the JSON). The card's words on the CEX venues say what the section checks:
Bybit's price fall, never their liquidated amounts.
"""

from __future__ import annotations

import json
import math
import re
from types import SimpleNamespace as NS
from typing import Any

import pandas as pd
import pytest

from liqcascade._json import to_jsonable
from liqcascade.report import _contagion_section as cs

SHOCK = -0.12


def _venue(move: float) -> NS:
    return NS(final_price=3400.0, liquidated_usd=7.7e6, rounds=3, move=move,
              initial_price=3864.76)  # fmt: skip


def _run(defi: float) -> NS:
    return NS(contagion_share=0.6, defi_liquidated_usd=defi, defi_bad_debt_usd=0.0,
              cex_liquidated_usd=9.1e6, rounds=4, rounds_to_spread=1, static_upper_bound={},
              venues={"binance": _venue(-0.02), "bybit": _venue(-0.021)})  # fmt: skip


def _view(recorded: float, defi: float, bybit_ratio: float = 0.73) -> cs.ContagionView:
    """A contagion view whose Aave record is ``recorded`` and whose DeFi leg is ``defi``."""
    ratio = defi / recorded if recorded and math.isfinite(recorded) else None
    rows = [
        {"key": "aave_liquidated", "what": "Aave v3 WBTC collateral liquidated, USD", "model": defi,
         "recorded": recorded, "ratio": ratio, "note": ""},
        {"key": "venue_low", "venue": "binance",
         "what": "binance lowest price over the rounds vs the hour's low (fraction)",
         "model": SHOCK, "recorded": SHOCK, "ratio": 1.0, "note": ""},
        {"key": "venue_low", "venue": "bybit",
         "what": "bybit lowest price over the rounds vs the hour's low (fraction)",
         "model": -0.1, "recorded": -0.14, "ratio": bybit_ratio, "note": ""},
    ]  # fmt: skip
    market = _run(defi * 3)
    market.scope = "market"
    market.static_upper_bound = {"cex_liquidated_usd": 2e7}
    market.static_bound = lambda: {"cex_liquidated_usd": True}
    return cs.ContagionView(
        setup=NS(notes={"aave-v3-wbtc": {"n_accounts": 10, "beta": 0.45}}),
        recorded={"compound_v3_liquidated_usd": 0.0, "hyperliquid_liquidated_usd": None,
                  "hyperliquid_data_end": "2025-07-31", "coinglass_data_end": "2025-07-31"},
        replay_shock=SHOCK,
        runs={-0.03: _run(defi / 2), SHOCK: _run(defi)},
        validation={"rows": rows},
        as_of=pd.Timestamp("2025-10-10 20:00", tz="UTC"),
        market_wide=market,
    )  # fmt: skip


BAD = [
    pytest.param(0.0, 981_194.0, id="zero-record"),
    pytest.param(math.nan, 981_194.0, id="nan-record"),
    pytest.param(43.1e6, math.nan, id="nan-model"),
]


@pytest.mark.parametrize(("recorded", "defi"), BAD)
def test_no_division_by_the_record_raises_or_writes_nan(
    recorded: float, defi: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cs.ContagionView, "low_move", lambda self, shock, venue: -0.1)
    v = _view(recorded, defi)
    assert v.per_record(defi) is None
    if not math.isfinite(recorded) or recorded == 0:
        assert v.closest_to_aave() is None
    take = cs._market_take(v)[0]
    assert "(ratio n/a to the record)" in take
    aave = cs._aave_take(v)
    s = cs.summary(v)
    assert s["aave_best_ratio"] is None and s["market_wide"]["aave_ratio"] is None
    text = json.dumps(to_jsonable(s), allow_nan=False)  # valid JSON: null, never NaN
    assert '"aave_best_ratio": null' in text
    for words in (take, aave, cs._headline(v).evidence):
        assert not re.search(r"\b(nan|inf)\b", words, re.IGNORECASE), words


def test_the_sweep_without_a_record_says_so() -> None:
    aave = cs._aave_take(_view(0.0, 981_194.0))
    assert "the sweep has no run nearest the record (n/a: no recorded figure" in aave


def test_a_finite_record_keeps_its_ratio_and_its_closest_run() -> None:
    v = _view(43.1e6, 981_194.0)
    assert v.per_record(981_194.0 * 3) == pytest.approx(981_194.0 * 3 / 43.1e6, rel=1e-12)
    best = v.closest_to_aave()
    assert best is not None and best[0] == SHOCK  # the larger DeFi leg is nearer the record
    assert "(ratio 0.07 to the record)" in cs._market_take(v)[0]


def test_the_card_says_what_is_checked_of_the_cex_venues() -> None:
    """The card said CEX liquidations "cannot be checked" beside Bybit's checked fall."""
    card: Any = cs._headline(_view(43.1e6, 981_194.0)).evidence
    assert card.endswith(
        "Bybit's modelled fall is 0.73 of its recorded one (Binance's is the shock); "
        "CEX liquidations cannot be checked, only Bybit's price fall"
    )
    # without Bybit's ratio no CEX figure is checked: the card says so, Bybit unnamed
    none: Any = cs._headline(_view(43.1e6, 981_194.0, bybit_ratio=math.nan)).evidence
    assert none.endswith("; CEX liquidations cannot be checked with the bundled data")
    assert "Bybit" not in none
    take = cs._aave_take(_view(43.1e6, 981_194.0))
    assert "Of the CEX venues' figures only Bybit's price fall is checked against the" in take
    take = cs._aave_take(_view(43.1e6, 981_194.0, bybit_ratio=math.nan))
    assert "Of the CEX venues' figures none is checked against the record" in take


def test_a_tie_names_every_shock_and_no_best(monkeypatch: pytest.MonkeyPatch) -> None:
    """-8 % and -12 % gave the same Aave figure (to 1e-10); the text said "closest at
    -8.0 %", the tie-break's pick. Now it names both and summary.json has no one best."""
    monkeypatch.setattr(cs.ContagionView, "low_move", lambda self, shock, venue: -0.1)
    v = _view(43.1e6, 981_194.0)
    runs = {-0.03: _run(30_972.0), -0.08: _run(981_193.5347707932), SHOCK: _run(981_193.534770793)}
    v = cs.ContagionView(**{**v.__dict__, "runs": runs})
    assert v.aave_ties() == [SHOCK, -0.08]
    take = cs._aave_take(v)
    assert "the sweep's first legs of −8.0 % and −12.0 % tie nearest the record" in take
    assert "comes closest" not in take
    s = cs.summary(v)
    assert s["aave_best_shock"] is None and s["aave_best_shocks"] == [SHOCK, -0.08]
    # the same accounts apart by cents (a WETH or WBTC debt repaid at another price:
    # 2025-10-10's -5 %, -8 % and -12 % differ by 3e-9) still tie
    runs[-0.08] = _run(981_193.534770793 * (1 + 3e-9))
    assert cs.ContagionView(**{**v.__dict__, "runs": runs}).aave_ties() == [SHOCK, -0.08]
    # no tie: the one shock, as before
    runs[-0.08] = _run(500_000.0)
    v = cs.ContagionView(**{**v.__dict__, "runs": runs})
    assert v.aave_ties() == [SHOCK] and cs.summary(v)["aave_best_shock"] == SHOCK


def test_the_take_says_where_the_aave_miss_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the row of the accounts held at the record's own lowest price, the takeaway says
    the lending rules reproduce the record there: the miss is the price channel."""
    monkeypatch.setattr(cs.ContagionView, "low_move", lambda self, shock, venue: -0.1)
    v = _view(43.1e6, 981_194.0)
    assert "Held at the record's own lowest" not in cs._aave_take(v)  # no row: no words
    row = {"key": "aave_at_record_low", "what": "Aave v3 WBTC + cbBTC collateral liquidated at "
           "the record's lowest liquidation price, USD", "model": 45.94e6, "recorded": 43.1e6,
           "ratio": 45.94 / 43.1, "miss": "price", "note": ""}  # fmt: skip
    rows = [*v.validation["rows"][:1], row, *v.validation["rows"][1:]]
    rec = {**v.recorded, "aave_lowest_liquidation_price": 106_490.25}
    v = cs.ContagionView(**{**v.__dict__, "validation": {"rows": rows}, "recorded": rec})
    take = cs._aave_take(v)
    assert ("Held at the record's own lowest liquidation price (106,490 USD per BTC), the same "
            "accounts and lending rules liquidate $45.9 M (ratio 1.07): the miss is the price "
            "its oracle sees, not the lending rules.") in take  # fmt: skip
    assert v.aave["model"] == 981_194.0  # the Aave row stays the first
    # the row is found by its key, not by its words: reworded, it is still read
    row["what"] = "Aave v3 held at the lowest recorded liquidation price, USD"
    assert "the miss is the price its oracle sees" in cs._aave_take(v)
