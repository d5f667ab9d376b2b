"""A fund's risk team's trial (session 37): what the Monte Carlo's text told them wrongly.

- A book whose positions net to zero in every asset (an ETH long and the same short on
  another venue) was told "back-test this portfolio's VaR: liqcascade stress ...
  --scenario backtest", a command that exits 2 ("its positions net to zero in every
  asset: no P&L to back-test"). The Monte Carlo now offers no command there and says why.
- A spot-only book (nothing to liquidate, no stop) printed an empty table of
  "probability of liquidation or stop"; it now says there is none in one line.
- A VaR of 0 printed its sampling interval as "-0 – -0".

The market is the session's estimated ETH market (``stress_market`` patched to return
it), so each run takes seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.stress import StressMarket, read_portfolio

FAST = ("--paths", "400", "--horizon-days", "3", "--seed", "3")


def _file(tmp_path: Path, name: str, body: str) -> str:
    p = tmp_path / name
    p.write_text(body)
    return str(p)


def test_a_book_netting_to_zero_is_offered_no_back_test_it_would_be_refused(
    one_market: StressMarket, tmp_path: Path
) -> None:
    from liqcascade.stress import nets_to_zero
    from liqcascade.stress._portfolio_backtest import portfolio_var_backtest

    f = _file(tmp_path, "neutral.csv", "name,symbol,side,size,entry_price,leverage,venue\n"
              "A,ETHUSDT,long,10,3690,2,binance\nB,ETHUSDT,short,10,3690,2,bybit\n")  # fmt: skip
    pf = read_portfolio(f)
    assert nets_to_zero(pf)
    with pytest.raises(InputError, match="net to zero in every asset"):  # the back-test's rule
        portfolio_var_backtest(pf, None)  # type: ignore[arg-type]
    out = json.loads(run_cli("stress", "--portfolio", f, *FAST, "--json").stdout)
    assert out["backtest_command"] is None
    assert out["backtest_note"].startswith("no VaR back-test for this portfolio: its positions "
                                           "net to zero in every asset")  # fmt: skip
    r = run_cli("stress", "--portfolio", f, *FAST, env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.stderr
    assert "--scenario backtest" not in r.stdout
    assert "no VaR back-test for this portfolio" in r.stdout


def test_a_book_with_a_net_position_keeps_its_back_test_command(
    one_market: StressMarket, tmp_path: Path
) -> None:
    f = _file(tmp_path, "net.csv", "name,symbol,side,size,entry_price,leverage\n"
              "A,ETHUSDT,long,10,3690,2\nB,ETHUSDT,short,9,3690,2\n")  # fmt: skip
    out = json.loads(run_cli("stress", "--portfolio", f, *FAST, "--json").stdout)
    assert out["backtest_command"] == f"liqcascade stress --portfolio {f} --scenario backtest"
    assert "backtest_note" not in out


def test_a_spot_only_book_says_nothing_can_be_liquidated(
    one_market: StressMarket, tmp_path: Path
) -> None:
    from liqcascade._cli.stress import NO_PROBABILITIES

    f = _file(tmp_path, "spot.csv", "name,symbol,side,size,entry_price,venue\n"
              "S eth,ETHUSDT,long,10,3000,spot\nS btc,BTCUSDT,long,1,90000,spot\n")  # fmt: skip
    r = run_cli("stress", "--portfolio", f, *FAST, env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.stderr
    assert f"probability of liquidation or stop: {NO_PROBABILITIES}" in r.stdout
    assert "┃ position" not in r.stdout  # no empty table
    out = json.loads(run_cli("stress", "--portfolio", f, *FAST, "--json").stdout)
    assert out["p_liquidation"] == {} and out["var_95"] > 0


def test_a_zero_var_prints_no_negative_zero() -> None:
    from liqcascade._cli.stress import _tail_text, _usd

    assert _usd(-0.0) == "0" and _usd(-0.4) == "0" and _usd(-0.6) == "-1"
    assert _usd(12_345.6) == "12,346"
    result = {"var_95": 0.0, "es_95": 2_278.7, "var_95_interval": [-0.0, -0.0],
              "whole_margin_usd": 36_900.0, "paths": 20_000}  # fmt: skip
    text = _tail_text(result, "var_95")
    assert text == "0 USD (no loss) (95 % interval, Monte Carlo sampling: 0 – 0)"


def test_a_spot_only_file_needs_no_leverage_column(tmp_path: Path) -> None:
    """A spot export has no margin or leverage column: it was refused for lacking one."""
    f = _file(tmp_path, "spot.csv", "symbol,side,size,entry_price,venue\n"
              "ETHUSDT,long,10,3000,spot\nBTCUSDT,long,1,90000,spot\n")  # fmt: skip
    pf = read_portfolio(f)
    assert pf.is_spot.all()
    assert list(pf.margin) == pytest.approx([30_000.0, 90_000.0], rel=1e-12)  # fully paid
    # a perpetual row in such a file still needs its margin: named, with its row
    g = _file(tmp_path, "mixed.csv", "symbol,side,size,entry_price,venue\n"
              "ETHUSDT,long,10,3000,spot\nBTCUSDT,long,1,90000,bybit\n")  # fmt: skip
    with pytest.raises(InputError, match=r"mixed.csv: needs a margin or a leverage column "
                                         r"\(data row 2"):  # fmt: skip
        read_portfolio(g)
    # and a file that cannot hold a spot row (no venue or kind column) is refused as before
    h = _file(tmp_path, "bare.csv", "symbol,side,size,entry_price\nETHUSDT,long,10,3000\n")
    with pytest.raises(InputError, match=r"bare.csv: needs a margin or a leverage column$"):
        read_portfolio(h)


def test_a_spot_row_has_no_margin_mode_in_the_json(
    one_market: StressMarket, tmp_path: Path
) -> None:
    """The JSON called a spot holding ``isolated``: the reader refuses a mode on a spot row."""
    f = _file(tmp_path, "mixed.csv", "name,symbol,side,size,entry_price,leverage,venue,"
              "margin_mode,liq_price\nS,ETHUSDT,long,10,3000,,spot,,\n"
              "C,ETHUSDT,long,30,3600,10,binance,cross,3000\n"
              "I,ETHUSDT,long,5,3600,5,bybit,isolated,\n")  # fmt: skip
    out = json.loads(run_cli("stress", "--portfolio", f, "--scenario", "shock", "--shocks=-5%",
                             "--no-cascade", "--json").stdout)  # fmt: skip
    assert out["portfolio_margin_modes"] == {"S": None, "C": "cross", "I": "isolated"}


def test_decimal_sizes_that_cancel_net_to_zero(tmp_path: Path) -> None:
    """0.1 + 0.2 long and 0.3 short net to 5.6e-17 in floats: a flat book, not an exposure."""
    from liqcascade.stress import nets_to_zero
    from liqcascade.stress._portfolio_backtest import net_sizes

    f = _file(tmp_path, "flat.csv", "symbol,side,size,entry_price,leverage\n"
              "ETHUSDT,long,0.1,3690,2\nETHUSDT,long,0.2,3690,2\nETHUSDT,short,0.3,3690,2\n"
              "BTCUSDT,long,0.7,115000,2\nBTCUSDT,short,0.7,115000,2\n")  # fmt: skip
    pf = read_portfolio(f)
    assert 0.1 + 0.2 - 0.3 != 0.0  # what the sum was
    assert net_sizes(pf) == {"ETH": 0.0, "BTC": 0.0} and nets_to_zero(pf)
    g = _file(tmp_path, "tiny.csv", "symbol,side,size,entry_price,leverage\n"
              "ETHUSDT,long,0.3,3690,2\nETHUSDT,short,0.2999,3690,2\n")  # fmt: skip
    net = net_sizes(read_portfolio(g))["ETH"]  # a real, small net position stays
    assert net == pytest.approx(1e-4, rel=1e-6)
