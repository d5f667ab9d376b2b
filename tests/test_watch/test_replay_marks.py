"""``watch --replay``: what a monitoring engineer found (session 24, replayfix24).

A replayed line or alert looked exactly like a live one, a replay's new bar carried
the previous bar's calibrated figure, a missing store replayed the bundle silently,
Ctrl-C dropped the summary, the library took the live-only options silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade._alert_rules import parse_rule_text, sign_warning
from liqcascade._time import time_range
from liqcascade.errors import InputError
from liqcascade.live import WatchOptions, rule_warnings, run_replay, run_watch

from .fake import ReplayExchange


def _env(tmp_path: Path) -> dict[str, str]:
    return {"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")}


def test_a_live_line_says_it_is_not_a_replay(tmp_path: Path) -> None:
    ex = ReplayExchange(int(pd.Timestamp("2025-07-20 00:30", tz="UTC").value // 1_000_000))
    lines: list[dict[str, Any]] = []
    opts = WatchOptions(exchanges=[ex], store=tmp_path / "s.duckdb", since="2025-07-01",
                        max_iterations=1, draws=0, liquidity="static",
                        rules=("price>0",))  # fmt: skip
    run_watch(opts, emit=lines.append, clock=lambda: ex.now_ms, log=lambda s: None)
    (ln,) = lines
    assert ln["replay"] is False and ln["alerts"][0]["replay"] is False
    assert ln["rows_added"] > 0  # live: what the store got


def test_a_replayed_new_bar_carries_its_own_calibrated_figure() -> None:
    """Was the previous bar's (``critical_shock_current`` false) until the next line, an
    hour later in a replay: its alerts ran up to an hour late."""
    lines: list[dict[str, Any]] = []
    opts = WatchOptions(draws=2, store=False)
    run_replay(opts, "2025-07-24 02:00/2025-07-24 05:00", emit=lines.append, log=lambda s: None)
    assert [ln["time"][11:16] for ln in lines] == ["03:00", "04:00", "05:00"]
    assert all(ln["critical_shock_current"] for ln in lines)
    assert [ln["critical_shock_as_of"][11:16] for ln in lines] == ["20:00", "00:00", "00:00"]
    assert lines[1]["n_draws_current"] == lines[1]["n_draws"] == 2  # refits too


def test_the_library_refuses_the_live_only_options_naming_them() -> None:
    """Were ignored silently by run_replay while the CLI refused them."""
    opts = WatchOptions(exchanges=("bybit",), interval=5.0, since="2025-01-01", store=False)
    with pytest.raises(InputError) as exc:
        run_replay(opts, "2025-07-24", emit=lambda ln: None)
    assert set(exc.value.params) >= {"exchanges", "interval", "since"}
    # not given (None): the replay's own, accepted; given, the live defaults too, refused
    # (test_replay.py: test_library_refuses_a_live_option_given_at_its_live_default)
    opts = WatchOptions(store=False, liquidity="static", max_iterations=1)
    res = run_replay(opts, "2025-07-24", emit=lambda ln: None)
    assert res.intervals == 1


def test_a_single_date_is_its_whole_day() -> None:
    assert time_range("2025-07-31", "replay") == time_range("2025-07-31/2025-07-31", "replay")
    with pytest.raises(InputError, match="must be START/END"):
        time_range("2025-07-31 05:00", "replay")  # a single time: no day to take


def test_a_store_that_does_not_exist_is_one_warning(tmp_path: Path) -> None:
    """Was silent: a mistyped --store replayed the bundled data."""
    missing = tmp_path / "nope" / "store.duckdb"
    r = run_cli("watch", "--replay", "2025-07-24", "--liquidity", "static", "--store",
                str(missing), "--max-iterations", "1", env=_env(tmp_path))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.stderr.splitlines() == [
        f"warning: store {missing} does not exist: the bundled data are replayed"
    ]
    assert "bundled:eth_1h" in r.stdout.splitlines()[-1]


def test_a_store_that_is_not_one_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.duckdb"
    bad.write_text("not a store")
    r = run_cli("watch", "--replay", "2025-07-24", "--store", str(bad), env=_env(tmp_path))
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.splitlines() == [
        f"error: --store: {bad}: cannot open: not a DuckDB store (the file exists and is "
        "something else); give a new path or an existing store"
    ]


def test_ctrl_c_prints_the_summary_so_far(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was the error line alone, with "interval(s)" and no alert counts."""
    import liqcascade.live._watch as watch

    real, calls = watch.evaluate, {"n": 0}

    def evaluate(*a: Any, **k: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(watch, "evaluate", evaluate)
    r = run_cli("watch", "--replay", "2025-07-24", "--liquidity", "static", "--alert",
                "price>0", env=_env(tmp_path))  # fmt: skip
    assert r.exit_code == 130
    assert r.stdout.splitlines()[-1].startswith(
        "replayed 2 hourly intervals 2025-07-24T01:00Z -> 2025-07-24T02:00Z of bundled:eth_1h"
    )
    assert r.stdout.splitlines()[-1].endswith(
        "alerts: price>0 2x (first 2025-07-24T01:00Z, last 2025-07-24T02:00Z)"
    )
    assert r.stderr.splitlines() == [
        "error: interrupted: the replay stopped after 2 intervals; nothing was stored"
    ]


def test_a_replay_at_the_data_s_first_days_says_how_much_history_it_had(tmp_path: Path) -> None:
    r = run_cli("watch", "--replay", "2024-12-01", "--liquidity", "static", "--max-iterations",
                "1", "--json", env=_env(tmp_path))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    warn, summary = r.stderr.splitlines()
    # the bundled ETH data's first 4-hour bar opens 2024-11-22 20:00: 8 days and 5 hours
    # before the window's first close, 2024-12-01 01:00; it closes 2024-11-23 00:00, where
    # the data begin (the warning named the open, the summary's range the close, written
    # "2024-11-23 00:00 ... UTC")
    assert warn == (
        "warning: the replay has 8.2 days of history before 2024-12-01T01:00Z (a live start "
        "fetches 45): the recorded data begin at 2024-11-23T00:00Z (the history counts from "
        "the open of the 4-hour bar closing then, 2024-11-22T20:00Z)"
    )
    got = json.loads(summary)
    assert got["source"] == "bundled:eth_1h, 2024-11-23T00:00Z -> 2025-08-01T00:00Z"
    assert got["history_days"] == pytest.approx(8 + 5 / 24, abs=1e-9)


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("cluster_below_pct>-1%", "always true"),
        ("cluster_within_pct<=-0.5", "never true"),
        ("notional_2pct_usd>-1", "always true"),
        ("cluster_below_pct<1", None),  # a distance within 1 %: what the user meant
        ("cluster_below_pct=1", None),  # a move
        ("critical_shock>-0.02", None),  # negative by nature
    ],
)
def test_a_level_rule_on_a_never_negative_metric_against_a_negative_value(
    rule: str, says: str | None
) -> None:
    """``cluster_below_pct>-1%`` copied from the printed ``-3.33%`` fired on every line."""
    warned = rule_warnings([rule])
    if says is None:
        assert warned == []
    else:
        (w,) = warned
        assert w.startswith(f"alert {rule}: ") and f"so this rule is {says}" in w


def test_the_sign_check_is_the_shared_grammar_s() -> None:
    r = parse_rule_text("cluster_below_pct>-1%")
    w = sign_warning(r, -1.0, "a distance", distance=True)
    assert w is not None and w.endswith("write cluster_below_pct<1%")
    assert sign_warning(parse_rule_text("x>0"), 0.0, "a distance", distance=True) is None


@pytest.mark.parametrize(
    ("rule", "rewrite"),
    [
        # was "write cluster_below_pct<5%": the opposite of "more than 5 % below"
        ("cluster_below_pct<-5%", "write cluster_below_pct>5%"),
        ("cluster_above_pct<=-2", "write cluster_above_pct>=2"),
        ("cluster_within_pct>-1%", "write cluster_within_pct<1%"),
        ("cluster_below_pct>=-0.5", "write cluster_below_pct<=0.5"),
        # not a distance: no rewrite (was "write notional_2pct_usd<1"), only the warning
        ("notional_2pct_usd>-1", None),
        ("price<-100", None),
    ],
)
def test_the_sign_warning_s_rewrite_flips_the_comparison_of_a_distance(
    rule: str, rewrite: str | None
) -> None:
    (w,) = rule_warnings([rule])
    if rewrite is None:
        assert "write" not in w and w.endswith(" true"), w
    else:
        assert w.endswith(rewrite), w


def test_the_watch_warns_once_at_start(tmp_path: Path) -> None:
    r = run_cli("watch", "--replay", "2025-07-24", "--liquidity", "static", "--alert",
                "cluster_below_pct>-1%", "--max-iterations", "2", env=_env(tmp_path))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    (w,) = r.stderr.splitlines()
    assert w.startswith("warning: alert cluster_below_pct>-1%: cluster_below_pct is never ")
