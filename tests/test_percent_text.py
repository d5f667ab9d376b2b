"""Messages write a percent as the package does, ``5 %``, through one helper (session 25).

``{x:.0%}`` printed ``80%`` beside the package's ``80 %`` in the same line (protect's
back-test and recommendation messages, the funding rate bound, the stops and liqmap
CLI notes); they now read through :func:`liqcascade._prices.percent_text`, which the
report's :func:`~liqcascade.report._format.pct` is built on too.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade._prices import percent_text
from liqcascade.data import read_file
from liqcascade.errors import InputError
from liqcascade.protect import BacktestSettings, vol_capped_text
from liqcascade.protect._backtest import fixed_distance
from liqcascade.protect._recommend import entry_far_warning
from liqcascade.report._format import MINUS, pct

LIQMAP = Path(__file__).parent / "data" / "liqmap"
#: A percent glued to its number (``80%``), as ``{x:.0%}`` writes it.
GLUED = re.compile(r"\d%")


@pytest.mark.parametrize(
    ("x", "digits", "signed", "want"),
    [(0.0843, 2, False, "8.43 %"), (-0.4592, 0, True, "-46 %"), (0.2, 0, True, "+20 %"),
     (-0.00001, 1, True, "0.0 %"), (float("nan"), 1, False, "–"), (None, 1, False, "–")],
)  # fmt: skip
def test_percent_text(x: float | None, digits: int, signed: bool, want: str) -> None:
    assert percent_text(x, digits, signed=signed) == want
    # the report's percent is the same text with a typographic minus
    assert pct(x, digits, signed=signed) == want.replace("-", MINUS)


def test_fixed_stop_beyond_liquidation_message() -> None:
    with pytest.raises(InputError) as e:
        fixed_distance(BacktestSettings(fixed_pct=0.5, leverage=5.0))
    msg = str(e.value)
    assert "puts the fixed stop 50.00 % from entry" in msg
    assert "1/5 = 20.00 % (the bankruptcy price" in msg and "cap, 80 % of the way)" in msg
    assert not GLUED.search(msg), msg


def test_backtest_and_recommend_warnings() -> None:
    t = vol_capped_text({"vol": {"capped": 3, "entries": 4}}, 10.0, 0.8)
    assert t is not None and "capped at 8.00 % from entry (80 % of the way" in t
    assert not GLUED.search(t), t
    w = entry_far_warning(2000.0, 3698.39, "ETH")
    assert w is not None and w.startswith("entry 2,000 is -46 % from the ETH mid 3,698.39")
    assert "(more than 20 %): the crowd is mapped within 20 % of the mid" in w


def test_funding_rate_bound_message(tmp_path: Path) -> None:
    rates = np.full(30, 1e-4)
    rates[5] = 0.5
    p = tmp_path / "funding.csv"
    ts = pd.date_range("2024-03-01", periods=len(rates), freq="8h", tz="UTC")
    pd.DataFrame(
        {"timestamp": ts.strftime("%Y-%m-%d %H:%M:%S"), "venue": "okx", "coin": "ETH",
         "funding_rate": rates}
    ).to_csv(p, index=False)  # fmt: skip
    with pytest.raises(InputError) as e:
        read_file(p)
    assert "rate 0.5 (+50.00 % per funding interval) is beyond ±0.05 (5 %)" in str(e.value)


def test_liqmap_concentration_line() -> None:
    r = run_cli("liqmap", "--positions", str(LIQMAP / "positions.csv"), "--price", "2000")
    assert r.exit_code == 0, r.stderr
    (line,) = [ln for ln in r.stdout.splitlines() if ln.startswith("concentration: ")]
    assert re.match(r"concentration: \d+\.\d % of the in-range notional", line), line


# ---- output text, not only messages (session 25): tables, lines, the stop rationale ----


def test_liqmap_text_tables_write_percent_apart() -> None:
    """The move column (``∓1%``) and the cluster distance (``+2.3%``) were glued."""
    r = run_cli("liqmap", "--positions", str(LIQMAP / "positions.csv"), "--price", "2000")
    assert r.exit_code == 0, r.stderr
    assert not GLUED.search(r.stdout), [ln for ln in r.stdout.splitlines() if GLUED.search(ln)]
    assert re.search(r"∓1 % ", r.stdout) and re.search(r"∓20 % ", r.stdout)


def _watch_line(**kw: object) -> dict[str, object]:
    ln: dict[str, object] = {
        "time": "2025-07-20T02:30:00", "asset": "ETH", "price": 3604.81,
        "cluster_below_pct": 3.2, "cluster_above_pct": 2.02,
        "notional_2pct_usd": 4.7e6, "notional_5pct_usd": 23.3e6,
        "critical_shock": -0.0533, "critical_shock_range": (-0.0224, float("nan")),
        "critical_shock_as_of": "2025-07-19T20:00:00", "critical_shock_current": True,
        "market_as_of": "2025-07-19T20:00:00", "static_critical_shock": -0.0375,
        "static_critical_shock_p05": -0.0539, "static_critical_shock_p95": -0.0271,
        "n_draws": 20, "n_draws_current": 20,
    }  # fmt: skip
    return {**ln, **kw}


def test_watch_text_line_writes_percent_apart() -> None:
    from liqcascade._cli.watch import _line

    text = _line(_watch_line())
    assert "clusters -3.20 % / +2.02 %  within 2 % 4.7M 5 % 23.3M" in text
    assert "critical shock -5.33 % (paths 10-90 %: -2.24 % … beyond -20 %;" in text
    assert "static-book carry bound -3.75 % [-5.39 %, -2.71 %]" in text
    assert not GLUED.search(text), text
    other = _line(_watch_line(figures_at_price=False, price_as_of="2025-07-19T20:00:00"))
    assert "within 2 %/5 % n/a" in other and not GLUED.search(other), other


def test_cascade_lines_write_percent_apart() -> None:
    from liqcascade._cli.cascade import critical_shock_line
    from liqcascade._cli.cascade_backtest import _move_text, carry_text

    cs = {"total_move": -0.1, "shock": -0.0536, "final_price": 3300.0, "book_exhausted": False}
    line = critical_shock_line(cs, 3698.39)
    assert "for a -10 % total move: -5.36 % (final 3,300.00 USD, -10.8 %;" in line
    short = critical_shock_line({**cs, "reached": False}, 3698.39)
    assert short.endswith("no cascade on this book reaches -10 %") and not GLUED.search(short)
    edge = {"m": -0.5, "m_at_book_edge": True, "book_edge_move": -0.4}
    assert (
        _move_text(edge, "m")
        == "-50.00 % — the shock alone passes the modelled book's edge (-40 %)"
    )
    assert _move_text({**edge, "m": -0.3}, "m") == "≤ -40 % — beyond the modelled book"
    carry = carry_text({"shock_price": 3500.0, "mid": 3698.39, "carry_median": -0.06,
                        "carry_p10": -0.07, "carry_p90": -0.055})  # fmt: skip
    assert carry.startswith("shock -5.36 %, own carry -0.64 pp") and carry.endswith(
        "total -6.00 % (index held at the shock)"
    )


def test_stop_rationale_and_support_cells_write_percent_apart() -> None:
    from liqcascade._cli.support import _percent_or
    from liqcascade.protect._recommend import _band_text

    assert _band_text((0.0642, 0.0984), False) == "6.42 %–9.84 %"
    assert _band_text((0.0642, 1.0), True).startswith("6.42 %–100.00 % (upper end capped")
    assert _percent_or(0.0027, signed=True) == "+0.27 %"
    assert _percent_or(0.531, digits=1) == "53.1 %"
    # ten decimals (fmt[-2] read ".10%" as 0) and no format spec to parse ("%" raised)
    assert _percent_or(0.0123456789012, digits=10) == "1.2345678901 %"
    assert _percent_or(0.32, "+.2f") == "+0.32"  # a t statistic, not a percent
