"""The cascade card states the shock it applied beside the cascade's own carry (trial 23).

``cascade --shock-price 3500`` printed "cascade's own carry −5.38 %", a total move that
includes the −5.36 % shock itself: it read as price carried another 5 %. The README's
table says the same quantity "adds −0.01 pp".
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade._cli.cascade_backtest import carry_text


def test_carry_text_splits_shock_and_carry() -> None:
    res = {"mid": 3698.39, "shock_price": 3500.0, "carry_median": -0.0538,
           "carry_p10": -0.0539, "carry_p90": -0.0537}  # fmt: skip
    t = carry_text(res)
    # shock 3,500 / 3,698.39 - 1 = -5.364 %: the carry beyond it -0.016 pp
    assert t.startswith("shock -5.36 %, own carry -0.02 pp (draws 10–90 %: -0.03 … ")
    assert t.endswith("total -5.38 % (index held at the shock)")
    flat = carry_text({**res, "carry_median": 3500.0 / 3698.39 - 1.0})
    assert "own carry 0.00 pp" in flat  # no "-0.00"


def test_card_prints_the_shock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    r = run_cli("cascade", "--shock", "-0.05")
    assert r.exit_code == 0, r.stderr
    row = next(ln for ln in r.stdout.splitlines() if ln.lstrip().startswith("cascade's own carry"))
    assert "shock -5.00 %, own carry " in row and " pp), total -5.0" in row
