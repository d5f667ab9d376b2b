"""The 1–10 day win rate's interval: a bootstrap over clusters of tests, and the verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.errors import InputError
from liqcascade.events import SupportParams, detect_support, support_study
from liqcascade.events._stats import cluster_bootstrap_rate, event_clusters
from liqcascade.events._study import win_rate_interval, win_rate_part


def test_clusters_chain_events_closer_than_the_gap() -> None:
    lab = event_clusters(np.array([0, 3, 9, 19, 40, 49, 59]), 10)
    # 0-3-9 chain (gaps 3, 6), 19 is 10 after 9: a new cluster; 40-49 chain; 59 is 10 after
    assert lab.tolist() == [0, 0, 0, 1, 2, 2, 3]
    assert event_clusters(np.array([], dtype=np.int64), 10).tolist() == []
    with pytest.raises(InputError, match="gap"):
        event_clusters(np.array([1, 2]), 0)


def test_clustered_interval_is_wider_than_an_iid_one() -> None:
    # 40 clusters of 5 identical outcomes: 40 independent draws, not 200
    rng = np.random.default_rng(1)
    outcome = (rng.random(40) < 0.55).astype(float)
    hits = np.repeat(outcome, 5)[:, None]
    lab = np.repeat(np.arange(40), 5)
    lo_c, hi_c = cluster_bootstrap_rate(hits, lab, np.random.default_rng(0), 2000)
    lo_i, hi_i = cluster_bootstrap_rate(hits, np.arange(200), np.random.default_rng(0), 2000)
    # a binomial of 40 draws: about ± 2·sqrt(.25/40) = ± 0.16 wide; of 200: ± 0.07
    assert 0.25 < hi_c - lo_c < 0.40
    assert 0.10 < hi_i - lo_i < 0.18
    assert lo_c <= outcome.mean() <= hi_c


def test_interval_ignores_missing_outcomes_per_column() -> None:
    hits = np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    lo, hi = cluster_bootstrap_rate(hits, np.arange(4), np.random.default_rng(0), 500)
    assert 0.0 <= lo <= hi <= 1.0
    # one cluster: no interval
    lo1, hi1 = cluster_bootstrap_rate(hits, np.zeros(4, dtype=np.int64), np.random.default_rng(0))
    assert np.isnan(lo1) and np.isnan(hi1)


@pytest.mark.parametrize(
    ("wr", "lo", "hi", "part"),
    [
        (0.57, 0.53, 0.61, "holds"),  # in the band, interval above 51 %
        (0.553, 0.475, 0.642, "cannot tell"),  # the 162-test point: holds 51.1 %
        (0.50, 0.45, 0.54, "fails"),  # the interval misses 55–60 %
        (0.66, 0.61, 0.70, "fails"),
        (0.62, 0.53, 0.70, "cannot tell"),  # above 51 % but not placed in the band
        (0.57, float("nan"), float("nan"), "cannot tell"),  # no interval, no test
    ],
)
def test_win_rate_part(wr: float, lo: float, hi: float, part: str) -> None:
    assert win_rate_part(wr, 0.511, lo, hi) == part


@pytest.fixture(scope="module")
def eth() -> pd.DataFrame:
    return datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-07-31")


def test_the_162_test_point_cannot_be_told_from_any_day(eth: pd.DataFrame) -> None:
    p = SupportParams(pivot=3, zone_tol=0.01, band=0.02, min_away=1)
    d = detect_support(eth, p)
    assert d.n_tests == 162 and len(d.event_bars) == 124
    close = eth["close"].to_numpy(dtype=float)
    lo, hi = win_rate_interval(close, d.event_bars, 1, np.random.default_rng(0), 1000)
    # the referee's i.i.d. bootstrap gave 48.9–61.5 %; clusters widen it (± 1 point: seed)
    assert 0.46 < lo < 0.49 and 0.62 < hi < 0.66
    assert lo < 0.5114 < hi


def test_study_carries_the_interval_and_its_verdict(eth: pd.DataFrame) -> None:
    s = support_study(eth, seed=0, n_random=10, n_boot=400, grid={"pivot": (3, 5)})
    c = s.claim
    lo, hi = c["win_rate_1_10_interval"]
    assert lo < c["computed_win_rate_1_10"] < hi
    assert c["win_rate_1_10_part"] == "cannot tell" and c["verdict"] == "not supported"
    assert "cannot tell, the interval holds the every-day rate" in c["notes"]
    cc = c["closest_to_claimed_count"]
    assert len(cc["win_rate_1_10_interval"]) == 2 and cc["win_rate_1_10_part"] in (
        "holds",
        "fails",
        "cannot tell",
    )
