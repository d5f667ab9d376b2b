"""The Monte Carlo's options given with a shock grid or a replay are refused, not ignored.

`stress --scenario shock --paths 5` ran the grid and dropped --paths without a word,
while --shocks with the Monte Carlo was refused as "would be ignored".
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli


@pytest.mark.parametrize(
    ("scenario", "option"),
    [
        ("shock", ("--paths", "5")),
        ("shock", ("--seed", "3")),
        ("replay", ("--horizon-days", "5")),
        ("replay", ("--method", "garch")),
        ("shock", ("--model", "egarch")),
        ("shock", ("--dist", "normal")),
        ("replay", ("--backend", "local")),
    ],
)
def test_refused_outside_the_monte_carlo(scenario: str, option: tuple[str, str]) -> None:
    r = run_cli("stress", "--portfolio", "sample", "--scenario", scenario, *option)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        f"error: {option[0]} applies only with --scenario montecarlo: it would be ignored here"
    ]


def test_the_monte_carlo_reads_them_and_the_grid_runs_without() -> None:
    out = run_cli("stress", "--portfolio", "sample", "--paths", "400", "--seed", "2",
                  "--horizon-days", "5", "--json").json()  # fmt: skip
    assert out["paths"] == 400 and out["seed"] == 2 and out["label"] == "fhs gjr-t, 5 days"
    grid = run_cli("stress", "--portfolio", "sample", "--scenario", "shock", "--json")
    assert grid.exit_code == 0, grid.stderr
    assert grid.json()["seed"] is None
