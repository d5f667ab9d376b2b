"""The calibrated constants live in one place, read from their calibration files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from liqcascade import datasets
from liqcascade.book import BETA_FUTURES, depth_beta, fit_beta
from liqcascade.errors import InputError
from liqcascade.market import BINANCE_BOOK_SHARE, EXCHANGE_OI_SHARE, market_params

SRC = Path(__file__).resolve().parents[2] / "src" / "liqcascade"

#: Known copies left, each with why it stays; an entry goes when its copy does.
ALLOWED = {
    # book helper (issue 14): the estimate's prior venue share
    "positions/_estimate.py",
    # the generic parametric curve's default exponent (OrderBook cannot import the
    # calibration module that builds on it); calibrated callers pass depth_beta(asset)
    "book/_orderbook.py",
}


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_depth_beta_file_is_the_refit_median(asset: str) -> None:
    beta = fit_beta(datasets.load_book_totals(asset, market="futures"))
    assert depth_beta(asset) == round(float(beta.median()), 2)  # rounded by design


def test_constants_come_from_the_files() -> None:
    p = market_params()
    assert BINANCE_BOOK_SHARE == p["book_share"]["value"]
    assert EXCHANGE_OI_SHARE == p["exchange_oi_share"]["value"]
    assert BETA_FUTURES == depth_beta("ETH")
    with pytest.raises(InputError, match="asset"):
        depth_beta("DOGE")  # names --asset


def test_no_module_copies_the_calibrated_literals() -> None:
    # 0.73 (depth beta) and 0.25 (book share) as parameter defaults or constants
    pat = re.compile(r"(beta|share)\w*\s*(:[^=]+)?=\s*0\.(73|25)\b")
    hits = []
    for f in SRC.rglob("*.py"):
        rel = str(f.relative_to(SRC))
        if "report" in f.parts or rel in ALLOWED:  # prose and the report's own figures
            continue
        for i, line in enumerate(f.read_text().splitlines(), 1):
            if pat.search(line):
                hits.append(f"{f.relative_to(SRC)}:{i}: {line.strip()}")
    assert hits == []
