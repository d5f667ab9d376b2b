"""A two-asset book in ``stress``: the P&L split, every asset's price, venues, spot, replays.

Hand-checkable books: prices 1,000 (ETH) and 10,000 (BTC), 1x longs, so every P&L is
size times the price move. Tolerances: 1e-9 relative on USD figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from liqcascade._cli import _common
from liqcascade._cli import stress as cli
from liqcascade.errors import InputError
from liqcascade.margin import liq_price
from liqcascade.stress._portfolio import Portfolio
from liqcascade.stress._result import StressResult
from liqcascade.stress._scenarios import _pnl_split

P0 = {"ETH": 1000.0, "BTC": 10000.0}


def _book(**extra: list[Any]) -> Portfolio:
    cols: dict[str, list[Any]] = {
        "symbol": ["ETHUSDT", "BTCUSDT"], "side": ["long", "long"], "size": [10.0, 1.0],
        "entry_price": [1000.0, 10000.0], "leverage": [1, 1], "name": ["eth", "btc"],
    }  # fmt: skip
    cols.update(extra)
    return Portfolio.from_frame(pd.DataFrame(cols), source="book.csv")


def _one(symbol: str, **kw: Any) -> Portfolio:
    row = {"symbol": symbol, "side": "long", "size": 1.0, "entry_price": 1000.0, "leverage": 5}
    row.update(kw)
    return Portfolio.from_frame(pd.DataFrame([row]), source="b.csv")


# --- F6: symbols, venues, spot -------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "words"),
    [("ETHUSD", "inverse (coin-margined)"), ("ETH/USDT", "ccxt's spot symbol"),
     ("BTC/USD:BTC", "inverse"), ("ETHUSDC", "not a USDT perpetual's")],
)  # fmt: skip
def test_non_usdt_linear_symbols_are_refused_with_a_hint(symbol: str, words: str) -> None:
    with pytest.raises(InputError, match=r"^b\.csv: data row 1: symbol ") as e:
        _one(symbol)
    assert words in str(e.value)


def test_usdt_perpetual_spellings_are_read() -> None:
    for s in ("ETH", "ETHUSDT", "ETH/USDT:USDT", "ETH-PERP"):
        assert list(_one(s).asset) == ["ETH"]


def test_an_unknown_venue_is_refused_naming_it() -> None:
    with pytest.raises(InputError, match=r"venue 'okx' has no margin rules.*bybit"):
        _one("ETHUSDT", venue="okx")


def test_a_bybit_row_gets_bybit_rules_and_a_binance_row_binance_tiers() -> None:
    pf = _book(venue=["bybit", "binance"], leverage=[10, 10])
    by = liq_price("bybit", 1, 10.0, 1000.0, margin=1000.0, symbol="ETHUSDT").liq_price
    bn = liq_price("binance", 1, 1.0, 10000.0, margin=1000.0, symbol="BTCUSDT").liq_price
    assert pf.liq_price[0] == pytest.approx(float(np.ravel(by)[0]), rel=1e-12)
    assert pf.liq_price[1] == pytest.approx(float(np.ravel(bn)[0]), rel=1e-12)
    # Bybit's flat 0.5 % rate: liq = entry * (1 - 1/lev + mmr) = 1000 * 0.905
    assert pf.liq_price[0] == pytest.approx(905.0, rel=1e-9)
    assert pf.venues == ["bybit", "binance"]


def test_a_spot_holding_has_no_liquidation_and_no_margin_at_risk() -> None:
    pf = _book(venue=["spot", ""], leverage=["", 1])
    assert list(pf.is_spot) == [True, False]
    assert pf.liq_price[0] == 0.0 and pf.margin[0] == pytest.approx(10_000.0, rel=1e-12)
    # margin at risk: the BTC perp's equity only (1 BTC at 1x: 10,000 USD)
    assert pf.margin_equity(P0) == pytest.approx(10_000.0, rel=1e-12)
    kind = _book(kind=["spot", "perp"])
    assert list(kind.is_spot) == [True, False]


@pytest.mark.parametrize(
    ("kw", "words"),
    [({"side": "short", "venue": "spot"}, "spot holding must be long"),
     ({"leverage": 3, "venue": "spot"}, "spot holding has no leverage"),
     ({"kind": "future"}, "kind must be perp or spot")],
)  # fmt: skip
def test_bad_spot_rows_are_refused(kw: dict[str, Any], words: str) -> None:
    with pytest.raises(InputError, match=words):
        _one("ETH", **kw)


def _result(pf: Portfolio, pnl: list[float], liq: list[list[bool]], **kw: Any) -> StressResult:
    n = len(pnl)
    return StressResult(
        scenario=kw.pop("scenario", "montecarlo"), label="x", seed=0, pnl=np.array(pnl),
        liquidated=np.array(liq, dtype=bool), stopped=np.zeros((n, len(pf)), dtype=bool),
        market_liq_usd=np.zeros(n), final_price=kw.pop("final", {a: np.full(n, p)
                                                                  for a, p in P0.items()}),
        portfolio=pf, prices=dict(P0), **kw,
    )  # fmt: skip


def test_spot_is_left_out_of_the_liquidation_table_and_the_whole_margin() -> None:
    pf = _book(venue=["spot", "bybit"])
    r = _result(pf, [0.0, -1.0], [[False, True], [False, False]])
    assert r.p_liquidation() == {"btc": pytest.approx(0.5, rel=1e-12)}
    s = r.summary()
    assert s["whole_margin_usd"] == pytest.approx(10_000.0, rel=1e-12)
    assert s["spot_value_usd"] == pytest.approx(10_000.0, rel=1e-12)


# --- F4 + F7: the shock's split and every asset's price -------------------------------


def _shock_table(pf: Portfolio, edge: float = 0.0, btc: bool = False) -> pd.DataFrame:
    """A -10 % shock: ETH's 24-h extreme 850, its carry 880; BTC held at 9,000.

    ``btc``: BTC has a market too, its 24-h extreme 8,500 and its carry 8,800.
    """
    from liqcascade.stress._portfolio import evaluate_portfolio

    gap = {"ETH": np.array([900.0]), "BTC": np.array([9000.0])}
    eth = {"shock": -0.1, "asset": "ETH", "price_after": 850.0, "carry_price_after": 880.0,
           "book_exhausted_share": edge}  # fmt: skip
    runs = {"ETH": [eth]}
    if btc:
        runs["BTC"] = [{**eth, "asset": "BTC", "price_after": 8500.0,
                        "carry_price_after": 8800.0, "book_exhausted_share": 0.0}]  # fmt: skip
    final = {**gap, **{a: np.array([r[0]["price_after"]]) for a, r in runs.items()}}
    carry = {a: np.array([r[0]["carry_price_after"]]) for a, r in runs.items()}
    t = pd.DataFrame([eth])
    out = evaluate_portfolio(pf, P0, final, final, final, gap=gap)
    t["portfolio_pnl_usd"] = out.pnl
    _pnl_split(t, pf, P0, gap, out, carry, runs)
    return t


def test_the_shock_pnl_splits_into_shock_carry_and_continuation() -> None:
    t = _shock_table(_book()).iloc[0]
    # 10 ETH x (900 - 1000) + 1 BTC x (9,000 - 10,000) = -2,000 at the shock prices
    assert t["pnl_at_shock_usd"] == pytest.approx(-2000.0, rel=1e-9)
    assert t["pnl_cascade_carry_usd"] == pytest.approx(-200.0, rel=1e-9)  # 10 x (880 - 900)
    assert t["pnl_continuation_usd"] == pytest.approx(-300.0, rel=1e-9)  # 10 x (850 - 880)
    assert t["portfolio_pnl_usd"] == pytest.approx(-2500.0, rel=1e-9)
    assert t["prices_used"] == {"ETH": 850.0, "BTC": 9000.0}
    assert t["held_at_shock"] == ["BTC"] and not t["at_book_edge"]
    assert _shock_table(_book(), edge=0.9).iloc[0]["at_book_edge"]
    # per asset: ETH's split is the whole carry and continuation, BTC's its shock move
    eth, btc = t["by_asset"]["ETH"], t["by_asset"]["BTC"]
    assert (eth["pnl_at_shock_usd"], eth["pnl_cascade_carry_usd"], eth["pnl_continuation_usd"]) \
        == pytest.approx((-1000.0, -200.0, -300.0), rel=1e-9)  # fmt: skip
    assert btc["held_at_shock"] and btc["pnl_usd"] == pytest.approx(-1000.0, rel=1e-9)
    assert btc["pnl_continuation_usd"] == 0.0 and "carry_price_after" not in btc


def test_an_asset_with_a_market_is_marked_at_its_own_extreme_and_split() -> None:
    t = _shock_table(_book(), btc=True).iloc[0]
    # ETH 10 x (850 - 1000) + BTC 1 x (8,500 - 10,000) = -3,000
    assert t["portfolio_pnl_usd"] == pytest.approx(-3000.0, rel=1e-9)
    assert t["pnl_cascade_carry_usd"] == pytest.approx(-400.0, rel=1e-9)  # -200 ETH, -200 BTC
    assert t["pnl_continuation_usd"] == pytest.approx(-600.0, rel=1e-9)  # -300 ETH, -300 BTC
    assert t["prices_used"] == {"ETH": 850.0, "BTC": 8500.0} and t["held_at_shock"] == []
    btc = t["by_asset"]["BTC"]
    assert not btc["held_at_shock"] and btc["carry_price_after"] == 8800.0
    assert (btc["pnl_at_shock_usd"], btc["pnl_cascade_carry_usd"], btc["pnl_continuation_usd"]) \
        == pytest.approx((-1000.0, -200.0, -300.0), rel=1e-9)  # fmt: skip
    parts = sum(b["pnl_usd"] for b in t["by_asset"].values())
    assert parts == pytest.approx(t["portfolio_pnl_usd"], rel=1e-12)


SPLIT_KEYS = ("pnl_at_shock_usd", "pnl_cascade_carry_usd", "pnl_continuation_usd",
              "held_at_shock", "at_book_edge")  # fmt: skip


#: A cascade row's other columns (the text reads them), beside ``_shock_table``'s.
_REST = {"price_after_p10": 800.0, "price_after_p90": 890.0, "carry_price_after_p10": 880.0,
         "carry_price_after_p90": 880.0, "static_price_after": 870.0,
         "market_liquidations_usd": 1e6, "whole_book_liquidated": False}  # fmt: skip


def _shock_result(edge: float = 0.0, btc: bool = False) -> dict[str, Any]:
    t = _shock_table(_book(), edge, btc)
    row = {**t.iloc[0].to_dict(), **_REST}
    if btc:  # BTC's own cascade: its columns at ten times ETH's prices
        row["by_asset"]["BTC"].update({k: 10 * v for k, v in _REST.items()})
    scen = {"scenario": "shock -10%", "pnl_usd": row["portfolio_pnl_usd"],
            "market_liquidations_usd": 1e6, "whole_book": False, "price_after": 850.0,
            "prices_after": dict(row["prices_used"]), "liquidated": [], "stopped": [],
            **{k: row[k] for k in SPLIT_KEYS}}  # fmt: skip
    return {"label": "-10%", "scenario": "shock", "asset": "ETH", "deterministic": True,
            "paths": 1, "shocks": [row], "scenarios": [scen]}  # fmt: skip


def _text(result: dict[str, Any], capsys: pytest.CaptureFixture[str], width: int = 400) -> str:
    old, w = _common.stdout._file, _common.stdout._width
    try:
        _common.stdout.file = None  # type: ignore[assignment]
        _common.stdout.width = width
        cli._render(result)
    finally:
        _common.stdout._file, _common.stdout._width = old, w
    return capsys.readouterr().out


def test_the_shock_text_gives_the_split_and_the_other_asset_price(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _text(_shock_result(), capsys)
    assert "P&L -2,500 USD = -2,000 at the shock prices -200 cascade's own carry -300 " \
        "continuation (by asset: ETH -1,500 = -1,000 -200 -300; BTC -1,000 = -1,000 +0 +0); " \
        "BTC held at its shock price 9,000" in out  # fmt: skip
    head = next(line for line in out.splitlines() if line.startswith("┃ scenario"))
    for col in ("at shock", "carry", "continuation", "ETH 24 h extreme", "BTC at shock"):
        assert col in head, head
    row = next(line for line in out.splitlines() if "shock -10 %" in line and "│" in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells[1:5] == ["-2,500", "-2,000", "-200", "-300"] and cells[6:8] == ["850", "9,000"]
    assert "BTC: no market here, held at the shock price for the 24 h" in out


def test_the_shock_text_gives_each_market_its_own_cascade(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _text(_shock_result(btc=True), capsys)
    assert "; BTC 24 h extreme 8,500 (10–90 %: 8,000–8,900); its carry 8,800 (10–90 %: " \
        "8,800–8,800); static book 8,700; BTC liquidations within 24 h 10.0M USD; P&L -3,000 " \
        "USD" in out  # fmt: skip
    assert "(by asset: ETH -1,500 = -1,000 -200 -300; BTC -1,500 = -1,000 -200 -300)" in out
    assert "held at its shock price" not in out and "no market here" not in out
    assert "ETH, BTC each run their own market's cascade" in out
    head = next(line for line in out.splitlines() if line.startswith("┃ scenario"))
    assert "BTC 24 h extreme" in head and "BTC at shock" not in head
    row = next(line for line in out.splitlines() if "shock -10 %" in line and "│" in line)
    assert [c.strip() for c in row.split("│")[1:-1]][6:8] == ["850", "8,500"]


def test_a_pnl_at_the_book_edge_is_marked(capsys: pytest.CaptureFixture[str]) -> None:
    out = _text(_shock_result(edge=0.9), capsys)
    assert "P&L -2,500 USD (at the bound)" in out and "-2,500 (bound)" in out
    assert "(at the bound)" not in _text(_shock_result(), capsys)


# --- F9: replays --------------------------------------------------------------------


def test_a_replay_row_gives_each_asset_move_span_and_price_after(
    capsys: pytest.CaptureFixture[str],
) -> None:
    details = {"ETH_recorded_move": -0.15, "BTC_recorded_move": -0.05,
               "ETH_recorded_low_move": -0.2, "BTC_recorded_low_move": -0.08,
               "ETH_span": ["2024-08-04T00:00:00+00:00", "2024-08-06T00:00:00+00:00"],
               "BTC_span": ["2024-08-04T00:00:00+00:00", "2024-08-06T00:00:00+00:00"],
               "price_after_is": "close at the window's end"}  # fmt: skip
    final = {"BTC": np.array([9500.0]), "ETH": np.array([850.0])}
    r = _result(_book(), [-2000.0], [[False, False]], scenario="replay", final=final,
                details=details)  # fmt: skip
    s = r.summary()["scenarios"][0]
    assert s["recorded_move"] == {"BTC": -0.05, "ETH": -0.15}
    assert s["prices_after"] == {"BTC": 9500.0, "ETH": 850.0}
    assert s["window_span"]["ETH"][1].startswith("2024-08-06")
    assert s["price_after_is"] == "close at the window's end"
    out = _text({"label": "2024-08-05", "scenario": "replay", "asset": "ETH",
                 "deterministic": True, "paths": 1, "scenarios": [s]}, capsys)  # fmt: skip
    assert "-15.0 % / 850" in out and "-5.0 % / 9,500" in out
    assert "2024-08-04 00:00 → 2024-08-06 00:00" in out and "not its low" in out


# --- F5, F10: the Monte Carlo's lines ---------------------------------------------------


def test_the_monte_carlo_gives_every_asset_range_and_says_what_the_backtest_scores(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pf = _book()
    n = 400
    final = {"ETH": np.linspace(900.0, 1100.0, n), "BTC": np.linspace(9000.0, 11000.0, n)}
    r = _result(pf, list(np.linspace(-3000.0, 3000.0, n)), [[False, False]] * n, final=final)
    s = {**r.summary(), "backtest_command": "liqcascade stress --portfolio b.csv --scenario "
         "backtest"}  # fmt: skip
    assert s["price_quantiles_by_asset"]["BTC"]["p50"] == pytest.approx(10000.0, rel=1e-9)
    out = _text(s, capsys)
    assert "ETH price" in out and "BTC price" in out and "$10,000" in out
    assert "not modelled here (--asset BTC)" in out
    lines = out.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("back-test this"))
    assert "net linear P&L at constant size" in lines[i - 1]


def test_a_piped_table_is_printed_at_its_own_width(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import os

    from rich.table import Table

    buf = io.StringIO()
    monkeypatch.setattr(_common.stdout, "_file", buf)
    monkeypatch.setattr(_common.stdout, "_width", None)
    monkeypatch.delenv("COLUMNS", raising=False)

    def no_terminal(*args: object) -> os.terminal_size:
        raise OSError("not a terminal")

    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    t = Table()
    for h in ("horizon", "level", "windows", "exceeded", "Kupiec p", "coverage", "pinball USD",
              "vs best (90 %, USD)"):  # fmt: skip
        t.add_column(h)
    t.add_row("1 d", "95 %", "2,161", "83 (3.84 %)", "0.010", "fails: too few",
              "1,234.56 / 1,300.00 HS 1y", "beats (-80.1 … -20.3)")  # fmt: skip
    cli._print_table(t)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 5, lines  # top, header, rule, one row, bottom: no wrapped line
    assert "83 (3.84 %)" in lines[3] and max(map(len, lines)) > 80


def test_a_shock_scenario_carries_its_split_into_the_json() -> None:
    import json

    pf = _book()
    t = _shock_table(pf)
    final = {"ETH": np.array([850.0]), "BTC": np.array([9000.0])}
    r = _result(pf, list(t["portfolio_pnl_usd"]), [[False, False]], scenario="shock",
                final=final, table=t)  # fmt: skip
    s = json.loads(json.dumps(r.summary()["scenarios"][0]))
    assert s["pnl_at_shock_usd"] == pytest.approx(-2000.0, rel=1e-9)
    assert s["held_at_shock"] == ["BTC"] and s["at_book_edge"] is False
    assert s["prices_after"] == {"ETH": 850.0, "BTC": 9000.0}


def test_the_portfolio_line_counts_venues_only_when_one_is_not_binance() -> None:
    both = {"portfolio_venues": {"a": "binance", "b": "bybit", "c": "spot", "d": "bybit"}}
    words = cli._venue_words(both)
    assert "venues: binance 1, bybit 2, spot 1" in words and "never liquidated" in words
    assert cli._venue_words({"portfolio_venues": {"a": "binance"}}) == ""
