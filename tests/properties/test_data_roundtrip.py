"""Properties of the data layer: any valid file reads back exactly; gaps match a plain loop."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.data import Store, read_file
from liqcascade.data._time import count_gaps, infer_interval
from profiles import examples


def _bars(n: int, step_s: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2021-01-01", tz="UTC") + pd.to_timedelta(np.arange(n) * step_s, unit="s")
    close = np.round(100 * np.exp(np.cumsum(rng.normal(0, 0.02, n))), 4)
    open_ = np.r_[100.0, close[:-1]]
    return pd.DataFrame(
        {
            "ts": ts,
            "open": open_,
            "high": np.round(np.maximum(open_, close) + rng.uniform(0, 1, n), 4),
            "low": np.round(np.minimum(open_, close) - rng.uniform(0, 0.5, n), 4),
            "close": close,
            "volume": np.round(rng.uniform(0, 100, n), 4),
        }
    )


@settings(max_examples=examples(12))
@given(
    n=st.integers(2, 40),
    step=st.sampled_from([60, 300, 3600, 14400, 86400]),
    unit=st.sampled_from(["s", "ms", "us", "iso"]),
    upper=st.booleans(),
    shuffle=st.booleans(),
    n_dup=st.integers(0, 3),
    seed=st.integers(0, 10_000),
)
def test_any_valid_file_reads_back(n, step, unit, upper, shuffle, n_dup, seed) -> None:
    b = _bars(n, step, seed)
    out = b.copy()
    secs = pd.DatetimeIndex(b["ts"]).as_unit("s").asi8
    if unit == "iso":
        out["ts"] = b["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        out["ts"] = secs * {"s": 1, "ms": 1000, "us": 1_000_000}[unit]
    rng = np.random.default_rng(seed)
    if n_dup:
        out = pd.concat([out, out.iloc[rng.integers(0, n, n_dup)]])
    if shuffle:
        out = out.iloc[rng.permutation(len(out))]
    if upper:
        out.columns = [c.upper() for c in out.columns]
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "f.csv.gz"
        out.to_csv(p, index=False, compression="gzip")
        (s,) = read_file(p)
    assert s.rows == n
    assert list(s.frame["ts"]) == list(b["ts"])
    for c in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(s.frame[c].to_numpy(), b[c].to_numpy())
    assert s.interval == {60: "1m", 300: "5m", 3600: "1h", 14400: "4h", 86400: "1d"}[step]


def _gaps_py(ms: list[int], step: int) -> tuple[int, int]:
    count, largest = 0, 0
    for a, b in itertools.pairwise(ms):
        if b - a > 1.5 * step:
            count += 1
            largest = max(largest, b - a)
    return count, largest


@settings(max_examples=examples(60))
@given(
    steps=st.lists(st.sampled_from([1, 1, 1, 1, 2, 3, 7, 30]), min_size=1, max_size=60),
)
def test_gaps_match_plain_loop(steps: list[int]) -> None:
    h = 3_600_000
    ms = np.cumsum([0, *steps]) * h
    idx = pd.DatetimeIndex(pd.to_datetime(ms, unit="ms", utc=True))
    n, largest = count_gaps(idx, "1h")
    n_py, largest_py = _gaps_py([int(x) for x in ms], h)
    assert n == n_py
    assert (largest.value // 1_000_000 if largest is not None else 0) == largest_py
    if steps.count(1) * 2 >= len(steps):
        assert infer_interval(idx) == "1h"
    if len(set(steps)) == 1:
        assert infer_interval(idx) == f"{steps[0]}h"


@settings(max_examples=examples(6))
@given(seed=st.integers(0, 1000), cut=st.integers(2, 18))
def test_ingest_idempotent_and_union(seed: int, cut: int) -> None:
    b = _bars(20, 3600, seed)
    with tempfile.TemporaryDirectory() as tmp:
        p1, p2 = Path(tmp) / "a.csv", Path(tmp) / "b.csv"
        b.iloc[:cut].to_csv(p1, index=False)
        b.iloc[cut - 1 :].to_csv(p2, index=False)
        with Store(Path(tmp) / "s.duckdb") as s:
            r1 = s.ingest(read_file(p1))
            r2 = s.ingest(read_file(p2))
            r3 = s.ingest([*read_file(p1), *read_file(p2)])
            got = s.read("ohlcv")
    assert (r1.rows_added, r2.rows_added, r3.rows_added) == (cut, 20 - cut, 0)
    assert list(got["ts"]) == list(b["ts"])
    np.testing.assert_array_equal(got["close"].to_numpy(), b["close"].to_numpy())


@settings(max_examples=examples(25))
@given(
    rates=st.lists(
        st.floats(-0.05, 0.05, allow_nan=False, allow_subnormal=False), min_size=3, max_size=40
    ),
    hours=st.sampled_from([1, 4, 8]),
)
def test_declared_percent_is_the_declared_fraction_divided_by_100(
    rates: list[float], hours: int
) -> None:
    """Any funding file within the row bound reads as written with funding_units
    "fraction" and divided by 100 with "percent", whatever the rules would judge of its
    values (relative tolerance 1e-12: the CSV round trip and one division)."""
    ts = pd.date_range("2024-01-01", periods=len(rates), freq=f"{hours}h", tz="UTC")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "funding.csv"
        pd.DataFrame(
            {"timestamp": ts.strftime("%Y-%m-%d %H:%M:%S"), "venue": "okx", "coin": "ETH",
             "funding_rate": rates}
        ).to_csv(path, index=False)  # fmt: skip
        (frac,) = read_file(path, funding_units="fraction")
        (pct,) = read_file(path, funding_units="percent")
    f, p = frac.frame["rate"].to_numpy(), pct.frame["rate"].to_numpy()
    assert f == pytest.approx(np.asarray(rates), rel=1e-12, abs=0)
    assert p == pytest.approx(f / 100, rel=1e-12, abs=0)
    assert frac.units_known and pct.units_known
