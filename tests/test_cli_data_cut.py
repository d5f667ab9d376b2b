"""``vol`` and ``support-study`` cut their bars at ``--as-of``, by default the market date.

The market date is the close of the asset's last open-interest bar that every series of
the market reaches (2025-07-31 20:00 UTC for the bundled ETH;
``tests/test_market/test_market_date.py``), the date every market command and the report
default to.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade import datasets


def _one_error(r, needle: str) -> None:  # type: ignore[no-untyped-def]
    assert r.exit_code == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], r.stderr


def test_vol_defaults_to_the_market_date_and_prints_the_span() -> None:
    r = run_cli("vol", "--asset", "ETH", "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["end"][:10] == "2025-07-31" and d["start"][:10] == "2017-08-18"
    assert d["data_cut"]["source"] == "market date"
    assert d["data_cut"]["as_of"] == "2025-08-01T00:00:00+00:00"
    # the README / report figure at the market date: gamma 0.008, p 0.83
    assert d["leverage_gamma"] == pytest.approx(0.0076, abs=0.001)
    assert d["leverage_pvalue"] == pytest.approx(0.83, abs=0.01)
    text = run_cli("vol", "--asset", "ETH").stdout
    assert "2017-08-18 → 2025-07-31" in text and "data: bars closed by 2025-08-01 00:00" in text


def test_vol_as_of_moves_the_cut() -> None:
    late = run_cli("vol", "--asset", "ETH", "--as-of", "2025-12-31", "--json").json()
    assert late["end"][:10] == "2025-12-31" and late["data_cut"]["source"] == "--as-of"
    early = run_cli("vol", "--asset", "ETH", "--as-of", "2024-06-30", "--json").json()
    assert early["end"][:10] == "2024-06-30"
    assert early["n_obs"] < late["n_obs"]


def test_as_of_errors_name_the_option() -> None:
    _one_error(run_cli("vol", "--as-of", "2031-01-01"), "--as-of")
    _one_error(run_cli("vol", "--as-of", "notadate"), "--as-of")
    for bad in ("2025-02-30", "2025-07-31Z", " "):  # read by no date rule: one line each
        _one_error(run_cli("vol", "--as-of", bad), "--as-of")
    _one_error(run_cli("support-study", "--as-of", "2031-01-01"), "give an earlier date")


def test_support_study_defaults_to_the_market_date_in_one_unit() -> None:
    r = run_cli("support-study", "--draws", "5", "--boot", "50", "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    # README: 71 tests at the defaults to the market date (33–199 across settings)
    assert d["n_tests"] == 71 and d["end"][:10] == "2025-07-31"
    counts = [row["n_tests"] for row in d["sensitivity"]]
    assert (min(counts), max(counts)) == (33, 199)
    text = run_cli("support-study", "--draws", "5", "--boot", "50").stdout
    assert "(fractions)" not in text and "%: log return × 100" in text
    assert "sensitivity (win rate and mean log return in %)" in text


def test_sensitivity_cells_are_percent() -> None:
    from liqcascade._cli.support import _sens_cell

    assert _sens_cell("win_rate_1_10", 0.53245) == "53.2 %"
    assert _sens_cell("mean_20_plus", -0.00272577) == "-0.27 %"
    assert _sens_cell("zone_tol", 0.015) == "0.015"  # an option's value, as given
    assert _sens_cell("n_tests", 71) == "71"


@pytest.mark.parametrize("command", ["vol", "support-study"])
def test_data_and_store_together_are_refused_naming_both(command: str, tmp_path: Path) -> None:
    # the --data file was read alone and --store dropped without a word (session 22)
    d1 = datasets.load("eth_1d")
    path = tmp_path / "d1.csv"
    d1.reset_index().rename(columns={"ts": "timestamp"}).to_csv(path, index=False)
    store = tmp_path / "s.duckdb"
    r = run_cli(command, "--data", str(path), "--store", str(store), "--as-of", "2025-07-31")
    _one_error(r, "error: --store and --data: give one of them (the --data file is read alone")
    assert r.stdout == "" and not store.exists()
