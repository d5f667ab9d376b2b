"""`liqcascade stress`: JSON contract and exit 2 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli, run_cli_subprocess

KEYS = {
    "scenario",
    "paths",
    "seed",
    "var_95",
    "var_99",
    "es_95",
    "es_99",
    "expected_loss",
    "p_liquidation",
    "market_liquidations_usd",
    "price_quantiles",
}


@pytest.fixture(scope="module")
def pf(data_dir: Path) -> str:
    return str(data_dir / "stress" / "portfolio.csv")


def test_montecarlo_json(pf: str) -> None:
    r = run_cli(
        "stress",
        "--portfolio",
        pf,
        "--paths",
        "3000",
        "--horizon-days",
        "5",
        "--seed",
        "9",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert KEYS <= set(out)
    assert out["paths"] == 3000 and out["seed"] == 9 and out["scenario"] == "montecarlo"
    assert set(out["market_liquidations_usd"]) == {"p50", "p95", "p99"}
    assert set(out["price_quantiles"]) == {"p05", "p50", "p95"}
    q = out["price_quantiles"]
    assert q["p05"] < q["p50"] < q["p95"]
    assert list(out["p_liquidation"]) == [
        "1:ETHUSDT long 10",
        "2:BTCUSDT long 1",
        "3:ETHUSDT short 5",
    ]
    again = run_cli(
        "stress",
        "--portfolio",
        pf,
        "--paths",
        "3000",
        "--horizon-days",
        "5",
        "--seed",
        "9",
        "--json",
    ).json()
    assert again["var_99"] == out["var_99"]


def test_shock_and_replay_json(pf: str) -> None:
    r = run_cli(
        "stress", "--portfolio", pf, "--scenario", "shock", "--shocks", "-5%,-0.1", "--json"
    )
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["paths"] == 2 and [s["shock"] for s in out["shocks"]] == [-0.05, -0.1]
    for row in out["shocks"]:
        # the 24-h extreme, the cascade's own carry and the static book that bounds it
        for k in ("price_after", "carry_price_after", "static_price_after"):
            assert {k, f"{k}_p10", f"{k}_p90"} & set(row)
        assert row["carry_price_after_p10"] <= row["carry_price_after"]
        assert row["carry_price_after"] <= row["carry_price_after_p90"]
        assert row["static_price_after"] <= row["carry_price_after_p10"]
    text = run_cli("stress", "--portfolio", pf, "--scenario", "shock", "--shocks", "-5%")
    assert text.exit_code == 0, text.stderr
    for label in ("24 h extreme", "cascade's own carry", "static book (bounds the carry)"):
        assert label in text.stdout
    r = run_cli(
        "stress", "--portfolio", pf, "--scenario", "replay", "--window", "2022-11-08", "--json"
    )
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["details"]["ETH_source"] == "ohlcv_1h" and out["paths"] == 1


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        (["--paths", "0"], "--paths must be > 0 (got 0)"),
        (["--horizon-days", "0"], "--horizon-days must be an integer in [1, 365]"),
        (["--horizon-days", "366"], "--horizon-days must be an integer in [1, 365]"),
        (["--scenario", "doom"], "--scenario must be one of"),
        (["--method", "bootstrap"], "--method must be one of"),
        (["--model", "figarch"], "--model must be one of"),
        (["--backend", "ray"], "--backend must be one of"),
        (["--scenario", "shock", "--shocks", "-1.5"], "--shocks"),
        (["--scenario", "replay", "--window", "nope"], "--window"),
    ],
)
def test_bad_options_exit_2(pf: str, args: list[str], msg: str) -> None:
    r = run_cli("stress", "--portfolio", pf, *args, "--json")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and msg in r.stderr
    assert r.stdout == ""


def test_bad_rows_exit_2(data_dir: Path, tmp_path: Path) -> None:
    bad = data_dir / "stress" / "bad_symbol.csv"
    r = run_cli("stress", "--portfolio", str(bad))
    # any USDT perpetual parses; one without prices fails naming it and what is missing
    assert r.exit_code == 2 and "no hourly prices of DOGE" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    # the file's row is at fault, not --asset, which was not given (clia22)
    assert (
        f"{bad}: data row 2 (file line 3): no hourly prices of DOGE" in r.stderr
        and "--asset" not in r.stderr
    )
    assert "remove the row" in r.stderr
    p = tmp_path / "neg.csv"
    p.write_text("symbol,side,size,entry_price,margin\nETH,long,1,3600,100\nETH,short,0,3600,10\n")
    r = run_cli("stress", "--portfolio", str(p))
    assert r.exit_code == 2 and "data row 2 (file line 3): size must be > 0" in r.stderr
    r = run_cli("stress", "--portfolio", str(tmp_path / "missing.csv"))
    assert r.exit_code == 2 and "--portfolio" in r.stderr


def test_subprocess_exit_2_no_traceback(pf: str) -> None:
    r = run_cli_subprocess("stress", "--portfolio", pf, "--paths", "-3")
    assert r.exit_code == 2
    assert "Traceback" not in r.stderr and "--paths must be > 0" in r.stderr


def test_row_giving_margin_and_leverage_is_refused(tmp_path: Path) -> None:
    """A row whose margin and leverage disagree (more than 1 %) is refused naming both."""
    p = tmp_path / "both.csv"
    p.write_text(
        "symbol,side,size,entry_price,leverage,margin\n"
        "ETHUSDT,long,1,3600,20,\n"
        "ETHUSDT,long,10,3600,20,500\n"
    )
    r = run_cli("stress", "--portfolio", str(p), "--scenario", "shock")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == (
        f"error: {p}: data row 2 (file line 3): margin 500.00 and leverage 20 disagree: the "
        f"margin given, "
        "500.00 USD, implies 72x leverage on the notional size * entry_price = 36,000.00 USD, "
        "where leverage 20 gives a margin of size * entry_price / leverage = 1,800.00 USD (more "
        "than 1 % apart); give one of them (margin: the isolated USD at stake, including any "
        "margin added), or both agreeing (margin 1,800.00 with leverage 20)"
    )


@pytest.mark.parametrize(
    ("margin", "agrees"),
    [(1800.0, True), (1815.0, True), (1785.0, True), (1825.0, False), (1775.0, False)],
    ids=["equal", "0.8% above", "0.8% below", "1.4% above", "1.4% below"],
)
def test_margin_and_leverage_one_rule(tmp_path: Path, margin: float, agrees: bool) -> None:
    """Portfolios and positions files accept a row giving both within 1 %, margin used."""
    import pandas as pd

    from liqcascade.errors import InputError
    from liqcascade.positions import read_positions
    from liqcascade.stress import Portfolio

    row = {"side": ["long"], "size": [10.0], "entry_price": [3600.0], "leverage": [20.0],
           "margin": [margin]}  # fmt: skip
    f = tmp_path / "p.csv"
    pd.DataFrame(row).to_csv(f, index=False)
    if agrees:
        port = Portfolio.from_frame(pd.DataFrame({"symbol": ["ETHUSDT"], **row}))
        assert port.margin[0] == pytest.approx(margin, rel=1e-12)  # the margin wins
        assert read_positions(f).margin[0] == pytest.approx(margin, rel=1e-12)
        return
    with pytest.raises(InputError, match=rf"^<portfolio>: data row 1: margin {margin:,.2f} and "):
        Portfolio.from_frame(pd.DataFrame({"symbol": ["ETHUSDT"], **row}))
    with pytest.raises(InputError, match=rf"margin {margin:,.2f} and leverage 20 disagree"):
        read_positions(f)


def test_portfolio_side_words() -> None:
    """buy/sell read as long/short, any case; the refusal says both spellings."""
    import pandas as pd

    from liqcascade.errors import InputError
    from liqcascade.stress import Portfolio

    df = pd.DataFrame({"symbol": ["ETH", "ETH"], "side": ["Buy", "SELL"], "size": [1.0, 1.0],
                       "entry_price": [3600.0, 3600.0], "leverage": [10.0, 10.0]})  # fmt: skip
    assert list(Portfolio.from_frame(df).side) == [1, -1]
    df.loc[1, "side"] = "flat"
    with pytest.raises(InputError, match=r"data row 2: side must be long or short \(buy/sell\)"):
        Portfolio.from_frame(df)


def test_a_name_given_to_two_rows_is_refused_naming_both(tmp_path: Path) -> None:
    """Names identify rows in the output; a duplicate was suffixed ' #1', ' #2' (exch24)."""
    p = tmp_path / "dup.csv"
    p.write_text(
        "name,symbol,side,size,entry_price,leverage\n"
        "a,ETH,long,1,3600,10\n"
        "b,ETH,short,1,3600,10\n"
        "a,ETH,long,2,3600,5\n"
    )
    r = run_cli("stress", "--portfolio", str(p), "--scenario", "shock")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(f"error: {p}: data rows 1 and 3 are both named 'a'")
    assert len(r.stderr.strip().splitlines()) == 1


def test_no_cascade_shock_has_no_carry_and_the_default_static_bound(data_dir: Path) -> None:
    """``--no-cascade`` (exch24): no carry (JSON null, keys kept), the default run's bound.

    It printed "cascade's own carry 3,329 (10–90 %: 3,329–3,329)" (the shock price) and
    the central book's static bound 3,154, where the default run's is 3,116 (the deepest
    over the book's draws); the 24-h paths are the same.
    """
    port = str(data_dir / "stress" / "exch24_port.csv")
    args = ("stress", "--portfolio", port, "--scenario", "shock", "--shocks=-10%", "--json")
    r = run_cli(*args, "--no-cascade")
    assert r.exit_code == 0, r.stderr
    (row,) = r.json()["shocks"]
    for k in ("carry_price_after", "carry_price_after_p10", "carry_price_after_p90"):
        assert k in row and row[k] is None
    on = run_cli(*args)
    assert on.exit_code == 0, on.stderr
    (ref,) = on.json()["shocks"]
    assert ref["carry_price_after"] is not None
    assert (
        abs(row["static_price_after"] - ref["static_price_after"])
        <= 1e-9 * ref["static_price_after"]
    )
