"""User tables read one way: portfolio and lending-accounts files as positions files are,
and ``data ingest``'s reader naming the same bad byte (``liqcascade._tables``)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade._tables import (
    SEPARATORS,
    decode_utf8,
    read_user_table,
    sniff_separator,
)
from liqcascade.data._readers import read_raw
from liqcascade.errors import InputError
from liqcascade.stress import read_portfolio

CONTAGION = Path(__file__).parent / "data" / "contagion"
PORTFOLIO = (
    "symbol,side,size,entry_price,leverage,name\n"
    "ETHUSDT,long,1,3000,10,a\n"
    "BTC,short,0.1,60000,5,b\n"
)


def _byte(message: str) -> int:
    m = re.search(r"byte ([\d,]+) is not UTF-8", message)
    assert m is not None, message
    return int(m.group(1).replace(",", ""))


# -- decoding and separators -------------------------------------------------------------
def test_decode_utf8_counts_bytes_from_one_bom_included() -> None:
    assert decode_utf8(b"\xef\xbb\xbfa,b\n", "f") == "a,b\n"  # the BOM is dropped
    with pytest.raises(InputError, match=r"^f\.csv: not UTF-8 text \(byte 3 is not UTF-8\)"):
        decode_utf8(b"ab\xe9cd", "f.csv")
    with pytest.raises(InputError, match=r"\(byte 6 is not UTF-8\)"):
        decode_utf8(b"\xef\xbb\xbfab\xe9cd", "f.csv")
    # a head cut inside a character is not an error; the same byte in the middle is
    cut = "aé".encode()[:-1]
    assert decode_utf8(cut, "f", partial=True) == "a"
    with pytest.raises(InputError, match=r"\(byte 2 is not UTF-8\)"):
        decode_utf8(cut, "f")
    with pytest.raises(InputError, match=r"\(byte 2 is not UTF-8\)"):
        decode_utf8(b"a\xe9b", "f", partial=True)


def test_sniff_separator() -> None:
    assert SEPARATORS == (",", ";", "\t", "|")
    assert sniff_separator("a;b;c") == ";"
    assert sniff_separator("a\tb,c\td") == "\t"
    assert sniff_separator("a|b") == "|"
    assert sniff_separator("a,b;c") == ","  # a tie: the first of SEPARATORS
    assert sniff_separator("abc") == ","


@pytest.mark.parametrize("where", ["head", "past the head", "after a BOM"])
def test_both_readers_name_the_same_bad_byte(tmp_path: Path, where: str) -> None:
    body = "ts,open,high,low,close,volume\n" + "1700000000000,1,2,0.5,1.5,10\n" * (
        300 if where == "past the head" else 2
    )
    data = body.encode() + b"1700000000000,1,2,0.5,1.5,caf\xe9\n"
    if where == "after a BOM":
        data = b"\xef\xbb\xbf" + data
    f = tmp_path / "bars.csv"
    f.write_bytes(data)
    want = data.index(b"\xe9") + 1
    with pytest.raises(InputError) as a:
        read_raw(f)
    with pytest.raises(InputError) as b:
        read_user_table(f)
    assert _byte(str(a.value)) == _byte(str(b.value)) == want
    assert str(a.value) == str(b.value)  # one message


# -- the portfolio file ------------------------------------------------------------------
@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_portfolio_with_another_separator_reads_as_with_commas(tmp_path: Path, sep: str) -> None:
    comma = tmp_path / "pf.csv"
    comma.write_text(PORTFOLIO, encoding="utf-8")
    other = tmp_path / "pf2.csv"
    other.write_text(PORTFOLIO.replace(",", sep), encoding="utf-8")
    a, b = read_portfolio(comma), read_portfolio(other)
    assert list(b.asset) == ["ETH", "BTC"] and b.names == a.names
    np.testing.assert_array_equal(b.side, a.side)
    for col in ("size", "entry_price", "margin", "liq_price"):
        np.testing.assert_allclose(getattr(b, col), getattr(a, col), rtol=1e-12, atol=0)


def test_portfolio_not_utf8_or_parquet_by_suffix(tmp_path: Path) -> None:
    f = tmp_path / "pf.csv"
    f.write_bytes(PORTFOLIO.encode() + b"ETH,long,1,3000,10,caf\xe9\n")
    with pytest.raises(InputError, match=r"pf\.csv: not UTF-8 text \(byte \d+ is not UTF-8\)"):
        read_portfolio(f)
    pq = tmp_path / "pf.pq"  # by suffix: Parquet
    pd.read_csv(io.StringIO(PORTFOLIO)).to_parquet(pq)
    assert read_portfolio(pq).names == ["a", "b"]
    pq.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"pf\.pq: cannot read"):
        read_portfolio(pq)
    r = run_cli("stress", "--portfolio", str(pq))
    assert r.exit_code == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert "internal error" not in r.stderr


# -- the lending accounts file of a contagion configuration ------------------------------
def _config(tmp: Path, accounts: str) -> Path:
    text = (CONTAGION / "two_venues.toml").read_text()
    old = re.search(r"^accounts = .*$", text, re.MULTILINE)
    assert old is not None
    p = tmp / "config.toml"
    p.write_text(text.replace(old.group(0), f'accounts = {{ kind = "file", path = "{accounts}" }}'))
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp / f).write_bytes((CONTAGION / f).read_bytes())
    return p


ACCOUNTS = "collateral,debt_usd\n10,16500\n25,40500\n4,6500\n100,160000\n"


def test_accounts_file_reads_like_the_table(tmp_path: Path) -> None:
    ref = run_cli("contagion", "--config", str(CONTAGION / "two_venues.toml"), "--json")
    assert ref.exit_code == 0, ref.stderr
    for name, write in (
        ("acc.csv", lambda p: p.write_text(ACCOUNTS.replace(",", ";"), encoding="utf-8")),
        ("acc.pq", lambda p: pd.read_csv(io.StringIO(ACCOUNTS)).to_parquet(p)),
    ):
        d = tmp_path / name.replace(".", "_")
        d.mkdir()
        write(d / name)
        r = run_cli("contagion", "--config", str(_config(d, name)), "--json")
        assert r.exit_code == 0, r.stderr
        got, want = r.json(), ref.json()
        for key in ("liquidated_usd", "bad_debt_usd"):
            assert_same(got["defi"][key], want["defi"][key])
        for v in ("a", "b"):
            assert_same(got["venues"][v]["final_price"], want["venues"][v]["final_price"])


def test_latin1_accounts_file_exits_2_with_one_line(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "acc.csv")
    data = ACCOUNTS.encode() + "1,café\n".encode("latin-1")
    (tmp_path / "acc.csv").write_bytes(data)
    r = run_cli("contagion", "--config", str(cfg))
    lines = r.stderr.splitlines()
    assert r.exit_code == 2 and len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and "internal error" not in lines[0]
    assert "acc.csv: not UTF-8 text" in lines[0]
    assert _byte(lines[0]) == data.index(b"\xe9") + 1


# -- limits --------------------------------------------------------------------------------
def test_user_table_too_big_for_memory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "big.csv"
    f.write_text("side,size,entry_price,leverage\n" + "long,1,2000,10\n" * 20_000)  # 300 KB
    assert len(read_user_table(f)) == 20_000
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "1MB")
    with pytest.raises(
        InputError, match=r"big\.csv \(293 KB of data\) needs about .*split the file"
    ):
        read_user_table(f)


# -- damaged Parquet -----------------------------------------------------------------------
def _damaged_metadata(tmp: Path, how: str) -> Path:
    """A Parquet file whose pandas metadata is valid JSON with a damaged key or type."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.Table.from_pandas(pd.DataFrame({"ts": [1, 2], "close": [1.0, 2.0]}))
    meta = json.loads(t.schema.metadata[b"pandas"])
    if how == "key":
        for c in meta["columns"]:
            c["nmae"] = c.pop("name")  # pandas: KeyError
    else:
        meta["columns"][1]["numpy_type"] = "flo`T64"  # pandas: TypeError
    f = tmp / f"{how}.parquet"
    pq.write_table(t.replace_schema_metadata({b"pandas": json.dumps(meta).encode()}), f)
    return f


@pytest.mark.parametrize("how", ["truncated", "key", "type"])
def test_damaged_parquet_is_an_input_error(tmp_path: Path, how: str) -> None:
    if how == "truncated":
        f = tmp_path / "t.parquet"
        pd.DataFrame({"ts": [1, 2], "close": [1.0, 2.0]}).to_parquet(f)
        f.write_bytes(f.read_bytes()[:60])
    else:
        f = _damaged_metadata(tmp_path, how)
    with pytest.raises(InputError, match=rf"{f.name}: unreadable Parquet"):
        read_raw(f)
    with pytest.raises(InputError, match=rf"{f.name}: cannot read"):
        read_user_table(f)


def test_a_bug_while_reading_parquet_is_not_called_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "ok.parquet"
    pd.DataFrame({"ts": [1, 2], "close": [1.0, 2.0]}).to_parquet(f)

    def bug(*args: object, **kwargs: object) -> pd.DataFrame:
        raise AttributeError("a bug of ours")

    monkeypatch.setattr(pd, "read_parquet", bug)
    with pytest.raises(AttributeError, match="a bug of ours"):
        read_raw(f)
    with pytest.raises(AttributeError, match="a bug of ours"):
        read_user_table(f)


# -- short lines: refused as data ingest refuses them (store30 item 6) --------------------
@pytest.mark.parametrize(
    ("text", "row", "line", "hint"),
    [
        # the last line cut off mid-way (an interrupted copy): leverage 10 read as missing
        (PORTFOLIO.replace("0.1,60000,5,b\n", "0.1,600"), 2, 3, True),
        # a middle line short of its trailing field
        (PORTFOLIO.replace("3000,10,a", "3000,10"), 1, 2, False),
    ],
    ids=["cut-off-last-line", "middle-line"],
)
def test_a_short_line_of_a_user_table_is_refused_naming_file_and_row(
    tmp_path: Path, text: str, row: int, line: int, hint: bool
) -> None:
    p = tmp_path / "portfolio.csv"
    p.write_text(text)
    saw = text.splitlines()[line - 1].count(",") + 1
    want = f"{p}: data row {row} (file line {line}): malformed CSV: expected 6 fields, saw {saw}"
    with pytest.raises(InputError) as exc:
        read_user_table(p)
    assert str(exc.value).startswith(want)
    assert str(exc.value).endswith("a file cut off?)") is hint
    # the portfolio reader and the data reader say the same of the same bytes
    with pytest.raises(InputError, match=re.escape(want)):
        read_portfolio(p)
    with pytest.raises(InputError) as data_exc:
        read_raw(p)
    assert str(data_exc.value) == str(exc.value)
    r = run_cli("stress", "--portfolio", str(p), "--json")
    assert r.exit_code == 2 and r.stderr.strip().splitlines() == [f"error: {exc.value}"]


def test_a_quoted_separator_or_a_trailing_empty_field_is_not_short(tmp_path: Path) -> None:
    p = tmp_path / "portfolio.csv"
    p.write_text(PORTFOLIO.replace(",a\n", ',"a, b"\n').replace(",b\n", ",\n"))
    df = read_user_table(p)
    assert list(df["name"].fillna("")) == ["a, b", ""]
