"""Time as users bring it (session 18's sweep): files' time columns and date options.

Each case here was read silently at the wrong time before: a time of day with no date
stored at today's date, a time without an offset among times with one read as UTC, and
an option date such as ``01.07.2025`` read as 7 January while ``31.07.2025`` is 31 July.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clihelpers import run_cli
from liqcascade._time import as_of_instant, resolve_as_of, to_utc, utc_end
from liqcascade.data import Store
from liqcascade.data._ops import ingest_files
from liqcascade.data._time import parse_times
from liqcascade.errors import InputError
from liqcascade.events import load_bars
from liqcascade.protect import backtest_stops
from liqcascade.volatility import log_returns
from profiles import examples
from test_reliability._helpers import assert_refused

HEADER = "ts,open,high,low,close,volume"
BAR = "2300,2310,2290,2305,10"  # near ETH's price: the files are labelled ETHUSDT
HOURS = pd.date_range("2024-01-01", periods=6, freq="h", tz="UTC")


def _parse(values: list[str]) -> pd.Series:
    return parse_times(pd.Series(values), "f.csv", "ts")


# -- a file's time column -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "row", "shown"),
    [
        (["00:00", "01:00", "02:00"], 1, "'00:00'"),
        (["1:00 PM", "2:00 PM"], 1, "'1:00 PM'"),
        (["2024-01-01 00:00", "01:00:00.5"], 2, "'01:00:00.5'"),
        (["13:45:10+02:00"], 1, "'13:45:10+02:00'"),
    ],
    ids=["hh:mm", "12-hour", "one-row-among-dates", "with-offset"],
)
def test_a_time_of_day_without_a_date_is_refused(values: list[str], row: int, shown: str) -> None:
    # pandas reads '00:00' as today at midnight: the bars were stored at the day of the run
    lead = re.escape(f"f.csv: data row {row}: ts: {shown} is a time of day with no date")
    with pytest.raises(InputError, match=f"^{lead}"):
        _parse(values)


@pytest.mark.parametrize("word", ["now", "today", " Today "])
def test_a_word_for_the_current_time_is_refused(word: str) -> None:
    with pytest.raises(InputError, match=r"^f\.csv: data row 2: ts: .* is not a date"):
        _parse(["2024-01-01 00:00", word])


def test_a_file_with_date_and_time_columns_is_refused_not_stored_today(tmp_path: Path) -> None:
    # `time` comes before `date` among the time columns: the time of day alone was read
    f = tmp_path / "split.csv"
    rows = [f"{t:%Y-%m-%d},{t:%H:%M},{BAR}" for t in HOURS]
    f.write_text("date,time,open,high,low,close,volume\n" + "\n".join(rows) + "\n")
    store = tmp_path / "s.duckdb"
    r = run_cli("data", "ingest", str(f), "--symbol", "ETHUSDT", "--store", str(store))
    assert_refused(r, f"{f}: data row 1 (file line 2): time: '00:00' is a time of day with no date")
    assert not store.exists()


@pytest.mark.parametrize(
    ("values", "row", "shown", "other"),
    [
        (["2025-01-01T00:00+01:00", "2025-01-01T01:00+01:00", "2025-01-01T02:00"], 3,
         "'2025-01-01T02:00' has no UTC offset", "'2025-01-01T00:00+01:00' has one"),
        (["2025-01-01 00:00", "2025-01-01 01:00", "2025-01-01 02:00Z"], 3,
         "'2025-01-01 02:00Z' has a UTC offset", "'2025-01-01 00:00' has none"),
        (["2025-01-01", "2025-01-02 00:00:00 +0000", "2025-01-03 00:00:00 +0000"], 1,
         "'2025-01-01' has no UTC offset", "'2025-01-02 00:00:00 +0000' has one"),
    ],
    ids=["naive-among-offsets", "offset-among-naive", "date-among-offsets"],
)  # fmt: skip
def test_times_with_and_without_an_offset_in_one_file_are_refused(
    values: list[str], row: int, shown: str, other: str
) -> None:
    # a time without an offset is read as UTC; beside times with +01:00 it is most likely
    # the same local time, and was moved an hour
    with pytest.raises(InputError) as e:
        _parse(values)
    msg = str(e.value)
    assert msg.startswith(f"f.csv: data row {row}: ts {shown}"), msg
    assert other in msg and "one time format per file" in msg


def test_offsets_across_a_dst_change_are_each_honoured() -> None:
    # Berlin local times written with their offsets, through the autumn change: the
    # 02:00 hour occurs twice (+02:00, then +01:00) and the UTC bars are even
    true = pd.date_range("2025-10-25 22:00", periods=8, freq="h", tz="UTC")
    text = [t.tz_convert("Europe/Berlin").isoformat() for t in true]
    assert text[2:4] == ["2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00"]
    assert list(_parse(text)) == list(true)


def test_times_each_with_an_offset_or_each_without_are_read() -> None:
    assert list(_parse(["2025-01-01T01:00+01:00", "2025-01-01T02:00:00.000+0100"])) == [
        pd.Timestamp("2025-01-01 00:00", tz="UTC"),
        pd.Timestamp("2025-01-01 01:00", tz="UTC"),
    ]
    assert list(_parse(["2025-01-01", "2025-01-02"])) == [
        pd.Timestamp("2025-01-01", tz="UTC"),
        pd.Timestamp("2025-01-02", tz="UTC"),
    ]


@pytest.mark.parametrize(
    ("numbers", "hint"),
    [
        ([20250101, 20250102, 20250103], "YYYYMMDD: 20250101 is 2025-01-01"),
        ([45658, 45659, 45660], "spreadsheet day numbers: 45658 is 2025-01-01"),
    ],
    ids=["yyyymmdd", "excel-serial"],
)
def test_dates_as_numbers_are_refused_with_what_they_look_like(
    numbers: list[int], hint: str
) -> None:
    with pytest.raises(InputError) as e:
        parse_times(pd.Series(numbers), "f.csv", "ts")
    assert hint in str(e.value) and "write the dates as text (2025-01-01)" in str(e.value)


# -- date options -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["01.07.2025", "01/07/2025", "07/01/2025", "01-07-2025", "01.07.25"]
)
def test_an_option_date_whose_day_and_month_cannot_be_told_apart_is_refused(text: str) -> None:
    # pandas reads '01.07.2025' month-first (7 January) and '31.07.2025' day-first
    with pytest.raises(InputError) as e:
        as_of_instant(text)
    msg = str(e.value)
    assert msg.startswith(f"as_of: {text!r}: day and month cannot be told apart"), msg
    assert "2025-07-01" in msg and "2025-01-07" in msg and "write it as YYYY-MM-DD" in msg
    assert e.value.param == "as_of"
    with pytest.raises(InputError, match="day and month cannot be told apart"):
        to_utc(text)  # every library route that reads a date refuses it
    with pytest.raises(InputError, match="day and month cannot be told apart"):
        utc_end(text)


def test_one_day_written_in_any_form_is_one_instant() -> None:
    want = pd.Timestamp("2025-08-01", tz="UTC")  # the close of 31 July's last bar
    for text in ("2025-07-31", "20250731", "2025/07/31", "31.07.2025", "07/31/2025",
                 "31/07/2025", "Jul 31 2025", "2025-08-01T00:00Z", "2025-08-01T05:00+05:00",
                 "2025-07-31T19:00-05:00"):  # fmt: skip
        assert as_of_instant(text) == want, text
    assert as_of_instant("05.05.2025") == pd.Timestamp("2025-05-06", tz="UTC")  # day == month


@pytest.mark.parametrize(
    "args",
    [
        ("liqmap", "--as-of", "01.07.2025"),
        ("data", "export", "--kind", "ohlcv", "--start", "01/07/2025"),
        ("vol", "--start", "01.07.2025"),
    ],
    ids=["liqmap-as-of", "data-export-start", "vol-start"],
)
def test_the_command_line_refuses_an_ambiguous_date_naming_the_flag(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    env = {"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")}
    extra = ("--out", str(tmp_path / "x.csv")) if args[:2] == ("data", "export") else ()
    r = run_cli(*args, *extra, env=env)
    assert_refused(r, f"{args[-2]}: '{args[-1]}': day and month cannot be told apart")


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(min_value=-(2**62), max_value=2**62).map(float),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_numbers_are_read_or_refused_as_input(numbers: list[float]) -> None:
    # a hint on a refused number computed a date from it: 1e19 overflowed pandas (exit 1)
    try:
        out = parse_times(pd.Series(numbers, dtype="float64"), "f.csv", "ts")
    except InputError:
        return
    lo, hi = pd.Timestamp("2009-01-01", tz="UTC"), pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=2)
    assert ((out.dropna() >= lo) & (out.dropna() <= hi)).all()


# -- instants pandas holds but the package's microsecond bars do not ---------------------------
IDX4 = pd.date_range("2025-07-30", "2025-07-31 20:00", freq="4h", tz="UTC").as_unit("us")


def test_a_sub_microsecond_as_of_reads_as_its_microsecond() -> None:
    # '...59.9999999Z' is 100 ns before midnight: searching the µs bar labels for it was an
    # internal error (pandas cannot convert it losslessly), exit 1 in solvency --as-of
    t = as_of_instant("2025-07-31T23:59:59.9999999Z")
    assert t == pd.Timestamp("2025-07-31 23:59:59.999999", tz="UTC")
    # the inclusive day end (23:59:59.999999) counts as the next midnight: 20:00's bar is in
    assert resolve_as_of("2025-07-31T23:59:59.9999999Z", IDX4) == IDX4[-1]
    assert resolve_as_of("2025-07-31T23:59:59.9999989Z", IDX4) == IDX4[-2]
    assert resolve_as_of(pd.Timestamp("2025-07-31 12:00:00.000000001", tz="UTC"), IDX4) == IDX4[-4]
    assert to_utc("2025-07-31T12:00:00.0000009") == pd.Timestamp("2025-07-31 12:00", tz="UTC")


@pytest.mark.parametrize("text", ["9999-12-31", "2300-01-01T00:00Z"])
def test_an_as_of_beyond_2262_is_after_the_data_not_an_internal_error(text: str) -> None:
    # 9999-12-31's close (10000-01-01) is beyond Python's datetime: formatting it crashed
    # the end is the last bar's close (its open in the parentheses), as the note quotes it
    end = r"the series ends 2025-08-01 00:00 UTC \(the close of its last bar, 2025-07-31 20:00"
    with pytest.raises(InputError, match=rf"^as_of {text}: {end}"):
        resolve_as_of(text, IDX4)
    assert as_of_instant(text) <= pd.Timestamp.max.tz_localize("UTC")


def test_support_study_as_of_9999_is_refused_in_one_line(tmp_path: Path) -> None:
    r = run_cli("support-study", "--as-of", "9999-12-31",
                env={"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")})  # fmt: skip
    assert_refused(r, "--as-of: the ETH 1d bars end", "give an earlier date")


# -- an end given as a day holds that whole day, on every route ---------------------------------
def test_support_study_end_day_holds_its_intraday_bars(tmp_path: Path) -> None:
    # --end 2024-06-30 was parsed to the instant 00:00 before the library saw it: the 4h
    # study stopped at the day's first bar (help: "Last day (UTC), inclusive")
    env = {"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")}
    runs = {}
    for end in ("2024-06-30", "2024-06-30T20:00Z", "30 Jun 2024"):
        r = run_cli("support-study", "--interval", "4h", "--start", "2024-01-01", "--end", end,
                    "--json", env=env)  # fmt: skip
        assert r.exit_code == 0, r.stderr
        runs[end] = r.json()
    assert runs["2024-06-30"]["end"] == "2024-06-30T20:00:00+00:00"
    assert runs["2024-06-30"]["n_bars"] == runs["2024-06-30T20:00Z"]["n_bars"]
    assert runs["30 Jun 2024"] == runs["2024-06-30"]


def test_load_bars_reads_dates_given_as_text() -> None:
    from liqcascade.events import load_bars

    # a naive end was compared with the UTC bars: TypeError (an internal error)
    df, _ = load_bars("ETH", "1h", "2024-06-29", "2024-06-30")
    assert df.index[0] == pd.Timestamp("2024-06-29", tz="UTC")
    assert df.index[-1] == pd.Timestamp("2024-06-30 23:00", tz="UTC")
    df, _ = load_bars("ETH", "1h", "2024-06-29", "2024-06-30T05:00+05:00")  # 00:00 UTC
    assert df.index[-1] == pd.Timestamp("2024-06-30 00:00", tz="UTC")


def test_data_export_end_day_holds_its_hours(tmp_path: Path) -> None:
    from liqcascade.data import Store

    f = tmp_path / "h.csv"
    hours = pd.date_range("2024-01-01", periods=48, freq="h", tz="UTC")
    f.write_text(HEADER + "\n" + "\n".join(f"{t:%Y-%m-%d %H:%M},{BAR}" for t in hours) + "\n")
    store = tmp_path / "s.duckdb"
    assert (
        run_cli("data", "ingest", str(f), "--symbol", "ETHUSDT", "--store", str(store)).exit_code
        == 0
    )
    for end, rows in (("2024-01-01", 24), ("2024-01-01T05:00", 6), ("2024-01-01T05:00+01:00", 5)):
        out = tmp_path / "x.csv"
        r = run_cli("data", "export", "--kind", "ohlcv", "--end", end, "--out", str(out),
                    "--store", str(store))  # fmt: skip
        assert r.exit_code == 0, r.stderr
        assert len(pd.read_csv(out)) == rows, end
    with Store(store, read_only=True) as s:  # the library's bound reads a day as a day too
        assert len(s.read("ohlcv", end="2024-01-01")) == 24
        assert len(s.read("ohlcv", end=pd.Timestamp("2024-01-01", tz="UTC"))) == 1  # an instant


def _window(text: str) -> object:
    from liqcascade.stress._scenarios import window_bars

    return window_bars(text, "ETH")


def _returns(text: str) -> object:
    from liqcascade.volatility._returns import log_returns

    close = pd.Series([1.0, 2.0], index=pd.date_range("2025-01-01", periods=2, tz="UTC"))
    return log_returns(close, start=text)


def _stops(text: str) -> object:
    from liqcascade.protect import backtest_stops

    return backtest_stops(start=text)


@pytest.mark.parametrize("call", [_window, _returns, _stops], ids=["window", "vol", "stops"])
def test_library_routes_that_read_dates_refuse_an_ambiguous_one(call: object) -> None:
    # each read its dates with its own pd.Timestamp: 01.02.2024 was 2 January
    text = "01.02.2024/05.02.2024" if call is _window else "01.02.2024"
    with pytest.raises(InputError, match=r"'01\.02\.2024': day and month cannot be told apart"):
        call(text)  # type: ignore[operator]


def test_fetch_until_a_day_holds_that_day() -> None:
    from liqcascade.data import fetch_series
    from test_data.test_fetch import SYM, T0, FakeExchange, kline

    h = 3_600_000  # 30 hourly bars from 2025-10-01 00:00; until the day 2025-10-01: 24
    ex = FakeExchange({"ohlcv": [[kline(T0 + i * h, 4000 + i) for i in range(30)]]})
    res = fetch_series(ex, SYM, "ohlcv", "2025-10-01", "2025-10-01", "1h", sleep=lambda s: None)
    assert res.series.rows == 24
    assert res.series.frame["ts"].iloc[-1] == pd.Timestamp("2025-10-01 23:00", tz="UTC")


# -- bar labels: open times, one bar length ----------------------------------------------------
def _ohlcv_file(path: Path, stamps: list[str], time_col: str = "ts") -> Path:
    rows = "\n".join(f"{t},{BAR}" for t in stamps)
    path.write_text(HEADER.replace("ts", time_col, 1) + "\n" + rows + "\n")
    return path


def test_a_file_stamped_only_by_close_time_is_refused(tmp_path: Path) -> None:
    # `close_time` was taken as the bar label (any column naming a time): every bar moved
    # one interval later than it traded
    hours = pd.date_range("2024-01-01 01:00", periods=24, freq="h", tz="UTC")
    f = _ohlcv_file(tmp_path / "c.csv", [f"{t:%Y-%m-%d %H:%M}" for t in hours], "close_time")
    r = run_cli("data", "ingest", str(f), "--store", str(tmp_path / "s.duckdb"))
    assert_refused(r, f"{f}: the only time column, 'close_time', is each bar's close time")


def test_bars_closer_than_their_interval_are_refused_naming_the_row(tmp_path: Path) -> None:
    # two bars at hh:30 among hourly bars overlap their neighbours; they were stored
    hours = list(pd.date_range("2024-01-01", periods=24, freq="h", tz="UTC"))
    hours.insert(6, pd.Timestamp("2024-01-01 05:30", tz="UTC"))
    f = _ohlcv_file(tmp_path / "o.csv", [f"{t:%Y-%m-%d %H:%M}" for t in hours])
    r = run_cli("data", "ingest", str(f), "--store", str(tmp_path / "s.duckdb"))
    assert_refused(
        r,
        f"{f}: data row 7 (file line 8): ts 2024-01-01 05:30 is 30m after the bar before it "
        f"(data row 6, "
        "2024-01-01 05:00), less than the 1h bars",
    )


def test_an_iso_column_is_read_without_the_row_by_row_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the offset and time-of-day patterns cost about a second per million rows (6x the
    # reading itself): a column ISO 8601 reads whole, one offset or none, skips them
    import liqcascade.data._time as t

    def called(*_: object) -> None:
        raise AssertionError("row-by-row check ran")

    monkeypatch.setattr(t, "_check_offsets", called)
    naive = [f"{h:%Y-%m-%d %H:%M:%S}" for h in HOURS]
    aware = [h.tz_convert("Europe/Berlin").isoformat() for h in HOURS]
    assert list(_parse(naive)) == list(HOURS)
    assert list(_parse(aware)) == list(HOURS)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda v: log_returns(pd.Series([1.0, 2.0], index=HOURS[:2]), start=v), "start"),
        (lambda v: log_returns(pd.Series([1.0, 2.0], index=HOURS[:2]), end=v), "end"),
        (lambda v: Store("s.duckdb", read_only=True).read("ohlcv", start=v), "start"),
        (lambda v: Store("s.duckdb", read_only=True).read("ohlcv", end=v), "end"),
        (lambda v: load_bars("ETH", "1d", start=v), "start"),
        (lambda v: backtest_stops(start=v), "start"),
    ],
    ids=["log_returns-start", "log_returns-end", "read-start", "read-end", "load_bars", "stops"],
)
def test_a_library_date_whose_day_and_month_cannot_be_told_apart_names_its_parameter(
    call: Callable[[str], object], name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # to_utc refused it as "date: ..." with no param: the caller's parameter is named
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bars.csv").write_text(
        f"{HEADER}\n" + "\n".join(f"{t:%Y-%m-%d %H:%M},{BAR}" for t in HOURS)
    )
    ingest_files([tmp_path / "bars.csv"], store="s.duckdb", symbol="ETHUSDT")
    with pytest.raises(InputError) as e:
        call("01.07.2025")
    assert e.value.param == name
    assert str(e.value).startswith(f"{name}: '01.07.2025': day and month cannot be told apart")


# ---- a time-zone name is not read: the refusal says what to write --------------------


@pytest.mark.parametrize(
    "value", ["2025-07-31 20:00 EST", "2025-07-31T20:00 CET", "Jul 31 2025 Europe/Berlin"]
)
def test_a_zone_name_is_refused_saying_what_to_write(value: str) -> None:
    for args in (("liqmap", "--as-of", value), ("cascade", "--shock", "-5%", "--as-of", value)):
        line = assert_refused(run_cli(*args), "--as-of", repr(value))
        assert "-05:00" in line and "UTC" in line and "time-zone name" in line, line
    with pytest.raises(InputError, match="write an offset"):
        as_of_instant(value)


def test_a_word_that_is_no_zone_name_gets_no_zone_hint() -> None:
    line = assert_refused(run_cli("liqmap", "--as-of", "2025-07-31 20:00 later"))
    assert line == "error: --as-of: not a date or time: '2025-07-31 20:00 later'"


# ---- every date a user gives goes through one reader (session 22) ----------------------
ZONED = "2025-07-31 20:00 EST"


def _contagion_file(tmp_path: Path, value: str) -> Path:
    # the test world's first venue priced at a bundled bar (mid_at) instead of a given mid
    src = Path(__file__).parent / "data" / "contagion"
    for f in src.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    cfg = tmp_path / "two_venues.toml"
    text = cfg.read_text().replace("mid = 2000.0", f'mid_at = "{value}"\ndata_venue = "binance"', 1)
    cfg.write_text(text)
    return cfg


def _load_contagion(value: str, tmp_path: Path) -> object:
    from liqcascade.contagion._config import build_setup, load_config

    cfg = _contagion_file(tmp_path, value)
    return build_setup(load_config(cfg), cfg.parent)


def _watch_since(value: str, _: Path) -> object:
    from liqcascade.live import WatchOptions

    return WatchOptions(since=value).check()


def _heatmap(value: str, _: Path) -> object:
    from liqcascade.market import market_heatmap

    return market_heatmap(value, "2025-07-31")


def _replay_window(value: str, _: Path) -> object:
    from liqcascade.stress._scenarios import window_bars

    return window_bars(f"{value}/2025-08-01", "ETH")


@pytest.mark.parametrize(
    ("call", "name", "param"),
    [
        (_load_contagion, "venues[0].mid_at", None),
        (_watch_since, "since", "since"),
        (_heatmap, "start", "start"),
        (_replay_window, "window", "window"),
    ],
    ids=["contagion-toml", "watch-since", "market-heatmap", "stress-window"],
)
@pytest.mark.parametrize("value", [ZONED, "2025-13-45", "yesterday"])
def test_each_library_date_is_read_by_the_one_reader(
    call: Callable[[str, Path], object], name: str, param: str | None, value: str, tmp_path: Path
) -> None:
    # each read its dates with its own pd.Timestamp: "... EST" got no word of what to
    # write (the contagion file said "not a date/time", the window "not a date range")
    with pytest.raises(InputError) as e:
        call(value, tmp_path)
    text = str(e.value)
    assert e.value.param == param
    assert f"{name}: not a date or time: {value!r}" in text, text  # the file may lead
    assert text.count(name) == 1 and "--" not in text, text
    assert ("write an offset, as in 2025-07-31 20:00-05:00" in text) == (value == ZONED), text


def test_the_command_line_shows_the_reader_s_refusal_with_its_flag_or_file_key(
    tmp_path: Path,
) -> None:
    portfolio = str(Path(__file__).parent / "data" / "stress" / "portfolio.csv")
    window = f"{ZONED}/2025-08-01"
    line = assert_refused(
        run_cli("stress", "--portfolio", portfolio, "--scenario", "replay", "--window", window),
        f"error: --window: not a date or time: {ZONED!r} (a time-zone name",
    )
    assert line.count("--window") == 1, line
    cfg = _contagion_file(tmp_path, ZONED)
    line = assert_refused(
        run_cli("contagion", "--config", str(cfg)),
        f"venues[0].mid_at: not a date or time: {ZONED!r} (a time-zone name",
    )
    assert line.count(cfg.name) == 1 and "write an offset" in line, line


# -- one reader, no module's own wrapper (session 24) -------------------------------------------
def test_a_required_time_refuses_none_and_nat_as_any_time_that_reads_as_none() -> None:
    """``follow_through_dates`` said ``start must be a date (got NaT)``, the over-time markets
    ``start: not a date or time: NaT``: two wrappers of ``to_utc``, one rule now."""
    from liqcascade.cascade._follow_through import follow_through_dates

    assert to_utc(None) is pd.NaT and to_utc(pd.NaT, "start") is pd.NaT  # not required
    for value in (None, pd.NaT):
        with pytest.raises(InputError, match=rf"^start: not a date or time: {value!r}$") as e:
            to_utc(value, "start", required=True)
        assert e.value.param == "start"
    first, last = pd.Timestamp("2025-01-01", tz="UTC"), pd.Timestamp("2025-02-01", tz="UTC")
    with pytest.raises(InputError, match=r"^start: not a date or time: NaT$") as e:
        follow_through_dates(pd.NaT, None, first=first, last=last)
    assert e.value.param == "start"
    # a date is that day's check time (DATE_HOUR); None is the first market's
    days = follow_through_dates("2025-01-10", "2025-01-12", first=first, last=last)
    assert len(days) == 3 and days[0].normalize() == pd.Timestamp("2025-01-10", tz="UTC")


def test_log_returns_reads_its_bounds_with_the_shared_reader() -> None:
    close = pd.Series([100.0, 101.0, 102.0, 103.0], index=pd.date_range("2024-01-01", periods=4))
    assert len(log_returns(close)) == 3  # None: no bound
    assert len(log_returns(close, "2024-01-02", "2024-01-03")) == 1  # the end day is whole
    with pytest.raises(InputError, match=r"^start \(2024-01-03\) is after end") as e:
        log_returns(close, "2024-01-03", "2024-01-02 00:00")
    assert e.value.params == ("start", "end")
    with pytest.raises(InputError, match=r"^end: not a date or time: 'soon'$"):
        log_returns(close, end="soon")


def test_no_module_keeps_its_own_utc_wrapper() -> None:
    """Six modules wrapped ``to_utc``/``utc_end`` in a ``_ts``/``_utc`` of their own.

    The command line's market line keeps its ``_ts``: a stored record's missing field is
    None there (``utc_time`` gives NaT, which prints as ``NaT`` and is truthy).
    """
    src = Path(__file__).resolve().parents[1] / "src" / "liqcascade"
    found = sorted(
        str(f.relative_to(src))
        for f in src.rglob("*.py")
        if re.search(r"^def _(ts|utc)\b", f.read_text(encoding="utf-8"), re.M)
    )
    assert found == ["_cli/_market_line.py"]
