"""The ``stress`` text marks a price at the modelled order book's edge, as the report does.

Issue 18 (18.D3): a shock whose paths reach the edge of the modelled order book
(``book_exhausted_share`` at or above :data:`liqcascade.cascade.BOOK_EDGE_SHARE`) has
its 24-h extreme marked "order book ran out: a bound" — in the report's shock table and
in the command's text, from the one shared threshold — and the text says once what the
mark means.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

import liqcascade.cascade as cascade
from clihelpers import run_cli
from liqcascade._cli import stress as cli

MARK = "(order book ran out: a bound)"


def _row(share: float, shock: float = -0.3) -> dict[str, Any]:
    return {
        "shock": shock, "asset": "ETH", "price_after": 2219.0, "price_after_p10": 2219.0,
        "price_after_p90": 2517.0, "carry_price_after": 2589.0, "carry_price_after_p10": 2589.0,
        "carry_price_after_p90": 2589.0, "static_price_after": 2249.0,
        "market_liquidations_usd": 52.6e6, "market_liquidations_p10_usd": 50e6,
        "market_liquidations_p90_usd": 55e6, "book_exhausted_share": share,
        "whole_book_liquidated": False, "portfolio_pnl_usd": -6029.0,
    }  # fmt: skip


def _result(*shares: float) -> dict[str, Any]:
    rows = [_row(s, -0.1 * (i + 1)) for i, s in enumerate(shares)]
    return {
        "label": "shocks", "scenario": "shock", "asset": "ETH", "deterministic": True,
        "paths": len(rows), "shocks": rows,
        "scenarios": [
            {"scenario": f"shock {r['shock']:.0%}", "pnl_usd": -1.0, "market_liquidations_usd": 1e6,
             "whole_book": False, "price_after": r["price_after"], "liquidated": [],
             "stopped": []}
            for r in rows
        ],
    }  # fmt: skip


def _text(result: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> str:
    from liqcascade._cli import _common

    old, width = _common.stdout._file, _common.stdout._width
    try:
        _common.stdout.file = None  # type: ignore[assignment]
        _common.stdout.width = 400  # the table's cells on one line each
        cli._render(result)
    finally:
        _common.stdout._file, _common.stdout._width = old, width
    return capsys.readouterr().out


def _report_cells(*shares: float) -> list[str]:
    from liqcascade.report._stress_section import _shock_table

    t = pd.DataFrame([_row(s) for s in shares]).assign(static_book_exhausted=False)
    v = SimpleNamespace(shocks=SimpleNamespace(table=t), asset="ETH")
    return list(_shock_table(v)["ETH extreme within 24 h (80 %)"])  # type: ignore[arg-type]


def test_the_line_is_marked_at_the_threshold_and_only_there() -> None:
    edge = cascade.BOOK_EDGE_SHARE
    assert MARK in cli._shock_line(_row(edge))
    assert MARK in cli._shock_line(_row(0.633))
    assert MARK not in cli._shock_line(_row(edge - 0.01))
    assert MARK not in cli._shock_line({k: v for k, v in _row(0.9).items()
                                        if k != "book_exhausted_share"})  # fmt: skip


def test_the_text_says_once_what_the_mark_means(capsys: pytest.CaptureFixture[str]) -> None:
    out = _text(_result(0.633, 0.9, 0.1), capsys)
    assert out.count(MARK) == 2 * 2 + 1  # two shock lines, two table cells, the note
    assert out.count(cli.BOOK_EDGE_LINE[:40]) == 1
    assert "edge of the modelled order book" in out
    plain = _text(_result(0.1, 0.2), capsys)
    assert MARK not in plain and cli.BOOK_EDGE_LINE[:40] not in plain


def test_the_report_and_the_command_share_one_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert [MARK in c for c in _report_cells(0.633, 0.3)] == [True, False]
    assert MARK in cli._shock_line(_row(0.633))
    monkeypatch.setattr(cascade, "BOOK_EDGE_SHARE", 0.7)
    assert [MARK in c for c in _report_cells(0.633, 0.75)] == [False, True]
    assert MARK not in cli._shock_line(_row(0.633))
    assert MARK in cli._shock_line(_row(0.75))


def test_eth_minus_30_percent_is_marked_by_the_command() -> None:
    """ETH's −30 % on 2025-07-31: 63 % of the paths reach the book's edge (mid × 0.6)."""
    args = ("stress", "--portfolio", "sample", "--asset", "ETH", "--scenario", "shock",
            "--shocks=-30%,-5%")  # fmt: skip
    j = run_cli(*args, "--json")
    assert j.exit_code == 0, j.stderr
    share = {r["shock"]: r["book_exhausted_share"] for r in j.json()["shocks"]}
    assert share[-0.3] >= cascade.BOOK_EDGE_SHARE > share[-0.05]
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    lines = {ln.split(":")[0].strip(): ln for ln in r.stdout.splitlines() if "shock -" in ln}
    assert MARK in lines["shock -30 %"] and MARK not in lines["shock -5 %"]
    assert "edge of the modelled order book" in r.stdout


def test_no_cascade_prints_no_carry() -> None:
    """``--no-cascade``: the carry (null in the JSON) reads "no cascade", not the shock price."""
    row = {**_row(0.0), "carry_price_after": float("nan"), "carry_price_after_p10": None,
           "carry_price_after_p90": None}  # fmt: skip
    line = cli._shock_line(row)
    # with no carry, the static book bounds nothing: named for what it is (session 25)
    assert "no cascade (--no-cascade); static book's instant cascade 2,249" in line
    assert "bounds the carry" not in line
    assert "own carry" not in line and "nan" not in line
    assert "cascade's own carry 2,589 (10–90 %: 2,589–2,589)" in cli._shock_line(_row(0.0))
    assert "static book (bounds the carry) 2,249" in cli._shock_line(_row(0.0))
