from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli, run_cli_subprocess
from liqcascade.margin import load_tiers

KEYS = {"liq_price", "bankruptcy_price", "mmr", "maintenance_amount", "tier", "notional"}
#: Session 24's keys (the old ones unchanged): the terms of each notional, labelled.
NEW_KEYS = {
    "notional_at_liq", "maintenance_margin", "tier_at_entry", "mmr_at_entry",
    "maintenance_amount_at_entry", "maintenance_margin_at_entry",
}  # fmt: skip
#: Session 26's keys: the tier table's contract and the caveats (another contract's table).
S26_KEYS = {"tiers", "caveats"}


def test_liq_price_json_golden() -> None:
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                "--margin", "100", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert set(out) == KEYS | NEW_KEYS | S26_KEYS
    assert out["tiers"] == "ETHUSDT" and out["caveats"] == []
    assert out["liq_price"] == pytest.approx(1907.6305, abs=5e-5)
    assert out["bankruptcy_price"] == pytest.approx(1900.0, rel=1e-12)
    assert out["mmr"] == 0.004 and out["maintenance_amount"] == 0 and out["tier"] == 0
    assert out["notional"] == pytest.approx(2000.0, rel=1e-12)


def test_bybit_and_hyperliquid_json() -> None:
    r = run_cli("margin", "liq-price", "--venue", "bybit", "--symbol", "BTCUSDT", "--side",
                "long", "--size", "1", "--entry", "20000", "--leverage", "50", "--mmr", "0.005",
                "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["liq_price"] == pytest.approx(19_700.0)
    r = run_cli("margin", "liq-price", "--venue", "hyperliquid", "--side", "short", "--size",
                "1", "--entry", "2000", "--margin", "200", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["liq_price"] == pytest.approx(2000 + 160 / 1.02)
    assert r.json()["mmr"] == pytest.approx(0.02)


def test_hyperliquid_text_has_no_tier_rows() -> None:
    # trader34's F4: Hyperliquid has one maintenance rate and no tier table; the text
    # printed "tier (0-based) 0" and "maintenance amount (cum) 0.0000 USD" as its terms
    r = run_cli("margin", "liq-price", "--venue", "hyperliquid", "--side", "long", "--size",
                "135", "--entry", "3650", "--leverage", "15")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "tier (0-based)" not in r.stdout and "maintenance amount" not in r.stdout
    assert "3,476.1905 USD" in r.stdout  # 3,650 - (32,850 - 9,855) / 135 / 0.98, by hand
    assert "maintenance margin rate" in r.stdout and "2 %" in r.stdout
    assert "no tiers" in r.stdout


def test_tier_and_mmr_override() -> None:
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "100", "--entry", "2000",
                "--leverage", "20", "--json")  # fmt: skip
    out = r.json()
    assert out["tier"] == 1 and out["maintenance_amount"] == 50 and out["mmr"] == 0.005
    assert out["liq_price"] == pytest.approx(189_950 / 99.5)
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "100", "--entry", "2000",
                "--leverage", "20", "--mmr", "0.01", "--json")  # fmt: skip
    out = r.json()
    assert out["mmr"] == 0.01 and out["maintenance_amount"] == 0
    assert out["liq_price"] == pytest.approx((200_000 - 10_000) / 99.0)


def test_custom_tiers_file(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    load_tiers("BTCUSDT").to_frame().drop(columns="tier").to_csv(p, index=False)
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "60000",
                "--leverage", "50", "--tiers", str(p), "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["maintenance_amount"] == 50


def test_margin_and_leverage_agreeing() -> None:
    """Both options within 1 % of each other: the margin is used (positions files' rule)."""
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                "--margin", "100", "--leverage", "20", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["liq_price"] == pytest.approx(1907.6305, abs=5e-5)


def test_human_output() -> None:
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                "--margin", "100")  # fmt: skip
    assert r.exit_code == 0
    assert "1,907.6305" in r.stdout and "0.4 %" in r.stdout


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        ((), "give --margin or --leverage (or both, agreeing within 1 %)"),
        (("--margin", "100", "--leverage", "10"),
         "--margin 100.00 and --leverage 10 disagree: the margin given, 100.00 USD, implies "
         "20x leverage on the notional size * entry_price = 2,000.00 USD, where leverage 10 "
         "gives a margin of size * entry_price / leverage = 200.00 USD"),
        (("--leverage", "0"), "--leverage must be > 0 (got 0)"),
        (("--leverage", "126"),
         "--leverage 126 is above the Binance maximum 125x for a notional of 2,000 USD (ETHUSDT)"),
        (("--margin", "-1"), "--margin must be >= 0 (got -1)"),
        (("--margin", "100", "--venue", "okx"),
         "--venue must be one of binance, bybit, hyperliquid (got 'okx')"),
        (("--margin", "100", "--mmr", "2"),
         "--mmr must be a fraction in (0, 1) for binance (got 2)"),
        (("--margin", "100", "--symbol", "XYZUSD"), "--symbol 'XYZUSD': no packaged tier table"),
    ],
    ids=["neither", "both", "lev0", "lev-over", "neg-margin", "venue", "mmr", "symbol"],
)  # fmt: skip
def test_bad_options_exit_2(args: tuple[str, ...], msg: str) -> None:
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000", *args)
    assert r.exit_code == 2
    assert r.stderr.strip() == f"error: {msg}" or r.stderr.strip().startswith(f"error: {msg}")


def test_bad_side_subprocess_no_traceback() -> None:
    r = run_cli_subprocess("margin", "liq-price", "--side", "up", "--size", "0", "--entry",
                           "2000", "--margin", "1")  # fmt: skip
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: --side must be long or short (buy/sell) (got 'up')"
    assert "Traceback" not in r.stderr


def test_bad_size() -> None:
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "0", "--entry", "2000",
                "--margin", "1")  # fmt: skip
    assert r.exit_code == 2 and r.stderr.strip() == "error: --size must be > 0 (got 0)"


def test_help_has_example() -> None:
    r = run_cli("margin", "liq-price", "--help")
    assert r.exit_code == 0 and "Example:" in r.stdout


def test_the_tier_is_the_liquidation_price_s_and_the_entry_margin_is_printed_too() -> None:
    """1,000 ETH at 3,000 USD, 40x: entry notional in tier 3, liquidation price's in tier 2.

    The tier and rate priced the liquidation (notional at LP); Binance's screen shows the
    entry notional's margin, 3e6 * 0.01 - 11,450 = 18,550 USD (exch24: the text printed
    tier 2 beside "notional at entry" without saying whose it was).
    """
    args = ("margin", "liq-price", "--side", "long", "--size", "1000", "--entry", "3000",
            "--leverage", "40")  # fmt: skip
    out = run_cli(*args, "--json").json()
    assert (out["tier"], out["mmr"], out["maintenance_amount"]) == (2, 0.0065, 950.0)
    assert (out["tier_at_entry"], out["mmr_at_entry"]) == (3, 0.01)
    assert out["maintenance_amount_at_entry"] == 11_450.0
    assert out["maintenance_margin_at_entry"] == pytest.approx(18_550.0, abs=1e-6)
    lp = out["liq_price"]
    assert out["notional_at_liq"] == pytest.approx(1000 * lp, rel=1e-12)
    assert out["maintenance_margin"] == pytest.approx(1000 * lp * 0.0065 - 950, rel=1e-12)
    # at LP the equity (margin 75,000 + P&L) is that maintenance margin
    assert 75_000 + 1000 * (lp - 3000) == pytest.approx(out["maintenance_margin"], abs=1e-6)
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "at the liquidation price at entry" in text
    assert "notional 2,943,180.6744 USD 3,000,000.0000 USD" in text
    assert "tier (0-based) 2 3" in text and "maintenance margin rate 0.65 % 1 %" in text
    assert "maintenance margin 18,180.6744 USD 18,550.0000 USD" in text
    assert "meets the maintenance margin at the liquidation price (left, its tier)" in text


def test_bybit_says_its_margin_is_the_entry_notional_s() -> None:
    r = run_cli("margin", "liq-price", "--venue", "bybit", "--symbol", "BTCUSDT", "--side",
                "long", "--size", "1", "--entry", "20000", "--leverage", "50")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())
    # only the entry column: the terms at the liquidation price (98.5 USD) are not Bybit's
    # and were printed beside the note saying Bybit uses entry
    assert "at the liquidation price" not in text and "98.5" not in text, text
    assert "at entry notional 20,000.0000 USD tier" in text
    assert "maintenance margin 100.0000 USD" in text
    assert text.endswith("meets the maintenance margin at entry (the terms above)")


def test_liq_price_asset_picks_the_contract_and_checks_the_entry() -> None:
    """Session 26: ``--asset`` (the contract's asset), and ``--entry`` on its scale."""
    base = ("margin", "liq-price", "--side", "long", "--size", "10", "--entry", "115000",
            "--leverage", "100")  # fmt: skip
    # a BTC entry read as ETHUSDT's (the default contract): refused, naming the fix
    r = run_cli(*base)
    assert r.exit_code == 2
    err = " ".join(r.stderr.split())
    assert "--entry 115,000 is 23.8x the highest ETH close bundled" in err
    assert "give --asset BTC (or --symbol BTCUSDT)" in err
    # --asset BTC prices it as BTCUSDT's: its cap (50x at 1.15M USD) refuses 100x
    r = run_cli(*base, "--asset", "BTC")
    assert r.exit_code == 2 and "(BTCUSDT)" in r.stderr and "ETHUSDT" not in r.stderr
    ok = run_cli(*base[:-1], "10", "--asset", "btc", "--json")
    sym = run_cli(*base[:-1], "10", "--symbol", "BTCUSDT", "--json")
    assert ok.exit_code == 0 and sym.exit_code == 0, ok.stderr
    assert ok.json()["tiers"] == "BTCUSDT"
    assert ok.json()["liq_price"] == pytest.approx(sym.json()["liq_price"], rel=1e-12)
    # --asset and a --symbol of another asset disagree
    r = run_cli(*base, "--asset", "BTC", "--symbol", "ETHUSDT")
    assert r.exit_code == 2
    assert "--asset BTC and --symbol ETHUSDT (ETH) disagree" in " ".join(r.stderr.split())
    # an ETH price read as BTC's is off BTC's scale too
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "150",
                "--leverage", "10", "--asset", "BTC")  # fmt: skip
    assert r.exit_code == 2 and "the lowest BTC close bundled" in " ".join(r.stderr.split())


def test_liq_price_help_names_no_asset_for_size() -> None:
    r = run_cli("margin", "liq-price", "--help")
    text = " ".join(r.stdout.split())
    assert "base units (ETH)" not in text and "--asset" in text
