"""One rule for "the whole margin" / "the paths' worst loss" (``stress.tail_bound``).

The ``stress`` command decided it by a collapsed sampling interval, the report by a 99 %
VaR within 0.1 % of the ES: a collapsed VaR interval with worse paths beyond it printed
"the paths' worst loss" in the command, a VaR 0.05 % under the ES "VaR and ES both
equal" in the report. Both now read :func:`liqcascade.stress.tail_bound`.
"""

from __future__ import annotations

from typing import Any

import pytest

from liqcascade._cli.stress import _tail_text
from liqcascade.report._stress_section import _var99_text, _worst_words
from liqcascade.stress import tail_bound
from liqcascade.stress._request import run_stress_request
from liqcascade.stress._result import SAME_LOSS_RTOL

WHOLE = 17124.0


def _summary(var: Any, es: Any, whole: Any = WHOLE, pct: str = "99") -> dict[str, Any]:
    out = {"paths": 20000, f"var_{pct}": var, f"es_{pct}": es, "whole_margin_usd": whole}
    out[f"var_{pct}_interval"] = [var, var] if var is not None else None
    out[f"es_{pct}_interval"] = [es, es] if es is not None else None
    out["min_paths"] = {f"var_{pct}": 368, f"es_{pct}": 368}
    return out


@pytest.mark.parametrize(
    ("var", "es", "whole", "want"),
    [
        (WHOLE, WHOLE, WHOLE, "whole_margin"),
        # VaR and ES the same loss to the tolerance: flat; just past it: an estimate
        (WHOLE * (1 - 0.5 * SAME_LOSS_RTOL), WHOLE, WHOLE, "whole_margin"),
        (WHOLE * (1 - 3 * SAME_LOSS_RTOL), WHOLE, WHOLE, None),
        # the report's old 0.1 % slack called this flat ("VaR and ES both equal")
        (0.9995 * WHOLE, WHOLE, WHOLE, None),
        # a flat tail the whole margin to the tolerance, or just below it
        (WHOLE, WHOLE, WHOLE * (1 + 0.5 * SAME_LOSS_RTOL), "whole_margin"),
        (WHOLE, WHOLE, WHOLE * (1 + 3 * SAME_LOSS_RTOL), "worst_loss"),
        (16256.03, 16256.030000000002, 18756.03, "worst_loss"),
        # no equity in the summary: the paths' worst, never said to be the margin
        (9000.0, 9000.0, None, "worst_loss"),
        # not a loss, or not estimated: no bound
        (0.0, 0.0, WHOLE, None),
        (-4980.6, -4980.6, WHOLE, None),
        (None, None, WHOLE, None),
        (WHOLE, None, WHOLE, None),
    ],
)
def test_the_rule_at_its_edges(var: Any, es: Any, whole: Any, want: str | None) -> None:
    assert tail_bound(_summary(var, es, whole), 0.99) == want


def test_the_level_reads_its_own_keys() -> None:
    s = {**_summary(WHOLE, WHOLE, pct="95"), "var_99": 100.0, "es_99": 200.0}
    assert tail_bound(s, 0.95) == "whole_margin"
    assert tail_bound(s, 0.99) is None


def _cli_kind(summary: dict[str, Any], key: str) -> str | None:
    text = _tail_text(summary, key)
    if "the whole margin" in text:
        return "whole_margin"
    return "worst_loss" if "the paths' worst loss" in text else None


def _report_kind(summary: dict[str, Any]) -> str | None:
    words = _worst_words(summary)
    if words is None:
        return None
    return "whole_margin" if words == "the whole margin" else "worst_loss"


def _agree(summary: dict[str, Any]) -> str | None:
    """The command's and the report's verdicts on the 99 % tail; fails when they differ."""
    kinds = {_cli_kind(summary, "var_99"), _cli_kind(summary, "es_99"), _report_kind(summary)}
    assert len(kinds) == 1, kinds
    return kinds.pop()


def test_hand_made_cases_the_two_once_disagreed_on() -> None:
    # a collapsed VaR interval, worse paths beyond it: the command said "worst loss"
    s = _summary(9000.0, 11000.0, whole=18756.0)
    assert _agree(s) is None
    # a VaR 0.05 % under the ES at the margin: the report said "both equal"
    s = _summary(0.9995 * WHOLE, WHOLE)
    s["var_99_interval"] = [0.998 * WHOLE, WHOLE]
    assert _agree(s) is None
    assert "untestable on 30-day windows" in _var99_text(s)


def test_the_bundled_default_run_is_the_whole_margin_in_both() -> None:
    run = run_stress_request("sample")  # `liqcascade stress --portfolio sample`
    s = run.to_dict()
    assert s["var_99"] == pytest.approx(s["whole_margin_usd"], rel=1e-9)
    assert _agree(s) == "whole_margin" == run.result.tail_bound(0.99)
    assert _var99_text(s).startswith("at 99 % the whole margin is lost")
    # the 95 % tail is an estimate in the command (the report's card gives its interval)
    assert _cli_kind(s, "var_95") is None and run.result.tail_bound(0.95) is None


def test_stops_keep_part_of_the_margin_in_both(data_dir: Any) -> None:
    # the BTC stop at 106,000 caps the worst path below the equity, 18,756 USD
    run = run_stress_request(str(data_dir / "stress" / "portfolio.csv"), paths=1000)
    s = run.to_dict()
    assert s["whole_margin_usd"] == pytest.approx(18756.03, abs=0.01)
    assert s["var_99"] < s["whole_margin_usd"] - 1000
    assert _agree(s) == "worst_loss" == run.result.tail_bound(0.99)
    assert "whole margin" not in _var99_text(s)
    assert float(run.result.loss.max()) == pytest.approx(s["var_99"], rel=1e-9)
