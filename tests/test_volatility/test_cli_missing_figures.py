"""``liqcascade vol``: a period without an estimate prints n/a, never nan."""

from __future__ import annotations

from clihelpers import run_cli


def test_period_with_too_few_returns_prints_na() -> None:
    args = ("vol", "--by-period", "--start", "2024-01-01", "--as-of", "2025-01-15")
    r = run_cli(*args, env={"COLUMNS": "120"})
    assert r.exit_code == 0, r.stderr
    (row,) = [ln for ln in r.stdout.splitlines() if ln.lstrip().startswith("2025 ")]
    # a part-year (the cut ends it on 15 January): its 1 January return included
    assert row.split() == [
        "2025",
        "(part)",
        "15",
        "n/a",
        "n/a",
        "n/a",
        "too",
        "few",
        "observations",
    ]
    assert "nan" not in r.stdout
    # an estimated period keeps its interval (rich would read "[a, b]" as markup)
    assert "[-0.077, 0.966]" in r.stdout
    d = run_cli(*args, "--json").json()
    (p,) = [p for p in d["periods"] if p["label"] == "2025"]
    assert p["gamma"] is None and p["ci_low"] is None and p["n_obs"] == 15
