"""One Kupiec coverage rule: the command line's ``coverage`` and the report's words.

``liqcascade stress --scenario backtest`` called a level its windows cannot test (72
30-day windows at 99 % expect 0.72 exceedances) "not testable"; the report's texts had
their own rule (p under 5 %) and could say passes or fails on the same row. Both read
:func:`liqcascade.stress.kupiec_coverage` now.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from liqcascade.stress import MIN_EXPECTED_EXCEEDANCES, kupiec_coverage


def _row(n: int, level: float, rate: float, p: float) -> dict[str, Any]:
    return {"n": n, "expected": 1 - level, "rate": rate, "kupiec_p": p}


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (_row(2161, 0.99, 0.004, 0.023), "fails: too few"),
        (_row(2161, 0.99, 0.02, 0.001), "fails: too many"),
        (_row(216, 0.95, 0.05, 0.36), "passes"),
        (_row(72, 0.99, 0.0, 0.23), "not testable"),  # 0.72 expected
        (_row(72, 0.99, 0.0, 0.01), "not testable"),  # a low p does not make it testable
        (_row(100, 0.99, 0.0, 0.3), "passes"),  # exactly one expected: testable
        (_row(0, 0.99, float("nan"), float("nan")), "n/a"),
        (_row(50, 0.95, 0.1, float("nan")), "n/a"),
    ],
)
def test_kupiec_coverage_words(row: dict[str, Any], words: str) -> None:
    assert MIN_EXPECTED_EXCEEDANCES == pytest.approx(1.0, abs=0.0)
    assert kupiec_coverage(row) == words


def test_the_command_line_and_the_report_say_the_same_on_the_bundled_eth_rows() -> None:
    """Every horizon and level of the bundled ETH back-test (50 paths: ~10 s): the
    command's ``coverage``, the section's takeaway, its failing horizons and the card.
    """
    from liqcascade.report import _stress_section as sec
    from liqcascade.stress import run_var_backtest_request

    run = run_var_backtest_request("ETH", paths=50)
    bt = run.backtest
    cli = {(v["horizon_days"], v["level"]): v["coverage"] for v in run.to_dict()["verdicts"]}
    assert cli[(30, 0.99)] == "not testable"  # the row the rules disagreed on
    assert {c for c in cli.values()} - {"not testable"} <= {
        "passes", "fails: too few", "fails: too many"
    }  # fmt: skip
    section_words = {
        "passes": "it passes Kupiec's coverage test at every horizon",
        "fails: too few": "(too few exceedances: over-cautious)",
        "fails: too many": "(too many exceedances)",
        "not testable": "cannot test Kupiec's coverage (under one exceedance expected)",
    }
    card_words = {
        "passes": "(passes Kupiec",
        "fails: too few": "(fails Kupiec, over-cautious",
        "fails: too many": "(fails Kupiec, too many",
        "not testable": "(Kupiec not testable: under one exceedance expected",
    }
    fails = set(sec.kupiec_fails(bt))
    v = SimpleNamespace(
        backtest=bt, asset="ETH", backtest_reads_after=run.reads_after_market_date,
        backtest_whole=run.whole, own_portfolio=False,
    )  # fmt: skip
    for (h, lv), words in cli.items():
        label = f"{h}-day {sec.pct(lv, 0)}"
        assert section_words[words] in sec._kupiec_words([(label, bt.row(h, lv, "model"))])
        if (h, lv) in sec.VERDICT_HORIZONS:
            assert (label in fails) == words.startswith("fails"), label
        if h == sec.HORIZON_DAYS:
            assert card_words[words] in sec._headline_evidence(v, level=lv), label  # type: ignore[arg-type]
    # the card's mark scores the 30-day 95 % row
    mark = sec._var_check(v)  # type: ignore[arg-type]
    kupiec = cli[(sec.HORIZON_DAYS, sec.VAR_LEVEL)].split(":")[0]
    assert kupiec in ("passes", "fails")
    expected = sec.check_mark(kupiec, sec.VERDICT_CHECK.get(_pinball_word(sec, bt)))
    assert mark == expected


def _pinball_word(sec: Any, bt: Any) -> str:
    """The pinball verdict of the card's row (the card's second check)."""
    from liqcascade._significance import verdict

    best = bt.best_baseline(sec.HORIZON_DAYS, sec.VAR_LEVEL)
    _, lo, hi = sec.pinball_interval(bt, sec.HORIZON_DAYS, sec.VAR_LEVEL, best)
    return str(verdict(lo, hi))
