"""Live fetch, offline: a fake exchange replays recorded responses in ccxt's shapes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import ccxt
import pandas as pd
import pytest

from liqcascade.data import Store, fetch_series
from liqcascade.data import _fetch as fetch_mod
from liqcascade.errors import InputError

H = 3_600_000
T0 = 1_759_276_800_000  # 2025-10-01 00:00 UTC
SYM = "ETH/USDT:USDT"


def kline(t: int, base: float) -> list[float]:
    # [timestamp, open, high, low, close, volume] as ccxt's fetch_ohlcv returns them
    return [t, base, base + 12.5, base - 7.25, base + 3.0, 1234.5]


class FakeExchange:
    """Replays pages; each entry is a list (returned) or an exception (raised)."""

    id = "binance"

    def __init__(self, pages: dict[str, list[Any]]) -> None:
        self.pages = {k: list(v) for k, v in pages.items()}
        self.calls: list[tuple[str, int, Any]] = []

    def _next(self, method: str, since: int, extra: Any) -> Any:
        self.calls.append((method, since, extra))
        item = self.pages[method].pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    def fetch_ohlcv(self, symbol, timeframe="1m", since=None, limit=None):
        assert symbol == SYM
        return self._next("ohlcv", since, timeframe)

    def fetch_open_interest_history(
        self, symbol, timeframe="1h", since=None, limit=None, params=None
    ):
        return self._next("oi", since, timeframe)

    def fetch_funding_rate_history(self, symbol=None, since=None, limit=None, params=None):
        return self._next("funding", since, None)


def ohlcv_pages() -> list[Any]:
    return [
        [kline(T0 + i * H, 4000 + i) for i in range(3)],  # page 1: 00:00-02:00
        ccxt.RateLimitExceeded("binance 429 Too Many Requests"),  # retried
        [kline(T0 + i * H, 4000 + i) for i in range(3, 5)],  # page 2: 03:00-04:00
        [],  # empty page: stop
    ]


def test_ohlcv_pagination_retry_and_empty_page() -> None:
    ex = FakeExchange({"ohlcv": ohlcv_pages()})
    slept: list[float] = []
    res = fetch_series(
        ex,
        SYM,
        "ohlcv",
        pd.Timestamp(T0, unit="ms", tz="UTC"),
        pd.Timestamp(T0 + 10 * H, unit="ms", tz="UTC"),
        "1h",
        sleep=slept.append,
    )
    assert [c[1] for c in ex.calls] == [T0, T0 + 2 * H + 1, T0 + 2 * H + 1, T0 + 4 * H + 1]
    assert slept == [1.0]
    assert (res.pages, res.retries) == (3, 1)
    s = res.series
    assert (s.kind, s.venue, s.symbol, s.interval, s.rows) == ("ohlcv", "binance", SYM, "1h", 5)
    assert list(s.frame["open"]) == [4000.0, 4001.0, 4002.0, 4003.0, 4004.0]
    assert s.frame["ts"].iloc[-1] == pd.Timestamp("2025-10-01 04:00", tz="UTC")


def test_until_trims_and_stops() -> None:
    pages = [[kline(T0 + i * H, 4000 + i) for i in range(6)], [kline(T0 + 99 * H, 1)]]
    ex = FakeExchange({"ohlcv": pages})
    res = fetch_series(
        ex,
        SYM,
        "ohlcv",
        pd.Timestamp(T0, unit="ms", tz="UTC"),
        pd.Timestamp(T0 + 3 * H, unit="ms", tz="UTC"),
        "1h",
        sleep=lambda s: None,
    )
    assert len(ex.calls) == 1 and res.series.rows == 4


def test_open_interest_and_funding_shapes() -> None:
    oi = [
        [
            {
                "symbol": SYM,
                "baseVolume": None,
                "quoteVolume": None,
                "openInterestAmount": 1.5e6 + i,
                "openInterestValue": (1.5e6 + i) * 4000.0,
                "timestamp": T0 + i * H,
                "datetime": "2025-10-01T00:00:00.000Z",
                "info": {"sumOpenInterest": "1500000"},
            }
            for i in range(4)
        ],
        [],
    ]
    fr = [
        [
            {
                "info": {"fundingRate": "0.0001"},
                "symbol": SYM,
                "fundingRate": 0.0001 * (i + 1),
                "timestamp": T0 + i * 8 * H,
                "datetime": "x",
            }
            for i in range(3)
        ],
        ccxt.NetworkError("connection reset"),
        [],
    ]
    ex = FakeExchange({"oi": oi, "funding": fr})
    since = pd.Timestamp(T0, unit="ms", tz="UTC")
    until = since + pd.Timedelta(days=2)
    r1 = fetch_series(ex, SYM, "open_interest", since, until, "1h", sleep=lambda s: None)
    assert r1.series.frame["oi_base"].tolist() == [1.5e6, 1.5e6 + 1, 1.5e6 + 2, 1.5e6 + 3]
    assert r1.series.frame["oi_usd"].iloc[0] == 6e9
    r2 = fetch_series(ex, SYM, "funding", since, until, "1h", sleep=lambda s: None)
    assert r2.retries == 1 and r2.series.interval == "8h"
    assert r2.series.frame["interval_hours"].tolist() == [8.0, 8.0, 8.0]
    assert r2.series.frame["rate"].tolist() == pytest.approx([0.0001, 0.0002, 0.0003])


def test_gives_up_after_max_retries() -> None:
    ex = FakeExchange({"ohlcv": [ccxt.RateLimitExceeded("429")] * 4})
    with pytest.raises(InputError, match="giving up after 3 retries: RateLimitExceeded"):
        fetch_series(
            ex, SYM, "ohlcv", "2025-10-01", "2025-10-02", max_retries=3, sleep=lambda s: None
        )


def test_exchange_error_is_input_error() -> None:
    ex = FakeExchange({"ohlcv": [ccxt.BadSymbol("binance does not have market symbol X")]})
    with pytest.raises(InputError, match="binance: BadSymbol"):
        fetch_series(ex, SYM, "ohlcv", "2025-10-01", "2025-10-02")


def test_a_bug_is_not_a_venue_error() -> None:
    # only ccxt's errors become "venue: ..." InputErrors; a TypeError raises as it is
    ex = FakeExchange({"ohlcv": [TypeError("unsupported operand")]})
    with pytest.raises(TypeError, match="unsupported operand"):
        fetch_series(ex, SYM, "ohlcv", "2025-10-01", "2025-10-02")
    assert fetch_mod._ccxt_errors() == (ccxt.BaseError,)


def test_cli_fetch_into_store(cli, tmp_path: Path, monkeypatch) -> None:
    ex = FakeExchange({"ohlcv": ohlcv_pages()})
    monkeypatch.setattr("liqcascade._cli.data.make_exchange", lambda exchange_id: ex)
    monkeypatch.setattr(fetch_mod, "_sleep", lambda s: None)
    store = tmp_path / "s.duckdb"
    args = [
        "data",
        "fetch",
        "--exchange",
        "binance",
        "--symbol",
        SYM,
        "--kind",
        "ohlcv",
        "--since",
        "2025-10-01",
        "--until",
        "2025-10-01T10:00",
        "--store",
        str(store),
        "--json",
    ]
    r = cli(*args)
    assert r.exit_code == 0, r.stderr
    j = r.json()
    assert (j["rows_fetched"], j["rows_added"], j["pages"], j["retries"]) == (5, 5, 3, 1)
    with Store(store, read_only=True) as s:
        df = s.read("ohlcv")
    assert set(df["venue"]) == {"binance"} and set(df["symbol"]) == {SYM}
    # fetching the same range again adds nothing
    ex.pages = FakeExchange({"ohlcv": ohlcv_pages()}).pages
    assert cli(*args).json()["rows_added"] == 0


def test_cli_fetch_without_ccxt(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ccxt", None)  # import ccxt -> ImportError
    r = cli(
        "data",
        "fetch",
        "--exchange",
        "binance",
        "--symbol",
        SYM,
        "--kind",
        "ohlcv",
        "--since",
        "2025-10-01",
        "--store",
        str(tmp_path / "s.duckdb"),
    )
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: ccxt is not installed: pip install 'liqcascade[live]'"


def test_cli_fetch_bad_options(cli, tmp_path: Path) -> None:
    r = cli(
        "data",
        "fetch",
        "--exchange",
        "binance",
        "--symbol",
        SYM,
        "--kind",
        "depth",
        "--since",
        "2025-10-01",
    )
    assert r.exit_code == 2 and "--kind must be one of ohlcv, open_interest, funding" in r.stderr
    r = cli(
        "data",
        "fetch",
        "--exchange",
        "nosuchexchange",
        "--symbol",
        SYM,
        "--kind",
        "ohlcv",
        "--since",
        "2025-10-01",
    )
    assert r.exit_code == 2 and "unknown exchange" in r.stderr
    r = cli(
        "data",
        "fetch",
        "--exchange",
        "binance",
        "--symbol",
        SYM,
        "--kind",
        "ohlcv",
        "--since",
        "yesterday-ish",
    )
    assert r.exit_code == 2 and "--since: not a date" in r.stderr


def test_a_fetched_squeeze_is_read_as_the_venue_gives_it() -> None:
    """ccxt's funding is a fraction by contract: two days at an altcoin's 1 % cap are
    fetched as they are (judged from the values alone they read as percent)."""
    fr = [
        [{"symbol": SYM, "fundingRate": 0.01, "timestamp": T0 + i * 8 * H} for i in range(7)],
        [],
    ]
    since = pd.Timestamp(T0, unit="ms", tz="UTC")
    r = fetch_series(FakeExchange({"funding": fr}), SYM, "funding", since,
                     since + pd.Timedelta(days=3), "1h", sleep=lambda s: None)  # fmt: skip
    assert r.series.units_known and r.series.frame["rate"].tolist() == [0.01] * 7


def test_cli_fetch_offline_exits_4_like_watch(cli, tmp_path: Path, monkeypatch) -> None:
    """No network: exit 4 (no live data, as ``watch``), not 2 (bad input) (clia22)."""
    from liqcascade._cli import EXIT_NO_LIVE_DATA
    from liqcascade.errors import VenueUnreachable
    from liqcascade.live import EXIT_NO_LIVE_DATA as WATCH_CODE

    assert EXIT_NO_LIVE_DATA == WATCH_CODE == 4  # one code for "offline"
    ex = FakeExchange({"ohlcv": [ccxt.NetworkError("connection refused")] * 6})
    monkeypatch.setattr("liqcascade._cli.data.make_exchange", lambda exchange_id: ex)
    monkeypatch.setattr(fetch_mod, "_sleep", lambda s: None)
    store = tmp_path / "s.duckdb"
    r = cli("data", "fetch", "--exchange", "binance", "--symbol", SYM, "--kind", "ohlcv",
            "--since", "2025-10-01", "--until", "2025-10-02", "--store", str(store))  # fmt: skip
    assert r.exit_code == 4 and r.stdout == ""
    assert r.stderr.strip() == (
        "error: binance: giving up after 5 retries: NetworkError: connection refused"
    )
    assert not store.exists()  # nothing stored
    ex = FakeExchange({"ohlcv": [ccxt.NetworkError("connection refused")] * 2})
    with pytest.raises(VenueUnreachable) as exc:  # an InputError still, for the live poller
        fetch_series(ex, SYM, "ohlcv", "2025-10-01", "2025-10-02", max_retries=1,
                     sleep=lambda s: None)  # fmt: skip
    assert isinstance(exc.value, InputError)
    # the venue's refusal of the request stays bad input
    ex = FakeExchange({"ohlcv": [ccxt.BadSymbol("binance does not have market symbol X")]})
    monkeypatch.setattr("liqcascade._cli.data.make_exchange", lambda exchange_id: ex)
    r = cli("data", "fetch", "--exchange", "binance", "--symbol", SYM, "--kind", "ohlcv",
            "--since", "2025-10-01", "--until", "2025-10-02", "--store", str(store))  # fmt: skip
    assert r.exit_code == 2 and "BadSymbol" in r.stderr
