"""The hypothesis example counts: explore searches at least 200 per test (CONTRIBUTING)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from profiles import EXPLORE_EXAMPLES, examples


def test_examples_is_the_test_count_by_default_and_at_least_200_exploring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LIQCASCADE_HYPOTHESIS", raising=False)
    assert examples(25) == 25 and examples(300) == 300
    monkeypatch.setenv("LIQCASCADE_HYPOTHESIS", "explore")
    assert examples(25) == EXPLORE_EXAMPLES == 200
    assert examples(300) == 300


def test_no_test_caps_explore_below_200() -> None:
    """A literal ``max_examples=n`` overrides the explore profile: below 200 it must be
    ``examples(n)``."""
    tests = Path(__file__).resolve().parent
    bad = []
    for path in sorted(tests.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"max_examples\s*=\s*(\d+)", text):
            if int(m.group(1)) < EXPLORE_EXAMPLES and path.name != "conftest.py":
                line = text.count("\n", 0, m.start()) + 1
                bad.append(f"{path.relative_to(tests)}:{line}")
    assert not bad, f"max_examples below 200 without examples(n): {bad}"
