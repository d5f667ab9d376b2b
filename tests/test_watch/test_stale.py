"""A watch does not page on stale data, and says when it fetched nothing (review-ops7 1, 7).

Offline (every request fails as without a network) the line is made from the bundle's
last bars: ETH's price of 2026-04 against the book its open interest allows (2025-07).
No alert rule is checked on such a line; one ``stale`` alert per interval says why,
and every alert carries ``stale``, ``stale_reason``, ``price_as_of`` and ``market_as_of``
besides the wall-clock ``time``. A session that ran to ``max_iterations`` without any
venue answering exits 4 from the CLI (Ctrl-C is 130: tests/test_watch/test_stop.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.live import (
    EXIT_NO_LIVE_DATA,
    WatchOptions,
    WatchSummary,
    evaluate,
    parse_rule,
    run_watch,
)

from .fake import H, OfflineExchange, ReplayExchange

START = int(pd.Timestamp("2025-07-20 00:30", tz="UTC").value // 1_000_000)
#: The reviewer's clock: eight months after the bundle's last price.
LATE = int(pd.Timestamp("2026-12-04 10:30", tz="UTC").value // 1_000_000)
SINCE = "2025-07-01"
#: Rules that fire on any line whose figures are there (a price > 0, a shock > -50 %).
ALWAYS = ("price>0", "critical_shock>-0.5")


def _run(ex: Any, store: Path, rules: tuple[str, ...], n: int, **kw: Any) -> tuple[list, Any]:
    lines: list[dict[str, Any]] = []

    def sleep(s: float) -> None:  # the interval passes on the fake's clock; retries do not
        if s >= 60:
            ex.now_ms += H

    opts = WatchOptions(exchanges=[ex], store=store, since=SINCE, max_iterations=n,
                        interval=3600, draws=2, rules=rules, **kw)  # fmt: skip
    res = run_watch(opts, emit=lines.append, clock=lambda: ex.now_ms, sleep=sleep,
                    log=lambda s: None)  # fmt: skip
    return lines, res


def test_a_stale_line_checks_no_rule_and_raises_one_stale_alert(tmp_path: Path) -> None:
    out = tmp_path / "alert.json"
    lines, res = _run(OfflineExchange(LATE), tmp_path / "s.duckdb", ALWAYS, 2,
                      on_alert=f"cat > {out}")  # fmt: skip
    assert len(lines) == 2
    for ln in lines:
        assert ln["stale"] is True and ln["venues_answered"] == 0 and ln["venues"] == 1
        # the bundle's last hour and the last book its open interest allows
        assert ln["price_as_of"].startswith("2026-04-01")
        assert ln["market_as_of"].startswith("2025-07-31")
        # the rules would fire on these figures: holding them back is what stops the page
        assert parse_rule("price>0").check(ln) and parse_rule("critical_shock>-0.5").check(ln)
        assert len(ln["alerts"]) == 1  # once per interval, however many rules
        a = ln["alerts"][0]
        assert a["rule"] == a["metric"] == "stale" and a["value"] is True
        assert a["threshold"] is None and a["stale"] is True
        assert a["rules_not_checked"] == list(ALWAYS)
        for k in ("time", "asset", "stale_reason", "price_as_of", "market_as_of"):
            assert a[k] == ln[k], k
        assert "no live data: price of 2026-04-01" in a["stale_reason"]
        assert a["time"] != a["price_as_of"]  # the wall clock, and the price's own date
    # the hook received the payload with its dates and the reason (the last interval's)
    got = json.loads(out.read_text())
    assert got == json.loads(json.dumps(lines[-1]["alerts"][0], default=str))
    assert res == WatchSummary(intervals=2, live_intervals=0, interrupted=False,
                               store=str(tmp_path / "s.duckdb"))  # fmt: skip
    assert res.no_live_data


def test_a_stale_price_beside_a_current_book_holds_the_rules_too() -> None:
    """Stale by the price alone (3.5 hours old; the book's bar closed 4.5 hours ago, within
    its 8 hours): the clusters are measured, and still no rule is checked."""
    from liqcascade.live._watch import staleness

    now = pd.Timestamp("2025-07-20 04:30", tz="UTC")
    st = staleness(now, now - pd.Timedelta(hours=3.5), now - pd.Timedelta(hours=4.5))
    assert st == {"stale": True, "stale_reason": "no live data: price of 2025-07-20 01:00 UTC"}
    # two hours and eight hours old: the limits themselves are not stale
    at_limits = staleness(now, now - pd.Timedelta(hours=2), now - pd.Timedelta(hours=8))
    assert at_limits == {"stale": False, "stale_reason": None}
    line = {"time": now.isoformat(), "asset": "ETH", "price": 3600.0, "critical_shock": -0.04,
            "cluster_within_pct": 1.5, "price_as_of": "p", "market_as_of": "m", **st}  # fmt: skip
    rules = [parse_rule(r) for r in (*ALWAYS, "cluster_within_pct<100")]
    assert all(r.check(line) for r in rules)
    (a,) = evaluate(rules, line)
    assert a["rule"] == "stale" and a["rules_not_checked"] == [*ALWAYS, "cluster_within_pct<100"]
    assert a["stale_reason"] == st["stale_reason"]


def test_live_alerts_carry_the_dates_they_were_measured_on(tmp_path: Path) -> None:
    lines, res = _run(ReplayExchange(START), tmp_path / "s.duckdb",
                      (*ALWAYS, "cluster_within_pct<0.0001"), 2)  # fmt: skip
    for ln in lines:
        assert ln["stale"] is False and ln["venues_answered"] == 1
        assert [a["rule"] for a in ln["alerts"]] == list(ALWAYS)
        for a in ln["alerts"]:
            assert a["stale"] is False and a["stale_reason"] is None
            for k in ("time", "asset", "price_as_of", "market_as_of"):
                assert a[k] == ln[k], k
            assert a["value"] == ln[a["metric"]]
    assert lines[0]["alerts"][0]["price_as_of"] == "2025-07-20T00:00:00+00:00"
    assert (res.intervals, res.live_intervals, res.interrupted) == (2, 2, False)
    assert res.rows_stored > 0 and res.interrupted_write is None
    assert not res.no_live_data


def test_evaluate_by_hand() -> None:
    rules = [parse_rule("price<2200"), parse_rule("critical_shock>-0.07")]
    line = {"time": "t", "asset": "ETH", "price": 2105.43, "critical_shock": -0.0628,
            "stale": False, "stale_reason": None, "price_as_of": "p",
            "market_as_of": "m"}  # fmt: skip
    fired = evaluate(rules, line)
    assert [(a["rule"], a["value"], a["threshold"]) for a in fired] == [
        ("price<2200", 2105.43, 2200.0),
        ("critical_shock>-0.07", -0.0628, -0.07),
    ]
    assert all(a["price_as_of"] == "p" and a["market_as_of"] == "m" for a in fired)
    stale = {**line, "stale": True, "stale_reason": "no live data: price of X"}
    (a,) = evaluate(rules, stale)
    assert a["rule"] == "stale" and a["stale_reason"] == "no live data: price of X"
    assert a["rules_not_checked"] == ["price<2200", "critical_shock>-0.07"]
    assert evaluate([], stale) == [] and evaluate([], line) == []
    # a live line on which no rule fires raises nothing
    assert evaluate(rules, {**line, "price": 2300.0, "critical_shock": -0.08}) == []


def test_ctrl_c_is_not_no_live_data(tmp_path: Path) -> None:
    ex = OfflineExchange(LATE)

    def emit(ln: dict[str, Any]) -> None:
        raise KeyboardInterrupt

    opts = WatchOptions(exchanges=[ex], store=tmp_path / "s.duckdb", max_iterations=3, draws=0)
    res = run_watch(opts, emit=emit, clock=lambda: ex.now_ms, sleep=lambda s: None,
                    log=lambda s: None)  # fmt: skip
    assert res == WatchSummary(intervals=0, live_intervals=0, interrupted=True,
                               store=str(tmp_path / "s.duckdb"))  # fmt: skip
    assert not res.no_live_data


class _Interrupted(OfflineExchange):
    def _fault(self, method: str) -> Any:
        raise KeyboardInterrupt


@pytest.mark.parametrize("venue", ["offline", "ctrl-c"])
def test_cli_offline_exits_4_pages_nothing_and_labels_both_critical_shocks(
    venue: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import liqcascade.live._poll as poll

    cls = OfflineExchange if venue == "offline" else _Interrupted
    monkeypatch.setattr(poll, "make_exchange", lambda _id: cls(int(time.time() * 1000)))
    monkeypatch.setattr(time, "sleep", lambda s: None)  # the retries' backoff
    out = tmp_path / "alert.json"
    r = run_cli("watch", "--store", str(tmp_path / "s.duckdb"), "--max-iterations", "1",
                "--alert", "price<1e9", "--alert", "critical_shock>-0.07",
                "--on-alert", f"cat > {out}")  # fmt: skip
    if venue == "ctrl-c":  # stopped mid-interval: no line, no hook run, one line why
        assert r.exit_code == 130 and r.stdout == "" and not out.exists(), r.stderr
        assert r.stderr == (
            "error: interrupted: the watch stopped before its first line; nothing was stored\n"
        )
        return
    assert r.exit_code == EXIT_NO_LIVE_DATA == 4, r.stderr
    legend, *lines = r.stdout.splitlines()  # the legend: once, before the first line
    assert legend.startswith("legend: clusters -a % / +b %: the nearest large liquidation")
    assert " critical shock -" in lines[0] and "(paths 10-90 %: " in lines[0]
    assert "; market 2025-07-31T20:00)  static-book carry bound -" in lines[0]
    assert lines[1].startswith("STALE no live data: price of 2026-04-01")
    assert lines[2].startswith(
        "ALERT stale: rules not checked on stale data (price<1e9; critical_shock>-0.07): "
        "no live data: price of 2026-04-01"
    )
    assert len(lines) == 3  # neither rule's alert
    assert r.stderr.strip().splitlines()[-1] == (
        "warning: no live data: no venue answered in 1 interval; exit 4"
    )
    payload = json.loads(out.read_text())
    assert payload["stale"] is True and payload["price_as_of"].startswith("2026-04-01")
    assert payload["market_as_of"].startswith("2025-07-31")
