"""A book file deeper than its asset's whole market: sizes in USD read as base units.

The scale is the bundled all-venue futures book totals (bids_usd, asks_usd near mid):
a side holding more than DEPTH_SCALE (5) times the largest total of that side is said
in a warning naming the file; a real-sized book, another coin's book and an asset
without bundled totals are not.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.book import OrderBook
from liqcascade.book._depth_scale import DEPTH_SCALE, depth_scale_text
from liqcascade.data import bundled_book_totals


def _book(mid: float, size_of: float, n: int = 40, step: float = 0.0002) -> OrderBook:
    """``n`` levels a side, ``step`` apart (fraction of mid), each ``size_of`` USD."""
    k = np.arange(1, n + 1)
    bp, ap = mid * (1 - step * k), mid * (1 + step * k)
    return OrderBook(mid, bp, size_of / bp, ap, size_of / ap)


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_a_side_past_five_times_the_most_recorded_is_named(asset: str) -> None:
    most = bundled_book_totals(asset)["bids_usd"].max()
    mid = {"ETH": 3_700.0, "BTC": 105_000.0}[asset]
    # 40 levels within 0.8 %: the bids hold 40 x size_of USD
    over = _book(mid, 6.0 * most / 40)
    text = depth_scale_text(over, asset, "mine.csv")
    assert text is not None
    assert text.startswith("warning: mine.csv: its bids within 1% of mid ")
    ratio = over.notional_within(0.01, "bid") / most
    assert ratio == pytest.approx(6.0, rel=1e-9)
    assert f", {ratio:,.0f}x the most {asset}'s whole futures market" in text
    assert f"({most / 1e6:,.0f} M USD)" in text
    # below the bound on both sides: nothing said
    assert depth_scale_text(_book(mid, 4.0 * most / 40), asset, "mine.csv") is None
    assert DEPTH_SCALE == 5.0


def test_the_asks_are_checked_too() -> None:
    most = bundled_book_totals("ETH")["asks_usd"].max()
    bids = _book(3_700.0, 1e6)
    deep = _book(3_700.0, 7.0 * most / 40)
    book = OrderBook(3_700.0, bids.bid_price, bids.bid_size, deep.ask_price, deep.ask_size)
    text = depth_scale_text(book, "ETH", "b.csv")
    assert text is not None and "its asks within 1% of mid 3,700 hold" in text


def test_real_sized_books_other_coins_and_unbundled_assets_are_not_checked() -> None:
    # a Binance-sized ETH book: 40 levels of 1 M USD
    assert depth_scale_text(_book(3_700.0, 1e6), "ETH", "b.csv") is None
    # a BTC book read as ETH: off ETH's price scale (the price checks speak of it)
    huge = 1e12
    assert depth_scale_text(_book(105_000.0, huge), "ETH", "b.csv") is None
    assert depth_scale_text(_book(105_000.0, huge), "BTC", "b.csv") is not None
    # no bundled totals of SOL: no scale to compare with
    assert depth_scale_text(_book(150.0, huge), "SOL", "b.csv") is None


@pytest.mark.parametrize(
    "command", [("cascade", "--shock", "-0.05"), ("solvency", "--insurance-fund", "1e6")]
)
def test_commands_on_book_files_warn_of_a_book_in_usd(
    command: tuple[str, ...], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mid = 3_700.0
    levels = [(s, mid * (1 + sign * 0.0005 * i), 300.0) for i in range(1, 41)
              for s, sign in (("bid", -1), ("ask", 1))]  # fmt: skip
    pos = tmp_path / "pos.csv"
    pos.write_text("side,size,entry_price,leverage\nlong,10,3600,10\nshort,5,3800,10\n")
    for name, usd in (("eth.csv", False), ("usd.csv", True)):
        frame = pd.DataFrame(levels, columns=["side", "price", "size"])
        if usd:
            frame["size"] *= frame["price"]
        frame.to_csv(tmp_path / name, index=False)
    for name, said in (("eth.csv", False), ("usd.csv", True)):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="liqcascade.book"):
            r = run_cli(command[0], "--positions", str(pos), "--book", str(tmp_path / name),
                        *command[1:], "--json")  # fmt: skip
        assert r.exit_code == 0, r.stderr
        lines = [m.getMessage() for m in caplog.records if "whole futures market" in m.getMessage()]
        assert bool(lines) is said, lines
        if said:
            assert lines[0].startswith(f"warning: {tmp_path / name}: its bids within 1% of mid")
