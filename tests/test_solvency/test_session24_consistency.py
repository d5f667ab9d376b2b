"""Session 24: a scenario's outcome prints as one line; the fee's range is the shared rule.

``ScenarioOutcome`` kept the dataclass repr, which printed every ADL allocation with an
array per position; ``Exchange.liquidation_fee`` (and ``run_solvency_request``'s
``liq_fee``) had their own ``must be in [0, 1)`` without the percent hint that
``reserve_buffer`` gives.
"""

from __future__ import annotations

import pytest

from liqcascade.errors import InputError
from liqcascade.solvency import Exchange, StressScenario, run_solvency
from test_solvency.test_exchange import _book


def test_scenario_outcome_repr_is_one_short_line() -> None:
    ex = Exchange(_book(), insurance_fund=50.0, reserve_buffer=0.01, mid=2000.0)
    a = run_solvency(ex, [StressScenario("a", -0.08)]).outcomes[0]
    assert a.adl  # the ADL results the dataclass repr printed in full
    text = repr(a)
    assert "\n" not in text and len(text) < 400, text
    assert "AdlResult" not in text and "array(" not in text
    # figures by hand (test_exchange.test_path_engine_golden_by_hand): 1840, bad debt 10
    assert text.startswith("ScenarioOutcome(name=a, shock=-0.08, final_price=1,840.00, ")
    assert "n_liquidated=1" in text and "bad_debt_usd=10, " in text
    assert f"adl_policies={', '.join(a.adl)})" in text
    html = a._repr_html_()
    assert html.startswith("<table><caption>ScenarioOutcome a</caption>")
    assert "<th style='text-align:left'>bad_debt_usd</th><td>10</td>" in html


@pytest.mark.parametrize(
    ("given", "hint"),
    [(1.0, "; for 1 % give 0.01"), (5.0, "; for 5 % give 0.05"), (150.0, "")],
)
def test_liquidation_fee_range_is_the_shared_rule(given: float, hint: str) -> None:
    with pytest.raises(InputError) as e:
        Exchange(_book(), insurance_fund=0, liquidation_fee=given)
    assert str(e.value) == f"liquidation_fee must be a fraction in [0, 1) (got {given:g}{hint})"
    assert e.value.param == "liquidation_fee"
    with pytest.raises(InputError, match=r"^liquidation_fee must be >= 0 \(got -0\.01\)$"):
        Exchange(_book(), insurance_fund=0, liquidation_fee=-0.01)


def test_request_liq_fee_is_the_shared_rule() -> None:
    from liqcascade.solvency import run_solvency_request

    with pytest.raises(InputError) as e:
        run_solvency_request(0.0, liq_fee=2.0)
    # the shared fraction rule, bounded at 5 % for an exchange's fee (exch30 §3)
    assert str(e.value) == "liq_fee must be a fraction in [0, 0.05) (got 2; for 2 % give 0.02)"
    assert e.value.param == "liq_fee"
