"""The support study's statistics under numbers outside their domain (api18).

``block_bootstrap_ci`` raised numpy's reshape error for ``n_boot`` 0 and its
"negative dimensions" error for -1, took a block of 0 or less as 1 and a level of NaN
to numpy's quantile error; ``newey_west_mean`` took a negative lag as 0;
``overlap_adjusted_mean`` took a horizon of 0 as 1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.events import block_bootstrap_ci, newey_west_mean, overlap_adjusted_mean

X = np.random.default_rng(3).normal(0.001, 0.02, 60)


@pytest.mark.parametrize(("kw", "param"), [
    ({"n_boot": 0}, "n_boot"), ({"n_boot": -1}, "n_boot"), ({"n_boot": 2.5}, "n_boot"),
    ({"block": 0}, "block"), ({"block": -3}, "block"),
    ({"level": math.nan}, "level"), ({"level": 1.0}, "level"), ({"level": 95}, "level"),
])  # fmt: skip
def test_block_bootstrap_refuses_counts_and_levels_outside_their_domain(
    kw: dict[str, float], param: str
) -> None:
    args = {"block": 5, "n_boot": 50, "level": 0.9} | kw
    with pytest.raises(InputError) as e:
        block_bootstrap_ci(
            X, args["block"], np.random.default_rng(0), args["n_boot"], args["level"]
        )
    assert e.value.param == param


def test_block_bootstrap_interval_holds_the_mean() -> None:
    lo, hi = block_bootstrap_ci(X, 5, np.random.default_rng(0), 400)
    assert lo < float(X.mean()) < hi


@pytest.mark.parametrize("lag", [-1, 1.5, True])
def test_newey_west_refuses_a_lag_that_is_not_a_count(lag: object) -> None:
    with pytest.raises(InputError, match="lag must be a whole number >= 0") as e:
        newey_west_mean(X, lag)  # type: ignore[arg-type]
    assert e.value.param == "lag"


@pytest.mark.parametrize("h", [0, -5, 2.5])
def test_overlap_adjusted_mean_refuses_a_horizon_below_one_bar(h: object) -> None:
    with pytest.raises(InputError, match="h must be a whole number >= 1") as e:
        overlap_adjusted_mean(X, np.arange(60) * 3, h)  # type: ignore[arg-type]
    assert e.value.param == "h"


def test_overlap_adjusted_mean_refuses_unpaired_bars() -> None:
    with pytest.raises(InputError, match="one bar per observation") as e:
        overlap_adjusted_mean(X, np.arange(59), 5)
    assert e.value.param == "bars"


def test_block_bootstrap_refuses_resamples_beyond_the_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 10^12 resamples raised numpy's MemoryError after asking for 36 TiB
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "100MB")
    with pytest.raises(InputError, match="n_boot 1000000000000 needs about") as e:
        block_bootstrap_ci(X, 5, np.random.default_rng(0), 10**12)
    assert e.value.param == "n_boot"
