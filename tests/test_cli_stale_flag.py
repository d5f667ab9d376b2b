"""``stale`` beside ``data_age_days`` in the commands' JSON (ops29 finding R5).

A pipeline could tell a 491-day-old market only by reading ``data_age_days`` and knowing
the threshold; now the JSON says it: ``stale`` is true past
:data:`liqcascade._time.STALE_DAYS` whole days, the threshold of the age note and of the
report's front page (``front.stale``).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from liqcascade._cli import _common
from liqcascade._cli._market_line import age_note, is_stale
from liqcascade._time import STALE_DAYS


def _market(close: pd.Timestamp) -> dict[str, str]:
    return {"asset": "ETH", "as_of": (close - pd.Timedelta(hours=4)).isoformat(),
            "close_time": close.isoformat()}  # fmt: skip


def test_the_flag_and_the_note_share_one_threshold() -> None:
    assert [is_stale(d) for d in (None, 0, STALE_DAYS, STALE_DAYS + 1)] == [
        False, False, False, True]  # fmt: skip
    m = _market(pd.Timestamp("2025-08-01", tz="UTC"))
    now = pd.Timestamp("2025-08-01", tz="UTC") + pd.Timedelta(days=STALE_DAYS, hours=23)
    assert age_note(m, now) is None
    assert age_note(m, now + pd.Timedelta(hours=1)) is not None


@pytest.mark.parametrize(("days", "stale"), [(1, False), (STALE_DAYS + 1, True), (492, True)])
def test_emit_puts_stale_beside_the_age(
    days: int, stale: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_common, "STATE", _common._State())
    close = pd.Timestamp.now(tz="UTC").floor("4h") - pd.Timedelta(days=days, hours=1)
    _common.emit({"x": 1, "market": _market(close)}, True)
    out = json.loads(capsys.readouterr().out)
    assert out["data_age_days"] == days and out["stale"] is stale
    keys = list(out)
    assert keys.index("stale") == keys.index("data_age_days") + 1  # side by side
    _common.emit({"x": 1, "market": _market(close), "data_age_days": 0}, True)
    assert json.loads(capsys.readouterr().out)["stale"] is False  # the age given is the one read
