"""What a stop's move costs (session 26): distance given up, stop-out chance, the verdict.

``stops recommend`` moved a 20x long's stop from 3.69 % to 1.84 % below entry to leave
two clusters, at no slippage gain, without a word on the distance given up, the stop-outs
it adds, or the back-test's verdict on de-clustering. It now prints all three; a far
entry's warning names a date the close was near it, as a runnable command.
"""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.protect import (
    POLICY_VERDICTS,
    compare_text,
    declustering_verdict,
    distance_given_up,
    policy_means,
    stop_out_chance,
)

#: The trial's position: a 20x long at 2,600 on the market of 2025-07-03.
POSITION = ("--side", "long", "--entry", "2600", "--size", "10", "--leverage", "20")


def test_stop_out_chance_is_the_reflection_formula() -> None:
    # 2·Φ(−b/σ) with b = |ln(stop/entry)|, to float precision (1e-12)
    for entry, stop, sigma in ((2600.0, 2552.13, 0.0856), (100.0, 110.0, 0.2), (1.0, 0.5, 1.0)):
        b = abs(math.log(stop / entry))
        assert stop_out_chance(entry, stop, sigma) == pytest.approx(
            2 * stats.norm.sf(b / sigma), abs=1e-12
        )
    assert stop_out_chance(100.0, 100.0, 0.1) == 1.0  # at entry: hit at once
    assert stop_out_chance(100.0, 90.0, 0.0) == 0.0  # no volatility, never
    # nearer stops and larger volatility are hit more often
    near, far = stop_out_chance(2600.0, 2552.13, 0.0856), stop_out_chance(2600.0, 2503.94, 0.0856)
    assert 0 < far < near < 1
    assert stop_out_chance(2600.0, 2503.94, 0.10) > far
    for bad in ((0.0, 90.0, 0.1), (100.0, -1.0, 0.1), (100.0, 90.0, -0.1), (100.0, 90.0, math.nan)):
        with pytest.raises(InputError):
            stop_out_chance(*bad)


def test_stop_out_chance_matches_simulated_brownian_paths() -> None:
    # the assumption named: driftless Brownian log price; 4,000 paths of 2,000 steps
    # (discrete monitoring misses a few touches: tolerance 0.03)
    rng = np.random.default_rng(0)
    sigma, b = 0.0856, math.log(2600 / 2552.13)
    steps = rng.standard_normal((4000, 2000)) * sigma / math.sqrt(2000)
    hit = (np.cumsum(steps, axis=1).min(axis=1) <= -b).mean()
    assert hit == pytest.approx(stop_out_chance(2600.0, 2552.13, sigma), abs=0.03)


def test_distance_given_up_is_signed_and_the_reports_cost() -> None:
    from liqcascade.report._protect_section import _moved_text

    zone = {"kind": "cluster", "price_low": 2500.0, "price_high": 2540.0}
    toward = SimpleNamespace(entry=2600.0, stop_price=2552.13, raw_stop_price=2503.94,
                             expected_slippage=0.0, raw_expected_slippage=0.0, side="long",
                             avoided_clusters=[zone])  # fmt: skip
    assert distance_given_up(toward) == pytest.approx((2552.13 - 2503.94) / 2600, abs=1e-12)
    away = SimpleNamespace(**{**vars(toward), "stop_price": 2480.0})
    assert distance_given_up(away) == pytest.approx(-(2503.94 - 2480.0) / 2600, abs=1e-12)
    short = SimpleNamespace(entry=100.0, stop_price=105.0, raw_stop_price=108.0)
    assert distance_given_up(short) == pytest.approx(0.03, abs=1e-12)
    # with a mid (a StopRecommendation's), the distance is today's, not entry's
    now = SimpleNamespace(mid=120.0, entry=100.0, stop_price=105.0, raw_stop_price=108.0)
    assert distance_given_up(now) == pytest.approx(-3.0 / 120.0, abs=1e-12)
    # the report's sentence is the same figure, with its direction (both signs)
    assert "1.85 pp nearer the mid (distance given up)" in _moved_text(toward)
    assert "0.92 pp further from the mid" in _moved_text(away)
    assert "given up" not in _moved_text(away)
    # and on which side of the crowd the stop now sits, in the rationale's words
    assert _moved_text(toward).startswith(
        "moved out of the crowd 1.85 pp nearer the mid (distance given up), before the crowd, "
        "nearer the price: it fires before the crowd's orders; with no measurable change"
    )
    assert _moved_text(away).startswith(
        "moved out of the crowd 0.92 pp further from the mid, beyond the crowd, further from "
        "the price: the crowd's orders fire first and their selling can carry price through this "
        "stop; with no measurable change"
    )


def _table(vo: tuple[float, float], d: tuple[float, float]) -> pd.DataFrame:
    """A back-test table: two rows per policy (sides), ``(stop_outs, total_return)`` each."""
    rows = []
    for pol, (so, tr) in (("vol", vo), ("vol-declustered", d)):
        for n in (100, 300):
            rows.append({"policy": pol, "n": n, "stop_outs": so, "avg_loss_on_stop": 0.05,
                         "avg_slippage": 0.001, "total_return": tr / 2,
                         "max_drawdown": 0.1})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("vo", "d", "why"),
    [((0.22, 2.0), (0.25, 1.5), "more stop-outs, less return"),
     ((0.22, 2.0), (0.20, 2.5), "fewer stop-outs, more return"),
     ((0.22, 2.0), (0.22, 2.5), "as many stop-outs, more return")],
    ids=["worse", "better", "mixed"],
)  # fmt: skip
def test_compare_text_on_point_figures(
    vo: tuple[float, float], d: tuple[float, float], why: str
) -> None:
    # the point figures beside each part's verdict, four words
    means = policy_means(_table(vo, d)).set_index("policy")
    assert compare_text(means.loc["vol-declustered"], means.loc["vol"]) == why


def _paired(n_days: int, edge: float, escape: bool) -> pd.DataFrame:
    """Trades of ``vol`` and ``vol-declustered`` on 2 entries a day.

    ``edge``: added to each de-clustered return; ``escape``: every long is stopped with
    ``vol`` and escapes with ``vol-declustered`` (else both stop alike).
    """
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n_days):
        ts = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=3 * i)
        for side in ("long", "short"):
            stopped, ret = bool(rng.random() < 0.3), float(rng.normal(0, 0.05))
            run = (
                ("vol", stopped or (escape and side == "long"), ret),
                ("vol-declustered", stopped and not (escape and side == "long"), ret + edge),
            )
            for pol, st, r in run:
                rows.append({"policy": pol, "side": side, "entries": "random", "entry_ts": ts,
                             "exit_ts": ts + pd.Timedelta(days=5), "stopped": st,
                             "slippage": 0.0, "ret": r})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("edge", "escape", "verdict", "why"),
                         [(0.01, True, "supported", "fewer stop-outs, more return"),
                          (0.01, False, "partly supported", "as many stop-outs, more return"),
                          (0.0, False, "ties", "as many stop-outs, less return"),
                          (-0.01, True, "not supported", "fewer stop-outs, less return")],
                         ids=["better", "return-only", "same", "worse-return"])  # fmt: skip
def test_declustering_verdict(edge: float, escape: bool, verdict: str, why: str) -> None:
    from liqcascade.protect._backtest import _rows

    trades = _paired(40, edge, escape)
    bt = SimpleNamespace(trades=trades, table=_rows(trades),
                         meta={"start": "2024-01-01", "end": "2024-05-01"})  # fmt: skip
    v = declustering_verdict(bt)
    assert (v["verdict"], v["why"], v["trades"]) == (verdict, why, 80)
    s, s_lo, s_hi = v["difference"]["stop_outs"]
    if escape:  # a long escaped on every day: the whole interval below 0
        assert s_hi < 0 and s == pytest.approx(
            v["vol_declustered"]["stop_outs"] - v["vol"]["stop_outs"], abs=1e-12
        )
    else:  # the same stop-outs on every entry: a zero-width interval at 0
        assert [s, s_lo, s_hi] == [0.0, 0.0, 0.0]
    x, lo, hi = v["difference"]["total_return"]
    assert x == pytest.approx(80 * edge, abs=1e-9) and lo <= x <= hi
    assert v["vol_declustered"]["total_return"] - v["vol"]["total_return"] == pytest.approx(
        x, abs=1e-9
    )
    lo, hi = v["vol"]["stop_outs_interval"]  # each policy's own Wilson interval, kept
    assert lo < v["vol"]["stop_outs"] < hi


@pytest.fixture(scope="module")
def trial() -> dict:
    r = run_cli("stops", "recommend", *POSITION, "--as-of", "2025-07-03", "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()


#: A move within the back-test's reach (trader34's F3: the trial's 20x long of
#: 2025-07-03 gives up 56 % of its distance, beyond it, and keeps its raw stop): the
#: 10x long at 3,700 on the 2025-07-31 market, moved 3,414.38 -> 3,419.54.
MOVED = ("--side", "long", "--entry", "3700", "--size", "10", "--leverage", "10")


@pytest.fixture(scope="module")
def moved() -> dict:
    r = run_cli("stops", "recommend", *MOVED, "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()


def test_recommend_says_what_the_move_costs(moved: dict) -> None:
    j = moved
    assert j["stop_choice"] == "moved" and j["beyond_reach"] is None
    # the move out of the clusters, measured from the mid (today's price), not from entry
    mid = j["mid"]
    assert j["distance"] == pytest.approx(abs(mid - j["stop_price"]) / mid, rel=1e-12)
    assert j["distance_from_entry"] == pytest.approx(j["stop_price"] / 3700.0 - 1, rel=1e-12)
    assert j["distance_given_up"] == pytest.approx(
        (j["stop_price"] - j["raw_stop_price"]) / mid, abs=1e-12
    )
    assert j["distance_given_up"] > 0.001  # moved toward the price: distance given up
    # within the reach: the share of the raw distance given up is below the back-test's
    raw_d = abs(mid - j["raw_stop_price"])
    assert j["distance_given_up"] * mid / raw_d < j["crowd_reach"]
    sigma = j["vol_distance"]  # k = 1: the horizon volatility itself
    assert j["horizon_vol"] == pytest.approx(sigma, rel=1e-12) and j["horizon_days"] == 5
    for key, price in (("stop_out_chance", j["stop_price"]),
                       ("raw_stop_out_chance", j["raw_stop_price"])):  # fmt: skip
        assert j[key] == pytest.approx(stop_out_chance(mid, price, sigma), abs=1e-12)
        lo, hi = j[f"{key}_range"]
        assert lo <= j[key] <= hi
    assert j["stop_out_chance"] > j["raw_stop_out_chance"] + 0.001  # the nearer stop: hit more
    assert "Brownian" in j["model_figures"]["stop_out_chance"]


def test_recommend_verdict_is_reproduced_by_its_command(trial: dict) -> None:
    cb = trial["crowd_backtest"]
    assert cb["verdict"] in POLICY_VERDICTS
    assert cb["command"] == f"liqcascade stops backtest --asset ETH --end {cb['end_day']}"
    # every trade of the back-test closed by the market's close (2025-07-04 00:00)
    assert pd.Timestamp(cb["end"]) + pd.Timedelta(days=5, hours=1) <= pd.Timestamp(
        "2025-07-04", tz="UTC"
    )
    r = run_cli(*cb["command"].split()[1:], "--json")
    assert r.exit_code == 0, r.stderr
    # the command prints the same verdict, from the same intervals (one function)
    dc = r.json()["declustering"]
    assert dc["verdict"] == cb["verdict"]
    for fig in ("stop_outs", "total_return"):
        assert dc["difference"][fig] == pytest.approx(cb["difference"][fig], abs=1e-12)
    means = policy_means(pd.DataFrame(r.json()["table"])).set_index("policy")
    for key, pol in (("vol", "vol"), ("vol_declustered", "vol-declustered")):
        for fig in ("stop_outs", "total_return"):
            assert cb[key][fig] == pytest.approx(float(means.loc[pol, fig]), abs=1e-9)


def test_recommend_text_prints_the_cost_and_the_verdict() -> None:
    r = run_cli("stops", "recommend", *MOVED)
    assert r.exit_code == 0, r.stderr
    out = " ".join(r.stdout.split())  # the table wraps at the terminal's width
    assert re.search(
        r"distance_given_up \d+\.\d\d pp of distance from the mid given up \(\d+\.\d\d % "
        r"at the raw",
        out,
    ), out
    assert re.search(r"stop_out_chance \d+ % \(p05–p95 .*; raw stop \d+ %", out), out
    assert "back-test of moving stops out of the crowd (vol-declustered against vol):" in out
    assert "`liqcascade stops backtest --asset ETH --end 2025-07-26`" in out
    assert "this move gives up 0.14 pp of distance" in out
    assert "stop_out_chance: model figure" in out and "normal increments" in out


def test_a_far_entry_gets_its_stop_from_the_mid_without_a_far_warning() -> None:
    # the stop is laid off from today's price: an entry 30 % below the mid no longer
    # puts the stop past the liquidation map, so no far-entry warning and no date
    r = run_cli("stops", "recommend", *POSITION, "--json")  # the 2025-07-31 market, mid 3,698
    assert r.exit_code == 0, r.stderr
    j = r.json()
    assert not [ln for ln in r.stderr.splitlines() if ln.startswith("warning: entry ")]
    assert not [w for w in j["warnings"] if w.startswith("entry ")]
    assert j["near_entry_date"] is None
    assert j["liq_price"] < j["stop_price"] < j["mid"]
    assert j["distance"] == pytest.approx(abs(j["mid"] - j["stop_price"]) / j["mid"], rel=1e-12)
    assert j["distance"] <= 0.8 * (j["mid"] - j["liq_price"]) / j["mid"] + 1e-12
    assert j["stop_price"] > 2600.0  # above entry: the long is in profit at the mid


def test_far_entry_hint_repeats_every_digit_of_the_options() -> None:
    # ``:g`` kept six significant digits: a BTC entry of 104,123.45 read back as 104123
    from liqcascade._cli.stops import _runnable

    w = "entry far (`liqcascade stops recommend`, as_of 2025-07-08)"
    t = _runnable(w, side="long", entry=104123.45, size=0.1234567, leverage=20.0, asset="BTC",
                  horizon_days=5, k=1.0, vol_source="garch", liquidity="calibrated")  # fmt: skip
    assert t.endswith(
        "(`liqcascade stops recommend --side long --entry 104123.45 --size 0.1234567 "
        "--leverage 20 --asset BTC --as-of 2025-07-08`)"
    )
    # the defaults are recommend_cmd's own: a value off them is written, its default not
    t = _runnable(w, side="short", entry=100.0, size=1.0, leverage=5.0, asset="ETH",
                  horizon_days=10, k=1.0, vol_source="atr", liquidity="calibrated")  # fmt: skip
    assert "--horizon-days 10 --vol-source atr --as-of" in t
    assert "--asset" not in t and "--k " not in t and "--liquidity" not in t
