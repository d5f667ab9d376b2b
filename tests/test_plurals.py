"""Counts in messages are plural when not one, through one helper, never ``(s)``.

``live``'s "no venue answered in 1 interval(s)", ``stress``'s "20,000 path(s)",
``stops backtest``'s "3 later hourly entry bar(s)", the cross rows' notes and the
back-test's "4 month(s) … IN SAMPLE" now read through
:func:`liqcascade._prices.count_text` (re-exported as ``liqcascade.positions.count_text``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from liqcascade._prices import count_text, names_text
from liqcascade._tables import check_columns
from liqcascade.errors import InputError
from liqcascade.positions import count_text as positions_count_text
from liqcascade.positions import read_positions


def test_count_text_is_singular_for_one_only() -> None:
    assert count_text(1, "interval") == "1 interval"
    assert count_text(0, "interval") == "0 intervals"
    assert count_text(3, "later hourly entry bar") == "3 later hourly entry bars"
    assert count_text(20000, "path", grouped=True) == "20,000 paths"
    assert count_text(20000, "path") == "20000 paths"  # ungrouped by default, as before
    assert positions_count_text is count_text


def test_a_list_of_names_takes_its_unit_singular_for_one() -> None:
    # session 25: "missing column(s): a" -> "missing column: a", "missing columns: a, b"
    assert names_text("column", ["a"]) == "column: a"
    assert names_text("ohlcv column", ("low", "volume")) == "ohlcv columns: low, volume"
    for need, want in (
        (("a", "x"), "t: missing column: x (columns seen: a)"),
        (("x", "y"), "t: missing columns: x, y (columns seen: a)"),
    ):
        with pytest.raises(InputError) as e:
            check_columns(["a"], need, "t")
        assert str(e.value) == want


def test_a_note_counts_its_rows_in_words(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    f = tmp_path / "hl.csv"
    f.write_text(
        "address,asset,side,size,entry_price,leverage,liq_price\n"
        "0xa,ETH,long,10,2000,20,\n0xb,ETH,long,2,2000,20,\n"
    )
    with caplog.at_level(logging.WARNING, logger="liqcascade.positions"):
        read_positions(f)
    notes = [r.getMessage() for r in caplog.records if "cross long" in r.getMessage()]
    assert notes and ": 2 cross long rows without a liq_price" in notes[0], notes
    assert all("(s)" not in r.getMessage() for r in caplog.records)


def _refusal(fn: object, *args: object) -> str:
    with pytest.raises(InputError) as e:
        fn(*args)  # type: ignore[operator]
    return str(e.value)


def test_unknown_parameters_are_counted_in_words() -> None:
    """session 26: "unknown parameter(s): x" in three parameter readers, and the OHLCV check."""
    import pandas as pd

    from liqcascade.cascade import LiquidityParams
    from liqcascade.events import detect_support
    from liqcascade.positions import BookParams, EstimationParams

    for cls in (BookParams, EstimationParams, LiquidityParams):
        one = _refusal(cls.from_dict, {"nope": 1.0}, "p.json")
        two = _refusal(cls.from_dict, {"nope": 1.0, "zap": 2.0}, "p.json")
        assert one == "p.json: unknown parameter: nope", cls
        assert two == "p.json: unknown parameters: nope, zap", cls
    idx = pd.date_range("2025-01-01", periods=3, freq="D", tz="UTC")
    frame = pd.DataFrame({"open": [1.0, 2.0, 3.0], "close": [1.0, 2.0, 3.0]}, index=idx)
    assert _refusal(detect_support, frame) == "ohlcv: OHLCV frame lacks column: low"
    assert _refusal(detect_support, frame.drop(columns="close")) == (
        "ohlcv: OHLCV frame lacks columns: low, close"
    )


def test_no_parenthesised_plural_left_in_messages() -> None:
    """No ``word(s)`` in a string of the package's code (docstrings' ``(s)`` units aside)."""
    import ast
    import re

    src = Path(__file__).resolve().parents[1] / "src" / "liqcascade"
    found = []
    for f in sorted(src.rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        docs = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        for n in ast.walk(tree):
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs:
                if re.search(r"[a-z]\(s\)", n.value):
                    found.append(f"{f.relative_to(src)}:{n.lineno}: {n.value!r}")
    assert not found, found
