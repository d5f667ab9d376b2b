"""The back-test of a portfolio's VaR (``liqcascade stress --scenario backtest --portfolio``).

The stress Monte Carlo printed a portfolio's VaR with a sampling interval only; the
unit-long back-test scored a unit long in one asset. The portfolio back-test scores the
Monte Carlo's joint model on the portfolio's own linear P&L: its P&L against a plain-Python
reference, a one-unit-long portfolio against the unit-long back-test (golden), the scaling
of every figure with the sizes (hypothesis), and the command line's refusals.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clihelpers import run_cli
from floats import assert_same
from liqcascade.stress import Portfolio, var_backtest
from liqcascade.stress._portfolio_backtest import (
    NOT_IN_PNL,
    net_sizes,
    portfolio_pnl,
    portfolio_var_backtest,
)
from profiles import examples

#: VaRs of a one-unit-long portfolio against the unit-long back-test's times the start
#: price: the same fits, residuals and draws (1-day: the residual's quantile mapped to the
#: loss), so equal to rounding.
GOLDEN_RTOL = 1e-9


def _portfolio(rows: list[tuple[str, str, float]]) -> Portfolio:
    """A portfolio of (symbol, side, size) at 1x (entry prices play no part in the P&L)."""
    df = pd.DataFrame(
        {
            "symbol": [r[0] for r in rows],
            "side": [r[1] for r in rows],
            "size": [r[2] for r in rows],
            "entry_price": [100.0] * len(rows),
            "leverage": [1.0] * len(rows),
        }
    )
    return Portfolio.from_frame(df, source="<test>")


def _pnl_py(
    rows: list[tuple[str, str, float]], p0: dict[str, float], p1: dict[str, float]
) -> float:
    """Plain-Python P&L of positions held at constant size: a loop over the rows."""
    tot = 0.0
    for sym, side, size in rows:
        a = sym.removesuffix("USDT")
        tot += (1.0 if side == "long" else -1.0) * size * (p1[a] - p0[a])
    return tot


# ---- the P&L against its plain-Python reference ----

_row = st.tuples(
    st.sampled_from(["ETH", "ETHUSDT", "BTC", "BTCUSDT", "SOLUSDT"]),
    st.sampled_from(["long", "short"]),
    st.floats(0.001, 1e4),
)
_price = st.floats(0.01, 2e5)


@settings(max_examples=examples(60), deadline=None)
@given(rows=st.lists(_row, min_size=1, max_size=8), p=st.lists(_price, min_size=6, max_size=6))
def test_pnl_matches_a_plain_python_loop(
    rows: list[tuple[str, str, float]], p: list[float]
) -> None:
    pf = _portfolio(rows)
    p0 = {"ETH": p[0], "BTC": p[1], "SOL": p[2]}
    p1 = {"ETH": p[3], "BTC": p[4], "SOL": p[5]}
    got = portfolio_pnl(net_sizes(pf), p0, p1)
    want = _pnl_py(rows, p0, p1)
    scale = sum(r[2] * (p0[r[0][:3]] + p1[r[0][:3]]) for r in rows)  # the gross USD moved
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12 * scale)


# ---- the back-test on real closes (short: 2019-01 to 2020-09) ----


@pytest.fixture(scope="module")
def closes() -> dict[str, pd.Series]:
    from liqcascade import datasets

    out = {}
    for a in ("ETH", "BTC"):
        c = datasets.load_ohlcv(a, "1d")["close"]
        out[a] = c[(c.index >= "2019-01-01") & (c.index <= "2020-09-30")]
    return out


_SMALL = {"horizons": (1, 5), "min_days": 300, "paths": 200}


_TWO_ASSETS = [("ETHUSDT", "long", 10.0), ("BTCUSDT", "long", 1.0), ("ETH", "short", 5.0)]


@pytest.fixture(scope="module")
def two_assets(closes: dict[str, pd.Series]) -> tuple[list[tuple[str, str, float]], object]:
    rows = _TWO_ASSETS
    return rows, portfolio_var_backtest(_portfolio(rows), closes, **_SMALL)


def test_realised_loss_is_the_plain_python_pnl_of_each_window(
    two_assets: tuple[list[tuple[str, str, float]], object], closes: dict[str, pd.Series]
) -> None:
    rows, bt = two_assets
    fc = bt.forecasts[bt.forecasts["method"] == "model"]
    assert len(fc) > 200 and set(fc["horizon"]) == {1, 5}
    for _, r in fc.sample(40, random_state=0).iterrows():
        p0 = {a: float(closes[a][r["start"]]) for a in ("ETH", "BTC")}
        p1 = {a: float(closes[a][r["end"]]) for a in ("ETH", "BTC")}
        assert r["loss"] == pytest.approx(-_pnl_py(rows, p0, p1), rel=1e-9, abs=1e-6)
    assert (fc["fit_date"] <= fc["start"]).all()  # fitted before each window
    assert bt.settings["net_sizes"] == {"ETH": 5.0, "BTC": 1.0}
    assert bt.settings["loss_units"] == "USD" and bt.settings["not_in_pnl"] == NOT_IN_PNL


def test_every_window_before_a_cut_is_unchanged_by_the_data_after_it(
    two_assets: tuple[list[tuple[str, str, float]], object], closes: dict[str, pd.Series]
) -> None:
    """No look-ahead: truncating the closes leaves the windows that end before the cut."""
    rows, bt = two_assets
    cut = pd.Timestamp("2020-06-20", tz="UTC")
    short = portfolio_var_backtest(
        _portfolio(rows), {a: c[c.index <= cut] for a, c in closes.items()}, **_SMALL
    )
    fc = bt.forecasts
    a = fc[fc["end"] <= cut].reset_index(drop=True)
    b = short.forecasts.iloc[: len(a)].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


def test_one_unit_long_reproduces_the_unit_long_back_test(closes: dict[str, pd.Series]) -> None:
    """Golden: 1 ETH long is the unit-long back-test times each window's start price."""
    eth = closes["ETH"]
    unit = var_backtest(eth, asset="ETH", **_SMALL)
    pf = portfolio_var_backtest(_portfolio([("ETHUSDT", "long", 1.0)]), {"ETH": eth}, **_SMALL)
    a, b = unit.forecasts, pf.forecasts
    assert len(a) == len(b) > 0
    assert (a[["horizon", "start", "end", "fit_date", "method"]] == b[
        ["horizon", "start", "end", "fit_date", "method"]]).all().all()  # fmt: skip
    p0 = eth.reindex(pd.DatetimeIndex(b["start"])).to_numpy()
    assert_same(b["loss"] / p0, a["loss"], rtol=1e-9, atol=1e-12)
    for col in ("var_95", "var_99", "var_95_lo", "var_95_hi", "var_99_lo", "var_99_hi"):
        assert_same(b[col] / p0, a[col], rtol=GOLDEN_RTOL, atol=1e-12)
    for col in ("n", "exceedances", "within_sampling_error"):
        assert (unit.scores[col] == pf.scores[col]).all(), col
    assert_same(pf.scores["kupiec_p"], unit.scores["kupiec_p"], rtol=1e-9)
    for h in (1, 5):  # the model's verdict against its best baseline is the same one
        assert unit.best_baseline(h, 0.99) == pf.best_baseline(h, 0.99)


# ---- scaling (hypothesis) ----

#: The scaling property's closes end here: the first 5 month-end fits (of 11) and their
#: windows, March 2020's crash among them (windows over their VaR at 95 and 99 %). Each
#: window's loss and VaR, and each score, is a function of that window's fit and draws
#: alone: their scaling by k does not depend on how many windows follow.
_SCALING_END = "2020-03-31"


@pytest.fixture(scope="module")
def two_assets_to_march(
    closes: dict[str, pd.Series],
) -> tuple[list[tuple[str, str, float]], object, dict[str, pd.Series]]:
    """``two_assets``'s back-test on the closes to :data:`_SCALING_END` (k = 1)."""
    short = {a: c[c.index <= _SCALING_END] for a, c in closes.items()}
    bt = portfolio_var_backtest(_portfolio(_TWO_ASSETS), short, **_SMALL)
    model = bt.scores[bt.scores["method"] == "model"]
    assert bt.settings["fits"] >= 5 and (model.groupby("level")["exceedances"].sum() > 0).all()
    return _TWO_ASSETS, bt, short


@settings(
    max_examples=examples(6),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(k=st.floats(0.01, 100.0))
def test_scaling_every_size_by_k_scales_var_and_pnl_by_k(
    k: float, two_assets_to_march: tuple[list[tuple[str, str, float]], object, dict]
) -> None:
    rows, bt, closes = two_assets_to_march
    scaled = [(s, side, k * size) for s, side, size in rows]
    kb = portfolio_var_backtest(_portfolio(scaled), closes, **_SMALL)
    for col in ("loss", "var_95", "var_99"):
        assert_same(kb.forecasts[col], k * bt.forecasts[col], rtol=1e-9, atol=1e-9 * k)
    for col in ("n", "exceedances"):
        assert (kb.scores[col] == bt.scores[col]).all(), col
    assert_same(kb.scores["kupiec_p"], bt.scores["kupiec_p"], rtol=1e-9)
    assert_same(kb.scores["pinball"], k * bt.scores["pinball"], rtol=1e-9, atol=1e-9 * k)


def test_a_hedged_portfolio_is_refused_naming_its_file(closes: dict[str, pd.Series]) -> None:
    """Long and short the same size of one asset: no P&L to back-test.

    Every loss and VaR was 0, so no window exceeded its VaR and Kupiec's test failed
    the model for too few exceedances: a verdict on a portfolio with no risk.
    """
    from liqcascade.errors import InputError

    pf = _portfolio([("ETH", "long", 2.0), ("ETHUSDT", "short", 2.0)])
    with pytest.raises(InputError, match="<test>: its positions net to zero in every asset") as e:
        portfolio_var_backtest(pf, {"ETH": closes["ETH"]}, horizons=(1,), min_days=300, paths=50)
    assert e.value.param == "portfolio"


def test_a_portfolio_hedged_in_one_asset_scores_the_other(closes: dict[str, pd.Series]) -> None:
    """Net zero in ETH, long BTC: the P&L and every VaR are BTC's alone."""
    hedged = [("ETH", "long", 2.0), ("ETHUSDT", "short", 2.0), ("BTC", "long", 1.0)]
    kw = {"horizons": (1,), "min_days": 300, "paths": 50}
    a = portfolio_var_backtest(_portfolio(hedged), closes, **kw)
    b = portfolio_var_backtest(_portfolio([("BTC", "long", 1.0)]), closes, **kw)
    assert len(a.forecasts) == len(b.forecasts) > 0
    assert_same(a.forecasts["loss"], b.forecasts["loss"], rtol=1e-9, atol=1e-9)
    # the baselines see BTC alone (EWMA: the one-asset closed form, not the Sobol points)
    for m in ("hs", "hs_1y", "ewma"):
        fa, fb = (x.forecasts[x.forecasts["method"] == m] for x in (a, b))
        assert_same(fa["var_99"], fb["var_99"], rtol=1e-9, atol=1e-9)


def test_a_missing_asset_and_short_history_are_refused(closes: dict[str, pd.Series]) -> None:
    from liqcascade.errors import InputError

    pf = _portfolio([("ETH", "long", 1.0), ("BTC", "long", 1.0)])
    with pytest.raises(InputError, match="no daily closes of BTC") as e:
        portfolio_var_backtest(pf, {"ETH": closes["ETH"]}, **_SMALL)
    assert e.value.param == "closes"
    with pytest.raises(InputError, match="common daily returns of ETH, BTC"):
        portfolio_var_backtest(pf, {a: c.iloc[:200] for a, c in closes.items()}, **_SMALL)
    with pytest.raises(InputError, match="paths must be > 0"):
        portfolio_var_backtest(pf, closes, horizons=(1,), paths=0)


def test_the_progress_reaches_the_whole(closes: dict[str, pd.Series]) -> None:
    """The fits left with no window to forecast are counted done: the bar ends at 1."""
    got: list[float] = []
    bt = portfolio_var_backtest(
        _portfolio([("ETH", "long", 1.0)]), {"ETH": closes["ETH"]}, horizons=(1,),
        min_days=300, paths=50, advance=got.append,
    )  # fmt: skip
    cut = {a: c[c.index <= "2020-09-15"] for a, c in closes.items()}  # ends mid-month
    got2: list[float] = []
    portfolio_var_backtest(
        _portfolio([("ETH", "long", 1.0)]), {"ETH": cut["ETH"]}, horizons=(1,),
        min_days=300, paths=50, advance=got2.append,
    )  # fmt: skip
    assert bt.settings["fits"] >= 1 and all(x > 0 for x in got + got2)
    assert sum(got) == pytest.approx(1.0, abs=1e-9) and sum(got2) == pytest.approx(1.0, abs=1e-9)


# ---- the command line ----


@pytest.fixture
def xyz_file(tmp_path: Path) -> Path:
    p = tmp_path / "xyz.csv"
    p.write_text(
        "symbol,side,size,entry_price,leverage\nETHUSDT,long,1,3000,2\nXYZUSDT,long,3,10,2\n"
    )
    return p


def test_an_unknown_symbol_with_no_market_is_one_error_line(xyz_file: Path) -> None:
    r = run_cli("stress", "--scenario", "backtest", "--portfolio", str(xyz_file))
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr.splitlines() == [
        f"error: {xyz_file}: data row 2 (file line 3): no daily or hourly prices of XYZ in the "
        f"bundle or the "
        "store; ingest them with `liqcascade data ingest` or remove the row"
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--portfolio", "nope.csv"], "error: --portfolio: nope.csv: no such file"),
        (["--portfolio", "sampel"], "error: --portfolio: sampel: no such file (did you mean "
                                    "'sample', the bundled sample portfolio?)"),
        (["--portfolio", "sample", "--shocks", "-5%"],
         "error: --shocks applies only with --scenario shock: it would be ignored here"),
        (["--portfolio", "sample", "--horizon-days", "3"],
         "error: --horizon-days applies only with --scenario montecarlo: it would be ignored "
         "here"),
        (["--portfolio", "sample", "--paths", "0"], "error: --paths must be > 0 (got 0)"),
    ],
)  # fmt: skip
def test_bad_portfolio_back_tests_exit_2_with_one_line(args: list[str], line: str) -> None:
    r = run_cli("stress", "--scenario", "backtest", *args)
    assert (r.exit_code, r.stdout) == (2, ""), r.stderr
    assert r.stderr.splitlines() == [line]


def test_a_hedged_file_is_one_error_line_naming_it(tmp_path: Path) -> None:
    p = tmp_path / "hedged.csv"
    p.write_text(
        "symbol,side,size,entry_price,leverage\nETHUSDT,long,2,3000,2\nETHUSDT,short,2,3000,2\n"
    )
    r = run_cli("stress", "--scenario", "backtest", "--portfolio", str(p))
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr.splitlines() == [
        f"error: --portfolio: {p}: its positions net to zero in every asset: no P&L to back-test"
    ]


def test_the_monte_carlo_points_at_the_back_test_and_claims_no_score() -> None:
    args = ["stress", "--portfolio", "tests/data/stress/portfolio.csv", "--paths", "200"]
    cmd = "liqcascade stress --portfolio tests/data/stress/portfolio.csv --scenario backtest"
    out = json.loads(run_cli(*args, "--json").stdout)
    assert out["backtest_command"] == cmd
    assert not {"verdicts", "kupiec_p", "pinball"} & set(out)
    text = run_cli(*args, env={"COLUMNS": "200"}).stdout
    assert f"back-test this portfolio's VaR: {cmd}" in text.splitlines()


def test_the_back_test_command_carries_the_monte_carlos_model() -> None:
    """A Monte Carlo of EGARCH-normal points at the back-test of EGARCH-normal, not GJR-t."""
    f = "tests/data/stress/portfolio.csv"
    args = ["stress", "--portfolio", f, "--paths", "200", "--model", "egarch", "--dist",
            "normal", "--as-of", "2025-07-30", "--json"]  # fmt: skip
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    assert r.json()["backtest_command"] == (
        f"liqcascade stress --portfolio {f} --scenario backtest --as-of 2025-07-30 "
        "--model egarch --dist normal"
    )


@pytest.mark.slow
def test_the_command_back_tests_the_portfolio_in_usd() -> None:
    """The whole back-test of a file (76 month-end fits of ETH and BTC: about a minute)."""
    f = "tests/data/stress/portfolio.csv"
    r = run_cli("stress", "--scenario", "backtest", "--portfolio", f, "--paths", "100", "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["portfolio_file"], out["n_positions"], out["asset"]) == (f, 3, "ETH+BTC")
    assert out["market_asset"] == "ETH" and out["loss_units"] == "USD"
    assert out["net_sizes"] == {"ETH": 5.0, "BTC": 1.0} and out["not_in_pnl"] == NOT_IN_PNL
    rows = {(v["horizon_days"], v["level"]): v for v in out["verdicts"]}
    assert set(rows) == {(h, x) for h in (1, 10, 30) for x in (0.95, 0.99)}
    one = rows[(1, 0.99)]
    assert one["windows"] > 2000 and 0 < one["exceedances"] < 0.03 * one["windows"]
    assert one["best_baseline"] in ("hs", "hs_1y", "ewma") and math.isfinite(one["pinball"])


@pytest.mark.parametrize(
    "bad",
    [{"drift": "up"}, {"horizons": (0, 5)}, {"paths": 1.5}, {"paths": 0},
     {"levels": (0.95, 1.0)}, {"paths": 10**15}],
)  # fmt: skip
def test_both_back_tests_refuse_bad_settings_with_one_rule(
    bad: dict[str, object], closes: dict[str, pd.Series]
) -> None:
    """The unit long and a one-asset portfolio: the same refusal, naming the same parameter."""
    from liqcascade.errors import InputError

    kw = {**_SMALL, **bad}
    with pytest.raises(InputError) as unit:
        var_backtest(closes["ETH"], **kw)  # type: ignore[arg-type]
    with pytest.raises(InputError) as pf:
        portfolio_var_backtest(_portfolio([("ETH", "long", 1.0)]), closes, **kw)  # type: ignore[arg-type]
    assert str(pf.value) == str(unit.value) and pf.value.param == unit.value.param
    assert unit.value.param == next(iter(bad))


@pytest.mark.parametrize(
    ("net", "words"),
    [
        ({"ETH": 1e6, "BTC": -2.5}, "net +1,000,000 ETH, -2.5 BTC"),
        ({"ETH": 5.0, "BTC": 1.0}, "net +5 ETH, +1 BTC"),
        ({"ETH": 0.0, "SOL": 12_345.0}, "net 0 ETH, +12,300 SOL"),
        ({"ETH": 0.0123}, "net +0.0123 ETH"),
    ],
)  # fmt: skip
def test_net_sizes_read_as_coins_never_in_scientific_notation(
    net: dict[str, float], words: str
) -> None:
    """``+1e+06`` was the net size of a million coins: now the project's quantity text."""
    from liqcascade._cli.stress import _portfolio_words

    text = _portfolio_words({"n_positions": 2, "net_sizes": net, "portfolio_file": "p.csv"})
    assert text == f"of the portfolio p.csv (2 positions; {words}; linear P&L, USD)"
    assert "e+" not in text and "e-" not in text


def test_after_garch_draws_the_pointer_says_the_back_test_scores_fhs() -> None:
    """``--method garch``: the back-test named scores FHS, and the output says so."""
    from liqcascade._cli.stress import BACKTEST_FHS_ONLY

    f = "tests/data/stress/portfolio.csv"
    args = ["stress", "--portfolio", f, "--paths", "200", "--method", "garch"]
    r = run_cli(*args, "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["backtest_command"] == f"liqcascade stress --portfolio {f} --scenario backtest"
    assert out["backtest_note"] == BACKTEST_FHS_ONLY and "--method fhs" in BACKTEST_FHS_ONLY
    lines = run_cli(*args, env={"COLUMNS": "200"}).stdout.splitlines()
    at = lines.index(f"back-test this portfolio's VaR: {out['backtest_command']}")
    assert lines[at + 1] == BACKTEST_FHS_ONLY
    fhs = run_cli("stress", "--portfolio", f, "--paths", "200", "--method", "fhs", "--json")
    assert "backtest_note" not in fhs.json()  # the default method: the pointer is true as is


# ---- what is left out of the data: a partial day, a return across a missing day ----


@pytest.fixture
def hours() -> pd.DataFrame:
    """Five days of hourly closes: whole, one hour missing inside, no 23:00 bar, whole,
    and a partial last day (the data end at 13:00's close)."""
    idx = pd.date_range("2025-03-01", "2025-03-05 12:00", freq="h", tz="UTC")
    drop = [pd.Timestamp("2025-03-02 07:00", tz="UTC"), pd.Timestamp("2025-03-03 23:00", tz="UTC")]
    idx = idx.drop(drop)
    close = pd.Series(range(1, len(idx) + 1), index=idx, dtype=float)  # each hour its own close
    return pd.DataFrame({"open": close, "high": close, "low": close, "close": close})


def test_a_day_whose_hours_stop_before_its_end_is_left_out_and_said(hours: pd.DataFrame) -> None:
    from liqcascade.stress._backtest_request import _whole_day_closes

    close, notes = _whole_day_closes(hours, "XYZ")
    days = [f"{d:%Y-%m-%d}" for d in close.index]
    assert days == ["2025-03-01", "2025-03-02", "2025-03-04"]  # 03-03 and the last day cut
    # each day kept closes at its 23:00 bar's close: the day's
    for d in close.index:
        assert close[d] == hours["close"][d + pd.Timedelta(hours=23)]
    assert notes == [
        "XYZ: 2 days left out whose hourly bars stop before the day's end UTC (no close of "
        "the day): 2025-03-03 (bars to 23:00), 2025-03-05 (bars to 13:00)"
    ]
    whole, none = _whole_day_closes(hours[hours.index < "2025-03-03"], "XYZ")
    assert none == [] and len(whole) == 2  # nothing cut: nothing said


def test_a_return_across_a_missing_day_is_left_out_by_both_back_tests(
    closes: dict[str, pd.Series],
) -> None:
    """Not one day's return: no window holds it, and both back-tests say so alike.

    Before, the two-day move from 2020-03-11 to 2020-03-13 was scored as a 1-day window.
    """
    eth = closes["ETH"].drop(pd.Timestamp("2020-03-12", tz="UTC"))
    kw = {"horizons": (1, 5), "min_days": 300, "paths": 100}
    unit = var_backtest(eth, asset="ETH", **kw)
    pf = portfolio_var_backtest(_portfolio([("ETHUSDT", "long", 1.0)]), {"ETH": eth}, **kw)
    note = (
        "1 return across a missing day left out (a move of more than one day: in no fit, "
        "baseline or scored window): those closing 2020-03-13"
    )
    for bt in (unit, pf):
        fc = bt.forecasts
        span = pd.to_timedelta(fc["end"] - fc["start"])
        assert (span == pd.to_timedelta(fc["horizon"], unit="D")).all()  # one day per return
        assert bt.settings["notes"] == [note]
    a, b = unit.forecasts, pf.forecasts  # still one unit long = the unit-long back-test
    assert len(a) == len(b) > 0
    p0 = eth.reindex(pd.DatetimeIndex(b["start"])).to_numpy()
    for col in ("loss", "var_99"):
        assert_same(b[col] / p0, a[col], rtol=GOLDEN_RTOL, atol=1e-12)
    # the windows before the gap are those of the closes without it (no look-ahead)
    whole = var_backtest(closes["ETH"], asset="ETH", **kw)
    cut = pd.Timestamp("2020-03-11", tz="UTC")
    old = whole.forecasts[whole.forecasts["end"] <= cut].reset_index(drop=True)
    new = a[a["end"] <= cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(old, new, check_exact=False, rtol=1e-12)
    assert "notes" not in whole.settings  # no gap, nothing said


def _bt(**notes: list[str]) -> object:
    """An empty portfolio back-test (no windows), its settings with ``notes`` if given."""
    from liqcascade.stress._var_backtest import _backtest_result

    fc = pd.DataFrame(columns=["horizon", "start", "end", "fit_date", "loss", "method",
                               "var_95", "var_99"])  # fmt: skip
    day = pd.Timestamp("2025-01-31", tz="UTC")
    return _backtest_result(
        "XYZ", "gjr-t", fc, [1], [0.95, 0.99], drift="zero", min_days=730, paths=100, seed=0,
        first_fit=day, last_day=day, fits=0, loss_units="USD", net_sizes={"XYZ": 3.0},
        not_in_pnl=NOT_IN_PNL, **notes,
    )  # fmt: skip


def test_the_notes_are_the_json_and_text_lines(capsys: pytest.CaptureFixture[str]) -> None:
    from liqcascade._cli import _common
    from liqcascade._cli.stress import _render_backtest
    from liqcascade.stress._backtest_request import VarBacktestRun

    day = pd.Timestamp("2025-01-31", tz="UTC")
    bt = _bt(notes=["1 return across a missing day left out"])
    out = VarBacktestRun(bt, None, day, "p.csv", 1, "ETH", ("XYZ: 1 day left out",)).to_dict()
    assert out["notes"] == ["XYZ: 1 day left out", "1 return across a missing day left out"]
    bare = VarBacktestRun(_bt(), None, day, "p.csv", 1, "ETH").to_dict()
    assert bare["notes"] == []  # a portfolio's: the key is always there
    old, width = _common.stdout._file, _common.stdout._width
    try:
        _common.stdout.file = None  # type: ignore[assignment]
        _common.stdout.width = 400
        _render_backtest(json.loads(json.dumps(out, default=str)))
    finally:
        _common.stdout._file, _common.stdout._width = old, width
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == [
        "note: XYZ: 1 day left out",
        "note: 1 return across a missing day left out",
    ]


def test_the_days_rule_marks_each_return_across_a_gap() -> None:
    """Closes 01-01 … 01-10 without 01-05: the return closing 01-06 spans two days."""
    from liqcascade.stress._var_backtest import _Days

    d = _Days.of(pd.date_range("2024-01-01", periods=10, freq="D", tz="UTC").delete(4))
    assert d.one.tolist() == [True, True, True, False, True, True, True, True]
    assert d.kept_at.tolist() == [0, 1, 2, 2, 3, 4, 5, 6]  # the EWMA / variance read there
    assert d.whole(0, 2) and not d.whole(1, 2) and not d.whole(2, 1) and d.whole(3, 2)
    assert d.whole_spans(5, 2).tolist() == [True, False, False, True]
    # a gap in every 30-day span: no window has a historical sample, none is scored
    every = pd.date_range("2020-01-01", periods=400, freq="D", tz="UTC")
    sparse = _Days.of(every.delete(list(range(10, 400, 20))))
    assert not any(sparse.scored(s, 30) for s in range(60, 340))
    assert sparse.scored(60, 1)  # a 1-day window between the gaps still is
