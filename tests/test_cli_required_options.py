"""Missing required options: one ``error:`` line naming all of them; solvency runs bare."""

from __future__ import annotations

from clihelpers import run_cli


def _one_error(r, *needles: str) -> str:  # type: ignore[no-untyped-def]
    assert r.exit_code == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return str(lines[0])


def test_stops_recommend_names_every_missing_option_at_once() -> None:
    line = _one_error(run_cli("stops", "recommend"), "--side", "--entry", "--size", "--leverage")
    assert line.startswith("error: missing required options: --side, --entry, --size, --leverage")
    line = _one_error(
        run_cli("stops", "recommend", "--side", "long", "--entry", "3700"), "--size", "--leverage"
    )
    assert "--entry" not in line.split("(")[0] and "--side" not in line.split("(")[0]
    line = _one_error(
        run_cli("stops", "recommend", "--side", "long", "--entry", "3700", "--size", "1")
    )
    assert line.startswith("error: missing required option: --leverage")
    # no silent default side: a short forgotten would get a long's stop
    line = _one_error(run_cli("stops", "recommend", "--entry", "3700", "--size", "1",
                              "--leverage", "10"))  # fmt: skip
    assert line.startswith("error: missing required option: --side")


def test_solvency_runs_with_no_option_and_says_the_fund_it_assumed() -> None:
    r = run_cli("solvency", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["insurance_fund_usd"] == 0.0
    assert out["insurance_fund_source"].startswith("--insurance-fund not given")
    text = run_cli("solvency").stdout
    assert "insurance fund at the start 0 USD (--insurance-fund not given" in text
    given = run_cli("solvency", "--insurance-fund", "5e6", "--json").json()
    assert given["insurance_fund_usd"] == 5e6 and given["insurance_fund_source"] == (
        "--insurance-fund"
    )
