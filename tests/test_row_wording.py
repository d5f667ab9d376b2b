"""Every reader of a user's file names a bad row one way: ``data row N``.

``data ingest`` said ``data row 4`` (the 4th row after the header, blank lines not
counted); positions, stops, stress portfolios, order books, tier tables and
proof-of-liabilities files said ``row 4``, and a contagion market's accounts file
``row 5`` for the same row (its file line). One helper, :func:`liqcascade.errors.row_ref`,
now words them all.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from liqcascade.contagion._config import FileAccounts, _account_legs
from liqcascade.data._time import row_ref as data_row_ref
from liqcascade.errors import InputError, row_ref


def test_one_helper_words_a_row_and_the_old_import_still_works() -> None:
    assert row_ref(4) == "data row 4"
    assert data_row_ref is row_ref


def test_an_input_error_names_its_row_as_data_row() -> None:
    e = InputError("size must be > 0", file="p.csv", row=3, param="size")
    assert str(e) == "p.csv: data row 3: size must be > 0"
    assert e.for_flags({"size": "--size"}) == "p.csv: data row 3: --size must be > 0"


def test_a_message_that_names_its_row_is_not_prefixed_twice() -> None:
    assert str(InputError("data row 2: bad", row=2)) == "data row 2: bad"


def test_an_accounts_file_counts_rows_after_its_header(tmp_path: Path) -> None:
    (tmp_path / "acc.csv").write_text("collateral,debt_usd\n1.0,0.5\n2.0,-1\n")
    market = SimpleNamespace(accounts=FileAccounts(kind="file", path="acc.csv"))
    with pytest.raises(InputError) as e:
        _account_legs(market, 0, tmp_path, "c.toml")  # type: ignore[arg-type]
    assert str(e.value) == "acc.csv: data row 2: debt_usd must be >= 0"


@pytest.mark.parametrize(
    ("body", "want"),
    [
        ('10,"160,000"\n', "acc.csv: data row 1: debt_usd must be a number >= 0 (got '160,000'"),
        ("1.0,2.0\n3.0,\n", "acc.csv: data row 2: debt_usd must be a number >= 0 (got a blank"),
        ("", "acc.csv: no accounts (a header and no data rows)"),
    ],
)
def test_an_accounts_file_with_text_or_no_rows_is_named(
    tmp_path: Path, body: str, want: str
) -> None:
    # "160,000" (a spreadsheet's thousands separator) used to reach a comparison of text
    # with 0 and exit as an internal error; a header alone ran with no accounts at all
    (tmp_path / "acc.csv").write_text("collateral,debt_usd\n" + body)
    market = SimpleNamespace(accounts=FileAccounts(kind="file", path="acc.csv"))
    with pytest.raises(InputError) as e:
        _account_legs(market, 0, tmp_path, "c.toml")  # type: ignore[arg-type]
    assert str(e.value).startswith(want)


def test_an_accounts_file_reads_its_numbers(tmp_path: Path) -> None:
    (tmp_path / "acc.csv").write_text("collateral,debt_usd\n10,16000\n2.5,0\n")
    market = SimpleNamespace(accounts=FileAccounts(kind="file", path="acc.csv"))
    legs = _account_legs(market, 0, tmp_path, "c.toml")  # type: ignore[arg-type]
    coll, debt = legs["collateral"], legs["debt_usd"]
    assert coll.tolist() == pytest.approx([10.0, 2.5], rel=1e-12)
    assert debt.tolist() == pytest.approx([16000.0, 0.0], rel=1e-12)
