"""The de-clustering verdict reads the intervals of paired differences, not point figures.

``stops recommend`` said "supported" on ETH 2025-07-31 (21.75 % against 21.83 %
stop-outs: one stop-out fewer in 1,168 entries) while the report's claim over the
entries to 2025-12-31 said "not supported". :func:`liqcascade.protect.compare_policies`
now bootstraps the paired differences over entry days (blocks of 7) and says "ties"
when an interval holds 0; the CLI commands and the report read that one function.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.errors import InputError
from liqcascade.protect import (
    POLICY_VERDICTS,
    compare_policies,
    difference_verdict,
    paired_entries,
)
from profiles import examples
from reference.protect_policy_difference import compare_reference

#: Float agreement of the vectorised function and the loop reference (same draws).
TOL = 1e-12


def _trades(
    rng: np.random.Generator,
    n_days: int,
    *,
    shift_stopped: float = 0.0,
    shift_ret: float = 0.0,
    same: bool = False,
) -> pd.DataFrame:
    """Two policies' trades on random entries: 1–3 entries a day, both sides.

    ``same``: the second policy trades exactly as the first. ``shift_*``: the first
    policy's chance of not being stopped where the second is, its return edge.
    """
    days = pd.Timestamp("2021-01-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.choice(2000, size=n_days, replace=False)), unit="D"
    )
    rows = []
    for day in days:
        for h in rng.choice(24, size=int(rng.integers(1, 4)), replace=False):
            ts = day + pd.Timedelta(hours=int(h))
            ent = "support" if rng.random() < 0.2 else "random"
            for side in ("long", "short"):
                stopped_b = bool(rng.random() < 0.3)
                ret_b = float(rng.normal(0.0, 0.05))
                stopped_a, ret_a = stopped_b, ret_b
                if not same:
                    stopped_a = bool(rng.random() < 0.3)
                    ret_a = float(rng.normal(0.0, 0.05))
                if shift_stopped and stopped_b and rng.random() < shift_stopped:
                    stopped_a = False
                ret_a += shift_ret
                for pol, s, r in (("a", stopped_a, ret_a), ("b", stopped_b, ret_b)):
                    rows.append({"policy": pol, "side": side, "entries": ent, "entry_ts": ts,
                                 "exit_ts": ts + pd.Timedelta(days=5), "stopped": s,
                                 "slippage": 0.0, "ret": r})  # fmt: skip
    crash = {"policy": "a", "side": "long", "entries": "crash", "stopped": True, "ret": -1.0,
             "entry_ts": pd.Timestamp("2025-10-08", tz="UTC"), "slippage": 0.0,
             "exit_ts": pd.Timestamp("2025-10-10", tz="UTC")}  # fmt: skip
    rows += [crash, {**crash, "policy": "b", "ret": 1.0}]  # left out of the comparison
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", range(6))
def test_matches_the_loop_reference_on_random_cases(seed: int) -> None:
    rng = np.random.default_rng(seed)
    trades = _trades(rng, int(rng.integers(14, 60)))
    kw = {"block": int(rng.integers(1, 8)), "n_resamples": 300, "level": 0.9, "seed": seed}
    got = compare_policies(trades, "a", "b", **kw)
    ref = compare_reference(trades.to_dict("records"), "a", "b", **kw)
    mine = (got.stop_outs, got.stop_outs_lo, got.stop_outs_hi,
            got.total_return, got.total_return_lo, got.total_return_hi)  # fmt: skip
    assert mine == pytest.approx(ref, abs=TOL)
    assert got.verdict == difference_verdict(ref[1:3], ref[4:6])
    assert got.entries == int((trades["entries"] != "crash").sum()) // 2
    # the interval's words name the draws made, not the default's 4,000
    assert got.to_dict()["interval"].endswith(f"(blocks of {kw['block']} entry days, 300 "
                                              "resamples, paired)")  # fmt: skip


def test_too_few_days_give_no_interval_and_a_tie() -> None:
    trades = _trades(np.random.default_rng(3), 13, shift_ret=1.0)  # 13 < 2 × 7 days
    got = compare_policies(trades, "a", "b")
    assert got.days == 13 and not got.has_interval
    assert got.total_return > 13  # a large edge, but no interval: nothing is told apart
    assert got.verdict == "ties"
    assert got.to_dict()["total_return"][1:] == [None, None]


@pytest.mark.parametrize(
    ("stop_outs", "total_return", "word"),
    [((-0.02, -0.01), (0.1, 0.3), "supported"),
     ((-0.02, 0.01), (0.1, 0.3), "partly supported"),  # more return only
     ((-0.02, -0.01), (-0.1, 0.3), "partly supported"),  # fewer stop-outs only
     ((-0.02, 0.01), (-0.1, 0.3), "ties"),
     ((0.01, 0.02), (0.1, 0.3), "not supported"),
     ((-0.02, -0.01), (-0.3, -0.1), "not supported"),
     ((0.01, 0.02), (-0.3, 0.1), "not supported"),
     ((-0.02, 0.0), (0.0, 0.3), "ties"),  # an end at 0 holds 0
     ((float("nan"), float("nan")), (0.1, 0.3), "partly supported"),  # one interval
     ((float("nan"), float("nan")), (float("nan"), float("nan")), "ties")],
)  # fmt: skip
def test_the_rule(stop_outs: tuple, total_return: tuple, word: str) -> None:
    assert difference_verdict(stop_outs, total_return) == word
    assert word in POLICY_VERDICTS


@settings(max_examples=examples(20), deadline=None)
@given(seed=st.integers(0, 10_000), n_days=st.integers(14, 80))
def test_identical_policies_tie(seed: int, n_days: int) -> None:
    trades = _trades(np.random.default_rng(seed), n_days, same=True)
    got = compare_policies(trades, "a", "b", n_resamples=200)
    assert (got.stop_outs_lo, got.stop_outs_hi) == (0.0, 0.0)
    assert (got.total_return_lo, got.total_return_hi) == (0.0, 0.0)
    assert got.verdict == "ties"


@settings(max_examples=examples(20), deadline=None)
@given(seed=st.integers(0, 10_000), edge=st.floats(1e-4, 0.05))
def test_a_policy_better_on_every_entry_is_supported(seed: int, edge: float) -> None:
    rng = np.random.default_rng(seed)
    trades = _trades(rng, 120, same=True, shift_stopped=1.0, shift_ret=edge)
    # every day needs one entry the first policy escapes: make sure of it
    b = trades[(trades["policy"] == "b") & (trades["entries"] != "crash")]
    first = b.groupby(b["entry_ts"].dt.floor("1D")).head(1).index
    trades.loc[first, "stopped"] = True
    a_rows = trades[(trades["policy"] == "a") & (trades["entries"] != "crash")]
    key = ["side", "entries", "entry_ts"]
    escape = a_rows.reset_index().merge(trades.loc[first, key], on=key)["index"]
    trades.loc[escape, "stopped"] = False
    got = compare_policies(trades, "a", "b", n_resamples=200)
    assert got.stop_outs_hi < 0 and got.total_return_lo > 0
    assert got.verdict == "supported"
    # and the other way round: measurably worse on both figures
    assert compare_policies(trades, "b", "a", n_resamples=200).verdict == "not supported"


@settings(max_examples=examples(15), deadline=None)
@given(seed=st.integers(0, 10_000))
def test_swapping_the_policies_negates_the_differences(seed: int) -> None:
    trades = _trades(np.random.default_rng(seed), 40)
    ab = compare_policies(trades, "a", "b", n_resamples=300)
    ba = compare_policies(trades, "b", "a", n_resamples=300)
    assert ba.stop_outs == pytest.approx(-ab.stop_outs, abs=TOL)
    assert (ba.stop_outs_lo, ba.stop_outs_hi) == pytest.approx(
        (-ab.stop_outs_hi, -ab.stop_outs_lo), abs=TOL
    )
    assert (ba.total_return_lo, ba.total_return_hi) == pytest.approx(
        (-ab.total_return_hi, -ab.total_return_lo), abs=TOL
    )
    flip = {"supported": "not supported", "not supported": "supported", "ties": "ties"}
    if ab.verdict == "partly supported":  # better on one figure is worse on it swapped
        assert ba.verdict == "not supported"
    if "not supported" not in (ab.verdict, ba.verdict) or ab.verdict == "supported":
        assert ba.verdict == flip[ab.verdict]


def test_deterministic_for_a_seed() -> None:
    trades = _trades(np.random.default_rng(7), 50)
    one, two = compare_policies(trades, "a", "b"), compare_policies(trades, "a", "b")
    assert one == two  # the same seed, the same intervals
    other = compare_policies(trades, "a", "b", seed=1)
    assert other.stop_outs == one.stop_outs and other.total_return == one.total_return
    assert other.total_return_lo != one.total_return_lo  # the draws are the seed's


def test_policies_must_trade_the_same_entries() -> None:
    trades = _trades(np.random.default_rng(1), 20)
    with pytest.raises(InputError) as e:
        paired_entries(trades.drop(index=trades.index[0]), "a", "b")
    assert e.value.param == "trades"
    with pytest.raises(InputError):
        compare_policies(trades, "a", "fixed")  # a policy the back-test did not run
    with pytest.raises(InputError) as e:
        compare_policies(trades, "a", "b", block=0)
    assert e.value.param == "block"


@pytest.mark.parametrize(
    ("kw", "param"),
    [
        ({"level": 1.5}, "level"),  # numpy's "Quantiles must be in the range [0, 1]"
        ({"level": 90}, "level"),
        ({"n_resamples": 0}, "n_resamples"),  # an empty quantile
        ({"block": 2.5}, "block"),  # numpy's integers(size=float)
    ],
    ids=["level-1.5", "level-percent", "no-resamples", "half-a-day"],
)
def test_bootstrap_settings_out_of_range_are_one_input_error(kw: dict, param: str) -> None:
    trades = _trades(np.random.default_rng(1), 30)  # 30 days >= 2 blocks: the bootstrap runs
    with pytest.raises(InputError) as e:
        compare_policies(trades, "a", "b", **kw)
    assert e.value.param == param


def test_golden_eth_at_the_default_market() -> None:
    """ETH, the trades closed by the 2025-07-31 market: one stop-out fewer in 1,168, a tie.

    Stop-outs 21.75 % against 21.83 % (254 against 255 of 1,168), summed return 121.29 %
    against 118.22 % of one entry; the intervals (seed 20250731, 4,000 resamples, blocks
    of 7 of 510 entry days) hold 0 for both: "ties", where the point figures said
    "supported". Tolerances: 1e-9 on the exact points, 5e-4 / 5e-3 on the percentiles
    (a resample's position moves them by a step of the discrete distribution).
    """
    from liqcascade.protect import backtest_stops, declustering_verdict

    bt = backtest_stops(("vol", "vol-declustered"), end="2025-07-26", asset="ETH", store=False)
    got = compare_policies(bt.trades)
    assert (got.entries, got.days) == (1168, 510)
    assert got.stop_outs == pytest.approx(-1 / 1168, abs=1e-9)
    assert got.total_return == pytest.approx(0.030703, abs=1e-5)  # GARCH fits: BLAS digits
    assert (got.stop_outs_lo, got.stop_outs_hi) == pytest.approx((-0.00257, 0.0), abs=5e-4)
    assert (got.total_return_lo, got.total_return_hi) == pytest.approx((-0.0271, 0.1044), abs=5e-3)
    assert got.verdict == "ties"
    v = declustering_verdict(bt)
    assert v["verdict"] == "ties" and v["why"] == "fewer stop-outs, more return"
    assert v["difference"]["stop_outs"][0] == pytest.approx(
        v["vol_declustered"]["stop_outs"] - v["vol"]["stop_outs"], abs=1e-12
    )


def test_the_market_verdict_is_kept_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """``stops recommend``'s back-test runs once per asset, last entry day, settings, store."""
    from types import SimpleNamespace

    import liqcascade.protect._backtest as backtest
    import liqcascade.protect._verdict as verdict
    from liqcascade.protect import declustering_backtest

    trades = _trades(np.random.default_rng(5), 30)
    trades["policy"] = trades["policy"].map({"a": "vol-declustered", "b": "vol"})
    # the stops, for the verdict's reach (move_reach): every declustered stop gave up 1
    # of the vol stop's 10 USD
    trades["entry"] = 100.0
    trades["stop"] = np.where(trades["policy"] == "vol", 90.0, 91.0)
    main = trades[trades["entries"] != "crash"]
    bt = SimpleNamespace(trades=trades, table=backtest._rows(main),
                         meta={"start": "2020-01-01", "end": "2025-07-26"})  # fmt: skip
    calls: list[dict] = []
    monkeypatch.setattr(backtest, "backtest_stops", lambda *a, **k: calls.append(k) or bt)
    monkeypatch.setattr(verdict, "_DECLUSTERING_CACHE", {})
    one = declustering_backtest("ETH", "2025-07-31T23:59:59Z")
    two = declustering_backtest("ETH", "2025-07-31T23:59:59Z")
    assert len(calls) == 1 and one == two and one is not two
    assert one["end_day"] == "2025-07-26" and calls[0]["end"] == "2025-07-26"
    assert one["move_reach"] == pytest.approx(0.1, abs=1e-12)
    one["verdict"] = "changed by the caller"  # a copy: the kept answer is not touched
    assert declustering_backtest("ETH", "2025-07-31T23:59:59Z")["verdict"] in POLICY_VERDICTS
    assert len(calls) == 1
    declustering_backtest("ETH", "2025-06-30T23:59:59Z")  # another market date
    assert len(calls) == 2
    monkeypatch.setattr(verdict, "_store_stamp", lambda: ("/elsewhere.duckdb", 1))
    declustering_backtest("ETH", "2025-07-31T23:59:59Z")  # another store: read again
    assert len(calls) == 3
