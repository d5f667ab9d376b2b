"""A liquidation event's status: snapshots of one order, or distinct orders.

Binance's liquidationSnapshot gives one row per update of a liquidation order (NEW,
PARTIALLY_FILLED, then FILLED or EXPIRED), all at the order's trade time with its side,
price and original quantity. In one file, an open status's row is an earlier snapshot
of the order a later row of that key closes: left out, with a note. Rows with different
final statuses are two orders, both kept; identical rows stay distinct events.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade.data import Store, read_file
from liqcascade.data._order_status import FINAL, status_rank, superseded
from liqcascade.errors import InputError
from snapshots import liquidation_snapshot


def _snapshot(rows: list[tuple[int, str, float, str, float]]) -> pd.DataFrame:
    """A liquidationSnapshot of ``(ms after T0, order side, qty, status, filled)`` rows."""
    ms, side, qty, status, filled = zip(*rows, strict=True)
    return liquidation_snapshot(
        ms, side, qty, price=2250.0, average_price=2251.0, status=status, filled=filled
    )


def _read(tmp_path: Path, gen, rows: list[tuple[int, str, float, str, float]]):
    (s,) = read_file(gen.write_csv(tmp_path / "snap.csv", _snapshot(rows)))
    return s


def test_the_ranks() -> None:
    got = status_rank(pd.Series(["NEW", " partially_filled", "FILLED", "EXPIRED", "odd", None, ""]))
    want = [0.0, 1.0, FINAL, FINAL, FINAL, np.nan, np.nan]
    np.testing.assert_array_equal(got, np.asarray(want))


def test_an_orders_updates_keep_its_final_row(tmp_path: Path, gen) -> None:
    """NEW, two PARTIALLY_FILLED and FILLED of one order (one key) are one event, the
    FILLED row; another order's single row is untouched."""
    rows = [
        (0, "SELL", 1.0, "NEW", 0.0),
        (0, "SELL", 1.0, "PARTIALLY_FILLED", 0.25),
        (0, "SELL", 1.0, "PARTIALLY_FILLED", 0.5),
        (0, "SELL", 1.0, "FILLED", 1.0),
        (9, "BUY", 2.0, "PARTIALLY_FILLED", 0.5),
    ]
    s = _read(tmp_path, gen, rows)
    f = s.frame
    assert f["status"].tolist() == ["FILLED", "PARTIALLY_FILLED"]
    assert f["filled_qty"].tolist() == pytest.approx([1.0, 0.5], rel=1e-12)
    assert any("left out 3 earlier snapshots" in n for n in s.notes), s.notes


def test_without_a_final_row_the_most_filled_snapshot_stays(tmp_path: Path, gen) -> None:
    rows = [(0, "SELL", 1.0, "PARTIALLY_FILLED", 0.5), (0, "SELL", 1.0, "PARTIALLY_FILLED", 0.25)]
    f = _read(tmp_path, gen, rows).frame
    assert f["filled_qty"].tolist() == pytest.approx([0.5], rel=1e-12)


def test_different_final_statuses_are_two_orders(tmp_path: Path, gen) -> None:
    """FILLED and EXPIRED (an IOC order that could not fill) at one key are two orders:
    both kept and both stored, and a second ingest adds nothing."""
    rows = [(0, "SELL", 1.0, "FILLED", 1.0), (0, "SELL", 1.0, "EXPIRED", 0.0)]
    s = _read(tmp_path, gen, rows)
    assert s.frame["status"].tolist() == ["FILLED", "EXPIRED"]
    assert not any("snapshot" in n for n in s.notes)
    with Store(tmp_path / "s.duckdb") as st:
        assert st.ingest([s]).rows_added == 2
        assert st.ingest(read_file(tmp_path / "snap.csv")).rows_added == 0


def test_identical_final_rows_stay_distinct_and_drop_the_snapshot(tmp_path: Path, gen) -> None:
    rows = [
        (0, "SELL", 1.0, "FILLED", 1.0),
        (0, "SELL", 1.0, "PARTIALLY_FILLED", 0.5),
        (0, "SELL", 1.0, "FILLED", 1.0),
    ]
    f = _read(tmp_path, gen, rows).frame
    assert f["status"].tolist() == ["FILLED", "FILLED"]


def test_one_status_with_different_values_is_still_refused(tmp_path: Path, gen) -> None:
    """Two FILLED rows of one key that differ in their fill are not snapshots of one
    order nor identical events: refused naming the later row."""
    rows = [(0, "SELL", 1.0, "FILLED", 1.0), (0, "SELL", 1.0, "FILLED", 0.75)]
    with pytest.raises(InputError, match="different values") as err:
        _read(tmp_path, gen, rows)
    assert err.value.row == 2


def test_superseded_on_a_frame_without_filled() -> None:
    f = pd.DataFrame(
        {
            "ts": [1, 1, 1, 2],
            "side": ["long"] * 4,
            "price": [1.0] * 4,
            "qty": [1.0] * 4,
            "status": ["NEW", "PARTIALLY_FILLED", None, "NEW"],
        }
    )
    got = superseded(f, ["ts", "side", "price", "qty"])
    assert got.tolist() == [True, False, False, False]
