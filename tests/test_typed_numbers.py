"""A number typed as traders write it (``20x``, ``5%``, ``"3,820"``, ``$3650``) gets the fix.

A positions file's ``20x`` was refused with ``leverage is not a number ('20x')`` while
``--leverage 20x`` was told ``write 20 (the multiple alone)``; ``--k 1.5%`` and
``--margin 5%`` got typer's "Input should be a valid number, unable to parse string as
a number", which does not echo the value. One rule (``liqcascade._typed_numbers``) now
words both; the value is still refused, never read as the number it looks like.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import typer.main
from hypothesis import given, settings
from hypothesis import strategies as st

from clihelpers import run_cli
from liqcascade._cli._int_options import command_tree, option_flag
from liqcascade._cli._number_hints import _float_params, number_hint, percent_reading
from liqcascade._typed_numbers import not_a_number, number_fix, number_refusal
from liqcascade.book import OrderBook
from liqcascade.cli import build_app
from liqcascade.contagion._config import FileAccounts, _account_legs
from liqcascade.errors import InputError
from liqcascade.positions import read_positions
from liqcascade.stress import read_portfolio
from profiles import examples
from test_reliability._helpers import assert_refused

_NUMBERS = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda v: round(v, 4))


def _grouped(v: float, sep: str) -> str:
    """``v`` with ``sep`` between its thousands (``1,234,567.5``)."""
    text = f"{abs(v):,.4f}".rstrip("0").rstrip(".").replace(",", sep)
    return ("-" if v < 0 else "") + text


@settings(max_examples=examples(150), deadline=None)
@given(
    value=_NUMBERS,
    form=st.sampled_from(["x", "X", "×", " x", "%", "$", "-$", " USD", "$,", ",", " "]),
)
def test_a_decorated_number_gets_a_fix_that_reads_as_that_number(value: float, form: str) -> None:
    body = f"{abs(value):.4f}".rstrip("0").rstrip(".")
    sign = "-" if value < 0 else ""
    if form in ("x", "X", "×", " x"):
        text, want = f"{sign}{body}{form}", value
    elif form == "%":
        text, want = f"{sign}{body}%", value / 100
    elif form == "$":
        text, want = f"${sign}{body}", value
    elif form == "-$":
        text, want = f"{sign}${body}", value
    elif form == " USD":
        text, want = f"{sign}{body} USD", value
    elif form == "$,":
        text, want = "$" + _grouped(value, ","), value
    else:
        if abs(value) < 1000:  # no thousands to separate
            value = math.copysign(abs(value) + 1000.0, value if value else 1.0)
        text, want = _grouped(value, form), value
    fix = number_fix(text, percent="fraction")
    assert fix is not None, text
    write, why = fix
    assert write is not None and why is not None
    assert float(write) == pytest.approx(want, rel=1e-12, abs=1e-12), (text, write)
    refusal = number_refusal(text, percent="fraction")
    assert refusal is not None and refusal.startswith(f"write {write}")


@settings(max_examples=examples(150), deadline=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_float_reads_gets_no_fix(value: float) -> None:
    assert number_fix(repr(value)) is None and number_fix(f"{value:g}") is None


@pytest.mark.parametrize(
    ("text", "percent", "expected"),
    [
        ("20x", None, ("20", "the multiple alone")),
        ("x20", None, ("20", "the multiple alone")),
        ("1.5%", "number", ("1.5", "the number alone, not a percent")),
        ("1.5%", "fraction", ("0.015", "a fraction: 1.5 % is 0.015")),
        ("5%", None, (None, "a percent is not read here: write the value itself")),
        ("2,5%", "fraction", ("0.025", "a decimal point, a fraction: 2.5 % is 0.025")),
        ("1,250%", "number", ("1250", "no thousands separators, the number alone, not a percent")),
        ("1,5,5%", "number", None),
        ("$3650", None, ("3650", "no currency sign")),
        ("$3,650.5", None, ("3650.5", "no currency sign, no thousands separators")),
        ("3650 USD", None, ("3650", "no currency sign")),
        ("$95k", None, ("95000", "no currency sign")),
        ("3,820", None, ("3820", "no thousands separators")),
        ("3698,5", None, ("3698.5", "a decimal point")),
        ("abc", None, None),
        ("$", None, None),
        ("1,5x", None, None),  # not a number either way
        ("3700", None, None),
        ("", None, None),
    ],
)
def test_number_fix_cases(text: str, percent: str | None, expected: object) -> None:
    assert number_fix(text, percent=percent) == expected  # type: ignore[arg-type]


def test_percent_reading_follows_the_options_unit() -> None:
    assert percent_reading("Entry price, USD.") is None
    assert percent_reading("Weight of the trade price in the mark (1 = last price).") == "fraction"
    assert percent_reading("Distance in horizon-volatility units.") == "number"
    assert percent_reading(None) == "number"


def _float_options() -> list[tuple[tuple[str, ...], str]]:
    """``(command path, --flag)`` of every float option the number guard reads."""
    root = typer.main.get_command(build_app())
    out = []
    for path, cmd in command_tree(root):
        for p in _float_params(cmd):
            if p in getattr(cmd, "params", ()):
                out.append((path, option_flag(p)))
    return sorted(set(out))


def test_the_float_options_are_found() -> None:
    found = _float_options()
    assert ((("stops", "recommend"), "--k")) in found
    assert ((("margin", "liq-price"), "--margin")) in found
    assert len(found) >= 15


@pytest.mark.parametrize(("path", "flag"), _float_options())
def test_every_float_option_refuses_junk_naming_option_and_value(
    path: tuple[str, ...], flag: str
) -> None:
    # typer's line named the option only: "Input should be a valid number"
    line = assert_refused(run_cli(*path, flag, "abc"))
    assert line == f"error: {flag} abc is not a number: write a plain number (such as 1.5 or 2e3)"
    line = assert_refused(run_cli(*path, flag, "20x"))
    assert line == f"error: {flag} 20x is not a number: write 20 (the multiple alone)"
    line = assert_refused(run_cli(*path, flag, "1.5%"))
    assert line.startswith(f"error: {flag} 1.5% is not a number: ")
    assert "Input should be" not in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            (
                "stops",
                "recommend",
                "--side",
                "long",
                "--entry",
                "3650",
                "--size",
                "1",
                "--leverage",
                "10",
                "--k",
                "1.5%",
            ),
            "error: --k 1.5% is not a number: write 1.5 (the number alone, not a percent)",
        ),
        (
            (
                "margin",
                "liq-price",
                "--side",
                "long",
                "--size",
                "1",
                "--entry",
                "3650",
                "--margin",
                "5%",
            ),
            "error: --margin 5% is not a number: a percent is not read here: write the value "
            "itself",
        ),
        (
            (
                "margin",
                "liq-price",
                "--side",
                "long",
                "--size",
                "1",
                "--entry",
                "$3,650",
                "--leverage",
                "10",
            ),
            "error: --entry $3,650 is not a number: write 3650 (no currency sign, no thousands "
            "separators)",
        ),
        (
            ("cascade", "--mark-weight", "50%"),
            "error: --mark-weight 50% is not a number: write 0.5 (a fraction: 50 % is 0.5)",
        ),
        (
            ("liqmap", "--range", "2,5%"),
            "error: --range must be a fraction (0.2) or a percent (20%) (got '2,5%'): write 0.025 "
            "(a decimal point, a fraction: 2.5 % is 0.025)",
        ),
        (
            ("liqmap", "--range", "0,2"),
            "error: --range must be a fraction (0.2) or a percent (20%) (got '0,2'): write 0.2 "
            "(a decimal point)",
        ),
    ],
)
def test_the_trials_options(args: tuple[str, ...], expected: str) -> None:
    assert assert_refused(run_cli(*args)) == expected


_HEADER = "Symbol,Side,Size,Entry Price,Leverage\r\n"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "ETHUSDT,Long,2.5,3650,20x",
            "leverage is not a number ('20x'): write 20 (the multiple alone)",
        ),
        (
            'ETHUSDT,Long,2.5,"3,820",20',
            "entry_price is not a number ('3,820'): write 3820 (no thousands separators)",
        ),
        (
            "ETHUSDT,Long,2.5,$3650,20",
            "entry_price is not a number ('$3650'): write 3650 (no currency sign)",
        ),
        (
            "ETHUSDT,Long,2.5,3650,5%",
            "leverage is not a number ('5%'): a percent is not read here: write the value itself",
        ),
        ("ETHUSDT,Long,2.5k,3650,20", "size is not a number ('2.5k'): write 2500"),
        ("ETHUSDT,Long,abc,3650,20", "size is not a number ('abc')"),
    ],
)
def test_a_positions_file_names_the_fix(tmp_path: Path, row: str, expected: str) -> None:
    p = tmp_path / "mine.csv"
    p.write_bytes((_HEADER + row + "\r\n").encode())
    with pytest.raises(InputError) as e:
        read_positions(p)
    assert str(e.value) == f"{p}: data row 1: {expected}"
    # the command line: the same text, the file line added, exit 2, one line
    line = assert_refused(run_cli("liqmap", "--positions", str(p), "--price", "3700"))
    assert line == f"error: {p}: data row 1 (file line 2): {expected}"


def test_a_stress_portfolio_names_the_fix(tmp_path: Path) -> None:
    p = tmp_path / "pf.csv"
    p.write_text("symbol,side,size,entry_price,leverage\nETHUSDT,long,1,3650,20x\n")
    with pytest.raises(InputError) as e:
        read_portfolio(p)
    assert str(e.value).endswith(
        "data row 1: leverage is not a number ('20x'): write 20 (the multiple alone)"
    )
    p.write_text(
        "symbol,side,size,entry_price,leverage,margin_mode,liq_price\n"
        'ETHUSDT,long,1,3650,20,cross,"3,100"\n'
    )
    with pytest.raises(InputError) as e:
        read_portfolio(p)
    assert str(e.value).endswith(
        "liq_price is not a number ('3,100'): write 3100 (no thousands separators)"
    )


def test_an_order_book_file_names_the_fix(tmp_path: Path) -> None:
    p = tmp_path / "book.csv"
    p.write_text('side,price,size\nbid,"3,650",2\nask,3660,2\n')
    with pytest.raises(InputError) as e:
        OrderBook.from_file(p)
    assert str(e.value) == (
        f"{p}: data row 1: price is not a number (got '3,650'): write 3650 (no thousands "
        "separators)"
    )


def test_an_accounts_file_names_the_fix(tmp_path: Path) -> None:
    (tmp_path / "acc.csv").write_text('collateral,debt_usd\n10,"$160,000"\n')
    market = SimpleNamespace(accounts=FileAccounts(kind="file", path="acc.csv"))
    with pytest.raises(InputError) as e:
        _account_legs(market, 0, tmp_path, "c.toml")  # type: ignore[arg-type]
    assert str(e.value) == (
        "acc.csv: data row 1: debt_usd must be a number >= 0 (got '$160,000'): write 160000 "
        "(no currency sign, no thousands separators)"
    )


def test_not_a_number_quotes_the_cell_as_the_file_holds_it() -> None:
    assert not_a_number("margin", " abc ") == "margin is not a number ('abc')"
    assert number_hint("3700", "--entry") is None
