"""Generators of small files in each documented layout, and shared fixtures."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from liqcascade.data._layouts import BINANCE_KLINES

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"

KLINE_HEADER = list(BINANCE_KLINES)


def bars(n: int = 48, start: str = "2024-03-01", step: str = "1h", seed: int = 0) -> pd.DataFrame:
    """Valid OHLCV bars: a random walk with consistent high/low (ts tz-aware UTC)."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(start, periods=n, freq=step, tz="UTC")
    close = 3000.0 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[3000.0, close[:-1]]
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.005, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.005, n))
    vol = rng.uniform(100, 1000, n)
    return pd.DataFrame(
        {
            "ts": ts,
            "open": open_.round(2),
            "high": high.round(2),
            "low": low.round(2),
            "close": close.round(2),
            "volume": vol.round(4),
        }
    )


def klines_frame(df: pd.DataFrame, unit: str = "ms") -> pd.DataFrame:
    """Binance public-data kline columns for ``df`` (open time in ms or us)."""
    mult = {"ms": 1_000, "us": 1_000_000}[unit]
    ot = pd.DatetimeIndex(df["ts"]).as_unit("s").asi8 * mult
    step = int(ot[1] - ot[0]) if len(ot) > 1 else 3_600 * mult
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "open_time": ot,
            "open": df["open"],
            "high": df["high"],
            "low": df["low"],
            "close": df["close"],
            "volume": df["volume"],
            "close_time": ot + step - 1,
            "quote_volume": (df["volume"] * df["close"]).round(4),
            "count": rng.integers(100, 5000, len(df)),
            "taker_buy_volume": (df["volume"] / 2).round(4),
            "taker_buy_quote_volume": (df["volume"] * df["close"] / 2).round(4),
            "ignore": 0,
        }
    )


def write_csv(path: Path, df: pd.DataFrame, header: bool = True) -> Path:
    if path.suffix == ".gz":
        with gzip.open(path, "wt") as fh:
            df.to_csv(fh, index=False, header=header)
    else:
        df.to_csv(path, index=False, header=header)
    return path


def write_zip(path: Path, member: str, df: pd.DataFrame, header: bool = True) -> Path:
    buf = io.StringIO()
    df.to_csv(buf, index=False, header=header)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, buf.getvalue())
    return path


def book_depth(n_snap: int = 3) -> pd.DataFrame:
    rows = []
    t0 = pd.Timestamp("2024-01-01 00:00:08")
    for k in range(n_snap):
        t = t0 + pd.Timedelta(seconds=30 * k)
        for pct in (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5):
            depth = 100.0 * abs(pct) + k
            rows.append(
                {
                    "timestamp": t.strftime("%Y-%m-%d %H:%M:%S"),
                    "percentage": pct,
                    "depth": depth,
                    "notional": round(depth * 2300.0, 2),
                }
            )
    return pd.DataFrame(rows)


def metrics(n: int = 12) -> pd.DataFrame:
    t = pd.date_range("2024-01-01", periods=n, freq="5min")
    oi = 1_000_000 + 1000.0 * np.arange(n)
    return pd.DataFrame(
        {
            "create_time": t.strftime("%Y-%m-%d %H:%M:%S"),
            "symbol": "ETHUSDT",
            "sum_open_interest": oi,
            "sum_open_interest_value": oi * 2300.0,
            "count_toptrader_long_short_ratio": 1.5,
            "sum_toptrader_long_short_ratio": 1.2,
            "count_long_short_ratio": 2.0,
            "sum_taker_long_short_vol_ratio": 0.9,
        }
    )


def funding_rate(n: int = 9) -> pd.DataFrame:
    t = pd.date_range("2024-01-01", periods=n, freq="8h", tz="UTC")
    ms = pd.DatetimeIndex(t).as_unit("ms").asi8 + 5  # Binance calc_time is a few ms late
    return pd.DataFrame(
        {
            "calc_time": ms,
            "funding_interval_hours": 8,
            "last_funding_rate": np.round(0.0001 + 0.00001 * np.arange(n), 8),
        }
    )


def liquidation_snapshot() -> pd.DataFrame:
    t = pd.Timestamp("2024-01-02 03:00:00", tz="UTC").value // 10**6
    return pd.DataFrame(
        {
            "time": [t, t + 1500, t + 1500, t + 60_000],
            "side": ["SELL", "BUY", "SELL", "SELL"],
            "order_type": "LIMIT",
            "time_in_force": "IOC",
            "original_quantity": [1.5, 0.2, 3.0, 0.75],
            "price": [2250.1, 2262.0, 2249.5, 2240.0],
            "average_price": [2251.0, 2261.2, 2250.0, 2241.3],
            "order_status": "FILLED",
            "last_fill_quantity": [1.5, 0.2, 3.0, 0.75],
            "accumulated_fill_quantity": [1.5, 0.2, 3.0, 0.75],
        }
    )


def okx_liquidations() -> pd.DataFrame:
    """OKX liquidation orders as its public export flattens them (sz in contracts)."""
    t = pd.Timestamp("2024-12-06 08:00:00", tz="UTC").value // 10**6
    return pd.DataFrame(
        {
            "ts": [t + 123, t + 3_456, t + 10_789, t + 11_000],
            "instId": ["ETH-USDT-SWAP", "ETH-USDT-SWAP", "ETH-USDT-SWAP", "BTC-USDT-SWAP"],
            "side": ["sell", "buy", "sell", "sell"],
            "posSide": ["long", "short", "net", "long"],
            "sz": [12, 3, 150, 40],
            "bkPx": [3712.45, 3740.1, 3705.2, 99120.5],
        }
    )


@pytest.fixture
def gen() -> SimpleNamespace:
    """The generators above, for the test modules."""
    return SimpleNamespace(
        bars=bars,
        klines_frame=klines_frame,
        write_csv=write_csv,
        write_zip=write_zip,
        book_depth=book_depth,
        metrics=metrics,
        funding_rate=funding_rate,
        liquidation_snapshot=liquidation_snapshot,
        okx_liquidations=okx_liquidations,
        KLINE_HEADER=KLINE_HEADER,
        INGEST=INGEST,
    )


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"
