"""The market's age: one threshold and one count for the report and the commands' note."""

from __future__ import annotations

import io

import click
import pytest
from rich.console import Console

from liqcascade import _time
from liqcascade._cli import _common, _market_line

MARKET = {"asset": "BTC", "as_of": "2025-07-31T20:00:00+00:00",
          "close_time": "2025-08-01T00:00:00+00:00"}  # fmt: skip


def test_one_stale_threshold() -> None:
    from liqcascade.report import _build

    assert _build.STALE_DAYS == _time.STALE_DAYS == 3
    assert not hasattr(_market_line, "STALE_DAYS")  # no second copy beside the note
    # the same count as the report's (its bar open + the 4-hour bar, to the clock)
    now = "2026-12-06T19:00:00+00:00"
    assert _market_line.age_days(MARKET, now) == _build.market_age_days(MARKET["as_of"], now)
    assert _time.days_since(MARKET["close_time"], "2025-08-04T23:59:00+00:00") == 3


def test_the_threshold_is_the_reports() -> None:
    three = "2025-08-04T23:00:00+00:00"  # 3 whole days: still today's market, as the report
    four = "2025-08-05T00:00:00+00:00"
    assert _market_line.age_note(MARKET, three) is None
    note = _market_line.age_note(MARKET, four)
    assert note is not None and "4 days before now; not today's market" in note


def test_an_asked_date_is_not_said_to_end_the_data() -> None:
    note = _market_line.age_note(MARKET, "2026-12-06T19:00:00+00:00", asked=True)
    assert note is not None and note.endswith("the market of the date asked (--as-of), not today's")
    assert "the data it reads end there" not in note


CASES = [(None, "not today's market (the data"), ("2025-07-31", "the market of the date asked")]


@pytest.mark.parametrize(("as_of", "said"), CASES)
def test_emit_says_which(monkeypatch: pytest.MonkeyPatch, as_of: str | None, said: str) -> None:
    term = io.StringIO()
    monkeypatch.setattr(_common, "stderr", Console(file=term, force_terminal=True, width=400))
    monkeypatch.setattr(_common, "stdout", Console(file=io.StringIO(), width=400))
    with click.Context(click.Command("x")) as ctx:
        ctx.params["as_of"] = as_of
        _common.emit({"x": 1, "market": MARKET}, True)
    assert term.getvalue().startswith("note: market BTC at 2025-07-31 20:00 UTC")
    assert said in term.getvalue()
