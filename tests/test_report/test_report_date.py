"""The report's default date: the latest market close every asset reaches (ops29 R2).

The report compares its assets at one date. A store whose ETH runs a day past the
bundled BTC made ``report`` (default ETH,BTC) exit 2, blaming an ``--as-of`` nobody gave;
it now runs at BTC's date and says which asset holds it there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aheadstore import ahead_store
from clihelpers import run_cli, run_cli_subprocess
from liqcascade.report._section import market_date, market_date_notes


@pytest.fixture(scope="module")
def eth_ahead(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ETH's open interest, funding and order-book totals a day past the bundle's."""
    path = tmp_path_factory.mktemp("eth_ahead") / "store.duckdb"
    return ahead_store(path, funding=True, totals=True)


def test_the_date_is_the_earliest_assets(eth_ahead: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCASCADE_STORE", str(eth_ahead))
    assert market_date(("ETH",)) == "2025-08-01"  # ETH alone: its own day
    assert market_date(("ETH", "BTC")) == "2025-07-31"  # BTC's (the bundle's) day
    assert market_date_notes(("ETH",)) == []
    assert market_date_notes(("ETH", "BTC")) == [
        "the report's market date is 2025-08-01 00:00 UTC, the latest every asset reaches: "
        "BTC's open interest ends there (ETH's market reaches 2025-08-02 00:00)"
    ]


def test_report_eth_btc_runs_at_the_common_date(eth_ahead: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    r = run_cli_subprocess(
        "report", "--asset", "ETH,BTC", "--section", "data", "--out", str(out),
        env={"LIQCASCADE_STORE": str(eth_ahead)},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "--as-of" not in r.stderr
    note = [ln for ln in r.stderr.splitlines() if ln.startswith("note: the report's market")]
    assert len(note) == 1 and "BTC's open interest ends there" in note[0]
    front = json.loads((out / "summary.json").read_text())["front"]
    assert front["as_of"] == "2025-07-31T20:00:00+00:00"  # the market's bar (its open)
    assert any("BTC's open interest ends there" in c for c in front["caveats"])


def test_the_data_section_plots_the_funding_the_market_read(
    eth_ahead: Path, tmp_path: Path
) -> None:
    """ops29 R9: the section drew the bundled ETH funding under a line naming the store's.

    In-process (no interpreter to start): the command in a process of its own on the same
    store is test_report_eth_btc_runs_at_the_common_date's."""
    out = tmp_path / "r"
    r = run_cli(
        "report", "--asset", "ETH", "--section", "data", "--out", str(out),
        env={"LIQCASCADE_STORE": str(eth_ahead)},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["front"]["as_of"] == "2025-08-01T20:00:00+00:00"  # the store's day
    data = s["sections"]["data"]
    src = {x["series"]: x["source"] for x in data["sources"] if x["asset"] == "ETH"}
    assert src["funding 4h"].startswith("store")
    assert data["funding_4h"]["last"].startswith("2025-08-01T20:00")  # the store's last bar
    assert data["funding_4h"]["rows"] == data["open_interest_4h"]["rows"] + 54


def test_the_note_names_the_series_that_hold_an_asset_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """BTC held back by two series, the last of them ending mid-bar: said as the market does."""
    import pandas as pd

    from liqcascade.data import MarketDate
    from liqcascade.report import _section

    t = pd.Timestamp
    btc = MarketDate(
        "BTC",
        t("2025-07-31 16:00", tz="UTC"),
        {
            "open_interest": t("2025-08-01 00:00", tz="UTC"),
            "prices": t("2025-07-31 22:00", tz="UTC"),
            "funding": t("2025-07-31 22:00", tz="UTC"),
        },
        ("prices", "funding"),
    )
    eth = MarketDate(
        "ETH", t("2025-07-31 20:00", tz="UTC"), {"open_interest": btc.ends["open_interest"]}
    )
    monkeypatch.setattr(_section, "_market_dates", lambda assets: {"ETH": eth, "BTC": btc})
    assert market_date(("ETH", "BTC")) == "2025-07-31 20:00"  # the close, not a midnight
    notes = market_date_notes(("ETH", "BTC"))
    assert notes[-1] == (
        "the report's market date is 2025-07-31 20:00 UTC, the latest every asset reaches: "
        "BTC's hourly prices and funding end 2025-07-31 22:00 (ETH's market reaches "
        "2025-08-01 00:00)"
    )
