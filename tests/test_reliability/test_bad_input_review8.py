"""Bad input found by the eighth read-only review (sections B–D): exit 2, one line naming
the file, row or option — never exit 1 ("internal error") and never silently ignored."""

from __future__ import annotations

import time
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
    with pytest.raises(InputError, match=r"params\.json") as exc:
        EstimationParams.from_json(f)
    assert needle in str(exc.value)
    r = run_cli("liqmap", "backtest", "--start", "2025-06-01", "--end", "2025-06-10",
                "--params", str(f))  # fmt: skip
    assert_refused(r, str(f), needle)


# -- C11: options that do not apply are refused, never silently ignored -------------------------
BOOK = Path(__file__).resolve().parents[1] / "data" / "book"
POS, OB = str(BOOK / "positions.csv"), str(BOOK / "book.csv")


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        (["--as-of", "2025-01-01"], ["--as-of selects the estimated market", "--positions"]),
        (["--asset", "BTC"], ["--asset selects the estimated market", "--positions"]),
        (["--asset", "BTC", "--as-of", "2025-01-01"], ["--asset and --as-of select"]),
    ],
)
def test_liqmap_estimated_options_with_positions(extra: list[str], needles: list[str]) -> None:
    assert_refused(run_cli("liqmap", "--positions", POS, "--price", "100", *extra), *needles)
    assert run_cli("liqmap", "--positions", POS, "--price", "100").exit_code == 0


def test_liqmap_heatmap_days_bounded(tmp_path: Path) -> None:
    r = run_cli("liqmap", "--heatmap-days", "100000", "--out", str(tmp_path / "o"))
    assert_refused(r, "--heatmap-days must be 0 to 365 days (got 100000)")
    assert not (tmp_path / "o").exists()


def test_cascade_asset_with_files_and_total_move_without_fragility() -> None:
    files = ["cascade", "--positions", POS, "--book", OB]
    assert_refused(run_cli(*files, "--shock", "-0.01", "--asset", "BTC"),
                   "--asset applies to the estimated market, not to files")  # fmt: skip
    assert_refused(run_cli(*files, "--shock", "-0.01", "--total-move", "-0.5"),
                   "--total-move goes with --fragility")  # fmt: skip
    assert run_cli(*files, "--fragility", "--total-move", "-0.05").exit_code == 0
    assert run_cli(*files, "--shock", "-0.01").exit_code == 0
    # the estimated market (calibrated liquidity, its default) refuses it too
    assert_refused(run_cli("cascade", "--total-move", "-0.5"), "--total-move goes with --fragility")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--month", "2025-06"], "--month goes with --asset"),
        (["--store", "x.duckdb"], "--store goes with --asset"),
        (["--asset", "BTC", "--start", "2025-01-01"], "--start: not with --asset"),
        (["--asset", "BTC", "--oos-end", "2025-07-01"], "--oos-end: not with --asset"),
    ],
)
def test_liqmap_calibrate_mode_options(args: list[str], needle: str) -> None:
    t0 = time.process_time()
    assert_refused(run_cli("liqmap", "calibrate", *args), needle)
    assert time.process_time() - t0 < 10  # before any calibration (minutes)
