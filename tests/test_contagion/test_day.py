"""``contagion --day``: the lending markets at the calibrated cascade's 24-hour move.

The contagion loop's DeFi leg covers the minutes until nothing moves; a lending analyst
needs the day. The 24-hour move is ``cascade --shock``'s (median and 80 % interval),
each figure held as the oracle's low on every lending market.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.contagion import LendingMarket, Oracle, liquidate_at_price

CFG = Path(__file__).resolve().parents[1] / "data" / "contagion" / "two_venues.toml"
FIGS = ("move_p90", "move_median", "move_p10")


def _market(beta: float = 1.0) -> LendingMarket:
    # three accounts of 10 tokens at 2,000, LT 0.8: HF 1.07, 1.33 and 2 at the start
    return LendingMarket("m", np.array([10.0, 10.0, 10.0]), np.array([15_000.0, 12_000.0, 8_000.0]),
                         0.8, 1.05, Oracle(("a",), 0.005, 0), collateral_price=2000.0,
                         beta=beta)  # fmt: skip


def test_held_price_liquidates_every_account_below_hf_one_there() -> None:
    # HF at P: 10 * P * 0.8 / debt < 1  <=>  P < debt / 8: 1,875, 1,500, 1,000
    for price, n in ((1900.0, 0), (1800.0, 1), (1400.0, 2), (900.0, 3)):
        r = liquidate_at_price(_market(), price)
        assert r["n_accounts_liquidated"] == n, price
        assert r["move"] == pytest.approx(price / 2000.0 - 1.0, rel=1e-12)
        assert (r["liquidated_usd"] > 0) == (n > 0)
    r = liquidate_at_price(_market(), 1800.0)
    assert r["collateral_usd"] == pytest.approx(30 * 2000.0, rel=1e-12)
    assert r["share_of_collateral"] == pytest.approx(r["liquidated_usd"] / (30 * 1800.0))
    with pytest.raises(Exception, match="price must be > 0"):
        liquidate_at_price(_market(), 0.0)


def test_the_day_lines_say_the_horizon_and_each_figure() -> None:
    from liqcascade._cli.contagion import _day_lines

    one = {"collateral_price": 1800.0, "move": -0.1, "n_accounts_liquidated": 1,
           "liquidated_usd": 1e4, "bad_debt_usd": 0.0, "share_of_collateral": 0.185}  # fmt: skip
    res = {
        "defi": {"markets": {"m": {}}},
        "first_shock": {"fraction": -0.1, "venue": "a"},
        "clock": {"elapsed_s": 240.0},
        "calibration": {"asset": "ETH"},
        "rounds": 9,
        "venues": {"a": {"initial_price": 2000.0}},
    }
    (line,) = _day_lines(res)
    assert line.startswith("horizon: the DeFi leg covers the loop's first 240 s (until nothing")
    assert line.endswith(
        "24-hour move for this shock (liqcascade cascade --asset ETH --shock=-10%)"
    )
    res["day"] = {"asset": "ETH", "as_of": "2025-08-01 00:00:00+00:00", "shock": -0.1,
                  "horizon_hours": 24.0, "command": "liqcascade cascade --asset ETH --shock=-10%",
                  "cascade": {"move_median": -0.1758, "move_p10": -0.3463, "move_p90": -0.1062,
                              "n_paths": 360},
                  "markets": {"m": dict.fromkeys(FIGS, one)}}  # fmt: skip
    head, *rows = _day_lines(res)
    assert "median -17.58 % (80 %: -34.63 % … -10.62 %)" in head
    assert "(liqcascade cascade --asset ETH --shock=-10%; market of 2025-08-01" in head
    assert [r.split(" (")[0] for r in rows] == [
        "  m at the 80 % interval's shallow end",
        "  m at the median",
        "  m at the interval's deep end",
    ]
    assert (
        "1 account, $10,000 seized (18.5 % of its collateral at that price), bad debt $0" in rows[0]
    )


def test_day_refuses_a_rise_and_a_config_without_lending(tmp_path: Path) -> None:
    r = run_cli("contagion", "--config", str(CFG), "--shock=+5%", "--day")
    assert r.exit_code == 2 and "--day evaluates a fall" in r.stderr
    text = CFG.read_text(encoding="utf-8")
    cut = text[: text.index("[[lending]]")]
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp_path / f).write_bytes((CFG.parent / f).read_bytes())
    (tmp_path / "c.toml").write_text(cut, encoding="utf-8")
    r = run_cli("contagion", "--config", str(tmp_path / "c.toml"), "--day")
    assert r.exit_code == 2 and "--day: the configuration has no [[lending]] market" in r.stderr


def test_day_refusals_come_before_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rise, a market order or no lending market is refused before any venue runs: the
    preset's run takes a minute and a half, and its answer would be thrown away."""
    import liqcascade.contagion as contagion

    started: list[str] = []

    def never(*a: object, **k: object) -> None:
        started.append("run")
        raise RuntimeError("the contagion run started before --day's refusal")

    monkeypatch.setattr(contagion, "run_preset", never)
    monkeypatch.setattr(contagion, "run_setup", never)
    r = run_cli("contagion", "--preset", "oct-2025", "--shock=+5%", "--day")
    assert r.exit_code == 2, r.stderr
    assert r.stderr.strip().splitlines() == [
        "error: --day evaluates a fall (the lending markets' risk): the first shock is +5.0 %"
    ]
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp_path / f).write_bytes((CFG.parent / f).read_bytes())
    text = CFG.read_text(encoding="utf-8")
    for shock, said in (("fraction = 0.04", "--day evaluates a fall"),
                        ("sell_usd = 1e6", "--day needs a price shock")):  # fmt: skip
        (tmp_path / "c.toml").write_text(text.replace("fraction = -0.06", shock), encoding="utf-8")
        r = run_cli("contagion", "--config", str(tmp_path / "c.toml"), "--day")
        assert r.exit_code == 2 and said in r.stderr, (shock, r.stderr)
    cut = text[: text.index("[[lending]]")]
    (tmp_path / "c.toml").write_text(cut, encoding="utf-8")
    r = run_cli("contagion", "--config", str(tmp_path / "c.toml"), "--day")
    assert r.exit_code == 2 and "--day: the configuration has no [[lending]] market" in r.stderr
    # a price shock's sign needs the venue's mid: the run decides it (not refused here)
    (tmp_path / "c.toml").write_text(text.replace("fraction = -0.06", "price = 1900.0"),
                                     encoding="utf-8")  # fmt: skip
    assert started == []
    run_cli("contagion", "--config", str(tmp_path / "c.toml"), "--day")
    assert started == ["run"]


@pytest.mark.slow
def test_day_applies_the_cascades_24h_moves_to_each_market() -> None:
    """The bundled ETH market's calibrated cascade after a 10 % fall (what ``cascade --asset
    ETH --shock=-10%`` prints): each move held as the oracle's low on the WETH market."""
    r = run_cli("contagion", "--config", str(CFG), "--shock=-10%", "--day", "--json")
    assert r.exit_code == 0, r.stderr
    day = r.json()["day"]
    c = day["cascade"]
    assert c["move_p10"] <= c["move_median"] <= c["move_p90"] <= -0.1 + 1e-9
    assert day["command"] == "liqcascade cascade --asset ETH --shock=-10%"
    m = day["markets"]["aave-weth"]
    n = [m[k]["n_accounts_liquidated"] for k in ("move_p90", "move_median", "move_p10")]
    assert n == sorted(n)  # a deeper move never liquidates fewer accounts
    for k in ("move_p90", "move_median", "move_p10"):  # beta 1, start 2,000
        assert m[k]["collateral_price"] == pytest.approx(2000.0 * (1 + c[k]), rel=1e-12)


@pytest.mark.parametrize("beta", [0.45, 2.0])
def test_held_price_is_the_collateral_price_whatever_the_beta(beta: float) -> None:
    """``price`` is the collateral's (the oracle's source is set so that beta times its
    move gives it): the same accounts fall at the same price for any beta."""
    for price in (1800.0, 1400.0, 900.0):
        one, other = liquidate_at_price(_market(), price), liquidate_at_price(_market(beta), price)
        assert other["collateral_price"] == price
        for k in ("n_accounts_liquidated", "liquidated_usd", "debt_repaid_usd", "bad_debt_usd"):
            assert other[k] == pytest.approx(one[k], rel=1e-9, abs=1e-9), (beta, price, k)


@pytest.mark.slow
def test_the_day_is_the_market_closed_by_the_venues_mids() -> None:
    """``by`` (the configuration's latest ``mid_at``) before the data's last market: the day
    runs on the market closed by it, not a later one (a store past the replayed crash)."""
    from liqcascade.contagion import lending_over_the_day

    day = lending_over_the_day([_market()], -0.1, "ETH", by="2025-06-01 00:00")
    assert day["by_mid_at"] is True
    assert pd.Timestamp(day["as_of"]) <= pd.Timestamp("2025-06-01 00:00", tz="UTC")
    assert pd.Timestamp(day["as_of"]) > pd.Timestamp("2025-05-31 12:00", tz="UTC")
    last = lending_over_the_day([_market()], -0.1, "ETH", by="2026-01-01 00:00")
    assert last["by_mid_at"] is False and last["as_of"] > day["as_of"]


@pytest.mark.slow
def test_the_days_moves_are_cascade_answers() -> None:
    """One route: the day's 24-hour moves are :func:`liqcascade.cascade.cascade_answer`'s.

    ``lending_over_the_day`` ran its own copy of the route (volatility, prepared market,
    book draws, ``market_answer``); it now calls ``cascade_answer`` on the same market.
    """
    from liqcascade.cascade import cascade_answer
    from liqcascade.contagion import lending_over_the_day

    day = lending_over_the_day([_market()], -0.1, asset="ETH", as_of="2025-07-31")
    ans = cascade_answer("ETH", "2025-07-31", shock=-0.1)
    for k in (*FIGS, "n_paths"):
        assert day["cascade"][k] == pytest.approx(ans[k], rel=1e-12), k
    assert day["horizon_hours"] == ans["horizon_hours"]
    assert day["as_of"] == pd.Timestamp(ans["as_of"]).isoformat()
