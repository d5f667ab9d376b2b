"""``PositionBook.from_frame``: the inverse of ``to_frame`` (its ``side`` is long/short)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from profiles import examples

#: Venues and contracts a book may carry: ``"mixed"``, a book read from a file of several.
LABELS = [("bybit", "BTCUSDT"), ("binance", "ETHUSDT"), ("hyperliquid", "SOL"),
          ("mixed", "mixed"), ("okx", "BTC/USDT:USDT")]  # fmt: skip


def _random_book(seed: int, n: int, venue: str = "bybit", symbol: str = "BTCUSDT") -> PositionBook:
    rng = np.random.default_rng(seed)
    side = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    entry = rng.uniform(1.0, 1e5, n)
    lev = rng.uniform(1.0, 125.0, n)
    liq = entry * (1 - side * 0.95 / lev)
    # some positions never liquidate: a long at 0, a short at inf
    never = rng.random(n) < 0.1
    liq = np.where(never, np.where(side == 1, 0.0, np.inf), liq)
    bankrupt = np.where(never, np.where(side == 1, 0.0, np.inf), entry * (1 - side / lev))
    return PositionBook(
        side, rng.uniform(1e-6, 100.0, n), entry, entry / lev, liq, bankrupt,
        account=rng.integers(0, 2**62, n), opened_ms=rng.integers(-1, 2**41, n),
        venue=venue, symbol=symbol,
    )  # fmt: skip


@settings(max_examples=examples(60), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 40), labels=st.sampled_from(LABELS))
def test_from_frame_inverts_to_frame(seed: int, n: int, labels: tuple[str, str]) -> None:
    """The frame carries the book's venue and symbol: a BTC book read back was ETHUSDT."""
    book = _random_book(seed, n, *labels)
    frame = book.to_frame()
    if n:
        assert frame["venue"].tolist() == [labels[0]] * n
        assert frame["symbol"].tolist() == [labels[1]] * n
    back = PositionBook.from_frame(frame)
    assert len(back) == n
    if n:  # an empty frame's columns hold no value: the defaults
        assert (back.venue, back.symbol) == labels
    again = PositionBook.from_frame(frame, venue=labels[0], symbol=labels[1])  # as before
    assert (again.venue, again.symbol) == labels
    assert_same(back.side, book.side)
    assert_same(back.account, book.account)  # int64 kept exact
    assert_same(back.opened_ms, book.opened_ms)
    for name in ("size", "entry_price", "margin", "liq_price", "bankruptcy_price"):
        assert_same(getattr(back, name), getattr(book, name))


def test_from_frame_reads_sides_in_any_case_or_as_numbers_and_optional_columns() -> None:
    df = pd.DataFrame(
        {"side": [" Long", "SHORT"], "size": [1.0, 2.0], "entry_price": [100.0, 100.0],
         "margin": [10.0, 10.0], "liq_price": [91.0, 109.0], "bankruptcy_price": [90.0, 110.0]}
    )  # fmt: skip
    book = PositionBook.from_frame(df)
    assert list(book.side) == [1, -1] and (book.venue, book.symbol) == ("binance", "ETHUSDT")
    assert list(book.account) == [0, 1] and list(book.opened_ms) == [-1, -1]
    assert list(PositionBook.from_frame(df.assign(side=[1, -1])).side) == [1, -1]


def test_from_frame_names_a_missing_column_and_a_bad_side() -> None:
    df = _random_book(1, 3).to_frame()
    with pytest.raises(InputError, match="no margin column") as err:
        PositionBook.from_frame(df.drop(columns="margin"))
    assert err.value.param == "df"
    with pytest.raises(InputError, match="side in row 1 is 'flat'") as err:
        PositionBook.from_frame(df.assign(side=["long", "flat", "short"]))
    assert err.value.param == "side"


def test_from_frame_refuses_a_series() -> None:
    """A row (or column) of the frame is an InputError naming ``df``, not pandas' error."""
    df = _random_book(2, 2).to_frame()
    with pytest.raises(InputError, match=r"df must be a DataFrame .*give the whole frame") as e:
        PositionBook.from_frame(df.iloc[0])
    assert e.value.param == "df"


def test_from_frame_reads_a_symbol_column() -> None:
    """A BTC frame with its symbol column is BTC, not the default ETHUSDT's label."""
    df = _random_book(3, 3).to_frame()
    assert PositionBook.from_frame(df).symbol == "BTCUSDT"  # to_frame writes it
    df = df.drop(columns="symbol")
    assert PositionBook.from_frame(df).symbol == "ETHUSDT"  # no column: the default
    assert PositionBook.from_frame(df.assign(symbol="btcusdt")).symbol == "BTCUSDT"
    blanks = df.assign(symbol=["BTCUSDT", None, " "])  # blank cells skipped
    assert PositionBook.from_frame(blanks).symbol == "BTCUSDT"
    # a symbol given beside the column: its asset must be the column's; its spelling kept
    named = PositionBook.from_frame(df.assign(symbol="BTCUSDT"), symbol="BTC/USDT:USDT")
    assert named.symbol == "BTC/USDT:USDT"
    with pytest.raises(InputError, match=r"symbol column BTCUSDT \(BTC\) is not symbol's "
                       r"asset \(SOL: SOLUSDT\)") as e:  # fmt: skip
        PositionBook.from_frame(df.assign(symbol="BTCUSDT"), symbol="SOLUSDT")
    assert e.value.param == "symbol"
    with pytest.raises(InputError, match="symbol column holds BTCUSDT and ETHUSDT") as e:
        PositionBook.from_frame(df.assign(symbol=["BTCUSDT", "ETHUSDT", "BTCUSDT"]))
    assert e.value.param == "symbol"


def test_from_frame_reads_a_venue_column() -> None:
    df = _random_book(4, 3, "hyperliquid", "ETHUSDT").to_frame()
    assert PositionBook.from_frame(df).venue == "hyperliquid"
    assert PositionBook.from_frame(df.drop(columns="venue")).venue == "binance"  # the default
    assert PositionBook.from_frame(df.assign(venue=["Bybit", None, " "])).venue == "bybit"
    assert PositionBook.from_frame(df, venue="HyperLiquid").venue == "HyperLiquid"  # its own
    with pytest.raises(InputError, match=r"^venue \(bybit\) is not df's venue column's "
                       r"\(hyperliquid\): leave venue out, or give hyperliquid$") as e:  # fmt: skip
        PositionBook.from_frame(df, venue="bybit")
    assert e.value.param == "venue"
    with pytest.raises(InputError, match="venue column holds bybit and okx: a position book is "
                       "one venue") as e:  # fmt: skip
        PositionBook.from_frame(df.assign(venue=["bybit", "okx", "bybit"]))
    assert e.value.param == "venue"
