"""One wording of what the 1–10 day win rate's interval says, in the notes and the report.

``events.win_rate_words`` owns it; the ``support-study`` notes and the report's support
section both print it (the report said "any-day rate" where the notes said "every-day
rate"), and the report prints the notes' "no interval" words where the interval is
missing (it printed ``53.7 % (95 % –: cannot tell)``).
"""

from __future__ import annotations

from typing import Any

import pytest

from liqcascade.events import NO_WIN_INTERVAL, win_rate_words
from liqcascade.report._support_section import _closest_text, _win_rate_text

NAN = float("nan")


def _claim(lo: float, hi: float, part: str) -> dict[str, Any]:
    """A claim dict as ``assess_claim`` gives it (fractions; NaN: no interval)."""
    return {
        "computed_win_rate_1_10": 0.537,
        "win_rate_1_10_interval": [lo, hi],
        "win_rate_1_10_part": part,
        "baseline_win_rate_1_10": 0.511,
    }


@pytest.mark.parametrize(
    ("part", "lo", "hi", "words"),
    [
        ("holds", 0.53, 0.61, "the interval lies above the every-day rate"),
        ("fails", 0.45, 0.54, "the interval misses the claimed 55–60 %"),
        ("cannot tell", 0.44, 0.626, "cannot tell, the interval holds the every-day rate"),
        (
            "cannot tell",
            0.53,
            0.70,
            "cannot tell, the interval neither places it in the claimed band nor excludes it",
        ),
        ("cannot tell", NAN, NAN, "cannot tell"),
    ],
)
def test_one_wording_for_the_interval(part: str, lo: float, hi: float, words: str) -> None:
    assert win_rate_words(part, 0.511, lo, hi) == words


def test_the_report_prints_the_notes_words() -> None:
    c = _claim(0.440, 0.626, "cannot tell")
    assert _win_rate_text(c) == "53.7 % (95 % 44.0 %–62.6 %)"
    assert _win_rate_text(c, part=True) == (
        "53.7 % (95 % 44.0 %–62.6 %; cannot tell, the interval holds the every-day rate)"
    )
    held = _win_rate_text(_claim(0.530, 0.610, "holds"), part=True)
    assert held.endswith("; the interval lies above the every-day rate)")
    # one term: the report never says "any-day" (nor "any day") again
    for text in (held, _win_rate_text(c, part=True)):
        assert "any" not in text


@pytest.mark.parametrize("interval", [[NAN, NAN], [None, None]], ids=["nan", "null"])
def test_no_interval_reads_as_such(interval: list[Any]) -> None:
    c = _claim(NAN, NAN, "cannot tell") | {"win_rate_1_10_interval": interval}
    want = "53.7 % (no interval: too few clusters of tests)"
    assert NO_WIN_INTERVAL == "no interval: too few clusters of tests"
    assert _win_rate_text(c) == want
    assert _win_rate_text(c, part=True) == want  # not "(95 % –: cannot tell)"
    cc = c | {
        "n_tests": 5,
        "params": {"pivot": 3, "zone_tol": 0.01, "band": 0.02, "min_away": 1},
        "verdict_at_these_params": "not testable with these data",
    }
    assert f"win rate is {want}: not testable with these data there." in _closest_text(cc)


def test_a_study_without_an_interval_prints_the_rate_alone() -> None:
    c = _claim(0.44, 0.626, "cannot tell")
    del c["win_rate_1_10_interval"]
    assert _win_rate_text(c, part=True) == "53.7 %"
