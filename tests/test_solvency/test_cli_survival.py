"""``liqcascade solvency``: how often history fell as deep as the ADL start.

On a hand positions file (one 10x long at 100, bankruptcy 90, path engine): with a fund
of 5 ADL starts at −15 %; the line under it counts the 24 h windows of the bundled ETH
hourly bars that fell that deep, and the JSON's ``fund_survival`` carries the same
counts as the library gives on those bars. With a fund that covers every fall run, the
line counts the deepest fall run and says ADL needs a deeper one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli


def _one_long(tmp_path: Path) -> str:
    f = tmp_path / "one.csv"
    f.write_text("side,size,entry_price,margin\nlong,1,100,10\n")
    return str(f)


def _args(tmp_path: Path, *more: str) -> tuple[str, ...]:
    return ("solvency", "--positions", _one_long(tmp_path), "--mid", "100",
            "--insurance-fund", "5", "--scenario=-5%", *more)  # fmt: skip


def test_json_counts_the_adl_start_fall_as_the_library_does(tmp_path: Path) -> None:
    from liqcascade.market import bars_until
    from liqcascade.solvency._survival import fall_count, window_falls

    r = run_cli(*_args(tmp_path, "--scenario=-60%", "--json"))
    assert r.exit_code == 0, r.stderr
    out = r.json()
    fs, start = out["fund_survival"], out["adl_start"]
    assert fs["adl_start"] is True and fs["asset"] == "ETH"
    assert fs["depth"] == pytest.approx(-start["shock"], abs=1e-12)
    assert start["shock"] == pytest.approx(-0.15, abs=start["tolerance"])
    assert [h["hours"] for h in fs["horizons"]] == [1, 24, 720]
    bars = bars_until("ETH", "1h")
    for h in fs["horizons"]:
        want = fall_count(window_falls(bars, h["hours"])[1], fs["depth"])
        assert (h["k"], h["n"]) == (want["k"], want["n"])
        assert h["interval"][0] <= h["p"] <= h["interval"][1]
    day = fs["horizons"][1]
    assert 0 < day["k"] < day["n"] and day["n"] > 3000  # ETH since 2017: > 3,000 days
    oos = fs["out_of_sample"]
    assert [h["hours"] for h in oos["horizons"]] == [1, 24, 720]
    assert set(oos["horizons"][1]["brier"]) == {"history", "normal", "student_t"}
    roll = fs["rolling"]
    assert [h["hours"] for h in roll["horizons"]] == [1, 24, 720]
    assert roll["horizons"][1]["brier_vs"]["student_t"]["verdict"] in ("beats", "ties", "loses")


def test_each_fall_gets_the_reports_24h_frequency(tmp_path: Path) -> None:
    # the report's column ("days with a 24 h fall this deep"): the same count of the
    # same windows, per fall scenario, in the JSON and in the table
    from liqcascade.market import bars_until
    from liqcascade.solvency import fall_frequencies, probability_text

    r = run_cli(*_args(tmp_path, "--scenario=-20%", "--scenario=+10%", "--json"))
    assert r.exit_code == 0, r.stderr
    ff = r.json()["fall_frequency"]
    assert ff["horizon_hours"] == 24 and ff["before"].startswith("2026-04-01T00:00")
    assert [x["scenario"] for x in ff["scenarios"]] == ["-5%", "-20%"]  # the rise has none
    want = fall_frequencies(bars_until("ETH", "1h"), [0.05, 0.2], 24)
    for got, w in zip(ff["scenarios"], want, strict=True):
        assert (got["k"], got["n"]) == (w["k"], w["n"])
        assert got["p"] == pytest.approx(w["p"], rel=1e-12)
    text = run_cli(*_args(tmp_path, "--scenario=-20%", "--scenario=+10%"), env={"COLUMNS": "300"})
    assert text.exit_code == 0, text.stderr
    assert "days with a 24 h fall this deep" in text.stdout
    w = want[1]
    assert f"{probability_text(w['p'])} ({w['k']:,} of {w['n']:,})" in text.stdout


def test_text_line_under_the_adl_start(tmp_path: Path) -> None:
    r = run_cli(*_args(tmp_path, "--scenario=-60%"))
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    i = next(k for k, x in enumerate(lines) if x.startswith("ADL starts"))
    line = lines[i + 1]
    assert line.startswith("a fall this deep (-14.9 %, from a close to the lowest hourly low) "
                           "within 24 h happened in ")  # fmt: skip
    assert " days before 2026-04-01 00:00 UTC: p = " in line and "95 % interval" in line
    assert "1 h: " in line and "30 days: " in line
    assert lines[i + 2].startswith("out of sample, rolling (frequency and baselines ")
    assert "; 24 h (" in lines[i + 2] and "history " in lines[i + 2]


def test_no_adl_start_counts_the_deepest_fall_run(tmp_path: Path) -> None:
    r = run_cli(*_args(tmp_path))
    assert r.exit_code == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("a fall as deep"))
    assert line.startswith("a fall as deep as the deepest run (-5.0 %")
    assert "ADL needs a deeper fall, so its chance is lower" in line
