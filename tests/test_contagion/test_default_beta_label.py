"""A parametric venue book on the default β says whose β it is (review-lookahead8 #6).

The default depth exponent of a parametric book is ETH's full-period futures β (0.73,
fitted on 2024-11-21 → 2025-07-31); the command's inputs name it per venue, and a
venue whose config gives ``beta`` is not labelled.
"""

from __future__ import annotations

from pathlib import Path

from clihelpers import run_cli

CFG = Path(__file__).resolve().parents[1] / "data" / "contagion" / "two_venues.toml"


def test_default_beta_is_labelled_per_venue(tmp_path: Path) -> None:
    r = run_cli("contagion", "--config", str(CFG), "--liquidity", "static", "--json")
    assert r.exit_code == 0, r.stderr
    labels = r.json()["inputs"]["book_beta"]
    assert set(labels) == {"a", "b"}
    assert all(
        v.startswith("0.73: the default depth exponent, ETH's futures beta")
        for v in labels.values()
    )
    assert all("2024-11-21 -> 2025-07-31" in v and "--" not in v for v in labels.values())
    text = run_cli("contagion", "--config", str(CFG), "--liquidity", "static")
    assert text.exit_code == 0, text.stderr
    assert "a: parametric book's depth exponent 0.73: the default" in " ".join(text.stdout.split())
    given = CFG.read_text().replace("d1_usd_bid = 3e6,", "d1_usd_bid = 3e6, beta = 0.8,", 1)
    for f in CFG.parent.iterdir():
        (tmp_path / f.name).write_text(f.read_text())
    (tmp_path / CFG.name).write_text(given)
    r = run_cli(
        "contagion", "--config", str(tmp_path / CFG.name), "--liquidity", "static", "--json"
    )
    assert r.exit_code == 0, r.stderr
    assert set(r.json()["inputs"]["book_beta"]) == {"b"}
