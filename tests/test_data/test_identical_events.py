"""Identical liquidation events in one file are distinct events, stored once each.

Two liquidations of one size at one price in the same millisecond are two events: a
file's identical rows are all kept (the store numbers them, ``occurrence`` 1, 2, …),
and ingesting the file again adds nothing. Bars' agreeing duplicates are still one bar.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.data import Store, read_file
from profiles import examples
from snapshots import T0, liquidation_snapshot


def _snapshot(rows: list[tuple[int, str, float, float]]) -> pd.DataFrame:
    """A Binance liquidationSnapshot of ``(ms after T0, order side, price, qty)`` rows."""
    ms, side, price, qty = zip(*rows, strict=True)
    return liquidation_snapshot(ms, side, qty, price=price, average_price=price)


SAME = (0, "SELL", 2250.0, 0.5)


def test_three_identical_rows_are_three_events_and_a_reingest_adds_none(
    tmp_path: Path, gen, cli
) -> None:
    rows = [SAME, SAME, SAME, (900, "BUY", 2260.0, 1.0)]
    src = gen.write_csv(tmp_path / "snap.csv", _snapshot(rows))
    store = tmp_path / "s.duckdb"
    first = cli("data", "ingest", str(src), "--store", str(store))
    assert first.exit_code == 0, first.stderr
    assert "rows read 4  rows added 4  rows in store 4" in first.stdout
    assert "duplicate" not in first.stderr
    again = cli("data", "ingest", str(src), "--store", str(store))
    assert again.exit_code == 0 and "rows added 0  rows in store 4" in again.stdout
    with Store(store, read_only=True) as s:
        got = s.read("liquidation_events")
    assert len(got) == 4 and "occurrence" not in got.columns
    assert got["qty"].sum() == pytest.approx(3 * 0.5 + 1.0, rel=1e-12)


def test_bars_agreeing_duplicates_are_still_one_bar(tmp_path: Path, gen) -> None:
    k = gen.klines_frame(gen.bars(12))
    (s,) = read_file(gen.write_csv(tmp_path / "k.csv", pd.concat([k, k.iloc[[4]]])))
    assert s.rows == 12
    assert any("dropped 1 duplicate row that agrees" in w for w in s.warnings)


def _old_store(path: Path) -> None:
    """A store whose event table predates the occurrence key, with one event."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE liquidation_events (venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, "
        '"interval" VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, side VARCHAR NOT NULL, '
        "price DOUBLE NOT NULL, qty DOUBLE NOT NULL, average_price DOUBLE, filled_qty DOUBLE, "
        'status VARCHAR, PRIMARY KEY (venue, symbol, "interval", ts, side, price, qty))'
    )
    con.execute(
        "INSERT INTO liquidation_events VALUES ('binance', 'ETHUSDT', 'events', ?, 'long', "
        "2250.0, 0.5, 2250.0, 0.5, 'FILLED')",
        [pd.Timestamp(T0, unit="ms").to_pydatetime()],
    )
    con.close()


def test_a_store_written_before_the_occurrence_key_is_upgraded(tmp_path: Path, gen) -> None:
    """A store whose event table lacks ``occurrence`` (one row per identical group, as
    ingest merged them then) gets the column, its rows as occurrence 1; the file's
    repeats are then added, once."""
    path = tmp_path / "old.duckdb"
    _old_store(path)
    series = read_file(gen.write_csv(tmp_path / "snap.csv", _snapshot([SAME, SAME])))
    with Store(path) as s:
        assert s.ingest(series).rows_added == 1  # the second of the two
        assert s.ingest(series).rows_added == 0
        assert s.count("liquidation_events") == 2


@st.composite
def _files(draw: st.DrawFn) -> list[tuple[int, str, float, float]]:
    """A file of a few events drawn from a small set, so that many repeat."""
    pool = [(0, "SELL", 2250.0, 0.5), (0, "BUY", 2250.0, 0.5), (1, "SELL", 2250.0, 0.25)]
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=8))


@settings(max_examples=examples(25), deadline=None)
@given(rows=_files())
def test_ingesting_twice_stores_what_ingesting_once_does(
    rows: list[tuple[int, str, float, float]],
) -> None:
    """Every row of the file is an event stored once, however many repeat; a second
    ingest of the same file adds nothing and leaves the stored rows as they were."""
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "snap.csv"
        _snapshot(rows).to_csv(src, index=False)
        series = read_file(src)
        with Store(Path(d) / "s.duckdb") as s:
            once = s.ingest(series).rows_added
            after_once = s.read("liquidation_events")
            assert s.ingest(read_file(src)).rows_added == 0
            after_twice = s.read("liquidation_events")
    assert once == len(rows) == len(after_once)
    pd.testing.assert_frame_equal(after_once, after_twice)  # the same stored rows, read back


class _FailingDrop:
    """A connection whose ``DROP TABLE`` fails (a full disk mid-upgrade)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        if sql.startswith("DROP TABLE"):
            raise duckdb.IOException("No space left on device")
        return self.con.execute(sql, *args)


def test_an_upgrade_that_fails_leaves_the_old_table_as_it_was(tmp_path: Path) -> None:
    """The rebuild is one transaction: a failure mid-way leaves the table, its columns and
    its row, and no half-built copy; the next open upgrades it."""
    from liqcascade.data._kinds import KINDS
    from liqcascade.data._store import _upgrade

    path = tmp_path / "old.duckdb"
    _old_store(path)
    con = duckdb.connect(str(path))
    with pytest.raises(duckdb.IOException, match="No space left"):
        _upgrade(_FailingDrop(con), KINDS["liquidation_events"])  # type: ignore[arg-type]
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    cols = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'liquidation_events'").fetchall()]  # fmt: skip
    assert tables == {"liquidation_events"} and "occurrence" not in cols
    assert con.execute("SELECT count(*) FROM liquidation_events").fetchall() == [(1,)]
    con.close()
    with Store(path) as s:  # opened to write: upgraded now
        assert s.count("liquidation_events") == 1
    con = duckdb.connect(str(path), read_only=True)
    got = con.execute("SELECT occurrence FROM liquidation_events").fetchall()
    con.close()
    assert got == [(1,)]


def test_an_upgrade_that_fails_is_an_input_error_naming_the_store(
    tmp_path: Path, gen, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed upgrade (a full disk, a file that cannot be written) is an ``InputError``
    naming the store file and saying it is left as it was, never DuckDB's raw error; the
    CLI prints one ``error:`` line, exit 2, and the store keeps its old table and row."""
    from liqcascade.data import _store
    from liqcascade.errors import InputError

    real = _store._upgrade

    def failing(con: duckdb.DuckDBPyConnection, kind: object) -> None:
        real(_FailingDrop(con), kind)  # type: ignore[arg-type]

    monkeypatch.setattr(_store, "_upgrade", failing)
    path = tmp_path / "old.duckdb"
    _old_store(path)
    with pytest.raises(InputError, match="left as it was") as err:
        Store(path).count("liquidation_events")
    text = str(err.value)
    assert text.startswith(f"store: {path}: ") and "No space left on device" in text
    assert "occurrence" in text and "liquidation_events" in text
    src = gen.write_csv(tmp_path / "snap.csv", _snapshot([SAME]))
    res = cli("data", "ingest", str(src), "--store", str(path))
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --store: {path}: "), lines
    con = duckdb.connect(str(path), read_only=True)
    cols = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'liquidation_events'").fetchall()]  # fmt: skip
    rows = con.execute("SELECT count(*) FROM liquidation_events").fetchall()
    con.close()
    assert "occurrence" not in cols and rows == [(1,)]


def test_opening_to_write_makes_the_tables_the_per_kind_ddl_makes(tmp_path: Path) -> None:
    """The one catalogue look-up of ``Store._ensure_tables`` creates what a ``CREATE TABLE IF
    NOT EXISTS`` per kind made before it (the same tables, columns, types, keys), on a new
    store and on one that lacks a single table, and leaves an existing table's rows."""
    from liqcascade.data._kinds import KINDS
    from liqcascade.data._store import _ddl

    def layout(path: Path) -> list[tuple[object, ...]]:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return (
                con.execute(
                    "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
                    "ORDER BY table_name, column_index"
                ).fetchall()
                + con.execute(
                    "SELECT table_name, constraint_type, constraint_column_names "
                    "FROM duckdb_constraints() ORDER BY ALL"
                ).fetchall()
            )
        finally:
            con.close()

    ref = tmp_path / "ref.duckdb"
    con = duckdb.connect(str(ref))
    for kind in KINDS.values():
        con.execute(_ddl(kind)).fetchall()
    con.close()
    made = tmp_path / "made.duckdb"
    with Store(made) as s:
        s._connect(create=True)
    assert layout(made) == layout(ref)
    # a store lacking one table (and holding a row in another) gets that table only
    part = tmp_path / "part.duckdb"
    kinds = list(KINDS.values())
    con = duckdb.connect(str(part))
    for kind in kinds[1:]:
        con.execute(_ddl(kind)).fetchall()
    con.execute("CREATE TABLE keep_me (x INTEGER)").fetchall()
    con.execute("INSERT INTO keep_me VALUES (7)").fetchall()
    con.close()
    with Store(part) as s:
        s._connect(create=True)
    con = duckdb.connect(str(part), read_only=True)
    try:
        assert con.execute("SELECT x FROM keep_me").fetchall() == [(7,)]
    finally:
        con.close()
    assert [r for r in layout(part) if r[0] != "keep_me"] == layout(ref)


_KEY_VALUES = st.sampled_from([0.0, -0.0, 1.5, float("nan"), None])


@settings(max_examples=examples(80), deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 2), st.sampled_from(["long", "short", None]), _KEY_VALUES, _KEY_VALUES
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_small_frame_is_numbered_as_pandas_numbers_it(rows: list[tuple]) -> None:
    """The live append's plain-Python numbering (``_occurrences_small``) gives each row
    the number pandas' ``groupby(dropna=False).cumcount() + 1`` gives it (a large frame's
    path): missing values (None, NaN) are one key, 0.0 and -0.0 are one."""
    from liqcascade.data._kinds import KINDS
    from liqcascade.data._store import _occurrences_small

    t0 = pd.Timestamp("2025-01-01", tz="UTC")
    frame = pd.DataFrame(
        {
            "ts": pd.Series([t0 + pd.Timedelta(milliseconds=r[0]) for r in rows]),
            "side": pd.Series([r[1] for r in rows], dtype=object),
            "price": pd.Series([r[2] for r in rows], dtype="float64"),
            "qty": pd.Series([r[3] for r in rows], dtype=object),
        }
    )
    keys = list(KINDS["liquidation_events"].keys)
    want = frame.groupby(keys, sort=False, dropna=False).cumcount().to_numpy() + 1
    assert _occurrences_small(frame, keys).tolist() == want.tolist()
