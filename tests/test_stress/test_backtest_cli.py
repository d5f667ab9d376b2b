"""``liqcascade stress --scenario backtest``: the report's VaR back-test from the command line.

Session 26: the report's stress section showed the back-test (exceedance rates, Kupiec
p, pinball loss against the baselines) but no command re-ran it; a supervisor citing it
needed Python. The command runs :func:`liqcascade.stress.var_backtest` with the report's
settings and scores what the report's card scores at the market date.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from clihelpers import run_cli

#: Floats of the command's JSON against the library's: the same computation (seeded), so
#: any gap is the JSON round trip's (repr of a float).
RTOL = 1e-9


@pytest.mark.parametrize(
    ("option", "where"),
    [
        (("--shocks", "-5%"), "shock"),
        (("--window", "2022-06-13"), "replay"),
        (("--no-cascade",), "shock or replay"),
        (("--horizon-days", "3"), "montecarlo"),
        (("--method", "garch"), "montecarlo"),
        (("--backend", "local"), "montecarlo"),
        (("--scheduler", "tcp://x:1"), "montecarlo"),
    ],
)  # fmt: skip
def test_options_the_back_test_would_ignore_are_refused(
    option: tuple[str, ...], where: str
) -> None:
    r = run_cli("stress", "--scenario", "backtest", *option)
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr.splitlines() == [
        f"error: {option[0]} applies only with --scenario {where}: it would be ignored here"
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--paths", "0"], "error: --paths must be > 0 (got 0)"),
        (["--model", "foo"], "error: --model must be one of garch, gjr, egarch (got 'foo')"),
        (["--as-of", "2010-01-01"], "error: --as-of 2010-01-01: the ETH open interest starts "),
        (["--asset", "XYZ"], "error: --asset: no 4-hourly open interest for XYZ"),
    ],
)
def test_bad_settings_exit_2_with_one_line(args: list[str], line: str) -> None:
    r = run_cli("stress", "--scenario", "backtest", *args)
    assert (r.exit_code, r.stdout) == (2, ""), r.stderr
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith(line), r.stderr


def test_more_paths_than_the_memory_holds_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "1GB")
    r = run_cli("stress", "--scenario", "backtest", "--paths", "1000000000")
    assert (r.exit_code, r.stdout) == (2, ""), r.stderr
    assert r.stderr.splitlines() == [
        "error: --paths 1000000000 needs about 749 GB of memory (estimate x1.5 safety margin); "
        "this machine has 1.0 GB available: at most about 1,300,000 fit"
    ]


def test_the_other_scenarios_still_need_a_portfolio_and_the_choice_names_backtest() -> None:
    r = run_cli("stress", "--scenario", "montecarlo")
    assert r.exit_code == 2 and r.stderr.startswith("error: --portfolio: give a portfolio file")
    assert len(r.stderr.splitlines()) == 1
    bad = run_cli("stress", "--scenario", "backtst", "--portfolio", "sample")
    assert bad.stderr.splitlines() == [
        "error: --scenario must be one of shock, replay, montecarlo, backtest (got 'backtst')"
    ]


def _close(a: object, b: object) -> bool:
    """Equal, floats within :data:`RTOL` (None for NaN: the JSON's null)."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return (a is None or math.isnan(a)) and (b is None or math.isnan(b))  # type: ignore[arg-type]
        return math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-15)  # type: ignore[arg-type]
    return a == b


def _same_scores(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want) > 0
    for g, w in zip(got, want, strict=True):
        assert g.keys() == w.keys()
        bad = {k: (g[k], w[k]) for k in g if not _close(g[k], w[k])}
        assert not bad, (g["horizon"], g["level"], g["method"], bad)


@pytest.mark.slow
def test_json_equals_the_library_and_the_report_section(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command's JSON is the report's back-test at the default date, the same figures.

    The report's call (``_stress_section.compute``): every daily close through its loader,
    ``var_backtest(close, asset, paths)``, scored at the estimated market's close
    (``scored_at``); summary.json's ``stress.backtest`` is ``_backtest_summary`` of it.

    ``var_backtest`` (seeded, pure) is memoised on the exact bytes of its arguments
    (``fragilitymemo.memoised``) for the command's two runs (JSON and text) and the
    report's call here: computed once when the command hands it byte-identical closes
    and settings, computed again (and compared) when it hands it anything else. So the
    test proves the command and the report give it the same arguments; that the function
    gives the same result for the same arguments twice (no global state) is not checked
    here.
    """
    import fragilitymemo
    from liqcascade.market import MarketSpec, estimated_market, market_close_time, market_times
    from liqcascade.report._stress_section import (
        StressView,
        _backtest_closes,
        _backtest_summary,
        backtest_command,
        pinball_interval,
        scored_at,
    )
    from liqcascade.stress import _backtest_request
    from liqcascade.stress import var_backtest as compute

    def var_backtest(*args: object, **kw: object) -> object:
        return fragilitymemo.memoised(tmp_path_factory, compute, *args, **kw)

    monkeypatch.setattr(_backtest_request, "var_backtest", var_backtest)
    r = run_cli("stress", "--scenario", "backtest", "--paths", "300", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    # the report's call, the same settings (300 paths: the CLI's --paths, the report's
    # paths argument; the rest are both defaults)
    state = estimated_market(MarketSpec(asset="ETH"))
    assert market_close_time("ETH") == state.close_time  # one close, without the book
    whole = var_backtest(_backtest_closes("ETH"), asset="ETH", paths=300)
    bt, beside = scored_at(whole, state.close_time)
    assert beside is whole and bt is not whole  # 2025-12 data: the windows closed by then
    view = StressView(state, None, None, {}, None, backtest=bt, backtest_whole=beside)
    report = _backtest_summary(view)
    assert report is not None
    for k in ("asset", "model", "horizons", "levels", "paths", "seed", "first_fit", "last_day",
              "fits", "scope", "scored_by", "reads_after_market_date"):  # fmt: skip
        assert out[k] == report[k], k
    _same_scores(out["scores"], report["scores"])
    _same_scores(out["whole"]["scores"], whole.summary()["scores"])
    assert out["market_close"] == pd.Timestamp(state.close_time).isoformat()
    # the market's keys as liqmap, cascade, stress and solvency --json give them
    assert out["asset"] == "ETH"
    times = market_times(state, iso=True)
    assert times["as_of"] == "2025-08-01T00:00:00+00:00"
    assert {k: out[k] for k in ("as_of", "bar_open", "bar_close")} == times
    # each verdict row: the scores' model and best-baseline rows and the report's interval
    rows = {(v["horizon_days"], v["level"]): v for v in out["verdicts"]}
    assert len(rows) == 6
    for (h, lv), v in rows.items():
        m, best = bt.row(h, lv, "model"), bt.best_baseline(h, lv)
        assert v["windows"] == m["n"] and v["exceedances"] == m["exceedances"]
        assert _close(v["kupiec_p"], m["kupiec_p"]) and _close(v["pinball"], m["pinball"])
        assert v["best_baseline"] == best
        assert _close(v["best_baseline_pinball"], bt.row(h, lv, best)["pinball"])
        _, lo, hi = pinball_interval(bt, h, lv, best)
        assert all(
            _close(a, b) for a, b in zip(v["pinball_difference_interval"], (lo, hi), strict=True)
        )
    # the 30-day 99 % VaR: 72 windows expect 0.72 exceedances, no coverage verdict on it
    assert rows[(30, 0.99)]["coverage"] == "not testable"
    # the section names this command (default date and paths: no option to add)
    assert backtest_command("ETH", state.as_of, 2000) == (
        "liqcascade stress --scenario backtest --asset ETH --as-of 2025-07-31"
    )
    text = run_cli("stress", "--scenario", "backtest", "--paths", "300")
    assert text.exit_code == 0, text.stderr
    first = text.stdout.splitlines()[0]
    assert first.startswith("stress ETH VaR back-test of a unit long, out of sample (GJR-t FHS")
    assert first.endswith("the windows closed by the market close, 2025-08-01 00:00 UTC")
    assert "2,161" in text.stdout and "not testable" in text.stdout
    assert "reads data after the market date and was not knowable then" in text.stdout


def test_backtest_command_names_the_market_bar_and_paths() -> None:
    from liqcascade.report._stress_section import backtest_command

    ts = pd.Timestamp("2025-03-01 12:00", tz="UTC")  # a bar inside the day: its close
    assert backtest_command("BTC", ts, 500) == (
        "liqcascade stress --scenario backtest --asset BTC --as-of 2025-03-01T16:00 --paths 500"
    )
    assert backtest_command("ETH") == "liqcascade stress --scenario backtest --asset ETH"
