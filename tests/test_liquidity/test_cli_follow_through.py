"""``liqcascade cascade follow-through``: JSON keys, the text, bad input (issue 18 item 5)."""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from floats import assert_same

KEYS = {
    "asset", "start", "end", "n_paths", "shock", "beyond", "n_dates", "model_total_median",
    "history_total_median", "history_n_episodes", "model_share_beyond", "history_share_beyond",
    "median_within_2pp", "beyond_within_2x", "history_share_beyond_ci95",
    "model_inside_history_ci95", "model_total_median_p10_p90_across_dates",
    "history_start", "history_end", "history_in_period_n", "history_in_period_total_median",
    "dates",
}  # fmt: skip
DATE_KEYS = {"ts", "mid", "sigma", "total_median", "total_p10", "total_p90", "share_beyond",
             "seed"}  # fmt: skip
WINDOW = ("--start", "2025-07-29", "--end", "2025-07-31", "--paths", "48")


@pytest.fixture(scope="module")
def btc() -> dict:
    r = run_cli("cascade", "follow-through", "--asset", "BTC", *WINDOW, "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()


def test_json_keys_and_figures(btc: dict) -> None:
    assert set(btc) == KEYS
    assert btc["asset"] == "BTC" and btc["n_paths"] == 48 and btc["shock"] == -0.05
    assert btc["start"] == "2025-07-29T20:00:00+00:00" and btc["n_dates"] == 3
    assert [d["ts"][:10] for d in btc["dates"]] == ["2025-07-29", "2025-07-30", "2025-07-31"]
    assert all(set(d) == DATE_KEYS for d in btc["dates"])
    # the seeds count days from the first date with a market (2024-11-23)
    assert [d["seed"] for d in btc["dates"]] == [248, 249, 250]
    assert isinstance(btc["median_within_2pp"], bool) and isinstance(btc["beyond_within_2x"], bool)
    # history: every real 4-hour fall of 5 % in BTC's bundled hourly prices up to the end
    # of --end's day (62 in all the prices, to 2026-03; 59 to 2025-07-31)
    assert btc["history_n_episodes"] == 59 and btc["history_start"].startswith("2021-04-04")
    assert btc["history_end"].startswith("2025-07-31T23:00")
    meds = sorted(d["total_median"] for d in btc["dates"])
    assert_same(btc["model_total_median"], meds[1])
    share = sum(d["share_beyond"] for d in btc["dates"]) / 3
    assert_same(btc["model_share_beyond"], share)
    assert btc["beyond_within_2x"] == (
        btc["history_share_beyond"] / 2 <= share <= 2 * btc["history_share_beyond"]
    )


def test_text_names_both_checks() -> None:
    r = run_cli("cascade", "follow-through", "--asset", "ETH", "--shock", "-0.05", *WINDOW)
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "ETH after a −5 % shock: the calibrated model on 3 dates" in out
    assert "within 2 points:" in out and "within 2×:" in out
    assert "history's chance is a count of few falls: 95 % interval" in out
    assert "history (280 real 4-hour falls of 5 % or more" in out  # up to 2025-07-31
    # 48 paths: not the rows the report reads, and it says so
    assert (
        "the rows the report reads (stored with the liquidity calibration) are for a "
        "−5 % shock and 400 paths" in " ".join(out.split())
    )


def test_one_date_reproduces_the_stored_row() -> None:
    """The command computes; with the defaults it gives the row the report reads."""
    from liqcascade.cascade import stored_follow_through

    r = run_cli("cascade", "follow-through", "--asset", "ETH", "--start", "2025-07-31",
                "--end", "2025-07-31", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    (got,) = r.json()["dates"]
    m = stored_follow_through("ETH", False, end="2025-07-31")
    assert m is not None
    want = m.dates.iloc[-1]
    assert got["ts"] == want["ts"].isoformat() == "2025-07-31T20:00:00+00:00"
    assert got["seed"] == want["seed"] == 250
    for k in ("mid", "sigma", "total_median", "total_p10", "total_p90"):
        assert_same(got[k], float(want[k]), rtol=1e-9, atol=1e-9)
    assert_same(got["share_beyond"], float(want["share_beyond"]), rtol=0.0, atol=1 / 400 + 1e-12)
    text = run_cli("cascade", "follow-through", "--asset", "ETH", "--start", "2025-07-31",
                   "--end", "2025-07-31")  # fmt: skip
    assert text.exit_code == 0, text.stderr
    assert (
        "computed on every date here: this reproduces the rows stored with the liquidity "
        "calibration, which the report reads" in " ".join(text.stdout.split())
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--shock", "5%"), ("--shock", "fall")),
        (("--shock", "abc"), ("--shock",)),
        (("--shock", "0"), ("--shock", "non-zero")),
        (("--paths", "3"), ("--paths", ">= 10")),
        (("--start", "nope"), ("--start", "not a date")),
        (("--start", "2025-07-10", "--end", "2025-07-01"), ("--end", "before --start")),
        (("--asset", "SOL"), ("--asset", "SOL")),
        (("--start", "2030-01-01", "--end", "2030-02-01"), ("--start/--end", "2024-11-23")),
    ],
)
def test_bad_input_is_one_error_line(args: tuple[str, ...], words: tuple[str, ...]) -> None:
    r = run_cli("cascade", "follow-through", *args)
    assert r.exit_code == 2, (r.exit_code, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert all(w in lines[0] for w in words), lines[0]
    assert r.stdout == "" and "Traceback" not in r.stderr
