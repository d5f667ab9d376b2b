"""A BTC-only desk's findings (trial btc31): what a report or command of BTC alone says.

F1: a BTC-only report stressed the ETH+BTC sample (two thirds ETH) under a BTC card;
F2: its data section named BTC's figures ``eth_*``; F4: ``contagion``/``collateral``
refused ``--asset`` with click's bare error; F5: ``liqmap backtest`` scored a suspect
bar silently; F8: the map's titles did not name the asset.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from liqcascade.report._build import GLOSSARY, glossary
from liqcascade.report._stress_section import (
    SAMPLE_TEXT,
    StressView,
    own_sample,
    portfolio_words,
    sample_portfolio,
)

PRICES = {"ETH": 3_800.0, "BTC": 115_764.08}


def _view(asset: str, assets: tuple[str, ...]) -> StressView:
    market = SimpleNamespace(asset=asset, prices={asset: PRICES.get(asset, 150.0)})
    return StressView(market, None, None, {}, None, report_assets=assets)


@pytest.mark.parametrize(
    ("asset", "assets", "own"),
    [
        ("BTC", ("BTC",), True),  # the desk's report: BTC alone
        ("BTC", ("ETH", "BTC"), False),  # the default report keeps the ETH+BTC sample
        ("ETH", ("ETH", "BTC"), False),
        ("ETH", ("ETH",), False),
        ("SOL", ("SOL",), True),
    ],
)
def test_a_report_without_eth_stresses_its_own_asset(
    asset: str, assets: tuple[str, ...], own: bool
) -> None:
    assert own_sample(asset, assets) is own
    assert _view(asset, assets).own_portfolio is own


def test_the_btc_only_sample_holds_btc_alone_at_the_sample_s_notionals() -> None:
    pf, text = sample_portfolio(PRICES, "BTC", own=True)
    assert set(pf.assets) == {"BTC"}
    # a long 20×, a long 10×, a short 5×: the sample's sides and leverages
    sides = [int(s) for s in pf.side]
    levs = [float(z) * e / m for z, e, m in zip(pf.size, pf.entry_price, pf.margin, strict=True)]
    assert sides == [1, 1, -1]
    assert levs == pytest.approx([20.0, 10.0, 5.0], rel=1e-9)
    # each leg's USD notional is the mixed sample's (10 ETH, 1 BTC, 5 ETH), to 1e-9
    notional = [float(z) * e for z, e in zip(pf.size, pf.entry_price, strict=True)]
    assert notional == pytest.approx([38_000.0, 115_764.08, 19_000.0], rel=1e-9)
    assert text.startswith("in BTC — ") and "ETH long" not in text
    assert "ETH" not in portfolio_words(pf)
    # the default (ETH+BTC) report's sample is unchanged
    pf2, text2 = sample_portfolio(PRICES, "BTC")
    assert text2 == SAMPLE_TEXT and set(pf2.assets) == {"ETH", "BTC"}


def test_the_glossary_example_names_the_report_s_asset() -> None:
    key = "Status marks (on a front-page card)"
    assert glossary(("ETH", "BTC")) is GLOSSARY
    btc = dict(glossary(("BTC",)))[key]
    assert "unit long BTC" in btc and "unit long ETH" not in btc
    assert "unit long ETH" in dict(GLOSSARY)[key]


def _data_view(asset: str) -> object:
    import pandas as pd

    from liqcascade.report._data_section import DataView

    idx = pd.date_range("2025-07-29", periods=3, freq="1D", tz="UTC")
    daily = pd.DataFrame({"close": [117_000.0, 119_954.42, 115_764.08]}, index=idx)
    liq = pd.DataFrame({"long_usd": [1.0, 2.0, 3.0], "short_usd": [0.5, 0.5, 0.5]}, index=idx)
    empty = pd.DataFrame(index=idx)
    suspects = pd.DataFrame(columns=["asset", "ts", "side", "usd", "move", "intensity_x"])
    return DataView(asset, daily, {"first": "x", "last": "y", "rows": 3}, empty, liq, empty,
                    pd.DataFrame(), suspects)  # fmt: skip


def test_the_data_section_names_its_prices_by_its_asset() -> None:
    from liqcascade.report._data_section import summary

    btc = summary(_data_view("BTC"))  # type: ignore[arg-type]
    assert not [k for k in btc if k.startswith("eth_")]
    assert btc["btc_last_close"] == pytest.approx(115_764.08, rel=1e-12)
    assert btc["btc_all_time_high_close"] == pytest.approx(119_954.42, rel=1e-12)
    assert btc["btc_1d"]["rows"] == 3 and btc["btc_1h"]["rows"] == 3
    eth = summary(_data_view("ETH"))  # type: ignore[arg-type]
    assert {"eth_1d", "eth_1h", "eth_all_time_high_close", "eth_last_close"} <= set(eth)


@pytest.mark.parametrize(
    ("args", "doc"),
    [
        (("contagion", "--asset", "BTC", "--preset", "oct-2025"), "docs/contagion.md"),
        (("collateral", "--asset", "btc"), "docs/collateral.md"),
    ],
)
def test_eth_scenarios_refuse_another_asset_before_loading(
    cli: Any, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], doc: str
) -> None:
    from liqcascade import contagion, datasets

    def loaded(*a: object, **k: object) -> None:
        raise AssertionError("data loaded before --asset was refused")

    monkeypatch.setattr(datasets, "load", loaded)
    monkeypatch.setattr(contagion, "run_preset", loaded)
    r = cli(*args)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --asset {args[2]}: {args[0]} ")
    assert "ETH scenario" in lines[0] and "without --asset" in lines[0] and doc in lines[0]
    assert "Traceback" not in r.stderr and "No such option" not in r.stderr


def test_eth_scenarios_help_says_eth_only(cli: Any) -> None:
    for cmd in ("contagion", "collateral"):
        r = cli(cmd, "--help")
        assert r.exit_code == 0 and "--asset" in r.stdout and "ETH only" in r.stdout


def test_stops_recommend_names_a_missing_option_before_importing_the_market(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    # the market and protect packages (scipy, the estimated market: seconds, minutes under
    # load) are not needed to say an option is missing: unimportable here, the error comes
    for name in ("liqcascade.market", "liqcascade.protect"):
        monkeypatch.setitem(sys.modules, name, None)
    r = cli("stops", "recommend", "--asset", "BTC", "--side", "long", "--entry", "115764",
            "--leverage", "10")  # fmt: skip
    assert r.exit_code == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: missing required option: --size")
    assert "--entry 116000 --size 1 " in lines[0]  # BTC's example, from BTC's own closes


@pytest.fixture
def stages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The progress stages open right now (``_common.progress``, wrapped): a stack."""
    from contextlib import contextmanager

    from liqcascade._cli import _common

    real = _common.progress
    open_: list[str] = []

    @contextmanager
    def watched(description: str, total: float | None = None) -> Any:
        open_.append(description)
        try:
            with real(description, total) as adv:
                yield adv
        finally:
            open_.pop()

    monkeypatch.setattr(_common, "progress", watched)
    return open_


def test_cascade_backtest_advances_a_progress_line_per_event(
    cli: Any, monkeypatch: pytest.MonkeyPatch, stages: list[str]
) -> None:
    from liqcascade import cascade
    from liqcascade.errors import InputError

    seen: dict[str, Any] = {}

    def scored(*a: object, **kw: Any) -> None:
        seen["advance"], seen["stages"] = kw.get("advance"), list(stages)
        raise InputError("stopped by the test")

    monkeypatch.setattr(cascade, "run_backtest", scored)
    r = cli("cascade", "backtest", "--asset", "BTC", "--start", "2025-06-01", "--end",
            "2025-06-30")  # fmt: skip
    assert r.exit_code == 2 and "stopped by the test" in r.stderr
    assert callable(seen["advance"]) and seen["stages"] == ["predicting the events"]


def test_cascade_shock_runs_its_paths_inside_a_progress_stage(
    cli: Any, monkeypatch: pytest.MonkeyPatch, stages: list[str]
) -> None:
    from liqcascade import cascade
    from liqcascade.errors import InputError

    seen: list[list[str]] = []

    def answer(*a: object, **kw: Any) -> None:
        seen.append(list(stages))
        raise InputError("stopped by the test")

    monkeypatch.setattr(cascade, "cascade_answer", answer)
    r = cli("cascade", "--asset", "BTC", "--shock", "-0.05")
    assert r.exit_code == 2 and "stopped by the test" in r.stderr
    assert seen == [["running the cascade on its paths"]]


def test_liqmap_backtest_names_the_suspect_bar_it_scores(cli: Any) -> None:
    args = ("liqmap", "backtest", "--asset", "BTC", "--start", "2025-06-01", "--end",
            "2025-06-30")  # fmt: skip
    r = cli(*args)
    assert r.exit_code == 0, r.stderr
    notes = [ln for ln in r.stderr.splitlines() if ln.startswith("note: 1 suspect")]
    assert len(notes) == 1
    # the data section's bar (2025-06-12 20:00, BTC longs, 205.9 M USD on a 1.05 % move)
    assert "longs 2025-06-12 20:00 UTC: 205,886,844 USD on a 1.05 % move, 122×" in notes[0]
    d = cli(*args, "--json").json()
    (bar,) = d["suspect_liquidation_bars"]
    assert bar["ts"].startswith("2025-06-12T20:00") and bar["side"] == "long"
    assert bar["usd"] == pytest.approx(205_886_844.26, rel=1e-9)
    assert bar["intensity_x"] == pytest.approx(122.2, abs=0.05)
    assert d["notes"] == [notes[0].removeprefix("note: ")]
    # a window without one: no note
    q = cli("liqmap", "backtest", "--asset", "BTC", "--start", "2025-07-01", "--end", "2025-07-10")
    assert q.exit_code == 0 and "suspect" not in q.stderr


def test_the_map_and_heatmap_titles_name_their_asset() -> None:
    import numpy as np
    import pandas as pd

    from liqcascade.positions import (
        SELL,
        PositionBook,
        StopBook,
        heatmap_from_books,
        liquidation_map,
    )

    side = np.array([1, -1, 1], np.int8)
    size = np.array([1.0, 2.0, 0.5])
    liq = np.array([104_000.0, 127_000.0, 98_000.0])
    entry = np.where(side == 1, liq * 1.1, liq / 1.1)
    book = PositionBook(side, size, entry, size * 100.0, liq, liq * (1 - 0.01 * side))
    stops = StopBook(np.array([SELL], np.int8), np.array([110_000.0]), np.array([1.0]))
    m = liquidation_map(book, stops, price=115_764.08, as_of="2025-07-31 20:00",
                        bar_close="2025-08-01 00:00")  # fmt: skip
    title = m.plot(asset="BTC").layout.title.text
    assert title.startswith("BTC liquidation map, bar 2025-07-31 20:00–2025-08-01 00:00 UTC")
    assert m.plot().layout.title.text.startswith("Liquidation map, bar ")  # no asset: as before
    t0 = pd.Timestamp("2025-07-30", tz="UTC")
    hm = heatmap_from_books([(t0, book, stops, 115_764.08)], bucket=0.005, range_=0.2)
    assert hm.plot(asset="BTC").layout.title.text.startswith("BTC liquidation + stop heatmap")
    assert hm.plot().layout.title.text.startswith("Liquidation + stop heatmap")


def test_the_btc_only_card_s_command_does_not_claim_the_mixed_sample() -> None:
    from liqcascade.report._stress_section import _method

    def line(asset: str, own: bool) -> str:
        return next(t for t in _method(asset, own=own) if t.startswith("The VaR card leads"))

    assert "--asset BTC --portfolio FILE " in line("BTC", True)
    assert "three BTC positions" in line("BTC", True)
    assert "--asset BTC --portfolio sample " in line("BTC", False)  # the ETH+BTC report's
    assert "--asset SOL --portfolio sample " in line("SOL", True)  # the library's own sample
