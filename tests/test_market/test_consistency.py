"""One ``--as-of``, one market: every market-building command uses the same one, and
none reads a bar closing after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from floats import assert_same
from liqcascade._time import bar_step
from liqcascade.data import bundled
from liqcascade.market import MarketSpec, estimated_market

DATE = "2025-06-15"
CLOSE = pd.Timestamp("2025-06-16", tz="UTC")  # the close of that day's last bar
# what identifies the market whatever the venue's share and the stops
KEYS = ("asset", "venue", "as_of", "close_time", "mid", "open_interest_usd", "n_positions",
        "long_notional_usd", "short_notional_usd", "all_venue_bid_1pct_usd",
        "all_venue_ask_1pct_usd", "beta")  # fmt: skip


def _core(m: dict[str, Any]) -> dict[str, Any]:
    return {k: m[k] for k in KEYS}


def _same_market(a: dict[str, Any], b: dict[str, Any], what: str) -> None:
    for k in KEYS:
        if isinstance(a[k], float):
            assert_same(b[k], a[k], rtol=1e-9)
        else:
            assert b[k] == a[k], f"{what}: {k}"


def test_every_command_uses_the_same_market(cli: Any, tmp_path: Path) -> None:
    pf = tmp_path / "portfolio.csv"
    pf.write_text("symbol,side,size,entry_price,leverage\nETHUSDT,long,2,2500,3\n")
    cfg = tmp_path / "one.toml"
    cfg.write_text(
        '[shock]\nvenue = "binance"\nfraction = -0.05\n\n[[venues]]\nname = "binance"\n'
        f'share = 0.25\nmid = 2500.0\nbook = {{ kind = "bundled", as_of = "{DATE}" }}\n'
        f'positions = {{ kind = "bundled", as_of = "{DATE}" }}\n'
    )
    runs = {
        "cascade": ("cascade", "--as-of", DATE, "--shock", "-0.05", "--json"),
        "liqmap": ("liqmap", "--as-of", DATE, "--json"),
        "stops": ("stops", "recommend", "--side", "long", "--entry", "2500", "--size", "1",
                  "--leverage", "3", "--vol-source", "atr", "--as-of", DATE, "--json"),
        "solvency": ("solvency", "--as-of", DATE, "--insurance-fund", "5e6", "--scenario",
                     "-0.05", "--adl-policy", "binance", "--accounts-per-cohort", "2",
                     "--json"),
        "stress": ("stress", "--portfolio", str(pf), "--scenario", "shock", "--shocks",
                   "-0.05", "--as-of", DATE, "--json"),
        "contagion": ("contagion", "--config", str(cfg), "--json"),
    }  # fmt: skip
    want = estimated_market(MarketSpec("ETH", DATE)).fingerprint()
    assert want["as_of"] == "2025-06-15T20:00:00+00:00"
    assert want["close_time"] == CLOSE.isoformat()
    # the top-level times of the commands that give them: the close, and the bar's ends
    times = {"as_of": CLOSE.isoformat(), "bar_open": want["as_of"], "bar_close": CLOSE.isoformat()}
    for name, args in runs.items():
        r = cli(*args)
        assert r.exit_code == 0, (name, r.stderr)
        _same_market(want, r.json()["market"], name)
        if name in ("cascade", "liqmap", "stress", "solvency"):
            assert {k: r.json()[k] for k in times} == times, name


def _truncated_read(real: Any, cut: pd.Timestamp) -> Any:
    def read(name: str) -> pd.DataFrame:
        df = real(name)
        if not isinstance(df.index, pd.DatetimeIndex) or len(df.index.unique()) < 2:
            return df
        step = bar_step(pd.DatetimeIndex(df.index.unique()))
        return df[df.index + step <= cut]

    return read


def test_no_bar_after_the_as_of_is_read(monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    """The same market and cascade with every bundled series cut at the as-of's close."""
    args = ("cascade", "--as-of", DATE, "--shock", "-0.05", "--json")
    full = cli(*args)
    m_full = estimated_market(MarketSpec("ETH", DATE, store=False))
    monkeypatch.setattr(bundled, "_read", _truncated_read(bundled._read, CLOSE))
    cut = cli(*args)
    m_cut = estimated_market(MarketSpec("ETH", DATE, store=False))
    assert full.exit_code == cut.exit_code == 0
    assert cut.json() == full.json()  # same process, same inputs: bit-equal
    assert m_cut.fingerprint() == m_full.fingerprint()
    stops = ("stops", "recommend", "--side", "long", "--entry", "2500", "--size", "1",
             "--leverage", "3", "--as-of", DATE, "--json")  # fmt: skip
    monkeypatch.undo()
    a = cli(*stops)
    monkeypatch.setattr(bundled, "_read", _truncated_read(bundled._read, CLOSE))
    b = cli(*stops)
    assert a.exit_code == b.exit_code == 0, b.stderr
    assert b.json() == a.json()


def test_the_cut_catches_a_reader_that_looks_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    # the check above can fail: a reader of the hour after the close sees another price
    h = bundled.load_ohlcv("ETH", "1h")
    after = float(h.loc[CLOSE, "close"])
    monkeypatch.setattr(bundled, "_read", _truncated_read(bundled._read, CLOSE))
    h_cut = bundled.load_ohlcv("ETH", "1h")
    assert CLOSE not in h_cut.index
    assert h_cut.index[-1] + pd.Timedelta(hours=1) == CLOSE
    assert after > 0
