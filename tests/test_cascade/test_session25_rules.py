"""Session 25: the cascade's library rules shared with the rest of the package.

``LiquidityParams.liquidation_fee`` had its own ``must be in [0, 1)`` message; it reads
the package's one fee rule (``_limits.check_fraction``), as ``CascadeConfig`` and
``Exchange`` do: a percent typed as a number is told so.
"""

from __future__ import annotations

import pytest

from liqcascade.cascade import CascadeConfig, LiquidityParams
from liqcascade.errors import InputError


@pytest.mark.parametrize("given", [1.0, 5.0, 150.0, -0.01, float("nan")])
def test_liquidity_params_fee_reads_the_shared_rule(given: float) -> None:
    with pytest.raises(InputError) as mine:
        LiquidityParams(liquidation_fee=given)
    with pytest.raises(InputError) as shared:
        CascadeConfig(liquidation_fee=given)
    assert str(mine.value) == str(shared.value)
    assert mine.value.param == "liquidation_fee"


def test_liquidity_params_fee_percent_hint() -> None:
    with pytest.raises(InputError, match=r"fraction in \[0, 1\) \(got 5; for 5 % give 0\.05\)$"):
        LiquidityParams(liquidation_fee=5)
    assert LiquidityParams(liquidation_fee=0.001).liquidation_fee == pytest.approx(0.001, abs=1e-15)
