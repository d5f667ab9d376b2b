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
