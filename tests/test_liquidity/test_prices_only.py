"""The event back-test's move forecast on prices alone (``--prices-only``).

No estimated book and no liquidation record: events are scored wherever hourly prices
are, past the bundled open interest (2025-07-31). On the bundled events the book's part
of the move forecast is small, which is what makes the prices-only score a reading of
the full model's on periods it never saw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clihelpers import run_cli
from liqcascade._cli.cascade_backtest import load_inputs
from liqcascade.cascade import load_liquidity
from liqcascade.cascade._prices_only import PricesOnlyMarkets, run_prices_only_backtest


def test_cli_scores_events_after_the_open_interest() -> None:
    r = run_cli(
        "cascade", "backtest", "--asset", "ETH", "--start", "2025-08-01", "--end",
        "2025-09-30", "--paths", "20", "--prices-only", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["prices_only"] is True
    assert d["n_events"] >= 10 and not d["skipped"]  # every event of the window scored
    assert all(pd.Timestamp(e["ts"]) > pd.Timestamp("2025-07-31 20:00", tz="UTC")
               for e in d["events"])  # fmt: skip
    m = d["metrics"]
    assert m["liq_corr"] is None and m["liq_within_2x_share"] is None
    assert m["move_mae_pp"] > 0 and 0 <= m["coverage_80"] <= 1
    for e in d["events"]:
        assert e["recorded_long_usd"] is None and e["predicted_long_usd"] is not None
        lo, mid, hi = e["predicted_move_p10"], e["predicted_move"], e["predicted_move_p90"]
        # p10 is the deeper end of a fall and the higher end of a rise
        assert (lo <= mid <= hi) if e["direction"] == "down" else (lo >= mid >= hi)
    text = run_cli(
        "cascade", "backtest", "--asset", "BTC", "--start", "2025-08-01", "--end",
        "2025-08-31", "--paths", "20", "--prices-only",
    )  # fmt: skip
    assert text.exit_code == 0, text.stderr
    assert "prices only: no book and no liquidation record" in text.stdout
    assert "not scored" not in text.stdout


def test_the_empty_market_forces_nothing() -> None:
    pm = PricesOnlyMarkets()(pd.Timestamp("2025-01-01", tz="UTC"), 3000.0)
    assert pm.book.mid == 3000.0
    assert pm.positions.size.size == 0 and pm.stops.size.size == 0


def test_in_the_bundle_the_book_moves_the_forecast_little() -> None:
    """The same events with and without the book: the predicted moves stay close.

    The bound is the docs' reading (mean 0.1 pp over the 125 bundled ETH events, the
    largest 1.1 pp), with room for 40 paths' noise: a book that carried the cascade
    several points beyond the trigger would fail it.
    """
    from liqcascade.cascade._backtest import run_backtest

    ohlc, liq, market_at = load_inputs("ETH", False)
    kw = {"asset": "ETH", "start": "2025-04-01", "end": "2025-05-31", "n_paths": 40}
    cal_at = lambda ts: load_liquidity("ETH", ts, False)  # noqa: E731
    full = run_backtest(ohlc, liq, market_at, cal_at, **kw).events
    free = run_prices_only_backtest(ohlc, cal_at, **kw).events
    both = full.merge(free, on="ts", suffixes=("", "_free"))
    assert len(both) == len(full) >= 8
    diff = 100 * (both["predicted_move"] - both["predicted_move_free"]).abs()
    assert float(diff.mean()) < 0.5 and float(diff.max()) < 2.0
    np.testing.assert_array_equal(both["realised_move"], both["realised_move_free"])


def test_a_store_read_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """newasset16: the back-test read a store's prices without a word of it."""
    from liqcascade import datasets

    bars = datasets.load("eth_1h")
    bars = bars[(bars.index >= "2025-08-01") & (bars.index < "2025-08-11")]
    csv = tmp_path / "ETHUSDT_1h_binance_spot_2025-08.csv"
    frame = bars[["open", "high", "low", "close", "volume"]].rename_axis("timestamp")
    frame.reset_index().to_csv(csv, index=False)
    store = tmp_path / "own.duckdb"
    env = {"LIQCASCADE_STORE": str(store)}
    r = run_cli("data", "ingest", str(csv), "--venue", "binance", env=env)
    assert r.exit_code == 0, r.stderr
    args = ("cascade", "backtest", "--asset", "ETH", "--start", "2025-08-01", "--end",
            "2025-08-09", "--paths", "20", "--prices-only")  # fmt: skip
    d = run_cli(*args, "--json", env=env).json()
    assert d["sources"]["prices"].startswith(f"store:{store}")
    assert d["sources"]["prices"].endswith("bundled:eth_1h")  # the bundle fills the rest
    text = run_cli(*args, env=env)
    assert "series from the store (own.duckdb): prices" in text.stdout
    bundled = run_cli(*args, "--json").json()  # the suite's store does not exist
    assert bundled["sources"]["prices"] == "bundled:eth_1h"
    assert bundled["events"] == d["events"]  # the same bars: the same events and figures
