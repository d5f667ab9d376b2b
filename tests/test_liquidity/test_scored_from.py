"""Where a back-test's scored events start: one rule (``scored_from``) for every text.

The command line's "events scored" row (the day) and the report's event back-test
span (the window's month, or the day where the data cut it) both read it. At an
earlier market date the command had printed the window's start (2024-11-01) as the
first event scored, while the first 13 triggers had no open interest (the scored
events start 2024-11-23).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from liqcascade.cascade._scores import scored_from

_CUT = {"start": "2024-11-01T00:00:00+00:00", "covered_start": "2024-11-23T00:00:00+00:00"}
_WHOLE = {"start": "2025-01-01T00:00:00+00:00", "covered_start": "2025-01-01T00:00:00+00:00"}


@pytest.mark.parametrize(
    ("summary", "day", "month"),
    [
        (_CUT, "2024-11-23", "2024-11-23"),  # the data cut the window: the day, always
        (_WHOLE, "2025-01-01", "2025-01"),  # from the window's start: its month
        ({"start": "2025-02-03T00:00:00+00:00"}, "2025-02-03", "2025-02"),  # stored without
        ({**_CUT, "covered_start": None}, "2024-11-01", "2024-11"),
    ],
)
def test_scored_from(summary: dict, day: str, month: str) -> None:
    assert scored_from(summary) == day
    assert scored_from(summary, month=True) == month


def test_the_command_and_the_report_name_the_same_first_day() -> None:
    from liqcascade._cli.cascade_backtest import scored_events_text
    from liqcascade.cascade._clock import backtest_score
    from liqcascade.report._cascade_section import _oos_text

    by = backtest_score("ETH", False, before=pd.Timestamp("2025-03-02", tz="UTC"))
    assert by is not None and by["scope"] == "events closed by the market date"
    assert by["start"][:10] == "2024-11-01" and by["covered_start"][:10] == "2024-11-23"
    cli = scored_events_text(by, "ETH")
    assert cli.startswith(
        "the 50 events whose 24 h closed by the market's time, 2025-03-02 00:00 UTC: from "
        "2024-11-23 to the last event, 2025-02-27 19:00 UTC; 13 triggers"
    ), cli
    assert "50 events 2024-11-23 → 2025-02" in _oos_text(SimpleNamespace(oos=by))
    whole = backtest_score("ETH", False)
    assert whole is not None
    assert "125 events 2024-11-23 → 2025-07-31, every one closed" in scored_events_text(
        whole, "ETH"
    )
    assert "125 events 2024-11-23 → 2025-07 " in _oos_text(SimpleNamespace(oos=whole))
