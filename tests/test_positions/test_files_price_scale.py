"""Positions and stops files against a reference price (C10/C11): unit errors refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.positions import check_at_price, read_positions, read_stops
from liqcascade.positions._book import more_rows

BOOK = "side,price,size\nbid,3699,20\nbid,3650,50\nask,3701,20\nask,3750,50\n"
POSITIONS = "side,size,entry_price,leverage\nlong,2,3700,10\nshort,3,3800,10\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_entry_1000x_off_the_mid_is_a_unit_error(tmp_path: Path) -> None:
    f = _write(tmp_path, "p.csv", POSITIONS + "long,1,3700000,10\n")
    read_positions(f)  # without a reference price nothing is known
    with pytest.raises(InputError) as e:
        read_positions(f, reference_price=3700.0)
    assert str(e.value).startswith(f"{f}: data row 3: entry_price 3.7e+06 is 1e+03x the book's mid")
    assert e.value.row == 3 and "unit error" in str(e.value)
    # 9x away is within the bound (the rule is more than 10x)
    ok = _write(tmp_path, "ok.csv", POSITIONS + "long,1,33000,2\n")
    assert len(read_positions(ok, reference_price=3700.0)) == 3


def test_stop_trigger_off_scale(tmp_path: Path) -> None:
    f = _write(tmp_path, "s.csv", "side,trigger_price,size\nsell,3600,1\nsell,3.6,2\n")
    with pytest.raises(InputError, match=r"s\.csv: data row 2: trigger_price 3\.6 is 0\.000973x"):
        read_stops(f, reference_price=3700.0, reference="the mid of book.csv")


def test_beyond_liquidation_is_the_one_check() -> None:
    side = np.array([1, -1], dtype=np.int8)
    entry = np.array([3700.0, 3700.0])
    liq = np.array([3400.0, 3650.0])  # the short is past its liquidation at 3700
    check_at_price(side, entry, liq, 3600.0, file="f.csv")
    with pytest.raises(InputError, match=r"^f\.csv: data row 2: already beyond its liquidation "
                       r"price 3,650\.00 at the current price 3,700\.00$"):  # fmt: skip
        check_at_price(side, entry, liq, 3700.0, file="f.csv", reference="the current price")
    check_at_price(side, entry, liq, 3700.0, file="f.csv", refuse_liquidated=False)


def test_a_rule_failed_by_many_rows_counts_them() -> None:
    """journey15 F9: 641 of 3,000 rows past their liquidation price took 641 runs to find."""
    n = 12
    side = np.ones(n, dtype=np.int8)
    entry = np.full(n, 3700.0)
    liq = np.where(np.arange(n) % 2 == 1, 3650.0, 3000.0)  # rows 2, 4, ..., 12 are past it
    with pytest.raises(InputError) as got:
        check_at_price(side, entry, liq, 3600.0, file="f.csv", reference="the current price")
    assert str(got.value) == (
        "f.csv: data row 2: already beyond its liquidation price 3,650.00 at the current price "
        "3,600.00; 5 more rows like it (data rows 4, 6, 8, 10, 12)"
    )
    liq[[5, 7, 9, 11]] = 3000.0  # rows 2 and 4 left
    with pytest.raises(InputError, match=r"data row 2: .*; 1 more row like it \(data row 4\)$"):
        check_at_price(side, entry, liq, 3600.0, file="f.csv")
    assert more_rows(np.arange(9)) == "; 8 more rows like it (data rows 2, 3, 4, 5, 6, …)"


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (("cascade", "--positions", "{pos}", "--book", "{book1000}", "--shock", "-0.05"),
         "error: {pos}: data row 1 (file line 2): entry_price 3,700 is 1e+03x the mid of "
         "{book1000}"),
        (("solvency", "--insurance-fund", "1000", "--positions", "{pos1000}", "--book", "{book}"),
         "error: {pos1000}: data row 3 (file line 4): entry_price 3.7e+06 is 1e+03x the mid of "
         "{book}"),
        (("liqmap", "--positions", "{pos}", "--price", "3.7"),
         "error: {pos}: data row 1 (file line 2): entry_price 3,700 is 1e+03x the price given 3.7"),
        (("liqmap", "--positions", "{pos}", "--price", "4200"),
         "error: {pos}: data row 2 (file line 3): already beyond its liquidation price"),
    ],
)  # fmt: skip
def test_cli_refuses_unit_errors(tmp_path: Path, args: tuple[str, ...], start: str) -> None:
    names = {
        "pos": _write(tmp_path, "pos.csv", POSITIONS),
        "pos1000": _write(tmp_path, "pos1000.csv", POSITIONS + "long,1,3700000,10\n"),
        "book": _write(tmp_path, "book.csv", BOOK),
        "book1000": _write(
            tmp_path, "book1000.csv", BOOK.replace("3699", "3.699").replace("3650", "3.65")
            .replace("3701", "3.701").replace("3750", "3.75"),
        ),
    }  # fmt: skip
    r = run_cli(*(a.format(**names) for a in args), "--json")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(start.format(**names)) and r.stderr.count("\n") == 1, r.stderr


@pytest.mark.parametrize(
    ("body", "words"),
    [  # in cents against a mid of 2,000: every later check would mislead
        ("side,size,entry_price,leverage\nlong,1,2000,10\nlong,60,201346,50\n",
         "data row 2: entry_price 201,346 is 101x the book's mid 2,000"),  # was: leverage tier
        ("side,size,entry_price,margin,leverage\nlong,1,200000,100,20\n",
         "data row 1: entry_price 200,000 is 100x the book's mid 2,000"),  # was: margin vs leverage
        ("side,size,entry_price,margin,liq_price\nlong,1,200000,100,1900\n",
         "data row 1: entry_price 200,000 is 100x the book's mid 2,000"),  # was: liq < bankruptcy
    ],
    ids=["leverage-tier", "margin-agrees", "liq-within-margin"],
)  # fmt: skip
def test_price_scale_is_checked_before_leverage_and_margin(
    tmp_path: Path, body: str, words: str
) -> None:
    p = tmp_path / "cents.csv"
    p.write_text(body)
    with pytest.raises(InputError) as exc:
        read_positions(p, reference_price=2000.0)
    assert str(exc.value).startswith(f"{p}: {words}"), exc.value
    assert "unit error" in str(exc.value)
