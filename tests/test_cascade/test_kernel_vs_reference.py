"""The numba kernel equals the plain-Python reference on thousands of random cases."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from reference.cascade_cases import compare, random_case, run_kernel


@pytest.mark.parametrize("block", range(4))
def test_kernel_equals_reference_default(block: int) -> None:
    rng = np.random.default_rng(1000 + block)
    kinds: Counter[str] = Counter()
    for i in range(400):
        case = random_case(rng)
        r = run_kernel(case)
        errs = compare(case, r)
        assert not errs, f"case {block}/{i}: {errs}"
        kinds[r.direction] += 1
        kinds["exhausted" if r.book_exhausted else "not_exhausted"] += 1
        kinds["none_triggered" if r.rounds == 0 else "triggered"] += 1
        kinds["bad_debt" if r.bad_debt_usd > 0 else "no_bad_debt"] += 1
        kinds["multi_round" if r.rounds > 1 else "le_one_round"] += 1
        kinds["settled"] += bool(r.position_outcomes()["settled"].any())
        kinds["stop_settled"] += bool(r.stop_outcomes()["settled"].any())
        kinds["empty_book_round"] += bool(
            r.book_exhausted and r.trace and not r.trace[-1]["filled_base"]
        )
    # the generator reaches every branch the issues name (17: settlement past the book)
    for k in ("down", "up", "exhausted", "none_triggered", "bad_debt", "multi_round",
              "settled", "stop_settled", "empty_book_round"):  # fmt: skip
        assert kinds[k] >= 10, kinds


@pytest.mark.parametrize("block", range(2))
def test_kernel_equals_reference_extensions(block: int) -> None:
    rng = np.random.default_rng(2000 + block)
    for i in range(250):
        case = random_case(rng, extensions=True)
        errs = compare(case)
        assert not errs, f"case {block}/{i} {case.config}: {errs}"
