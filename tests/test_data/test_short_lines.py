"""A CSV line with fewer fields than the header is refused like one with more.

pandas reads a short line with the missing fields empty: a file cut off mid-line (an
interrupted download) stored its last volume cut (``87`` for ``8732.8219``), exit 0.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from liqcascade.data import Store, read_file
from liqcascade.errors import InputError

HEADER = "ts,open,high,low,close,volume,src"
ROWS = [
    f"2026-04-01 {h:02d}:00:00+00:00,2000.5,2010.25,1990.75,2005.5,{8000 + h}.8219,feed"
    for h in range(6)
]


def _write(tmp_path: Path, text: str, name: str = "px.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode())
    return p


def test_a_file_cut_inside_its_last_line_is_refused(tmp_path: Path) -> None:
    cut = "\n".join(ROWS)[: -len(".8219,feed") - 2]  # "...,2005.5,80" as a download cut
    p = _write(tmp_path, HEADER + "\n" + cut)
    with pytest.raises(InputError) as e:
        read_file(p, venue="binance", symbol="ETHUSDT")
    assert str(e.value).startswith(
        f"{p}: data row 6 (file line 7): malformed CSV: expected 7 fields, saw 6"
    )
    assert "without a final newline" in str(e.value)


def test_a_short_line_in_the_middle_is_refused_without_the_cut_hint(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[2] = rows[2].rsplit(",", 1)[0]  # the src field left out
    p = _write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError) as e:
        read_file(p, venue="binance", symbol="ETHUSDT")
    assert str(e.value) == (
        f"{p}: data row 3 (file line 4): malformed CSV: expected 7 fields, saw 6"
    )


def test_a_short_last_line_with_its_newline_is_refused_too(tmp_path: Path) -> None:
    rows = [*ROWS[:-1], ROWS[-1].rsplit(",", 2)[0]]
    p = _write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(
        InputError, match=r"data row 6 \(file line 7\): .*expected 7 fields, saw 5$"
    ):
        read_file(p, venue="binance", symbol="ETHUSDT")


def test_gzip_headerless_and_blank_lines(tmp_path: Path) -> None:
    # the row number counts data rows (a blank line is none), the file line every line
    body = "\n".join([*ROWS[:3], "", *ROWS[3:5], ROWS[5][:-12]])
    p = tmp_path / "px.csv.gz"
    p.write_bytes(gzip.compress((HEADER + "\n" + body).encode()))
    with pytest.raises(InputError, match=r"data row 6 \(file line 8\): malformed CSV"):
        read_file(p, venue="binance", symbol="ETHUSDT")
    ms = [
        f"{1711929600000 + h * 3_600_000},2000.5,2010.25,1990.75,2005.5,{8000 + h}.5"
        for h in range(4)
    ]
    q = _write(tmp_path, "\n".join([*ms[:3], ms[3].rsplit(",", 1)[0]]), "headerless.csv")
    with pytest.raises(InputError, match=r"data row 4 \(file line 4\): .*expected 6 fields, saw 5"):
        read_file(q, kind="ohlcv", venue="binance", symbol="ETHUSDT")


def test_quoted_separators_and_decimal_commas_are_not_short_lines(tmp_path: Path) -> None:
    # a separator inside quotes is no field break; a ";" file's decimal commas are none
    quoted = [r.replace(",feed", ',"feed, v2"') for r in ROWS]
    p = _write(tmp_path, HEADER + "\n" + "\n".join(quoted) + "\n")
    (s,) = read_file(p, venue="binance", symbol="ETHUSDT")
    assert s.rows == 6
    assert s.frame["volume"].iloc[-1] == pytest.approx(8005.8219, abs=1e-9)
    semi = [r.replace(",", ";").replace(".", ",") for r in ROWS]
    q = _write(tmp_path, HEADER.replace(",", ";") + "\n" + "\n".join(semi) + "\n", "semi.csv")
    (s2,) = read_file(q, venue="binance", symbol="ETHUSDT")
    assert s2.frame["volume"].iloc[-1] == pytest.approx(8005.8219, abs=1e-9)


def test_the_cli_refuses_a_cut_file_and_leaves_the_store(tmp_path, cli) -> None:
    seeded = tmp_path / "s.duckdb"
    good = _write(tmp_path, HEADER + "\n" + "\n".join(ROWS[:3]) + "\n", "good.csv")
    with Store(seeded) as s:
        assert s.ingest(read_file(good, venue="binance", symbol="ETHUSDT")).rows_added == 3
    with Store(seeded, read_only=True) as s:
        before = s.read("ohlcv")
    p = _write(tmp_path, HEADER + "\n" + "\n".join(ROWS)[:-12])
    r = cli("data", "ingest", str(p), "--venue", "binance", "--symbol", "ETHUSDT",
            "--store", str(seeded))  # fmt: skip
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(
        f"error: {p}: data row 6 (file line 7): malformed CSV: expected 7 fields, saw 6"
    )
    with Store(seeded, read_only=True) as s:
        assert s.read("ohlcv").equals(before)
        assert len(before) == 3
