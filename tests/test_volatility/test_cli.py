from __future__ import annotations

import pytest

KEYS = {
    "model", "dist", "n_obs", "params", "std_err", "pvalues", "leverage_gamma",
    "leverage_pvalue", "leverage_verdict", "persistence", "half_life_days", "annualized_vol",
    "loglik", "aic", "bic", "arch_lm_pvalue_raw", "arch_lm_pvalue_std", "periods",
}  # fmt: skip


def test_json_keys_and_values(cli) -> None:
    r = cli("vol", "--asset", "ETH", "--interval", "1d", "--start", "2022-01-01",
            "--end", "2023-12-31", "--model", "egarch", "--dist", "normal", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert KEYS <= set(d)
    assert d["n_obs"] == 729 and d["model"] == "egarch" and d["dist"] == "normal"
    assert set(d["params"]) == {"mu", "omega", "alpha[1]", "gamma[1]", "beta[1]"}
    assert d["leverage_verdict"] in {"significant", "inverted", "not significant"}
    assert d["periods"] == []
    assert d["persistence"] == pytest.approx(d["params"]["beta[1]"])
    assert d["arch_lm_pvalue_raw"] < 0.01


def test_by_period_and_garch_leverage(cli) -> None:
    r = cli("vol", "--start", "2021-01-01", "--end", "2022-12-31", "--model", "garch",
            "--by-period", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["leverage_model"] == "gjr" and "gamma[1]" not in d["params"]
    labels = [p["label"] for p in d["periods"]]
    assert labels == ["2021", "2022"]  # each multi-year span clipped to one year is that year
    for p in d["periods"]:
        assert {"start", "end", "n_obs", "gamma", "pvalue", "ci_low", "ci_high", "verdict"} <= set(
            p
        )
    # the first close of the range only anchors: 2021's returns start on 2 January, so the
    # row is a part-year and its start is the first return's day
    assert d["periods"][0]["start"] == "2021-01-02" and d["periods"][0]["partial"] is True
    assert d["periods"][1]["partial"] is False  # 2022: every day of the year


def test_a_clipped_span_is_printed_as_a_part_with_its_real_days(cli) -> None:
    r = cli("vol", "--by-period", "--start", "2024-01-01", "--as-of", "2025-01-15")
    assert r.exit_code == 0, r.stderr
    assert "2022–2025 (part)" in r.stdout and "2025 (part)" in r.stdout
    assert "2022–2025 holds 2024-01-02 → 2025-01-15" in r.stdout


def test_human_output(cli) -> None:
    r = cli("vol", "--start", "2024-01-01", "--end", "2025-06-30")
    assert r.exit_code == 0, r.stderr
    assert "leverage effect" in r.stdout and "gamma[1]" in r.stdout


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--model", "figarch"), "--model"),
        (("--dist", "ged"), "--dist"),
        (("--interval", "2h"), "--interval"),
        (("--start", "2024-03-01", "--end", "2024-02-01"), "--start"),
        (("--start", "2024-01-01", "--end", "2024-02-01"), "too few observations"),
        (("--start", "not-a-date"), "--start"),
        (("--data", "/nonexistent/file.csv"), "--data"),
    ],
)
def test_bad_options_exit_2(cli, args: tuple[str, ...], option: str) -> None:
    r = cli("vol", *args, "--json")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith("error:") and option in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--interval", "2h"), "--interval must be one of 1d, 4h, 1h, 30m (got '2h')"),
        (("--start", "2024-03-01", "--end", "2024-02-01"),
         "--start (2024-03-01) is after --end (2024-02-01)"),
    ],
)  # fmt: skip
def test_library_errors_name_the_flags(cli, args: tuple[str, ...], line: str) -> None:
    # the library raises InputError(param=...); the command line shows the flag typed
    r = cli("vol", *args)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [f"error: {line}"]


def test_data_file(cli, tmp_path) -> None:
    from liqcascade import datasets

    df = datasets.load_ohlcv("BTC", "1d", start="2023-01-01", end="2023-12-31")
    f = tmp_path / "btc.csv"
    df.reset_index().to_csv(f, index=False)
    r = cli("vol", "--data", str(f), "--asset", "BTC", "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["n_obs"] == 364
    assert d["data_source"].startswith("file:")


@pytest.mark.parametrize(
    ("args", "said"),
    [((), "the default --interval 1d"), (("--interval", "1d"), "--interval 1d")],
    ids=["default", "given"],
)
def test_data_file_of_other_bars_says_which_interval_to_give(cli, tmp_path, args, said) -> None:
    """``vol --data eth1h.csv`` blamed an ``--interval 1d`` the user never gave and said
    "or leave it out", which keeps the default (clia22)."""
    f = tmp_path / "eth1h.csv"
    ts = [f"2025-06-{1 + i // 24:02d} {i % 24:02d}:00:00+00:00" for i in range(240)]
    rows = "".join(f"{t},100,101,99,{100 + i % 3},5\n" for i, t in enumerate(ts))
    f.write_text("ts,open,high,low,close,volume\n" + rows)
    r = cli("vol", "--data", str(f), *args)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == f"error: {f}: {said}: this file has 1h bars: give --interval 1h"


def test_a_fit_on_the_stationarity_bound_prints_no_interval(cli) -> None:
    """ETH's daily GJR-t to the market date sits on arch's bound: said, no ± interval."""
    r = cli("vol", "--asset", "ETH")
    assert r.exit_code == 0, r.stderr
    assert "persistence at the stationarity bound (integrated)" in r.stdout
    assert "persistence 1.0000 ±" not in r.stdout and "reaches 1" not in r.stdout
    d = cli("vol", "--asset", "ETH", "--json").json()
    assert d["persistence_at_bound"] is True and d["persistence_se"] is None
    # the out-of-sample block: the rule's window, both proxies, a DM p per model
    o = d["oos"]
    assert o["available"] and (o["start"], o["end"]) == ("2023-08-01", "2025-07-31")
    assert o["refits"] == 9 and o["dm_lag"] == 6
    assert [s["proxy"] for s in o["scores"]] == [
        "squared return",
        "realised variance (hourly bars)",
    ]
    for s in o["scores"]:
        assert set(s["dm_pvalue"]) == set(s["verdict"]) == {"garch", "gjr", "egarch"}
        assert s["best_baseline"] in {"ewma", "trailing_30d"}
    assert "out of sample: 1-day-ahead variance 2023-08-01 → 2025-07-31" in r.stdout
    assert "EWMA 0.94" in r.stdout and "DM p" in r.stdout


def test_no_out_of_sample_score_on_a_short_range_says_why(cli) -> None:
    d = cli("vol", "--start", "2024-01-01", "--json").json()
    assert d["oos"]["available"] is False and "need >= 500" in d["oos"]["reason"]
