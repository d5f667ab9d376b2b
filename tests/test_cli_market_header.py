"""``stress``, ``solvency`` and ``stops recommend`` name the market they used (review
finding 12) and label a recorded scenario dated after it a what-if (finding 16)."""

from __future__ import annotations

from pathlib import Path

from clihelpers import run_cli
from liqcascade._cli._market_line import after_market, market_line, what_if

NOV = {
    "asset": "ETH",
    "as_of": "2024-11-25T20:00:00+00:00",
    "close_time": "2024-11-26T00:00:00+00:00",
    "mid": 3414.49,
}
HEADER = "market ETH at 2024-11-25 20:00 UTC (bar closed 2024-11-26 00:00), mid 3,414.49"
LATER = "2025-10-10 — recorded after the market date: a what-if"


def test_market_line_and_what_if() -> None:
    assert market_line(NOV) == HEADER
    assert market_line({"asset": "BTC", "as_of": "2025-07-31T20:00:00Z"}) == (
        "market BTC at 2025-07-31 20:00 UTC"
    )
    assert what_if("2025-10-10", NOV) == LATER
    assert what_if("2022-06-13", NOV) == "2022-06-13"
    # a window is later when any of its days ends after the market's close
    assert after_market("2024-11-20/2024-11-26", NOV)
    assert not after_market("2024-11-20/2024-11-25", NOV)
    assert after_market("2024-11-26", NOV) and not after_market("shock -10%", NOV)
    assert not after_market("2025-10-10", {})


def test_a_store_read_is_named_and_bundled_data_are_not() -> None:
    """journey15 F8: a store's prices moved liqmap's price (3,698.39 -> 3,700.27) silently."""
    from liqcascade._cli._market_line import store_note

    mixed = {**NOV, "sources": {
        "open_interest": "bundled:eth_oi_4h",
        "prices": "store:/home/u/acme.duckdb + bundled:eth_1h",
        "book_calibration": "package:liqcascade/positions/calibrated/ETH.json (fit 2025-07)",
        "depth_beta": "fitted: median of fit_beta over 759 ETH book-totals bars",
    }}  # fmt: skip
    assert store_note(mixed) == "series from the store (acme.duckdb): prices"
    assert market_line(mixed) == HEADER + "; series from the store (acme.duckdb): prices"
    own = {"sources": {
        "prices": "store:/s/sol.duckdb", "taker": "store:/s/sol.duckdb",
        "book_calibration": "store:/s/sol.calibrations/book/SOL.json (fit 2025-03: ...)",
    }}  # fmt: skip
    assert store_note(own) == (
        "series from the store (sol.duckdb): prices, taker; "
        "book calibration from the store (sol.calibrations/book/SOL.json)"
    )
    bundled = {"sources": {k: v for k, v in mixed["sources"].items() if k != "prices"}}
    assert store_note(bundled) is None and store_note({}) is None
    # a store path holding " (" or " + " is read whole (liqcascade.data.source_parts)
    odd = {"sources": {
        "prices": "store:/home/u/my data (old)/acme.duckdb + bundled:eth_1h",
        "taker": "store:/home/u/a + b/acme.duckdb",
    }}  # fmt: skip
    assert store_note(odd) == ("series from the store (acme.duckdb): prices, taker")
    assert market_line({**NOV, **bundled}) == HEADER


def test_stress_replay_names_the_market_and_the_later_window(tmp_path: Path) -> None:
    pf = tmp_path / "pf.csv"
    pf.write_text(
        "symbol,side,size,entry_price,leverage\nETHUSDT,long,10,3400,5\nETHUSDT,short,5,3400,5\n"
    )
    r = run_cli("stress", "--portfolio", str(pf), "--scenario", "replay", "--as-of", "2024-11-25")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == HEADER
    assert lines[1] == f"portfolio: {pf} (2 positions)"
    assert lines[2].startswith(f"stress ETH market, replay ({LATER}): 1 deterministic scenario")
    j = run_cli("stress", "--portfolio", str(pf), "--scenario", "replay", "--as-of",
                "2024-11-25", "--window", "2022-06-13", "--json")  # fmt: skip
    assert j.exit_code == 0, j.stderr
    assert j.json()["market"]["as_of"] == NOV["as_of"]
    t = run_cli("stress", "--portfolio", str(pf), "--scenario", "replay", "--as-of",
                "2024-11-25", "--window", "2022-06-13")  # fmt: skip
    assert "replay (2022-06-13):" in t.stdout and "recorded after the market" not in t.stdout


def test_solvency_names_the_market_and_the_later_scenario() -> None:
    r = run_cli("solvency", "--insurance-fund", "5e6", "--as-of", "2024-11-25",
                "--scenario", "-10%", "--scenario", "2025-10-10")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == HEADER
    assert f"* {LATER}" in lines
    # the row is marked (the narrow test terminal wraps the cell: "2025-…" / "*")
    row = next(i for i, ln in enumerate(lines) if "2025-" in ln and "│" in ln)
    assert lines[row + 1].split("│")[1].strip() == "*"
    shock = next(i for i, ln in enumerate(lines) if "-10 %" in ln)
    assert lines[shock + 1].split("│")[1].strip() == ""


def test_stops_recommend_names_the_market() -> None:
    r = run_cli("stops", "recommend", "--side", "long", "--entry", "3400", "--size", "1",
                "--leverage", "5", "--as-of", "2024-11-25", "--liquidity", "static")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == HEADER
