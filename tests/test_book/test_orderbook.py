"""Order books: files, ccxt, bookDepth, parametric and calibrated books, validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade.book import BETA_FUTURES, OrderBook, calibrated_book, fit_beta
from liqcascade.errors import InputError


def _write(tmp_path: Path, rows: list[tuple[str, float, float]], name: str = "b.csv") -> Path:
    p = tmp_path / name
    pd.DataFrame(rows, columns=["side", "price", "size"]).to_csv(p, index=False)
    return p


def test_from_file_sorts_and_infers_mid(tmp_path: Path) -> None:
    p = _write(tmp_path, [("bid", 98, 1), ("ask", 102, 2), ("bid", 99, 3), ("ask", 101, 1)])
    ob = OrderBook.from_file(p)
    assert ob.mid == 100.0
    assert ob.bid_price.tolist() == [99.0, 98.0] and ob.bid_size.tolist() == [3.0, 1.0]
    assert ob.ask_price.tolist() == [101.0, 102.0]
    pq = tmp_path / "b.parquet"
    pd.read_csv(p).to_parquet(pq)
    assert OrderBook.from_file(pq).bid_price.tolist() == [99.0, 98.0]


@pytest.mark.parametrize(
    ("rows", "msg"),
    [
        ([("bid", 99, 1), ("ask", 101, 0)], "data row 2: size must be > 0"),
        ([("bid", 99, 1), ("ask", 101, -1)], "data row 2: size must be > 0"),
        ([("bid", 99, 1), ("bid", 102, 1), ("ask", 101, 1)], "data row 2: crossed book"),
        ([("bid", 99, 1), ("hold", 101, 1)], "data row 2: side must be bid or ask"),
        ([("bid", 99, 1), ("ask", "x", 1)], "data row 2: price is not a number"),
        ([("bid", 99, 1), ("ask", 101, "lots")], "data row 2: size is not a number .got 'lots'."),
        ([("bid", 99, 1), ("bid", 99, 2), ("ask", 101, 1)], "data row 2: duplicate bid price"),
    ],
)
def test_from_file_errors_name_file_and_row(
    tmp_path: Path, rows: list[tuple[str, float, float]], msg: str
) -> None:
    p = _write(tmp_path, rows)
    with pytest.raises(InputError, match=msg) as e:
        OrderBook.from_file(p)
    assert str(p) in str(e.value)


@pytest.mark.parametrize(
    ("cells", "msg"),
    [("bid,,2", "data row 1: price is missing (the cell is empty or NaN)"),
     ("bid,NaN,2", "data row 1: price is missing (the cell is empty or NaN)"),
     ("bid,99,", "data row 1: size is missing (the cell is empty or NaN)"),
     ("bid,99,inf", "data row 1: size must be a finite number > 0 (got inf)"),
     ("bid,abc,2", "data row 1: price is not a number (got 'abc')")],
)  # fmt: skip
def test_a_cell_that_is_no_number_is_said_in_the_files_words(
    tmp_path: Path, cells: str, msg: str
) -> None:
    """An empty price used to read ``price is not a number (got np.float64(nan))``."""
    p = tmp_path / "b.csv"
    p.write_text(f"side,price,size\n{cells}\nask,101,1\n")
    with pytest.raises(InputError) as e:
        OrderBook.from_file(p)
    assert str(e.value) == f"{p}: {msg}"


def test_from_file_bid_above_given_mid(tmp_path: Path) -> None:
    p = _write(tmp_path, [("bid", 99, 1), ("ask", 101, 1)])
    with pytest.raises(InputError, match=r"data row 1: bid 99 is not below mid 98"):
        OrderBook.from_file(p, mid=98.0)


def test_from_file_missing_column(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("side,price\nbid,99\n")
    with pytest.raises(InputError, match="missing column"):
        OrderBook.from_file(p)


def test_constructor_validates() -> None:
    with pytest.raises(InputError, match="bid level 1: price 101 is not below mid"):
        OrderBook(100.0, [101.0], [1.0], [102.0], [1.0])
    with pytest.raises(InputError, match="bid level 2: bid prices must be strictly decreasing"):
        OrderBook(100.0, [98.0, 99.0], [1.0, 1.0], [102.0], [1.0])
    with pytest.raises(InputError, match="ask level 1: size must be finite and > 0"):
        OrderBook(100.0, [99.0], [1.0], [102.0], [0.0])
    with pytest.raises(InputError, match="mid"):
        OrderBook(float("nan"), [99.0], [1.0], [102.0], [1.0])


def test_from_ccxt() -> None:
    ob = OrderBook.from_ccxt(
        {"bids": [[1999.5, 2.0, 0], [1999.0, 1.0, 0]], "asks": [[2000.5, 3.0, 0]], "nonce": 1}
    )
    assert ob.mid == 2000.0 and ob.bid_size.tolist() == [2.0, 1.0]
    with pytest.raises(InputError, match="one-sided"):
        OrderBook.from_ccxt({"bids": [[1.0, 1.0]], "asks": []})


def test_from_book_depth_keeps_cumulative_depth() -> None:
    # Binance bookDepth layout: cumulative depth (base) and notional at +-1..5 %
    pct = [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]
    depth = [500, 400, 300, 200, 100, 90, 180, 270, 360, 450]
    frame = pd.DataFrame({"percentage": pct, "depth": depth, "notional": np.zeros(10)})
    ob = OrderBook.from_book_depth(frame, mid=2000.0, levels_per_percent=10)
    assert ob.bid_size.sum() == pytest.approx(500.0)
    assert ob.ask_size.sum() == pytest.approx(450.0)
    # depth within 1 % on the bid side is the first band
    assert ob.bid_size[ob.bid_price >= 2000 * 0.99 - 1e-9].sum() == pytest.approx(100.0)
    assert ob.bid_price.min() == pytest.approx(1900.0)


def test_parametric_depth_curve() -> None:
    ob = OrderBook.parametric(2000.0, 50e6, 40e6, beta=0.7, n_levels=1000, max_distance=0.1)
    assert ob.notional_within(0.01, "bid") == pytest.approx(50e6, rel=1e-9)
    assert ob.notional_within(0.01, "ask") == pytest.approx(40e6, rel=1e-9)
    # D(5 %) = D1 * 5 ** beta
    assert ob.notional_within(0.05, "bid") == pytest.approx(50e6 * 5**0.7, rel=1e-9)
    dc = ob.depth_curve()
    assert set(dc["side"]) == {"bid", "ask"}
    assert ob.summary()["bid_usd_5pct"] == pytest.approx(50e6 * 5**0.7, rel=1e-9)
    with pytest.raises(InputError, match="beta"):
        OrderBook.parametric(2000.0, 1e6, beta=-1)


def test_fit_beta_recovers_a_known_exponent() -> None:
    # the ratio of USD to base totals within 1 % identifies beta (see book._calibrate)
    for beta in (0.5, 0.73, 1.0, 1.5):
        ob = OrderBook.parametric(3000.0, 60e6, beta=beta, n_levels=20000, max_distance=0.01)
        tot = pd.DataFrame(
            {
                "bids_usd": [float((ob.bid_price * ob.bid_size).sum())],
                "bids_base": [float(ob.bid_size.sum())],
                "asks_usd": [float((ob.ask_price * ob.ask_size).sum())],
                "asks_base": [float(ob.ask_size.sum())],
            }
        )
        assert fit_beta(tot).iloc[0] == pytest.approx(beta, rel=0.01)


def test_fit_beta_on_bundled_futures_totals() -> None:
    from liqcascade import datasets

    b = fit_beta(datasets.load_book_totals(market="futures"))
    assert len(b) == 759
    assert b.median() == pytest.approx(BETA_FUTURES, abs=0.005)
    assert 0.5 < b.quantile(0.1) < b.quantile(0.9) < 1.0


def test_calibrated_book_uses_bundled_totals() -> None:
    from liqcascade import datasets

    ob = calibrated_book(as_of="2025-02-03", mid=2500.0)
    tot = datasets.load_book_totals(market="futures")
    # a bare date: the last 8-hour bar closed by the end of that day (opened 16:00)
    row = tot.loc[pd.Timestamp("2025-02-03 16:00", tz="UTC")]
    assert ob.notional_within(0.01, "bid") == pytest.approx(row["bids_usd"], rel=1e-9)
    assert ob.notional_within(0.01, "ask") == pytest.approx(row["asks_usd"], rel=1e-9)
    last = calibrated_book()
    # default: the last totals bar; mid = the hourly close when that bar closed
    close = tot.index[-1] + pd.Timedelta(hours=8)
    h = datasets.load_ohlcv("ETH", "1h")
    want = float(h["close"][h.index + pd.Timedelta(hours=1) <= close].iloc[-1])
    assert last.mid == pytest.approx(want, rel=1e-12)
    fig = last.plot()
    assert len(fig.data) == 2
