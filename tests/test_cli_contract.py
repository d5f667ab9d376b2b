"""The command line's contract on bad input (the CLI sweep of session 5).

Bad input or usage: exit 2 and one ``error: ...`` line on stderr naming the option as
typed (``--fixed-pct``) or the file, checked before any long work; never a traceback.
Where a check must come before the work, the work is replaced by a function that
fails the test if it is reached.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clihelpers import CliResult, run_cli, run_cli_subprocess
from liqcascade.errors import InputError


def _one_error(r: CliResult, *words: str) -> str:
    """Exit 2, exactly one stderr line ``error: ...`` holding every word, no stdout."""
    assert r.exit_code == 2, (r.exit_code, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:"), lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert "Traceback" not in r.stderr
    assert r.stdout == ""
    return lines[0]


def _never(*args: Any, **kw: Any) -> Any:
    raise AssertionError("the work started before the options were checked")


# ------------------------------------------------------------------ A1 cascade backtest


def test_cascade_backtest_without_events_is_an_empty_result() -> None:
    # inside the data, a trigger no bar reaches: a valid, empty result
    args = ("cascade", "backtest", "--start", "2025-02-01", "--end", "2025-02-10",
            "--trigger", "0.5")  # fmt: skip
    r = run_cli(*args, "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["n_events"] == 0 and d["events"] == []
    assert d["metrics"] and all(v is None for v in d["metrics"].values())
    assert "no events" in r.stderr  # said once, on stderr beside the JSON
    t = run_cli(*args)
    assert t.exit_code == 0, t.stderr
    assert "0 events" in t.stdout and "no events in this range" in t.stdout
    # wholly outside the derivatives data: exit 2 naming the spans (review finding 11)
    for start, end in (("2030-01-01", "2030-06-01"), ("2015-01-01", "2016-01-01")):
        _one_error(run_cli("cascade", "backtest", "--start", start, "--end", end),
                   "--start/--end", "open interest")  # fmt: skip


def test_empty_backtest_result_to_dict_keeps_its_keys() -> None:
    import pandas as pd

    from liqcascade.cascade import BacktestResult

    res = BacktestResult("ETH", "2030-01-01", "2030-06-01", 0.02, pd.DataFrame(), {"x": 1.0})
    d = res.to_dict()
    assert d["n_events"] == 0 and d["events"] == [] and d["metrics"] == {"x": 1.0}


# ------------------------------------------------------------------ A2/A3/A6 --out


@pytest.mark.parametrize("sub", ["file", "under-file"])
def test_liqmap_out_on_a_file_fails_before_the_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sub: str
) -> None:
    import liqcascade.market._liqmap as lm

    monkeypatch.setattr(lm, "run_liqmap_request", _never)
    f = tmp_path / "a.csv"
    f.write_text("x\n")
    out = f if sub == "file" else f / "sub"
    _one_error(run_cli("liqmap", "--out", str(out), "--json"), "--out", str(out))


def test_liqmap_backtest_out_on_a_file_fails_before_the_backtest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import liqcascade.market as market

    monkeypatch.setattr(market, "book_backtest", _never)
    f = tmp_path / "a.csv"
    f.write_text("x\n")
    r = run_cli("liqmap", "backtest", "--start", "2025-06-01", "--end", "2025-07-31",
                "--out", str(f), "--json")  # fmt: skip
    _one_error(r, "--out")


def test_calibrate_out_folder_and_negative_seed_fail_before_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import liqcascade.market._liqmap as lm

    monkeypatch.setattr(lm, "run_asset_calibration", _never)
    base = ("liqmap", "calibrate", "--asset", "ETH", "--month", "2025-07", "--bootstrap", "1")
    _one_error(run_cli(*base, "--out", str(tmp_path), "--json"), "--out")
    _one_error(run_cli(*base, "--seed", "-1", "--json"), "--seed", "-1")
    # given once (base's --bootstrap 1 and this one would be refused as given twice)
    r = run_cli(*base[:-2], "--bootstrap", "-2", "--json")
    _one_error(r, "--bootstrap", "-2")
    assert "twice" not in r.stderr


@pytest.mark.parametrize("month", ["2030-01", "2015-01"])
def test_calibrate_month_outside_the_data_names_month(month: str) -> None:
    r = run_cli("liqmap", "calibrate", "--asset", "ETH", "--month", month, "--bootstrap", "0")
    _one_error(r, "--month", month)


# ------------------------------------------------------------------ A4 / C16 --interval


@pytest.mark.parametrize("interval", ["7m", "0h", "-4h", "1d", "1w", "1min"])
def test_liqmap_backtest_interval_is_4h_only(interval: str) -> None:
    r = run_cli("liqmap", "backtest", "--start", "2025-06-01", "--end", "2025-07-31",
                f"--interval={interval}", "--json")  # fmt: skip
    _one_error(r, "--interval", repr(interval))


def test_backtest_library_refuses_other_intervals_naming_interval() -> None:
    from liqcascade.market import book_backtest
    from liqcascade.positions._backtest import check_interval

    check_interval("4h")
    with pytest.raises(InputError) as e:
        book_backtest("ETH", "2025-06-01", "2025-07-31", interval="1d")
    assert e.value.param == "interval"


# ------------------------------------------------------------------ A7 / B8 / B9 watch


def test_watch_checks_since_and_asset_before_polling(tmp_path: Path) -> None:
    store = str(tmp_path / "w.duckdb")
    r = run_cli_subprocess("watch", "--since", "2025-13-01", "--max-iterations", "1",
                           "--store", store, timeout=60)  # fmt: skip
    _one_error(r, "--since", "2025-13-01")
    r = run_cli_subprocess("watch", "--asset", "XRP", "--max-iterations", "1",
                           "--store", store, timeout=60)  # fmt: skip
    _one_error(r, "--asset", "XRP")
    assert not Path(store).exists()  # nothing polled, nothing stored


def test_watch_options_refuse_an_uncalibrated_asset() -> None:
    from liqcascade.live import WatchOptions
    from liqcascade.live._watch import calibrated_assets

    assert set(calibrated_assets()) >= {"ETH", "BTC"}
    with pytest.raises(InputError) as e:
        WatchOptions(asset="XRP").check()
    assert e.value.param == "asset"
    with pytest.raises(InputError) as e:
        WatchOptions(since="2025-13-01").check()
    assert e.value.param == "since"


def test_watch_line_is_stale_when_price_or_book_are_old() -> None:
    import pandas as pd

    from liqcascade.live._watch import staleness

    now = pd.Timestamp("2026-12-04 00:05", tz="UTC")
    fresh = staleness(now, now.floor("h"), now.floor("4h"))
    assert fresh == {"stale": False, "stale_reason": None}
    # offline: the bundle's last hourly close (2026-03) against a 2025-07 book
    old = staleness(now, pd.Timestamp("2026-04-01", tz="UTC"), pd.Timestamp("2025-08-01", tz="UTC"))
    assert old["stale"] is True
    assert "2026-04-01" in old["stale_reason"] and "2025-08-01" in old["stale_reason"]
    # one late bar is not stale; two are
    assert not staleness(now, now - pd.Timedelta(hours=2), now)["stale"]
    assert staleness(now, now - pd.Timedelta(hours=3), now)["stale"]


def test_watch_faults_of_an_interval_print_as_one_line() -> None:
    import io

    from liqcascade._cli import _common
    from liqcascade._cli.watch import _Faults
    from liqcascade.live import VenueNote

    buf = io.StringIO()
    old = _common.stderr._file
    _common.stderr.file = buf
    try:
        f = _Faults()
        for i in range(56):
            f.add(VenueNote(f"binance ohlcv: NetworkError {i}; retrying"))
        f.flush()
        f.flush()  # nothing new: nothing printed
    finally:
        _common.stderr._file = old
    lines = buf.getvalue().strip().splitlines()
    assert len(lines) == 1 and "56 venue faults" in lines[0] and "NetworkError 0" in lines[0]


def test_watch_store_busy_line_is_its_own_line_not_a_venue_fault(tmp_path: Path) -> None:
    """store30 item 7: the busy store's line was the 'first' of the venue-fault summary, or
    hidden among its 'N venue faults' (it is the watcher's, not a venue's)."""
    import io

    import pandas as pd

    from liqcascade._cli import _common
    from liqcascade._cli.watch import _Faults
    from liqcascade.live import VenuePoller
    from test_watch.fake import SYM, OfflineExchange

    now = int(pd.Timestamp("2025-07-20 03:30", tz="UTC").value // 1_000_000)
    busy = (f"store: {tmp_path / 's.duckdb'}: cannot open: another process (PID 7) has it "
            "open; ...; this interval's rows are stored at the next one")  # fmt: skip
    buf = io.StringIO()
    old = _common.stderr._file
    _common.stderr.file = buf
    try:
        f = _Faults()
        p = VenuePoller(OfflineExchange(now), SYM, log=f.add, sleep=lambda s: None)
        p.start_interval()
        p.fetch("ohlcv", "1h", now - 48 * 3_600_000, now)  # the venue's faults, gathered
        f.add(busy)  # the watcher's write (live._watch.Watcher._write logs it so)
        f.flush()
    finally:
        _common.stderr._file = old
    lines = buf.getvalue().strip().splitlines()
    assert len(lines) == 2, lines
    # at once, on its own (its leading `store` is `--store` once the CLI ran a command)
    assert lines[0] in (f"warning: {busy}", f"warning: --{busy}")
    assert "venue faults this interval, first: binance ohlcv" in lines[1]
    assert "cannot open" not in lines[1]


# ------------------------------------------------------------------ E22 option names


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("stops", "backtest", "--fixed-pct", "0"), "--fixed-pct"),
        (
            (
                "stops",
                "recommend",
                "--side",
                "long",
                "--k",
                "0",
                "--entry",
                "3700",
                "--size",
                "1",
                "--leverage",
                "10",
            ),
            "--k",
        ),
        (("cascade", "--fragility", "--total-move", "nan"), "--total-move"),
        (("contagion", "--preset", "oct-2025", "--shock", "inf"), "--shock"),
    ],
)
def test_errors_name_the_option_not_the_library_parameter(args: tuple[str, ...], flag: str) -> None:
    line = _one_error(run_cli(*args), flag)
    internal = flag.removeprefix("--").replace("-", "_")
    assert not line.removeprefix("error: ").startswith(internal + " ")


def test_error_line_maps_a_leading_parameter_name_only_for_known_flags() -> None:
    from liqcascade._cli import _common

    saved = dict(_common.STATE.flags)
    _common.STATE.flags = {"fixed_pct": "--fixed-pct"}
    try:
        assert _common.error_line(InputError("fixed_pct must be > 0")) == "--fixed-pct must be > 0"
        assert _common.error_line(InputError("other must be > 0")) == "other must be > 0"
        # a file's error keeps its text
        e = InputError("fixed_pct must be > 0", file="x.csv")
        assert _common.error_line(e) == "x.csv: fixed_pct must be > 0"
    finally:
        _common.STATE.flags = saved


def test_collateral_config_errors_name_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[no_such_block]\nx = 1\n")
    _one_error(run_cli("collateral", "--config", str(cfg), "--json"), "bad.toml")


def test_contagion_config_errors_name_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[no_such_block]\nx = 1\n")
    _one_error(run_cli("contagion", "--config", str(cfg), "--json"), "bad.toml")


# ------------------------------------------------------------------ E23-E28


def test_verbose_is_documented_as_a_flag() -> None:
    r = run_cli("--help")
    assert r.exit_code == 0
    line = next(ln for ln in r.stdout.splitlines() if "--verbose" in ln)
    assert "<int>" not in line


def test_pol_verify_negative_total_is_exit_2(tmp_path: Path) -> None:
    proof = tmp_path / "p.json"
    proof.write_text(json.dumps({}))
    _one_error(run_cli("pol", "verify", str(proof), "--root", "ab", "--total", "-1"), "--total")


def test_data_export_reversed_range_is_exit_2(tmp_path: Path) -> None:
    r = run_cli("data", "export", "--kind", "ohlcv", "--out", str(tmp_path / "x.csv"),
                "--start", "2021-04-07", "--end", "2021-04-05",
                "--store", str(tmp_path / "none.duckdb"))  # fmt: skip
    _one_error(r, "--start", "--end")
    assert not (tmp_path / "x.csv").exists()


def test_header_only_positions_are_refused_naming_the_file(tmp_path: Path) -> None:
    pos = tmp_path / "header_only.csv"
    pos.write_text("side,size,entry_price,leverage\n")
    book = tmp_path / "book.csv"
    book.write_text("side,price,size\nbid,3699,20\nbid,3690,30\nask,3701,20\nask,3710,30\n")
    r = run_cli("cascade", "--positions", str(pos), "--book", str(book), "--shock", "-0.05")
    _one_error(r, "--positions", "header_only.csv")
    r = run_cli("liqmap", "--positions", str(pos), "--price", "3700", "--json")
    _one_error(r, "--positions", "header_only.csv")


def test_cascade_zero_shock_and_unknown_book_model_fail_before_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import liqcascade.market as market

    monkeypatch.setattr(market, "estimated_market", _never)
    _one_error(run_cli("cascade", "--shock", "0", "--json"), "--shock")
    _one_error(run_cli("cascade", "--liquidity", "static", "--shock", "0", "--json"), "--shock")
    r = run_cli("cascade", "--book-model", "foo", "--shock", "-0.05", "--json")
    _one_error(r, "--book-model", "foo")


def test_vol_help_lists_the_intervals_it_accepts() -> None:
    from liqcascade.volatility._returns import INTERVALS

    r = run_cli("vol", "--help")
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())
    for iv in INTERVALS:
        assert iv in text, iv


def test_diff_text_labels_each_headline_with_its_asset(tmp_path: Path) -> None:
    label = "How far a 5 % fall carries price"
    heads = {
        "move_5pct": {"label": label, "value": -0.07, "unit": "fraction", "asset": "ETH"},
        "move_5pct_btc": {"label": label, "value": -0.06, "unit": "fraction", "asset": "BTC"},
    }
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        summary = {"front": {"as_of": "2025-07-31", "headlines": heads}}
        (tmp_path / name / "summary.json").write_text(json.dumps(summary))
    r = run_cli("diff", str(tmp_path / "a"), str(tmp_path / "b"))
    assert r.exit_code == 0, r.stderr
    assert f"ETH: {label}" in r.stdout and f"BTC: {label}" in r.stdout
