"""A replay window that runs past the recorded bars is cut to them, and says so.

`stress --scenario replay --window 2026-03-30/2026-05-01` kept the label
"…/2026-05-01 23:59" although the bundled prices end 2026-03-31.
"""

from __future__ import annotations

from clihelpers import run_cli
from liqcascade.stress import replay_bars
from liqcascade.stress._scenarios import window_bars

PAST_END = "2026-03-30/2026-05-01"


def test_cli_cuts_the_label_and_says_so() -> None:
    args = ("stress", "--portfolio", "sample", "--scenario", "replay", "--window", PAST_END)
    out = run_cli(*args, "--json").json()
    assert out["label"] == "2026-03-30 00:00/2026-03-31 23:59"
    assert out["scenarios"][0]["scenario"] == out["label"]
    d = out["details"]
    assert d["window_asked"] == "2026-03-30 00:00/2026-05-01 23:59"
    assert d["ETH_window"] == d["BTC_window"] == out["label"]
    assert d["ETH_bars"] == 48  # the two days the bundled hours hold
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    assert "2026-05-01 23:59)" not in r.stdout.splitlines()[2]  # the header's label is cut
    assert (
        "window cut to the recorded bars: asked 2026-03-30 00:00/2026-05-01 23:59, replayed "
        "BTC 2026-03-30 00:00/2026-03-31 23:59, ETH 2026-03-30 00:00/2026-03-31 23:59" in r.stdout
    )


def test_a_window_the_bars_cover_keeps_its_label() -> None:
    for w in ("2025-10-10", "2025-10-10 00:30/2025-10-10 12:30", "2024-08-01/2024-08-03"):
        _, _, label, asked = window_bars(w)
        assert label == asked and replay_bars(w)[2] == label
    out = run_cli("stress", "--portfolio", "sample", "--scenario", "replay", "--window",
                  "2022-11-08", "--json").json()  # fmt: skip
    assert out["label"] == "2022-11-08" and "window_asked" not in out["details"]


def test_a_window_before_the_first_bar_is_cut_at_its_start() -> None:
    bars, src, label, asked = window_bars("2017-08-01/2017-08-20")
    assert src == "ohlcv_1h" and asked == "2017-08-01 00:00/2017-08-20 23:59"
    assert label == f"{bars.index[0]:%Y-%m-%d %H:%M}/2017-08-20 23:59" != asked
