"""Hypothesis example counts: a test's own, or more when searching for counterexamples.

``make test`` runs the ``default`` profile (60 derandomised examples, or what a test's
``@settings(max_examples=examples(n))`` asks); ``LIQCASCADE_HYPOTHESIS=explore`` runs new
random examples, at least :data:`EXPLORE_EXAMPLES` per test (see CONTRIBUTING.md).
"""

from __future__ import annotations

import os

#: Fewest examples per test under the ``explore`` profile.
EXPLORE_EXAMPLES = 200


def exploring() -> bool:
    """Whether the ``explore`` profile is on (``LIQCASCADE_HYPOTHESIS=explore``)."""
    return os.environ.get("LIQCASCADE_HYPOTHESIS", "default") == "explore"


def examples(n: int) -> int:
    """``n`` examples, or at least :data:`EXPLORE_EXAMPLES` under ``explore``.

    A test's own ``max_examples`` overrides the profile's, so a test that asks for 25
    would run 25 in ``explore`` too; ``@settings(max_examples=examples(25))`` runs 25
    by default and 200 when exploring.
    """
    return max(n, EXPLORE_EXAMPLES) if exploring() else n
