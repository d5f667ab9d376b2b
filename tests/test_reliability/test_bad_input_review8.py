"""Bad input found by the eighth read-only review (sections B–D): exit 2, one line naming
the file, row or option — never exit 1 ("internal error") and never silently ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.positions._estimate import EstimationParams
from test_reliability._helpers import assert_refused

NOT_UTF8 = b"\xba\xad\xf0\x0d latin-1 caf\xe9\n"


# -- B10: a non-UTF-8 configuration / params file -----------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["collateral", "--config"],
        ["liqmap", "backtest", "--start", "2025-06-01", "--end", "2025-06-10", "--params"],
    ],
    ids=["collateral-config", "liqmap-backtest-params"],
)
def test_non_utf8_file_is_refused(tmp_path: Path, args: list[str]) -> None:
    f = tmp_path / "cfg.bin"
    f.write_bytes(NOT_UTF8)
    assert_refused(run_cli(*args, str(f)), str(f), "not UTF-8 text")


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ('{"turnover": "fast"}', 'turnover must be a number (got "fast")'),
        ('{"leverages": [2, "x"]}', "leverages must be a list of numbers"),
        ('{"tiers": 5}', "tiers must be text (got 5)"),
        ('{"venue_share": true}', "venue_share must be a number (got true)"),
    ],
)
def test_params_of_the_wrong_type_name_the_key(tmp_path: Path, doc: str, needle: str) -> None:
    f = tmp_path / "params.json"
    f.write_text(doc)
    with pytest.raises(InputError, match="params.json") as exc:
        EstimationParams.from_json(f)
    assert needle in str(exc.value)
    r = run_cli("liqmap", "backtest", "--start", "2025-06-01", "--end", "2025-06-10",
                "--params", str(f))  # fmt: skip
    assert_refused(r, str(f), needle)
