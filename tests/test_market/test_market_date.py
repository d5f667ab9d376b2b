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
from liqcascade.data import load_market_date, load_series, market_date
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
    # the day's close, as the market resolves it (--as-of 2025-08-01: bars closed by 08-02)
    assert len(lines) == 1 and lines[0].startswith("error: --as-of 2025-08-02T00:00:00+00:00: ")
    assert "the order-book totals ends 2025-07-31 16:00 UTC" in lines[0]


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


def test_an_as_of_past_the_funding_runs(tmp_path: Path) -> None:
    """docs/data.md: the funding holds the default date back, not a date given."""
    store = ahead_store(tmp_path / "s.duckdb", totals=True)  # the bundle's funding lags
    when = load_market_date("ETH", store)
    assert when.held_back_by == ("funding",) and when.close == BUNDLE_CLOSE
    r = run_cli("liqmap", "--as-of", "2025-08-01", "--json", env={"LIQCASCADE_STORE": str(store)})
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["as_of"] == "2025-08-02T00:00:00+00:00"  # a day past the funding's last bar
    assert d["market"]["held_back_by"] is None  # a date given: nothing is held back
