"""``contagion`` lists its assumptions as ``collateral`` does: by name, values in --json.

The run's parameters that are assumed (link costs, DEX depth, the oracle's Chainlink-like
rule) and those calibrated or read from data were only in TOML comments and the docs.
"""

from __future__ import annotations

from pathlib import Path

from clihelpers import run_cli

CFG = Path(__file__).resolve().parents[1] / "data" / "contagion" / "two_venues.toml"


def _copy(tmp_path: Path, extra: str) -> Path:
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp_path / f).write_bytes((CFG.parent / f).read_bytes())
    p = tmp_path / "c.toml"
    p.write_text(CFG.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return p


def test_the_oracle_is_named_assumed_and_unchecked() -> None:
    out = run_cli("contagion", "--config", str(CFG), "--liquidity", "static", "--json").json()
    (a,) = out["assumptions"]
    assert a["what"] == "aave-weth oracle (assumed, Chainlink-like)"
    assert "0.5 % deviation; heartbeat every 10 rounds" in a["value"]
    assert "not checked against the bundled Chainlink ETH/USD series" in a["source"]
    text = run_cli("contagion", "--config", str(CFG), "--liquidity", "static").stdout
    assert ("assumptions (1; values and sources in --json): aave-weth oracle (assumed, "
            "Chainlink-like)") in " ".join(text.split())  # fmt: skip


def test_a_configurations_assumptions_come_first(tmp_path: Path) -> None:
    p = _copy(tmp_path, '\n[[assumptions]]\nwhat = "link capacity (assumed)"\nvalue = "$5M"\n')
    out = run_cli("contagion", "--config", str(p), "--liquidity", "static", "--json").json()
    assert [a["what"] for a in out["assumptions"]] == [
        "link capacity (assumed)",
        "aave-weth oracle (assumed, Chainlink-like)",
    ]
    assert out["assumptions"][0] == {"what": "link capacity (assumed)", "value": "$5M",
                                     "source": ""}  # fmt: skip
    bad = _copy(tmp_path, '\n[[assumptions]]\nwhat = "x"\nwhy = "y"\n')
    r = run_cli("contagion", "--config", str(bad))
    assert r.exit_code == 2 and "c.toml: assumptions[0].why: unknown key (known: what" in r.stderr


def test_the_preset_lists_what_is_assumed_and_what_calibrated() -> None:
    from liqcascade.contagion import oct_2025

    names = [a["what"] for a in oct_2025().assumptions]
    assert len(names) == 8 and names[-1] == "aave-v3-wbtc oracle (assumed, Chainlink-like)"
    assert "arbitrage links' costs and capacities (assumed)" in names
    assert "WBTC's beta to the ETH venues (calibrated)" in names
