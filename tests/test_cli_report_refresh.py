"""``report --refresh`` with no venue answering (ops29 finding R7).

Offline, the documented cron line (``report --refresh --out DIR``) exited 0 ("refresh
ETH: 0 rows added") and overwrote DIR with a 491-day-old report whose front page said
to run ``report --refresh``, while ``data fetch`` and ``watch`` exit 4 in the same
situation. Now a refresh that reached no venue exits 4 with one ``error:`` line and
writes nothing; one the venues answered with nothing newer goes on, and the front page
says the refresh found nothing newer.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli
from liqcascade.live import EXIT_NO_LIVE_DATA
from test_watch.fake import OfflineExchange


def _no_report(*_: Any, **__: Any) -> Any:
    raise AssertionError("the report was built after a refresh that reached no venue")


def test_a_refresh_that_reaches_no_venue_exits_4_and_keeps_the_last_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import liqcascade.live._poll as poll
    import liqcascade.report as report

    monkeypatch.setattr(poll, "make_exchange", lambda _id: OfflineExchange(int(time.time() * 1e3)))
    monkeypatch.setattr(time, "sleep", lambda s: None)  # the retries' backoff
    monkeypatch.setattr(report, "run_report", _no_report)
    out = tmp_path / "report"
    out.mkdir()
    (out / "summary.json").write_text('{"front": "last night\'s"}')
    r = run_cli("report", "--refresh", "--asset", "ETH", "--quick", "--out", str(out),
                env={"LIQCASCADE_STORE": str(tmp_path / "s.duckdb")})  # fmt: skip
    assert r.exit_code == EXIT_NO_LIVE_DATA == 4, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert errors == [
        "error: no venue answered the --refresh of ETH (binance): nothing was "
        f"fetched; no report was written (the folder {out} is as it was)"
    ]
    assert r.stderr.rstrip().endswith(errors[0])  # the last line: what a cron mail shows
    assert "rows added" not in r.stderr and r.stdout == ""
    assert (out / "summary.json").read_text() == '{"front": "last night\'s"}'
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]


def test_a_refresh_the_venues_answered_with_nothing_newer_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import liqcascade.live as live
    import liqcascade.report as report

    seen: dict[str, Any] = {}

    def fake_run(out: Path, options: Any, **kw: Any) -> dict[str, Path]:
        seen.update(kw)
        return {"html": tmp_path / "report.html", "summary": tmp_path / "summary.json"}

    monkeypatch.setattr(live, "refresh", lambda *a, **k: 0)  # answered: nothing newer
    monkeypatch.setattr(report, "run_report", fake_run)
    r = run_cli("report", "--refresh", "--asset", "ETH", "--quick", "--out", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    assert "refresh ETH: 0 rows added" in r.stderr
    assert seen["refreshed"] is True  # the front page: "the refresh found nothing newer"
    seen.clear()
    assert run_cli("report", "--asset", "ETH", "--quick", "--out", str(tmp_path)).exit_code == 0
    assert seen["refreshed"] is False
