"""``stops backtest --fixed-pct``: the help says what the code does; the default at high
leverage takes the cap (a warning) instead of refusing an option nobody gave."""

from __future__ import annotations

import re

from clihelpers import run_cli

_WINDOW = ("--start", "2025-01-01", "--end", "2025-02-01", "--n-random", "5")


def test_default_fixed_pct_at_125x_runs_at_the_cap() -> None:
    r = run_cli("stops", "backtest", "--policy", "fixed", "--leverage", "125", *_WINDOW, "--json")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.strip().splitlines() == [
        "warning: --fixed-pct not given: its default 0.05 is at or beyond the liquidation of "
        "a 125x position (1/125 = 0.80 %): the fixed stops are at the policy's cap, 0.64 % from "
        "entry (--fixed-pct to choose)"
    ]
    st = r.json()["settings"]
    assert abs(st["fixed_pct"] - 0.0064) < 1e-12 and abs(st["fixed_pct_effective"] - 0.0064) < 1e-12


def test_an_explicit_fixed_pct_beyond_liquidation_is_still_refused() -> None:
    for args in (("--fixed-pct", "0.5"), ("--fixed-pct", "0.05", "--leverage", "125")):
        r = run_cli("stops", "backtest", "--policy", "fixed", *args, *_WINDOW)
        assert r.exit_code == 2 and r.stdout == ""
        assert r.stderr.startswith(f"error: --fixed-pct {args[1]} puts the fixed stop")


def test_help_states_both_rules() -> None:
    r = run_cli("stops", "backtest", "--help", env={"COLUMNS": "200"})
    text = re.sub(r"[\s│]+", " ", r.stdout)
    assert (
        "Fixed policy distance, fraction of entry (default 0.05) or percent (5%). Beyond "
        "0.8/--leverage (80 % of "
        "the way to liquidation) it is capped there with a warning; at or beyond 1/--leverage "
        "(the liquidation) it is refused, unless not given: the default then takes the cap, "
        "with a warning."
    ) in text


def test_the_cap_warning_names_the_default_when_no_fixed_pct_was_given() -> None:
    # at 18x the default 0.05 is past 80 % of the way to liquidation (0.8/18 = 4.4 %) but
    # not past it: capped, and the warning says it was the default, not a --fixed-pct
    r = run_cli("stops", "backtest", "--policy", "fixed", "--leverage", "18", *_WINDOW, "--json")
    assert r.exit_code == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("warning: the default fixed distance 0.05 is beyond the cap")
    given = run_cli("stops", "backtest", "--policy", "fixed", "--leverage", "18",
                    "--fixed-pct", "0.05", *_WINDOW, "--json")  # fmt: skip
    assert given.stderr.strip().startswith("warning: --fixed-pct 0.05 is beyond the cap")
