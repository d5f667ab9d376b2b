"""The estimated market's split drops accounts under 10 USD of notional: said, in JSON too.

Until session 24 the filter was silent (a small venue's book lost most of its accounts
without a word) and a book it emptied gave "the exchange has no positions" alone.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from liqcascade.solvency._market import split_accounts
from liqcascade.solvency._request import DUST_USD, dust_filter


def _cohorts(size: float) -> PositionBook:
    return PositionBook(
        np.array([1, -1], np.int8), np.array([size, size]), np.array([100.0, 100.0]),
        np.array([size * 10.0, size * 10.0]), np.array([91.0, 109.0]), np.array([90.0, 110.0]),
    )  # fmt: skip


def test_dust_filter_counts_what_the_split_dropped(caplog: pytest.LogCaptureFixture) -> None:
    cohorts = _cohorts(2.0)  # 200 USD per cohort over 50 accounts: 4 USD on average
    accounts = split_accounts(cohorts, 50, min_notional=DUST_USD)
    kept_all = split_accounts(cohorts, 50, min_notional=0.0)
    notional = kept_all.size * kept_all.entry_price
    small = notional < DUST_USD
    assert 0 < small.sum() < 100  # some dropped, some kept: the case to count
    with caplog.at_level(logging.WARNING, logger="liqcascade.solvency"):
        d = dust_filter(cohorts, accounts, 50)
    assert d["accounts_made"] == 100
    assert d["accounts_dropped"] == int(small.sum()) == 100 - len(accounts)
    assert d["notional_dropped_usd"] == pytest.approx(float(notional[small].sum()), rel=1e-9)
    assert d["notional_dropped_share"] == pytest.approx(float(notional[small].sum()) / 400.0)
    assert d["min_notional_usd"] == DUST_USD
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1
    assert notes[0].startswith(f"note: {int(small.sum())} of 100 accounts (50 per estimated ")
    assert "under 10 USD of notional: dropped" in notes[0]


def test_nothing_dropped_is_not_noted(caplog: pytest.LogCaptureFixture) -> None:
    cohorts = _cohorts(1e6)
    with caplog.at_level(logging.WARNING, logger="liqcascade.solvency"):
        d = dust_filter(cohorts, split_accounts(cohorts, 5), 5)
    assert d["accounts_dropped"] == 0 and d["notional_dropped_usd"] == pytest.approx(0.0)
    assert caplog.records == []


def test_a_book_the_filter_empties_names_it() -> None:
    cohorts = _cohorts(0.01)  # 1 USD per cohort: every account under 10 USD
    with pytest.raises(InputError) as e:
        dust_filter(cohorts, split_accounts(cohorts, 50), 50)
    assert str(e.value).startswith(
        "the exchange has no positions: 100 of 100 accounts (50 per estimated cohort) are "
        "under 10 USD of notional: dropped (2 USD, 100.0 % of the notional)"
    )
    assert set(e.value.params) == {"oi_share", "accounts_per_cohort"}


def test_cli_names_the_filter_in_the_empty_book_error() -> None:
    r = run_cli("solvency", "--oi-share", "1e-6", "--liquidity", "static")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: the exchange has no positions: ")
    assert "under 10 USD of notional: dropped" in r.stderr
    assert "--oi-share" in r.stderr


def test_a_share_under_a_tenth_of_a_percent_is_not_said_as_zero(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # one cohort of 1 USD beside one of 100 MUSD: every account of the small one dropped,
    # 1e-8 of the notional (BTC 2025-02-03 printed "0.0% of the notional" for 6,457 USD)
    cohorts = PositionBook(
        np.array([1, -1], np.int8), np.array([1e6, 0.01]), np.array([100.0, 100.0]),
        np.array([1e7, 0.1]), np.array([91.0, 109.0]), np.array([90.0, 110.0]),
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="liqcascade.solvency"):
        d = dust_filter(cohorts, split_accounts(cohorts, 50, min_notional=DUST_USD), 50)
    assert 0 < d["notional_dropped_share"] < 1e-3
    (note,) = [r.getMessage() for r in caplog.records]
    assert note.endswith("dropped (1 USD, < 0.1 % of the notional)")
