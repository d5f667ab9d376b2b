"""``liqmap`` at dates before the end of its stored score, and figures outside their band.

The stored out-of-sample score (the package's, 2025-03-01 → 2025-07-31) reads data
after an earlier market date. ``liqmap`` printed it as it stands; it now labels it as
the report's liquidation-map section does: the score to the market date with the
stored one beside it, or, without one, the stored score flagged as not what was
knowable then, with why.

The map's figure is the main fit's book and its interval the p05-p95 of the same
figure over the fit's bootstrap refits, which need not hold it (BTC, 2024-11-22:
the long liquidations within 2 % are 3.34 M, above all ten refits, 1.82-3.28 M). Such a
figure is marked and the line under the table says what the interval is of.
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade._cli.liqmap import OUTSIDE, _band_cell

WIDE = {"COLUMNS": "250"}
AFTER = "reads data after the market date: not what was knowable then"


def _score_line(stdout: str) -> str:
    return next(ln for ln in stdout.splitlines() if ln.startswith("out of sample ("))


def test_an_earlier_date_is_scored_to_the_market_date() -> None:
    r = run_cli("liqmap", "--asset", "BTC", "--as-of", "2025-05-15", env=WIDE)
    assert r.exit_code == 0, r.stderr
    line = _score_line(r.stdout)
    assert line.startswith("out of sample (scored to the market date, 2025-03-01 → 2025-05-15,")
    assert line.endswith(f"The package score (2025-03-01 → 2025-07-31: 0.53 vs 0.51) {AFTER}")
    j = run_cli("liqmap", "--asset", "BTC", "--as-of", "2025-05-15", "--json").json()
    oos = j["out_of_sample"]
    assert (oos["scope"], oos["start"], oos["end"]) == (
        "scored to the market date", "2025-03-01", "2025-05-15"
    )  # fmt: skip
    assert oos["package_score"]["end"] == "2025-07-31"


@pytest.mark.parametrize(
    ("asset", "as_of", "why"),
    [
        ("BTC", "2024-11-22", "the identified book's back-test of BTC cannot run: as_of "
         "2024-11-22 is before the first month with a fit (2025-03)"),
        ("ETH", "2025-03-01", "only 1 day of 2025-03-01 → 2025-03-01 has a recorded ETH "
         "liquidation: too few to score the identified book"),
    ],
)  # fmt: skip
def test_without_a_score_to_the_date_the_stored_one_is_flagged(
    asset: str, as_of: str, why: str
) -> None:
    r = run_cli("liqmap", "--asset", asset, "--as-of", as_of, env=WIDE)
    assert r.exit_code == 0, r.stderr
    line = _score_line(r.stdout)
    assert line.startswith("out of sample (package score, 2025-03-01 → 2025-07-31, 153 days")
    assert f"(it {AFTER}; no score to the market date: {why}" in line


def test_the_default_date_keeps_the_stored_score_as_it_was() -> None:
    r = run_cli("liqmap", "--asset", "ETH", env=WIDE)
    assert r.exit_code == 0, r.stderr
    line = _score_line(r.stdout)
    assert line.startswith("out of sample (package score, 2025-03-01 → 2025-07-31, 153 days")
    assert "market date" not in line and OUTSIDE not in r.stdout


def test_a_figure_outside_its_band_is_marked_and_explained() -> None:
    r = run_cli("liqmap", "--asset", "BTC", "--as-of", "2024-11-22", env=WIDE)
    assert r.exit_code == 0, r.stderr
    row = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("∓2 %"))
    # the stops at scale-free round steps (BTC near $99,000 on 2024-11-22: $1,000/$5,000/$10,000)
    assert row.split()[2:5] == ["3.75", f"M{OUTSIDE}", "(2.40–3.68"]
    assert (
        f"{OUTSIDE} outside its interval: the figure is the main fit's book, the interval the "
        "spread of the same figure over the fit's 10 bootstrap refits, which need not hold it"
    ) in r.stdout


@pytest.mark.parametrize(
    ("value", "p05", "p95", "text"),
    [
        (3.339e6, 1.994e6, 3.266e6, f"3.34 M{OUTSIDE} (1.99–3.27 M)"),
        (0.5e6, 0.6e6, 0.9e6, f"500 k{OUTSIDE} (600–900 k)"),
        (2.0e6, 1.0e6, 3.0e6, "2.00 M (1.00–3.00 M)"),
        (2.0e6, None, None, "2.00 M"),
        (0.0, 0.0, 0.0, "0"),
    ],
)
def test_band_cell(value: float, p05: float | None, p95: float | None, text: str) -> None:
    assert _band_cell(value, p05, p95) == text
