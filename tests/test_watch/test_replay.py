"""``liqcascade watch --replay``: the same watcher over recorded bars, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from clihelpers import run_cli
from floats import same_value
from liqcascade.live import RecordedExchange, WatchOptions, run_replay

from .fake import ReplayExchange

DAY = "2025-07-24/2025-07-24"
#: The static book's critical shock on 2025-07-24 (bundled ETH): -2.65 % from the bar of
#: 07-23 20:00, -2.11 % from the bar of 07-24 00:00 (lines 04:00-07:00), then -2.65 % and
#: below: this rule fires at exactly those four lines.
RULE = "critical_shock>-0.025"
FIRED = ["2025-07-24T04:00", "2025-07-24T05:00", "2025-07-24T06:00", "2025-07-24T07:00"]


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    tmp = tmp_path_factory.mktemp("replay")
    store, sink = tmp / "store.duckdb", tmp / "alerts.jsonl"
    r = run_cli("watch", "--replay", DAY, "--liquidity", "static", "--alert", RULE, "--json",
                "--on-alert", f"cat >> {sink}",
                env={"LIQCASCADE_STORE": str(store)})  # fmt: skip
    return r, store, sink


def test_a_day_is_one_line_per_recorded_hourly_bar(day: tuple) -> None:
    r, _, _ = day
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(s) for s in r.stdout.splitlines()]
    times = [ln["time"][:16] for ln in lines]
    want = pd.date_range("2025-07-24 01:00", "2025-07-25 00:00", freq="h")
    assert times == [f"{t:%Y-%m-%dT%H:%M}" for t in want]
    for ln in lines:  # closed bars up to the line's time: fresh, never stale
        assert ln["stale"] is False and ln["price_as_of"] == ln["time"]
        assert -0.20 <= ln["critical_shock"] < 0 and ln["liquidity"] == "static"
        assert ln["bid_1pct_usd"] is None  # recorded data hold no order book
    # the price is the recorded close of the bar that closed at the line's time
    close = pd.Timestamp("2025-07-24 12:00", tz="UTC")
    from liqcascade.data import load_series

    px = load_series("ohlcv", asset="ETH", interval="1h", store=False)
    want_px = float(px.loc[close - pd.Timedelta(hours=1), "close"])
    assert same_value(lines[11]["price"], want_px, rtol=1e-12)


def test_the_alert_fires_at_the_known_bars_and_runs_on_alert(day: tuple) -> None:
    r, _, sink = day
    lines = [json.loads(s) for s in r.stdout.splitlines()]
    fired = [ln["time"][:16] for ln in lines if ln["alerts"]]
    assert fired == FIRED
    for ln in lines:
        if ln["alerts"]:
            assert ln["critical_shock"] > -0.025
    text = sink.read_text()  # each payload ends with a newline (were run together)
    assert text.endswith("\n") and text.count("\n") == 4
    sent = [json.loads(s) for s in text.splitlines()]
    assert [a["rule"] for a in sent] == [RULE] * 4
    # a replay's lines and alerts say so; the user's store got no rows (was 2159)
    assert all(a["replay"] is True for a in sent)
    assert all(ln["replay"] is True and ln["rows_added"] == 0 for ln in lines)


def test_the_summary_line_and_nothing_stored(day: tuple) -> None:
    r, store, _ = day
    # with --json: stdout is the JSON lines, the summary one JSON object on stderr
    summary = json.loads(r.stderr.strip().splitlines()[-1])
    assert summary["summary"] is True and summary["replay"] is True
    assert summary["intervals"] == 24 and summary["interrupted"] is False
    assert (summary["first"], summary["last"]) == (
        "2025-07-24T01:00:00+00:00", "2025-07-25T00:00:00+00:00"
    )  # fmt: skip
    assert summary["source"].startswith("bundled:eth_1h") and summary["seams"] == []
    assert summary["alerts"] == {RULE: {"count": 4, "first": "2025-07-24T04:00:00+00:00",
                                        "last": "2025-07-24T07:00:00+00:00"}}  # fmt: skip
    assert not store.exists()  # a replay never writes to the user's store


def test_text_lines_alerts_and_summary_on_stdout(tmp_path: Path) -> None:
    env = {"LIQCASCADE_STORE": str(tmp_path / "s.duckdb")}
    r = run_cli("watch", "--replay", "2025-07-24 02:00/2025-07-24 06:00", "--liquidity",
                "static", "--alert", RULE, env=env)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.stdout.splitlines()
    assert [s[:17] for s in out if s.startswith("2025")] == [
        "2025-07-24T03:00Z", "2025-07-24T04:00Z", "2025-07-24T05:00Z", "2025-07-24T06:00Z"
    ]  # fmt: skip
    assert sum(s.startswith(f"ALERT {RULE}") for s in out) == 3
    # the summary's times as the lines write them (were "2025-07-24 03:00 -> ...06:00Z")
    assert out[-1].startswith("replayed 4 hourly intervals 2025-07-24T03:00Z -> 2025-07-24T06:00Z")
    assert f"{RULE} 3x (first 2025-07-24T04:00Z, last 2025-07-24T06:00Z)" in out[-1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--replay", "2026-01-01/2026-01-02"],
         "outside the recorded ETH data (its hourly closes run 2026-01-01T01:00Z -> "
         "2026-01-03T00:00Z; recorded: bundled:eth_1h, 2024-11-23T00:00Z -> 2025-08-01T00:00Z)"),
        (["--replay", "2025-07-25/2025-07-24"], "--replay: end must be after start"),
        (["--replay", "2025-07-24 05:00"], "--replay must be START/END"),
        (["--replay", DAY, "--exchange", "bybit", "--interval", "5"],
         "--exchange, --interval: not with --replay"),
        (["--replay", DAY, "--since", "2025-07-01"], "--since: not with --replay"),
        # the defaults given explicitly: were accepted (exit 0), the help says refused
        (["--replay", DAY, "--interval", "60"], "--interval: not with --replay"),
        (["--replay", DAY, "--exchange", "binance"], "--exchange: not with --replay"),
        # was exit 0 on the bundled data
        (["--replay", DAY, "--store", "FOLDER"], "--store: FOLDER: is a folder, not a DuckDB"),
    ],
)  # fmt: skip
def test_refusals(args: list[str], says: str, tmp_path: Path) -> None:
    if args[-1] == "FOLDER":
        args = [*args[:-1], str(tmp_path)]
        says = says.replace("FOLDER", str(tmp_path))
    r = run_cli("watch", *args, env={"LIQCASCADE_STORE": str(tmp_path / "s.duckdb")})
    lines = r.stderr.splitlines()
    assert r.exit_code == 2 and len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and says in lines[0]
    assert r.stdout == ""


def test_the_fake_is_the_replay_exchange_plus_faults() -> None:
    """One copy of the recorded-data exchange: the tests' fake adds faults and a book."""
    ex = ReplayExchange(int(pd.Timestamp("2025-07-24 03:00", tz="UTC").value // 1_000_000))
    assert isinstance(ex, RecordedExchange)
    rows = ex.fetch_ohlcv("ETH/USDT:USDT", "1h", since=ex.now_ms - 3 * 3_600_000)
    assert [r[0] for r in rows] == [ex.now_ms - k * 3_600_000 for k in (3, 2, 1, 0)]


def test_library_refuses_a_bad_rule_before_reading_data(tmp_path: Path) -> None:
    from liqcascade.errors import InputError

    opts = WatchOptions(rules=("critical_shock>>1",), store=tmp_path / "s.duckdb")
    with pytest.raises(InputError):
        run_replay(opts, DAY, emit=lambda _ln: None)
    assert not (tmp_path / "s.duckdb").exists()


@pytest.mark.parametrize(
    ("given", "named"),
    [({"interval": 60.0}, ["interval"]), ({"exchanges": ("binance",)}, ["exchanges"])],
)
def test_library_refuses_a_live_option_given_at_its_live_default(
    given: dict[str, object], named: list[str]
) -> None:
    """``WatchOptions(interval=60.0)`` was replayed: only a value other than 60 was refused."""
    from liqcascade.errors import InputError

    with pytest.raises(InputError) as err:
        run_replay(WatchOptions(**given), DAY, emit=lambda _ln: None)  # type: ignore[arg-type]
    assert err.value.params == (*named, "replay")


def test_a_store_holding_the_window_is_read_and_left_as_it_was(tmp_path: Path) -> None:
    """A live session's store (the fake venue's bars from 07-01) is replayed, not the bundle."""
    from liqcascade.data import Store
    from liqcascade.live import run_watch

    store = tmp_path / "live.duckdb"
    start = int(pd.Timestamp("2025-07-20 00:30", tz="UTC").value // 1_000_000)
    ex = ReplayExchange(start)
    opts = WatchOptions(exchanges=[ex], store=store, since="2025-07-01", max_iterations=1,
                        interval=3600, draws=2, liquidity="static")  # fmt: skip
    run_watch(opts, emit=lambda _ln: None, clock=lambda: ex.now_ms, log=lambda _s: None)
    with Store(store, read_only=True) as s:
        before = s.list_series()
    lines: list[dict] = []
    log: list[str] = []
    res = run_replay(
        WatchOptions(store=store, liquidity="static", draws=2), "2025-07-19/2025-07-19",
        emit=lines.append, log=log.append,
    )  # fmt: skip
    assert log == []  # the liquidations the store lacks are the bundle's, as the market's
    assert res.source.startswith("store:") and res.intervals == len(lines) == 24
    assert all(ln["venues"] == 1 and not ln["stale"] for ln in lines)
    with Store(store, read_only=True) as s:
        pd.testing.assert_frame_equal(s.list_series(), before)  # nothing written
    # the store ends on 07-20: past it, its series go on with the bundle's (as the package
    # loads a store's series)
    res = run_replay(WatchOptions(store=store, liquidity="static", draws=2),
                     "2025-07-21 00:00/2025-07-21 02:00", emit=lambda _ln: None)  # fmt: skip
    assert " + bundled:eth_1h" in res.source and res.intervals == 2
    assert res.seams == []  # the window lies past the store's data: no seam inside it
    # a window across the store's end says where the data switch (a move rule can fire
    # there); the summary said only "store:... + bundled"
    res = run_replay(WatchOptions(store=store, liquidity="static", draws=2),
                     "2025-07-19 18:00/2025-07-20 02:00", emit=lambda _ln: None)  # fmt: skip
    assert res.seams == ["the store's data end at 2025-07-20T00:00Z (the bundled after)"]
