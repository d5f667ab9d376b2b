"""The watch line's fields: what the doc lists is there, and the text says what it is of
(live14 findings 7, 8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade.live import WatchOptions, run_watch

from .fake import OfflineExchange, ReplayExchange

START = int(pd.Timestamp("2025-07-20 00:30", tz="UTC").value // 1_000_000)
SINCE = "2025-07-01"


def test_the_book_depth_fields_are_null_when_the_book_was_not_fetched(tmp_path: Path) -> None:
    """Were absent from the JSON line (the doc lists them)."""
    ex = OfflineExchange(START)
    lines: list[dict[str, Any]] = []
    opts = WatchOptions(exchanges=[ex], store=tmp_path / "s.duckdb", max_iterations=1, draws=0,
                        liquidity="static")  # fmt: skip
    run_watch(opts, emit=lines.append, clock=lambda: ex.now_ms, sleep=lambda s: None,
              log=lambda s: None)  # fmt: skip
    (ln,) = lines
    for k in ("bid_1pct_usd", "ask_1pct_usd", "bid_2pct_usd", "ask_2pct_usd"):
        assert k in ln and ln[k] is None, k
    live = ReplayExchange(START)
    lines.clear()
    opts = WatchOptions(exchanges=[live], store=tmp_path / "t.duckdb", since=SINCE,
                        max_iterations=1, draws=0, liquidity="static")  # fmt: skip
    run_watch(opts, emit=lines.append, clock=lambda: live.now_ms, sleep=lambda s: None,
              log=lambda s: None)  # fmt: skip
    assert lines[0]["bid_1pct_usd"] > 0 and lines[0]["ask_2pct_usd"] > 0


def test_the_static_bracket_says_when_its_refits_are_of_an_earlier_bar() -> None:
    """Was ``-8.48% [-7.17%, -2.71%]``: the fit's figure outside a bracket of the previous
    bar's refits, unlabelled."""
    from liqcascade._cli.watch import _shock_text

    ln = {"critical_shock": -0.0533, "critical_shock_range": [-0.0224, -0.0917],
          "critical_shock_as_of": "2025-07-19T20:00:00+00:00", "critical_shock_current": False,
          "market_as_of": "2025-07-20T00:00:00+00:00", "liquidity": "calibrated",
          "static_critical_shock": -0.0848, "static_critical_shock_p05": -0.0717,
          "static_critical_shock_p95": -0.0271, "n_draws": 10, "n_draws_current": 0,
          "static_critical_shock_interval_as_of": "2025-07-19T20:00:00+00:00"}  # fmt: skip
    assert _shock_text(ln).endswith(
        "static-book carry bound -8.48 % [-7.17 %, -2.71 %; 10 of 10 refits of market "
        "2025-07-19T20:00: next interval]"
    )
    ln.update(n_draws_current=7)
    assert "[-7.17 %, -2.71 %; 3 of 10 refits of market 2025-07-19T20:00: next interval]" in (
        _shock_text(ln)
    )
    ln.update(n_draws_current=10, static_critical_shock_interval_as_of=ln["market_as_of"])
    assert _shock_text(ln).endswith("static-book carry bound -8.48 % [-7.17 %, -2.71 %]")
    static = {**ln, "liquidity": "static", "n_draws_current": 4}
    assert _shock_text(static) == (
        "critical shock (static book) -8.48 % [-7.17 %, -2.71 %; 6 of 10 refits of market "
        "2025-07-20T00:00: next interval] (market 2025-07-20T00:00)"
    )
