"""The stress report section builds on the bundled data (quick mode) with real numbers."""

from __future__ import annotations

import json
from pathlib import Path

from liqcascade.report import build_report


def test_stress_section_quick(report: dict[str, Path]) -> None:
    summary = json.loads(report["summary"].read_text())  # the default quick report (conftest)
    s = summary["stress"] if "stress" in summary else summary["sections"]["stress"]
    assert s["paths"] == 2000 and s["horizon_days"] == 30
    mc = s["montecarlo"]
    assert 0 < mc["var_95"] <= mc["var_99"] <= mc["es_99"] + 1e-6
    q = s["price_quantiles"]
    assert q["p05"] < s["eth_price"] < q["p95"]
    assert set(s["replays"]) == {"2022-06-13", "2022-11-08", "2024-08-05", "2025-10-10"}
    r = s["replays"]["2024-08-05"]
    assert r["recorded_move"] < -0.1 and r["source"] == "eth_30m"
    assert r["min_price_with_cascade"] <= r["min_price_recorded_path"]
    assert report["html"].stat().st_size > 10_000


def _view(
    shock_flags: list[bool],
    replay_flag: bool,
    mc_flags: dict[str, bool],
    mc_p99: float = 1e7,
    sides: tuple[tuple[float, float], ...] = (),
) -> object:
    """A stress view with hand-set whole-book flags (no library run)."""
    from types import SimpleNamespace as NS

    import pandas as pd

    from liqcascade.report._stress_section import StressView

    n = len(shock_flags)
    table = pd.DataFrame(
        {
            "shock": [-0.05, -0.3][:n],
            "whole_book_liquidated": shock_flags,
            "book_exhausted_share": [0.0, 0.7][:n],
            **{k: [3000.0, 2000.0][:n] for k in ("price_after", "price_after_p10",
                                                  "price_after_p90")},
            **{k: [3500.0, 2800.0][:n] for k in ("carry_price_after", "carry_price_after_p10",
                                                  "carry_price_after_p90")},
            "static_price_after": [3400.0, 2500.0][:n],
            "market_liquidations_usd": [2e7, 7e7][:n],
            "market_liquidations_p10_usd": [1e7, 6e7][:n],
            "market_liquidations_p90_usd": [3e7, 7e7][:n],
            "portfolio_pnl_usd": [-100.0, -900.0][:n],
        }
    )  # fmt: skip
    market = NS(asset="ETH", side_notional=lambda: (7.06e7, 9.21e7), prices={"ETH": 3698.0})
    replay = NS(details={"whole_book_liquidated": replay_flag})
    mc = NS(
        whole_book_flags=lambda: mc_flags,
        summary=lambda: {"market_liquidations_usd": {"p99": mc_p99}},
    )
    return StressView(
        market, None, mc, {("2025-10-10", True): replay}, NS(table=table), draw_sides=sides
    )


def test_the_section_says_when_the_book_truly_runs_out() -> None:
    from liqcascade.report._stress_section import (
        LIQ_COLUMN,
        _shock_table,
        _whole_book_takeaway,
    )

    none = _view([False], False, {"p50": False, "p95": False, "p99": False})
    text = _whole_book_takeaway(none)  # type: ignore[arg-type]
    assert text.startswith("No shock, replay or Monte Carlo quantile liquidates the whole")
    assert "longs $70.6 M, shorts $92.1 M" in text
    some = _view([False, True], True, {"p50": False, "p95": False, "p99": True})
    text = _whole_book_takeaway(some)  # type: ignore[arg-type]
    assert text.startswith(
        "The book truly runs out in: shock −30 %, replay 2025-10-10, Monte Carlo p99"
    )
    t = _shock_table(some)  # type: ignore[arg-type]
    liq = t[LIQ_COLUMN + ", 24 h (80 %)"].tolist()
    assert "it ran out" not in liq[0] and "(a whole side of the book: it ran out)" in liq[1]
    ext = t["ETH extreme within 24 h (80 %)"].tolist()
    assert "order book ran out" not in ext[0] and ext[1].endswith("(order book ran out: a bound)")
    # a point interval (every draw gives the same carry) is shown as one figure
    assert t["cascade's own carry (index held)"].tolist() == ["$3,500", "$2,800"]
    assert list(t.columns).index("static book (bounds the carry)") > list(t.columns).index(
        "cascade's own carry (index held)"
    )


def test_figures_above_the_central_side_are_explained() -> None:
    """Item 15: a shock's p90 above the central book's side is the draws' spread; a Monte
    Carlo figure above either side counts both sides (its ceiling is their sum)."""
    from liqcascade.report._stress_section import _above_central, _whole_book_takeaway

    flags = {"p50": False, "p95": False, "p99": False}
    calm = _view([False], False, flags)
    assert _above_central(calm) == ""  # type: ignore[arg-type]
    sides = ((6.2e7, 8.2e7), (8.4e7, 9.6e7))
    v = _view([False, False], False, flags, mc_p99=9.36e7, sides=sides)
    text = _above_central(v)  # type: ignore[arg-type]
    # the -30 % shock's p90 ($70 M) is below the central longs ($70.6 M): not listed
    assert "30 %" not in text
    v2 = _view([False, False], False, flags, mc_p99=9.36e7, sides=sides)
    v2.shocks.table.loc[1, "market_liquidations_p90_usd"] = 7.5e7  # type: ignore[attr-defined]
    text = _above_central(v2)  # type: ignore[arg-type]
    assert "the \u221230 % shock's 90th percentile $75.0 M" in text
    assert "longs $62.0 M–$84.0 M" in text and "2 position-book draws" in text
    assert "The Monte Carlo's p99 ($93.6 M) exceeds either side" in text
    assert "both sides together, $163 M" in text
    assert text in _whole_book_takeaway(v2)  # type: ignore[arg-type]


def test_the_method_reads_the_typed_fitted_mean() -> None:
    """The fitted mean comes from ``StressResult.mu_fitted``; a missing one is a bug."""
    from types import SimpleNamespace as NS

    import pytest

    from liqcascade.report._stress_section import _mu_fitted

    view = NS(asset="BTC", mc=NS(mu_fitted={"ETH": 0.11, "BTC": 0.07}))
    assert _mu_fitted(view) == 0.07  # type: ignore[arg-type]
    with pytest.raises(KeyError):  # it printed NaN when the nested keys were renamed
        _mu_fitted(NS(asset="BTC", mc=NS(mu_fitted={})))  # type: ignore[arg-type]


def test_var_card_scores_only_the_windows_closed_by_the_market_date(tmp_path: Path) -> None:
    """At an earlier market date the VaR card, table and verdicts score only the back-test
    windows whose last daily close had closed by then; the whole back-test (the bundled
    closes run to 2025-12-31) is beside them, labelled as reading data after the date."""
    build_report(
        tmp_path, modules=("liqcascade.report._stress_section",), quick=True, asset="ETH",
        as_of="2025-03-31",
    )  # fmt: skip
    summary = json.loads((tmp_path / "summary.json").read_text())
    s = summary["sections"]["stress"]
    bt, whole = s["backtest"], s["backtest_whole"]
    assert bt["scope"] == "windows closed by the market date"
    assert bt["last_day"][:10] <= "2025-03-31" and bt["scored_by"] <= "2025-04-01T00:00:00+00:00"
    assert not bt["reads_after_market_date"]
    assert whole["reads_after_market_date"] and whole["last_day"][:10] > "2025-03-31"
    n30 = {r["n"] for r in bt["scores"] if r["horizon"] == 30}
    assert len(n30) == 1 and 0 < n30.pop() < next(
        r["n"] for r in whole["scores"] if r["horizon"] == 30
    )
    card = summary["front"]["headlines"]["var95_30d"]["evidence"]
    assert card.startswith("Out of sample, windows closed by the market date (")
    assert "→ 2025-03)" in card and "2025-12" not in card
    html = (tmp_path / "report.html").read_text()
    assert "reads data after the market date and was not knowable then" in html


def test_scored_at_picks_what_was_knowable() -> None:
    """``scored_at``: the whole back-test when it reads nothing after the date; the windows
    closed by then beside the whole one; the whole one, labelled, when too few closed."""
    from types import SimpleNamespace as NS

    import pandas as pd

    from liqcascade import datasets
    from liqcascade.report._stress_section import (
        StressView,
        _backtest_title,
        _headline_evidence,
        _whole_backtest_text,
        scored_at,
    )
    from liqcascade.stress import MIN_SCORE_WINDOWS, var_backtest

    c = datasets.load_ohlcv("ETH", "1d")["close"]
    whole = var_backtest(c[c.index <= "2020-09-30"], horizons=(1, 5), min_days=600, paths=200)
    assert scored_at(whole, "2020-09-30") == (whole, None)
    sub, beside = scored_at(whole, "2020-03-20")
    assert beside is whole and sub.settings["last_day"][:10] == "2020-03-20"
    first = pd.Timestamp(whole.settings["first_fit"])
    early = first + pd.Timedelta(days=MIN_SCORE_WINDOWS)  # nine 1-day windows closed
    assert scored_at(whole, early) == (whole, whole)

    def view(bt: object, w: object) -> StressView:
        market = NS(asset="ETH")
        return StressView(market, None, None, {}, None, backtest=bt, backtest_whole=w)

    v = view(sub, whole)
    assert _headline_evidence(v).startswith("Out of sample, windows closed by the market date")
    assert "the windows closed by the market date, " in _backtest_title(v)
    text = _whole_backtest_text(v)
    assert "reads data after the market date and was not knowable then" in text
    assert f"{whole.row(1, 0.99, 'model')['n']} 1-day windows" in text
    flagged = view(whole, whole)
    assert "reading data after the market date" in _headline_evidence(flagged)
    assert "reads data after the market date" in _backtest_title(flagged)
    assert _whole_backtest_text(flagged) == ""
    alone = view(whole, None)
    assert _headline_evidence(alone).startswith("Out of sample (unit long ETH")


def test_the_backtest_takeaway_leads_with_its_verdict() -> None:
    """review23: the VaR back-test takeaway ran to ~12 lines, three horizons' verdicts one
    after the other; it leads with one sentence (beats / ties / loses, Kupiec) and keeps,
    per horizon, the windows, both scores and the difference's 90 % interval."""
    import re
    from types import SimpleNamespace as NS

    from liqcascade import datasets
    from liqcascade.report._stress_section import StressView, _backtest_takeaway
    from liqcascade.stress import var_backtest

    c = datasets.load_ohlcv("ETH", "1d")["close"]
    bt = var_backtest(c[c.index <= "2022-12-31"], horizons=(1, 10), min_days=600, paths=200)
    v = StressView(NS(asset="ETH"), None, None, {}, None, backtest=bt, backtest_whole=None)
    text = _backtest_takeaway(v)
    lead = text.split(". ")[0]
    assert lead.startswith("VaR back-test of a unit long ETH, out of sample: the model ")
    assert re.search(r"(beats it|ties|loses to it) at 1-day 99 %", lead), lead
    assert "Kupiec's coverage test" in lead and "30-day" not in text  # no 30-day rows
    n = bt.row(1, 0.99, "model")["n"]
    assert n >= 1000 and f"1-day 99 %, {n:,} windows" in text  # a count with its separator
    assert text.count("(difference, 90 %: ") == 2 and text.count(" bp ") >= 2
    assert len(text) < 900, len(text)
