"""The 24-h headline says how much is the cascade and how much continuation (session 26).

``cascade --asset ETH --shock -0.10`` led with −17.58 % while the cascade's own carry was
0.00 pp, said four rows below; and the "out of sample" row is the 2 %-trigger back-test
for any shock. The card now splits the headline next to it and names the history check
of this shock's size, ``cascade follow-through --shock -0.10``.
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade._cli.cascade_backtest import move_parts_text, shock_check_text

#: The trial's figures (ETH 2025-07-31, shock -10 %): headline -17.58 %, carry 0.00 pp.
TRIAL = {"asset": "ETH", "mid": 3698.39, "shock_price": 3698.39 * 0.9, "move_median": -0.1758,
         "carry_median": -0.10, "bar_open": "2025-07-31T20:00:00+00:00",
         "as_of": "2025-08-01T00:00:00+00:00"}  # fmt: skip


def test_headline_split_into_shock_carry_and_continuation() -> None:
    t = move_parts_text(TRIAL)
    assert t.startswith("the shock -10.00 %, the cascade's own carry 0.00 pp, the index's "
                        "continuation over the 24 h -7.58 pp")  # fmt: skip
    carried = move_parts_text({**TRIAL, "carry_median": -0.125})
    assert "own carry -2.50 pp" in carried and "continuation over the 24 h -5.08 pp" in carried


@pytest.mark.parametrize(
    ("shock", "asset", "cmd"),
    [(-0.10, "ETH", "`liqcascade cascade follow-through --shock -0.10 --end 2025-07-31`"),
     (-0.05, "BTC", "`liqcascade cascade follow-through --asset BTC --shock -0.05 --end "
      "2025-07-31`"),
     (-0.0734, "ETH", "`liqcascade cascade follow-through --shock -0.0734 --end 2025-07-31`")],
    ids=["eth-10", "btc-5", "price"],
)  # fmt: skip
def test_shock_check_names_the_follow_through(shock: float, asset: str, cmd: str) -> None:
    res = {**TRIAL, "asset": asset, "shock_price": TRIAL["mid"] * (1 + shock)}
    t = shock_check_text(res)
    assert cmd in t
    # the trigger is the calibration's (BTC 1.5 %), not a number written for ETH
    assert "event back-test of the calibration's trigger, the same for any shock" in t
    assert "2 %" not in t


def test_no_check_for_a_rise_or_past_the_deep_level() -> None:
    assert shock_check_text({**TRIAL, "shock_price": TRIAL["mid"] * 1.05}) == ""
    assert shock_check_text({k: v for k, v in TRIAL.items() if k != "shock_price"}) == ""
    assert shock_check_text({**TRIAL, "shock_price": TRIAL["mid"] * 0.70}) == ""  # -30 %


def test_card_prints_the_split_next_to_the_headline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    r = run_cli("cascade", "--asset", "ETH", "--shock", "-0.10")
    assert r.exit_code == 0, r.stderr
    rows = r.stdout.splitlines()
    head = next(i for i, ln in enumerate(rows) if "extreme move in 24 h" in ln)
    assert "of which" in rows[head + 1] and "the cascade's own carry" in rows[head + 1]
    check = next(ln for ln in rows if "check for this shock" in ln)
    assert "`liqcascade cascade follow-through --shock -0.10 --end 2025-07-31`" in check
    j = run_cli("cascade", "--asset", "ETH", "--shock", "-0.10", "--json").json()
    # the split's parts are the JSON's own medians, which keep their values
    assert {"move_median", "carry_median", "shock_price", "mid"} <= set(j)
    assert j["move_median"] == pytest.approx(-0.1758, abs=5e-5)
