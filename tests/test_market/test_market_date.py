"""The default market date: the last bar every series the market needs reaches (ops29 R1, R2).

A store whose open interest runs one day ahead of its order-book totals and funding (a
nightly job that ingested the day's open interest first) has its market one day back,
with a note naming what holds it there; the commands did exit 2 blaming an ``--as-of``
nobody gave. An ``--as-of`` given past a series' end is still refused, naming it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from aheadstore import DAY, ahead_frame, ahead_store
from clihelpers import run_cli, run_cli_subprocess
from liqcascade.data import (
    book_totals_series,
    load_book_totals,
    load_market_date,
    load_series,
    market_date,
)
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._market_date import ingest_warnings
from liqcascade.errors import InputError

#: The bundled ETH and BTC open interest's last bar closes here (as do their totals, funding).
BUNDLE_CLOSE = pd.Timestamp("2025-08-01 00:00", tz="UTC")


@pytest.fixture(scope="module")
def ahead(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store whose ETH open interest reaches one day past the bundle's (nothing else)."""
    return ahead_store(tmp_path_factory.mktemp("ahead") / "store.duckdb")


def _bars(start: str, periods: int, freq: str) -> pd.DataFrame:
    idx = pd.date_range(start, periods=periods, freq=freq, tz="UTC")
    return pd.DataFrame({"v": 1.0}, index=idx)


def test_the_market_date_is_the_last_bar_every_series_reaches() -> None:
    oi = _bars("2025-07-30 00:00", 12, "4h")  # last bar 07-31 20:00, closing 08-01 00:00
    totals = _bars("2025-07-29 00:00", 7, "8h")  # last bar 07-31 00:00, closing 07-31 08:00
    prices = _bars("2025-07-29 00:00", 72, "1h")  # closing 08-01 00:00
    when = market_date("eth", oi, {"book_totals": totals, "prices": prices, "funding": None})
    assert when.label == pd.Timestamp("2025-07-31 04:00", tz="UTC")
    assert when.close == pd.Timestamp("2025-07-31 08:00", tz="UTC")
    assert when.held_back_by == ("book_totals",)
    assert when.note() == (
        "ETH's market date is 2025-07-31 08:00 UTC: the order-book totals end there "
        "(open interest reaches 2025-08-01 00:00)"
    )
    d = when.to_dict()
    assert d is not None and d["series"] == ["order-book totals"]
    assert d["ends"] == "2025-07-31T08:00:00+00:00"
    # a series ending between two open-interest bars: the bar before it, the end named
    funding = _bars("2025-07-30 00:00", 34, "1h")  # closing 07-31 10:00
    when = market_date("ETH", oi, {"book_totals": None, "prices": prices, "funding": funding})
    assert when.close == pd.Timestamp("2025-07-31 08:00", tz="UTC")
    assert "the funding ends 2025-07-31 10:00 (open interest" in str(when.note())
    # every series reaching the open interest's end: its last bar, nothing to say
    when = market_date("ETH", oi, {"book_totals": _bars("2025-07-31 08:00", 2, "8h")})
    assert when.label == oi.index[-1] and when.held_back_by == () and when.note() is None
    assert when.to_dict() is None


def test_no_common_bar_is_refused_naming_the_asset_not_a_flag() -> None:
    oi = _bars("2025-07-30 00:00", 12, "4h")
    with pytest.raises(InputError) as exc:
        market_date("ETH", oi, {"book_totals": _bars("2025-07-20 00:00", 3, "8h")})
    assert exc.value.params == ("asset",) or "asset" in str(exc.value.params)
    text = str(exc.value)
    assert "order-book totals end 2025-07-21 00:00" in text and "--" not in text


def test_the_bundle_keeps_its_date() -> None:
    for asset in ("ETH", "BTC"):
        when = load_market_date(asset, store=False)
        assert when.close == BUNDLE_CLOSE and when.held_back_by == ()


def test_a_store_ahead_in_open_interest_is_held_back(ahead: Path) -> None:
    when = load_market_date("ETH", ahead)
    assert when.open_interest_end == BUNDLE_CLOSE + DAY
    assert when.close == BUNDLE_CLOSE
    assert when.held_back_by == ("book_totals", "funding")  # the bundle's, ending a day before


def test_liqmap_runs_at_the_held_back_date_and_says_why(ahead: Path) -> None:
    r = run_cli_subprocess("liqmap", "--json", env={"LIQCASCADE_STORE": str(ahead)})
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["as_of"] == "2025-08-01T00:00:00+00:00"
    held = d["market"]["held_back_by"]
    assert held["series"] == ["order-book totals", "funding"]
    assert held["open_interest_ends"] == "2025-08-02T00:00:00+00:00"
    notes = [ln for ln in r.stderr.splitlines() if ln.startswith("note: ETH's market date")]
    assert notes == [
        "note: ETH's market date is 2025-08-01 00:00 UTC: the order-book totals and the "
        "funding end there (open interest reaches 2025-08-02 00:00)"
    ]
    # no line asks for --as-of but the market's age note (the bundle's bar is old)
    asks = [ln for ln in r.stderr.splitlines() if "--as-of" in ln]
    assert all(ln.startswith("note: not today's market: ETH") for ln in asks), asks


def test_an_as_of_past_the_totals_is_still_refused_naming_it(ahead: Path) -> None:
    r = run_cli("liqmap", "--as-of", "2025-08-01", "--json",
                env={"LIQCASCADE_STORE": str(ahead)})  # fmt: skip
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    # the date as typed (was the market's resolved close, 2025-08-02T00:00:00+00:00), and
    # the series' end as the note quotes it: its last bar's close (store30 item 3)
    assert len(lines) == 1 and lines[0].startswith("error: --as-of 2025-08-01: ")
    assert (
        "the ETH order-book totals end 2025-08-01 00:00 UTC (the close of its last bar, "
        "2025-07-31 16:00; the estimated market needs it)" in lines[0]
    )


def test_ingest_warns_when_open_interest_runs_ahead(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    oi = load_series("open_interest", asset="ETH", interval="4h", store=False)[["oi_usd"]]
    new = ahead_frame(oi, 1, 6).iloc[len(oi) :]
    for name, rows in (("oi.csv", oi), ("new.csv", new)):
        rows.set_axis(rows.index.strftime("%Y-%m-%d %H:%M:%S")).rename_axis("ts").to_csv(
            tmp_path / name
        )
    args = ("--kind", "open_interest", "--symbol", "ETHUSDT", "--venue", "all-venues",
            "--store", str(store))  # fmt: skip
    r = run_cli("data", "ingest", str(tmp_path / "oi.csv"), *args)
    assert r.exit_code == 0, r.stderr
    assert "market date stays" not in r.stderr  # level with the bundle's totals
    r = run_cli("data", "ingest", str(tmp_path / "new.csv"), *args, "--json")
    assert r.exit_code == 0, r.stderr
    warned = [ln for ln in r.stderr.splitlines() if "market date stays" in ln]
    assert warned == [
        "warning: ETH: the open interest now reaches 2025-08-02 00:00 UTC, but the market "
        "date stays at 2025-08-01 00:00 until the order-book totals and the funding reach "
        "2025-08-02 00:00 (commands given no date use 2025-08-01 00:00)"
    ]
    assert warned[0].removeprefix("warning: ") in json.loads(r.stdout)["warnings"]


def test_an_as_of_past_the_funding_is_refused_naming_it(tmp_path: Path) -> None:
    """One rule (store30 item 1): the funding must reach the market date, given or not.

    The default date waits for the lagging funding (above); a date given past it was run
    with the missing funding read as neutral, a market no default date would give.
    """
    store = ahead_store(tmp_path / "s.duckdb", totals=True)  # the bundle's funding lags
    when = load_market_date("ETH", store)
    assert when.held_back_by == ("funding",) and when.close == BUNDLE_CLOSE
    r = run_cli("liqmap", "--as-of", "2025-08-01", "--json", env={"LIQCASCADE_STORE": str(store)})
    assert r.exit_code == 2, r.stdout
    (line,) = r.stderr.strip().splitlines()
    assert line == (
        "error: --as-of 2025-08-01: the ETH funding ends 2025-08-01 00:00 UTC (the close of "
        "its last bar, 2025-07-31 20:00; the estimated market needs it): give an earlier "
        "date, or ingest data that reach it into the store"
    )
    # the date the default stands at still runs, given explicitly
    r = run_cli("liqmap", "--as-of", "2025-07-31", "--json", env={"LIQCASCADE_STORE": str(store)})
    assert r.exit_code == 0, r.stderr
    assert r.json()["as_of"] == "2025-08-01T00:00:00+00:00"


def _inputs_cut(**ends: str) -> object:
    """The bundled ETH inputs, each series named cut after its date (inclusive, UTC)."""
    import dataclasses

    from liqcascade.market import load_market_inputs

    inputs = load_market_inputs("ETH", store=False)
    cut = {k: getattr(inputs, k).loc[: pd.Timestamp(v, tz="UTC")] for k, v in ends.items()}
    return dataclasses.replace(inputs, **cut)


def test_an_as_of_past_the_hourly_prices_is_refused_like_the_others() -> None:
    """store30 item 2: the market stood on the last hourly close before the date given."""
    from liqcascade.market import MarketSpec, market_from_inputs

    inputs = _inputs_cut(prices="2025-07-30 23:00")  # the last hour closes 07-31 00:00
    with pytest.raises(InputError) as exc:
        market_from_inputs(MarketSpec("ETH", "2025-07-31", store=False), inputs)  # type: ignore[arg-type]
    assert exc.value.params == ("as_of",)
    assert str(exc.value) == (
        "as_of 2025-07-31: the ETH hourly prices end 2025-07-31 00:00 UTC (the close of its "
        "last bar, 2025-07-30 23:00; the estimated market needs it): give an earlier date, "
        "or ingest data that reach it into the store"
    )
    # a date they reach runs; the default date waits for them, as for the other series
    m = market_from_inputs(MarketSpec("ETH", "2025-07-30", store=False), inputs)  # type: ignore[arg-type]
    assert m.close_time == pd.Timestamp("2025-07-31 00:00", tz="UTC")
    m = market_from_inputs(MarketSpec("ETH", store=False), inputs)  # type: ignore[arg-type]
    assert m.close_time == pd.Timestamp("2025-07-31 00:00", tz="UTC")
    assert m.held_back_by is not None and m.held_back_by["series"] == ["hourly prices"]


def test_no_funding_at_all_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """store30 item 1: a store without funding was never held back (read as neutral)."""
    import newasset

    kept = tuple(k for k in newasset.NEW_ASSET_SERIES if k[0] != "funding")
    monkeypatch.setattr(newasset, "NEW_ASSET_SERIES", kept)
    store = newasset.relabelled_store(tmp_path / "sol.duckdb", long_short=False)
    want = (
        "error: --asset: no funding for SOL: not in the store and not bundled; the estimated "
        "market needs it: ingest it into the store: `liqcascade data ingest FILE`"
    )
    dated = ("liqmap", "--asset", "SOL", "--as-of", "2025-07-01")
    for args in (("liqmap", "--asset", "SOL"), dated):
        r = run_cli(*args, "--json", env={"LIQCASCADE_STORE": str(store)})
        assert r.exit_code == 2, r.stdout
        assert r.stderr.strip().splitlines() == [want]
    # the price-only studies read no funding: their cut stands where the others reach
    assert load_market_date("SOL", store).close == BUNDLE_CLOSE


def test_market_date_refuses_a_required_series_nobody_holds() -> None:
    oi = _bars("2025-07-30 00:00", 12, "4h")
    prices = _bars("2025-07-29 00:00", 72, "1h")
    others = {"book_totals": _bars("2025-07-29 00:00", 9, "8h"), "prices": prices, "funding": None}
    assert market_date("ETH", oi, others).held_back_by == ()  # not required: nothing held
    with pytest.raises(InputError, match=r"^asset: no funding for ETH: not in the store") as exc:
        market_date("ETH", oi, others, required=("funding",))
    assert exc.value.params == ("asset",)


def _ingested(kind: str, venue: str, interval: str, frame: pd.DataFrame) -> SeriesFrame:
    out = frame.rename_axis("ts").reset_index()
    out["ts"] = pd.DatetimeIndex(out["ts"]).tz_convert("UTC").as_unit("us")
    return SeriesFrame(kind, venue, "ETHUSDT", interval, out, file="x")


def test_the_ingest_warning_names_the_series_ingested(tmp_path: Path) -> None:
    """store30 item 4: the series this ingest moved, each by its own name, verbs agreeing.

    Was: any ``depth`` series counted as the order-book totals and any ``ohlcv`` as the
    hourly prices, by the store's end rather than the rows ingested (daily bars warned
    "the hourly prices now reaches 2026-04-01"), and "the order-book totals now reaches
    ... until the funding reach".
    """
    store = ahead_store(tmp_path / "s.duckdb", totals=True)  # OI and totals a day ahead
    totals = ahead_frame(load_book_totals("ETH", "futures", store=False), 1, 3)
    got = ingest_warnings(
        [book_totals_series(totals, symbol="ETHUSDT", venue="all-venues", file="x")], store
    )
    assert got == [
        "ETH: the order-book totals now reach 2025-08-02 00:00 UTC, but the market date stays "
        "at 2025-08-01 00:00 until the funding reaches 2025-08-02 00:00 (commands given no "
        "date use 2025-08-01 00:00)"
    ]
    # the same rows as one venue's depth, and prices that are not the hourly ones: the
    # market reads neither as what holds it, so nothing is said of them
    daily = load_series("ohlcv", asset="ETH", interval="1d", store=False).iloc[-30:]
    venue_depth = book_totals_series(totals, symbol="ETHUSDT", venue="binance", file="x")
    hours = load_series("ohlcv", asset="ETH", interval="1h", store=False).iloc[-48:]
    others = [
        _ingested("depth", "binance", "8h", venue_depth.frame.set_index("ts")),
        _ingested("ohlcv", "binance", "1d", daily),
        _ingested("ohlcv", "binance", "1h", hours),
    ]
    assert ingest_warnings(others[:2], store) == []
    # hourly prices the store already held past the date: named as what moved
    (line,) = ingest_warnings(others[2:], store)
    assert line.startswith("ETH: the hourly prices now reach 2026-04-01 00:00 UTC, but")
    assert "until the funding reaches" in line
