"""``liqcascade contagion``: TOML configs, presets, errors (exit 2 naming the key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli, run_cli_subprocess

CFG = Path(__file__).resolve().parents[1] / "data" / "contagion" / "two_venues.toml"


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = CFG.read_text()
    assert old in text
    p = tmp_path / "config.toml"
    p.write_text(text.replace(old, new))
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp_path / f).write_text((CFG.parent / f).read_text())
    return p


def test_config_json_contract() -> None:
    r = run_cli("contagion", "--config", str(CFG), "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert set(out) >= {"venues", "defi", "contagion_share", "rounds"}
    assert set(out["venues"]) == {"a", "b"}
    for v in out["venues"].values():
        assert set(v) >= {"final_price", "liquidated_usd", "rounds"}
    assert set(out["defi"]) >= {"liquidated_usd", "bad_debt_usd"}
    # the 6 % fall reaches b through arbitrage and the Aave accounts through the oracle
    assert out["venues"]["b"]["liquidated_usd"] > 0
    assert out["defi"]["liquidated_usd"] > 0
    assert 0 < out["contagion_share"] < 1
    assert "validation" not in out


@pytest.mark.parametrize(
    ("shock", "key", "line"),
    [
        ("fraction = -0.06", "fraction", "first shock -6.0 % on a ([shock] of --config "),
        ("price = 1900.0", "price", "first shock to price 1,900.00 on a ([shock] of --config "),
        ("sell_usd = 5e6", "sell_usd", "first shock a market sell of 5,000,000 USD on a ("),
    ],
)
def test_config_text_and_json_name_the_shock_given(
    tmp_path: Path, shock: str, key: str, line: str
) -> None:
    # the text view crashed on every [shock] of a config (KeyError 'price')
    cfg = _variant(tmp_path, "fraction = -0.06", shock)
    r = run_cli("contagion", "--config", str(cfg), "--liquidity", "static")
    assert r.exit_code == 0, r.stderr
    assert line in r.stdout
    first = run_cli("contagion", "--config", str(cfg), "--liquidity", "static", "--json")
    assert set(first.json()["first_shock"]) == {key, "venue", "source", "scope"}


def test_overrides_change_the_outcome() -> None:
    base = run_cli("contagion", "--config", str(CFG), "--json").json()
    big = run_cli("contagion", "--config", str(CFG), "--json", "--shock", "-0.1").json()
    assert big["venues"]["a"]["final_price"] < base["venues"]["a"]["final_price"]
    other = run_cli("contagion", "--config", str(CFG), "--json", "--shock-venue", "b").json()
    assert other["shock_venue"] == "b"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('to = "b"', 'to = "okx"', "config.toml: links[0].to: unknown venue 'okx'"),
        ("d1_usd_bid = 3e6", "d1_usd_bid = -3e6", "config.toml: venues[0].book.d1_usd_bid:"),
        ("mid = 2000.0\n", "", "config.toml: venues[0].mid: missing parameter"),
        (
            'oracle = { sources = ["a", "b"], deviation = 0.005, heartbeat = 10 }\n',
            "",
            "config.toml: lending[0].oracle: missing parameter",
        ),
        (
            'sources = ["a", "b"]',
            'sources = ["a", "x"]',
            "config.toml: lending[0].oracle.sources[1]: unknown venue 'x'",
        ),
        ("capacity_usd = 5e6", "capacity_usd = -1", "config.toml: links[0].capacity_usd:"),
        ('venue = "a"', 'venue = "zz"', "config.toml: shock.venue: unknown venue 'zz'"),
        ("fraction = -0.06", "fraction = -0.06\nprice = 1900.0", "shock: give exactly one"),
        ("max_rounds = 200", "max_rounds = 200\nspeed = 3", "config.toml: simulation.speed:"),
        ('collateral = "WETH"', 'collateral = "NOPE"', "config.toml: lending[0].collateral:"),
        ("[[venues]]", "[[venues]\n", "config.toml: not valid TOML"),
    ],
)
def test_config_errors_exit_2_naming_the_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    p = _variant(tmp_path, old, new)
    r = run_cli("contagion", "--config", str(p), "--json")
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert message in lines[0]


def test_usage_errors() -> None:
    assert run_cli("contagion", "--json").exit_code == 2
    r = run_cli("contagion", "--config", str(CFG), "--preset", "oct-2025")
    assert r.exit_code == 2
    r = run_cli("contagion", "--preset", "nope", "--json")
    assert r.exit_code == 2 and "unknown preset 'nope'" in r.stderr
    r = run_cli("contagion", "--config", "/nonexistent.toml")
    assert r.exit_code == 2 and "--config" in r.stderr
    r = run_cli("contagion", "--config", str(CFG), "--shock-venue", "okx")
    assert r.exit_code == 2 and "okx" in r.stderr


def test_preset_oct_2025_subprocess() -> None:
    r = run_cli_subprocess("contagion", "--preset", "oct-2025", "--json")
    assert r.exit_code == 0, r.stderr
    # what the bundled snapshot's accounts count, in the JSON beside the rules
    counts = r.json()["inputs"]["lending"]["aave-v3-wbtc"]["snapshot_counts"]
    assert counts.startswith("every debt counted: USD stablecoins at $1, EURC at 1.1569 USD")
    assert "collateral: WBTC/cbBTC only (the snapshot holds no other)" in counts
    out = r.json()
    assert set(out["venues"]) == {"binance", "bybit", "hyperliquid"}
    # which 2025-10-10 this is; the share on one scale (the venues' feed dollars in
    # market dollars beside the real Aave dollars): 50.7 % against the mixed 54.7 %
    assert out["crash"].startswith("crash 2025-10-10 here: Binance hourly bars, 2025-10-10 "
                                   "21:00-22:00 UTC, ETH -12.0 %")  # fmt: skip
    sc = out["scales"]
    assert sc["mixed"] is True and sc["feed_venues"] == ["binance", "bybit", "hyperliquid"]
    k = sc["venues"]["binance"]["feed_per_market_usd"]
    assert k == pytest.approx(0.0179, abs=5e-5)
    cex = {n: v["liquidated_usd"] / k for n, v in out["venues"].items()}
    d = out["defi"]["liquidated_usd"]
    want = (sum(cex.values()) - cex["binance"] + d) / (sum(cex.values()) + d)
    assert sc["contagion_share_market_dollars"] == pytest.approx(want, rel=1e-9)
    assert sc["contagion_share_market_dollars"] < out["contagion_share"]
    rows = {row["what"]: row for row in out["validation"]["rows"]}
    aave = rows["Aave v3 WBTC + cbBTC collateral liquidated, USD (2025-10-10/11)"]
    # recorded on 2025-10-10/11 in the bundled Aave data: 83 events, $43.1M, of both tokens
    assert aave["recorded"] == pytest.approx(43.1e6, rel=0.01)
    assert aave["ratio"] == pytest.approx(aave["model"] / aave["recorded"])
    assert "wBTC 61 / $28.6M, cbBTC 22 / $14.5M" in aave["note"]
    assert "WBTC's bonus 5.0 % (cbBTC's: 7.5 %)" in aave["note"]
    # the lending rules alone at the record's own lowest liquidation price (106,490.25,
    # 2025-10-10 21:24 UTC): 26 accounts, $8.21M, 0.19 x the record (40 accounts and
    # $45.9M while the snapshot counted an account on both collateral lists' debt twice)
    given = rows["Aave v3 WBTC + cbBTC collateral liquidated at the record's lowest "
                 "liquidation price, USD"]  # fmt: skip
    assert given["model"] == pytest.approx(8.2127e6, rel=1e-3)
    assert given["ratio"] == pytest.approx(0.1905, abs=0.002)
    assert "106,490.25 (-6.75 %)" in given["note"] and ": 26 accounts;" in given["note"]
    assert given["miss"] == "rules" and "the lending rules alone miss the record" in given["note"]
    # the one Compound market the bundled record holds that day, named
    comp = rows["Compound v3 Ethereum cUSDTv3 liquidated, USD (2025-10-10)"]
    assert comp["recorded"] == pytest.approx(17.4e6, rel=0.01)
    hl = rows["Hyperliquid ETH liquidated, USD"]
    assert hl["recorded"] is None and "2025-05-02" in hl["note"]
    # the shock hits Binance; the others move by arbitrage only
    assert out["venues"]["bybit"]["final_price"] < out["venues"]["bybit"]["initial_price"]
    assert out["contagion_share"] > 0


def test_static_only_venue_settings_are_named_on_a_calibrated_run(tmp_path: Path) -> None:
    """A venue's refill_fraction or liquidation_fee is the static books': a calibrated run
    says it does not use them; a static run, and a config without them, say nothing."""
    cfg = _variant(tmp_path, 'name = "b"\n', 'name = "b"\nrefill_fraction = 0.3\n')
    r = run_cli("contagion", "--config", str(cfg), "--json")
    assert r.exit_code == 0, r.stderr
    assert "warning: refill_fraction of the venues apply to static runs only" in r.stderr
    s = run_cli("contagion", "--config", str(cfg), "--json", "--liquidity", "static")
    assert s.exit_code == 0 and "static runs only" not in s.stderr
    plain = run_cli("contagion", "--config", str(CFG), "--json")
    assert plain.exit_code == 0 and "static runs only" not in plain.stderr


def test_an_up_shock_names_a_rise_in_the_mark_rule() -> None:
    """The mark-rule note said "a fall on the shocked venue" for an up shock too."""
    up = run_cli("contagion", "--config", str(CFG), "--shock=+5%")
    assert up.exit_code == 0, up.stderr
    assert "mark rule: a rise on the shocked venue alone" in up.stdout
    assert "a fall on the shocked venue" not in up.stdout
    down = run_cli("contagion", "--config", str(CFG), "--shock=-5%")
    assert "mark rule: a fall on the shocked venue alone" in down.stdout


@pytest.mark.parametrize(
    ("shock", "shown"), [("-99.99%", "-99.99 %"), ("-0.0004%", "-0.0004 %"), ("-0.12", "-12.0 %")]
)
def test_the_first_shock_line_never_rounds_to_a_refused_value(shock: str, shown: str) -> None:
    """``--shock=-99.99%`` printed ``first shock -100.0%``, which the command refuses."""
    r = run_cli("contagion", "--config", str(CFG), f"--shock={shock}", "--liquidity", "static")
    assert r.exit_code == 0, r.stderr
    assert f"first shock {shown} on a (--shock)" in r.stdout
