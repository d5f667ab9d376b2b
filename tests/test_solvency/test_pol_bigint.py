"""``pol verify`` on a proof with an integer too long for Python to parse.

It printed Python's ``ValueError`` text, which tells a CLI user to call
``sys.set_int_max_str_digits()``; it names the digits and the proof's range now.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.solvency._pol_io import read_json_object


def _proof(tmp_path: Path, balance: str) -> Path:
    p = tmp_path / "bigint.json"
    p.write_text('{"balance": ' + balance + ', "user": "bob"}')
    return p


def test_a_5000_digit_integer_is_out_of_range_not_a_python_setting(tmp_path: Path) -> None:
    p = _proof(tmp_path, "9" * 5000)
    r = run_cli("pol", "verify", str(p), "--root", "a" * 64)
    err = r.stderr.strip()
    assert r.exit_code == 2 and "\n" not in err, err
    want = "a number of 5,000 digits; a proof's numbers are below 2**128 (at most 39 digits)"
    assert err == f"error: {p}: {want}"
    assert "sys." not in err


def test_other_bad_json_keeps_its_own_message(tmp_path: Path) -> None:
    p = tmp_path / "broken.json"
    p.write_text('{"salt": "' + "1" * 5000 + '", "balance": }')  # digits in a string, not a number
    with pytest.raises(InputError, match=r"not valid JSON \(Expecting value"):
        read_json_object(p)
    # an integer under Python's limit parses: the verifier, not the reader, refuses it
    q = _proof(tmp_path, "9" * 100)
    assert read_json_object(q)["balance"] == int("9" * 100)
