from __future__ import annotations

import json
from pathlib import Path

import pytest

from clihelpers import run_cli, run_cli_subprocess
from test_solvency._helpers import write_positions


@pytest.fixture
def users_csv(tmp_path: Path) -> Path:
    f = tmp_path / "users.csv"
    f.write_text("user,balance\nalice,100\nbob,250\ncarol,0\ndave,12345678901234567890\n")
    return f


def _build(users_csv: Path, tmp_path: Path) -> dict:
    r = run_cli("pol", "build", str(users_csv), "--out", str(tmp_path / "tree"), "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()


def test_pol_roundtrip(users_csv: Path, tmp_path: Path) -> None:
    b = _build(users_csv, tmp_path)
    assert b["total_liabilities"] == 100 + 250 + 12345678901234567890
    assert b["n_users"] == 4 and len(b["root"]) == 64
    proof = tmp_path / "bob.json"
    tree = str(tmp_path / "tree")
    r = run_cli("pol", "prove", "--tree", tree, "--user", "bob", "--out", str(proof))
    assert r.exit_code == 0, r.stderr
    v = run_cli("pol", "verify", str(proof), "--root", b["root"], "--json")
    assert v.exit_code == 0, v.stderr
    assert v.json() == {
        "valid": True,
        "user": "bob",
        "balance": 250,
        "total_liabilities": b["total_liabilities"],
        "reason": "",
    }
    v = run_cli(
        "pol", "verify", str(proof), "--root", b["root"], "--total", str(b["total_liabilities"])
    )
    assert v.exit_code == 0


def test_pol_verify_invalid_exits_3(users_csv: Path, tmp_path: Path) -> None:
    b = _build(users_csv, tmp_path)
    proof = tmp_path / "bob.json"
    run_cli("pol", "prove", "--tree", str(tmp_path / "tree"), "--user", "bob", "--out", str(proof))
    d = json.loads(proof.read_text())
    d["balance"] = 251
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    v = run_cli("pol", "verify", str(bad), "--root", b["root"], "--json")
    assert v.exit_code == 3
    assert v.json()["valid"] is False
    v = run_cli("pol", "verify", str(proof), "--root", b["root"], "--total", "1", "--json")
    assert v.exit_code == 3
    s = run_cli_subprocess("pol", "verify", str(bad), "--root", b["root"], "--json")
    assert s.exit_code == 3 and json.loads(s.stdout)["valid"] is False


def test_pol_errors_exit_2(users_csv: Path, tmp_path: Path) -> None:
    b = _build(users_csv, tmp_path)
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    r = run_cli("pol", "verify", str(junk), "--root", b["root"])
    assert r.exit_code == 2 and r.stderr.startswith("error: ") and "junk.json" in r.stderr
    junk.write_text('{"user": "x"}')
    r = run_cli("pol", "verify", str(junk), "--root", b["root"])
    assert r.exit_code == 2 and "missing field" in r.stderr
    r = run_cli("pol", "verify", str(junk), "--root", "nothex")
    assert r.exit_code == 2
    neg = tmp_path / "neg.csv"
    neg.write_text("user,balance\na,5\nb,-1\n")
    r = run_cli("pol", "build", str(neg), "--out", str(tmp_path / "t2"))
    assert r.exit_code == 2 and "data row 2" in r.stderr and "Traceback" not in r.stderr
    frac = tmp_path / "frac.csv"
    frac.write_text("user,balance\na,1.5\n")
    assert run_cli("pol", "build", str(frac), "--out", str(tmp_path / "t3")).exit_code == 2
    tree = str(tmp_path / "tree")
    r = run_cli("pol", "prove", "--tree", tree, "--user", "zed", "--out", "x.json")
    assert r.exit_code == 2 and "zed" in r.stderr
    r = run_cli("pol", "prove", "--tree", tree + "x", "--user", "bob", "--out", "x.json")
    assert r.exit_code == 2


def test_pol_build_reserve_ratio(users_csv: Path, tmp_path: Path) -> None:
    total = 100 + 250 + 12345678901234567890
    r = run_cli(
        "pol",
        "build",
        str(users_csv),
        "--out",
        str(tmp_path / "t"),
        "--reserves",
        str(int(total * 1.1)),
        "--reserve-buffer",
        "0.06",
        "--json",
    )
    d = r.json()
    assert d["reserve_ratio"] == pytest.approx(1.1, rel=1e-9)
    assert d["meets_buffer"] is True


def test_solvency_cli_positions_file(tmp_path: Path) -> None:
    f = write_positions(tmp_path)
    r = run_cli(
        "solvency",
        "--positions",
        str(f),
        "--insurance-fund",
        "50",
        "--reserve-buffer",
        "0.01",
        "--mid",
        "2000",
        "--scenario",
        "-8%",
        "--scenario",
        "b=-0.12",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    d = r.json()
    a, b = d["scenarios"]
    assert a["name"] == "-8%" and b["name"] == "b"  # _prices.shock_name
    assert a["bad_debt_usd"] == pytest.approx(10.0)
    assert b["bad_debt_usd"] == pytest.approx(170.0)
    assert a["survives"] is False and a["reserve_ratio_end"] == pytest.approx(697 / 700)
    assert d["min_buffer_survives"] == {
        "-8%": pytest.approx(10 / 700),
        "b": pytest.approx(170 / 700),
    }
    assert set(d["adl"]) == {"binance", "hyperliquid", "socialized", "optimal"}
    # ADL is shown on the worst scenario (session 24; until then the largest deficit it
    # could close in full, a: 10 USD): b, 170 USD. The short's profit at 1760 is capped at
    # the loss's bankruptcy price (1900 x 1 + 1800 x 2) / 3 = 1833.33: |1760 - 1833.33| x 1
    # = 73.33 of 170 is coverable, the rest stays uncovered, under every policy.
    assert d["adl_scenario"] == "b"
    assert d["adl_scenario_rule"] == "the scenario with the largest bad debt"
    for v in d["adl"].values():
        assert v["haircut_usd"] == pytest.approx(220 / 3)
        assert v["uncovered_usd"] == pytest.approx(170 - 220 / 3)
        assert v["n_accounts"] == 1
    assert d["breaks"]["6%"] == ["b"]


def test_solvency_cli_one_policy_and_human_output(tmp_path: Path) -> None:
    f = write_positions(tmp_path)
    r = run_cli(
        "solvency",
        "--positions",
        str(f),
        "--insurance-fund",
        "0",
        "--mid",
        "2000",
        "--scenario",
        "-12%",
        "--adl-policy",
        "optimal",
        "--json",
    )
    assert list(r.json()["adl"]) == ["optimal"]
    r = run_cli("solvency", "--positions", str(f), "--insurance-fund", "0", "--mid", "2000")
    assert r.exit_code == 0 and "ADL" in r.stdout


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--adl-policy", "fifo"], "--adl-policy"),
        (["--scenario", "crash"], "--scenario"),
        (["--reserve-buffer", "-1"], "--reserve-buffer"),
        (
            ["--reserve-buffer", "6"],
            "--reserve-buffer must be a fraction in [0, 1) (got 6; for 6 % give 0.06)",
        ),
        (["--liq-fee", "2"], "--liq-fee"),
        (["--engine", "cascade"], "order book"),
    ],
)
def test_solvency_cli_bad_input(tmp_path: Path, args: list[str], match: str) -> None:
    f = write_positions(tmp_path)
    r = run_cli("solvency", "--positions", str(f), "--insurance-fund", "10", *args)
    assert r.exit_code == 2, r.stdout
    assert match in r.stderr and "Traceback" not in r.stderr
    r = run_cli("solvency", "--positions", str(tmp_path / "none.csv"), "--insurance-fund", "1")
    assert r.exit_code == 2 and "--positions" in r.stderr


def test_solvency_cli_estimated_market() -> None:
    r = run_cli(
        "solvency",
        "--as-of",
        "2025-07-31",
        "--oi-share",
        "0.2",
        "--insurance-fund",
        "0",
        "--scenario",
        "-30%",
        "--scenario",
        "-5%",
        "--accounts-per-cohort",
        "5",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["engine"] == "cascade"
    deep, shallow = d["scenarios"]
    assert deep["bad_debt_usd"] >= shallow["bad_debt_usd"] >= 0
    assert deep["min_buffer"] == pytest.approx(deep["bad_debt_usd"] / d["liabilities_usd"])
    assert deep["reserve_ratio_end"] == pytest.approx(
        (d["reserves_usd"] - deep["bad_debt_usd"]) / d["liabilities_usd"]
    )
    assert d["reserves_usd"] == pytest.approx(d["liabilities_usd"] * 1.06)
    r = run_cli("solvency", "--as-of", "2030-01-01", "--insurance-fund", "0", "--oi-share", "2")
    assert r.exit_code == 2 and "--oi-share" in r.stderr


def _cents(tmp_path: Path) -> Path:
    """The three positions of :func:`write_positions` with every price x 100 (cents)."""
    f = tmp_path / "cents.csv"
    f.write_text(
        "side,size,entry_price,margin,liq_price,bankruptcy_price,account\n"
        "long,1,200000,10000,191000,190000,a\n"
        "long,2,200000,40000,181000,180000,b\n"
        "short,1,200000,20000,219000,220000,c\n"
    )
    return f


def _cents_btc(tmp_path: Path) -> Path:
    """:func:`_cents` with a symbol column (BTCUSDT: 200,000 USD is on BTC's scale)."""
    f = tmp_path / "cents_btc.csv"
    lines = _cents(tmp_path).read_text().splitlines()
    f.write_text("\n".join(["symbol," + lines[0], *("BTCUSDT," + x for x in lines[1:])]) + "\n")
    return f


def test_positions_without_book_or_mid_are_checked_against_the_market_mid(
    tmp_path: Path,
) -> None:
    # no reference price: positions in cents ran (their size-weighted entry, 200,000 USD,
    # as the price before the shock); now the ETH market's mid checks their unit
    f = _cents(tmp_path)
    r = run_cli("solvency", "--positions", str(f), "--insurance-fund", "50")
    assert r.exit_code == 2, r.stdout
    # since session 26 the file's rows (no symbol: ETH's) meet ETH's bundled closes first
    assert r.stderr.strip() == (
        f"error: {f}: no symbol column: its rows are read as ETHUSDT, but their median "
        "entry_price 200,000 is 41.4x the highest ETH close bundled (83.76–4,832.07): more "
        "than 10x beyond it is another coin's price or a unit error; add a symbol column or "
        "give --asset"
    )
    # and a file of two assets is one market at one price no more
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("symbol,side,size,entry_price,margin\nETHUSDT,long,1,2000,200\n"
                     "BTCUSDT,long,1,60000,6000\n")  # fmt: skip
    r = run_cli("solvency", "--positions", str(mixed), "--insurance-fund", "50")
    assert r.exit_code == 2 and r.stderr.startswith(
        f"error: {mixed}: data row 2 (file line 3): symbol: BTC, another asset than data row 1's "
        f"ETH"
    )
    # a mid given is the reference, as before (the rows' scale, session 26, comes first)
    r = run_cli("solvency", "--positions", str(f), "--insurance-fund", "50", "--mid", "2000")
    assert r.exit_code == 2 and "54.1x" not in r.stderr and "41.4x the highest" in r.stderr
    r = run_cli("solvency", "--positions", str(_cents_btc(tmp_path)), "--insurance-fund", "50",
                "--mid", "2000")  # fmt: skip
    assert r.exit_code == 2 and "100x the mid 2,000" in r.stderr
    # the right unit still runs, its price before the shock the file's own
    r = run_cli("solvency", "--positions", str(write_positions(tmp_path)), "--insurance-fund",
                "50", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["pre_shock_price"]["usd"] == pytest.approx(2000.0)


def test_positions_of_an_asset_with_no_market_are_read_unchecked_with_a_note(
    tmp_path: Path,
) -> None:
    f = tmp_path / "doge.csv"
    f.write_text("symbol,venue,side,size,entry_price,margin\nDOGEUSDT,bybit,long,1000,0.2,20\n")
    r = run_cli_subprocess("solvency", "--positions", str(f), "--insurance-fund", "5",
                           "--scenario", "-10%", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.stderr.strip() == (
        f"note: {f}: no DOGE market to check its prices against (no 4-hourly open interest "
        "for DOGE: not in the store and not bundled (bundled: ETH, BTC)): read unchecked; a "
        "mid price given checks them (10x from it is a unit error)"
    )


def test_the_hyperliquid_layout_notes_its_venue_on_the_command_line(tmp_path: Path) -> None:
    f = tmp_path / "hl.csv"
    f.write_text("address,asset,side,size,entry_price,leverage\n0xa,ETH,long,10,2000,10\n"
                 "0xb,ETH,short,20,2000,20\n")  # fmt: skip
    r = run_cli_subprocess("solvency", "--positions", str(f), "--insurance-fund", "5",
                           "--scenario", "-9.5%", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.stderr.strip().startswith(
        f"note: {f}: no venue column, and an asset column with no symbol (the Hyperliquid "
        "positions layout): read with Hyperliquid's margin rules"
    )
    # the long's Hyperliquid liquidation price (l = 1/50), 2000 - 160 / 0.98 = 1836.73, is
    # passed at 1810 (-9.5 %): 10 ETH liquidated there; Binance's (0.5 % maintenance),
    # 18000 / 9.95 = 1809.05, is not
    assert r.json()["scenarios"][0]["liquidated_usd"] == pytest.approx(18_100.0)
    b = tmp_path / "binance.csv"
    b.write_text(f.read_text().replace("asset,", "asset,venue,").replace("ETH,", "ETH,binance,"))
    r = run_cli("solvency", "--positions", str(b), "--insurance-fund", "5", "--scenario",
                "-9.5%", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["scenarios"][0]["liquidated_usd"] == 0.0


def test_the_market_mid_of_a_positions_file_logs_no_book_caveat(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # the estimated book's caveats (a fit in sample at this date) are about a book the
    # file replaces: only its mid is read
    from liqcascade.solvency._request import _market_mid

    with caplog.at_level("WARNING"):
        ref, where, note = _market_mid(write_positions(tmp_path), "2024-12-01")
    assert not caplog.records and note is None
    assert where == "the ETH market's mid (2024-12-02 00:00 UTC)" and ref > 0


def test_the_recorded_day_of_a_btc_positions_file_is_btc_s_fall(tmp_path: Path) -> None:
    """``--scenario 2025-10-10`` on a BTCUSDT file (no ``--asset``) runs BTC's fall, not ETH's;
    ``--asset ETH`` against that file is refused naming both."""
    from liqcascade.solvency import october_2025_shock

    f = tmp_path / "btc.csv"
    f.write_text(
        "symbol,side,size,entry_price,margin,account\n"
        "BTCUSDT,long,1,100000,5000,a\nBTCUSDT,short,0.5,98000,4900,b\n"
    )
    r = run_cli("solvency", "--positions", str(f), "--scenario", "2025-10-10", "--json")
    assert r.exit_code == 0, r.stderr
    (day,) = r.json()["scenarios"]
    btc = october_2025_shock("BTC")
    assert day["shock"] == pytest.approx(btc, rel=1e-12)
    assert abs(btc - october_2025_shock("ETH")) > 1e-3  # ETH's fall would show
    book = tmp_path / "book.csv"
    book.write_text("side,price,size\nbid,97000,5\nbid,96000,10\nask,97200,5\nask,98000,10\n")
    r = run_cli("solvency", "--positions", str(f), "--book", str(book), "--liquidity",
                "calibrated", "--asset", "ETH")  # fmt: skip
    assert r.exit_code == 2 and r.stdout == ""
    # the file's rows are read as the asset given: refused naming the file and its rows
    # (session 25; before, run_solvency refused the book's symbol, naming no file)
    assert r.stderr.strip() == (
        f"error: {f}: data row 1 (file line 2): symbol BTCUSDT (BTC) does not match --asset ETH; "
        f"1 more row "
        "like it (data row 2); leave asset out, or give BTC"
    )
