"""A ``--shock-price`` 10x or more from the mid is a unit error, as ``liqmap --price`` is.

ETH's mid of 2025-07-31 is 3,698.39: a target of 369,839 (the price in cents) used to
run, liquidating 6.8 billion USD of shorts at +9,900 %; a book file's mid of 100 with a
target of 9,890 liquidated every short the same way.
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade.cascade import run_cascade_request
from liqcascade.errors import InputError
from test_cascade.test_cli import FILES


@pytest.mark.parametrize("target", ["9890", "5"])
def test_a_target_ten_times_from_the_files_mid_is_refused(target: str) -> None:
    r = run_cli("cascade", *FILES, "--shock-price", target)
    assert r.exit_code == 2, r.stdout + r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: --shock-price "), r.stderr
    assert "unit error" in r.stderr and "book.csv" in r.stderr, r.stderr


def test_a_target_inside_ten_times_still_runs() -> None:
    r = run_cli("cascade", *FILES, "--shock-price", "250", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["shock_price"] == pytest.approx(250.0, rel=1e-12)


def test_the_library_names_the_parameter() -> None:
    with pytest.raises(InputError) as info:
        run_cascade_request(asset="ETH", as_of="2025-07-31", shock_price=369_839.0)
    assert info.value.params == ("shock_price",)
    assert "100x the ETH market's mid 3,698.39" in str(info.value)


@pytest.mark.parametrize("args", [("--liquidity", "static"), ()])
def test_a_target_in_cents_on_the_estimated_market_is_refused(args: tuple[str, ...]) -> None:
    r = run_cli("cascade", "--asset", "ETH", *args, "--shock-price", "369839")
    assert r.exit_code == 2, r.stdout[:300] + r.stderr
    assert r.stderr.count("\n") == 1 and "--shock-price 369,839 is 100x" in r.stderr, r.stderr


@pytest.mark.parametrize("target", ["-5", "0"])
def test_a_target_at_or_below_zero_is_told_the_rule_not_a_unit_error(target: str) -> None:
    """The calibrated cascade checks the scale before its own checks of the shock: a
    target of -5 or 0 was told it was a unit error ("-0.00135x the ETH market's mid ...;
    a fall that deep is given as a fraction of mid") instead of the rule it breaks."""
    r = run_cli("cascade", "--asset", "ETH", "--liquidity", "calibrated", "--shock-price", target)
    assert r.exit_code == 2, r.stdout[:300] + r.stderr
    assert r.stderr == f"error: --shock-price must be > 0 USD (got {target})\n", r.stderr


def test_the_scale_check_applies_the_shock_rule_first() -> None:
    from liqcascade.cascade._engine import check_shock_scale

    for bad in (-5.0, 0.0, float("nan")):
        with pytest.raises(InputError, match=r"^shock_price must be > 0 USD") as info:
            check_shock_scale(bad, 3698.39, "the ETH market's mid")
        assert info.value.params == ("shock_price",)
    check_shock_scale(None, 3698.39, "the ETH market's mid")  # given another way: no check
