"""Bad input found by the eighth read-only review (sections B–D): exit 2, one line naming
the file, row or option — never exit 1 ("internal error") and never silently ignored."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.positions._estimate import EstimationParams
from test_reliability._helpers import assert_refused

NOT_UTF8 = b"\xba\xad\xf0\x0d latin-1 caf\xe9\n"


# -- B10: a non-UTF-8 configuration / params file -----------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["collateral", "--config"],
        ["liqmap", "backtest", "--start", "2025-06-01", "--end", "2025-06-10", "--params"],
    ],
    ids=["collateral-config", "liqmap-backtest-params"],
)
def test_non_utf8_file_is_refused(tmp_path: Path, args: list[str]) -> None:
    f = tmp_path / "cfg.bin"
    f.write_bytes(NOT_UTF8)
    assert_refused(run_cli(*args, str(f)), str(f), "not UTF-8 text")


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ('{"turnover": "fast"}', 'turnover must be a number (got "fast")'),
        ('{"leverages": [2, "x"]}', "leverages must be a list of numbers"),
        ('{"tiers": 5}', "tiers must be text (got 5)"),
        ('{"tiers": "FOOUSDT"}', "tiers 'FOOUSDT' is not a tier table"),
        ('{"venue_share": true}', "venue_share must be a number (got true)"),
    ],
)
def test_params_of_the_wrong_type_name_the_key(tmp_path: Path, doc: str, needle: str) -> None:
    f = tmp_path / "params.json"
    f.write_text(doc)
    with pytest.raises(InputError, match=r"params\.json") as exc:
        EstimationParams.from_json(f)
    assert needle in str(exc.value)
    r = run_cli("liqmap", "backtest", "--start", "2025-06-01", "--end", "2025-06-10",
                "--params", str(f))  # fmt: skip
    assert_refused(r, str(f), needle)


# -- C11: options that do not apply are refused, never silently ignored -------------------------
BOOK = Path(__file__).resolve().parents[1] / "data" / "book"
POS, OB = str(BOOK / "positions.csv"), str(BOOK / "book.csv")


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        (["--as-of", "2025-01-01"], ["--as-of selects the estimated market", "--positions"]),
        (["--asset", "BTC", "--as-of", "2025-01-01"], ["--as-of selects the estimated market"]),
        # --asset names the file's symbol-less rows' asset: prices of 100 are not BTC's
        (["--asset", "BTC"], [POS, "BTC", "add a symbol column"]),
    ],
)
def test_liqmap_estimated_options_with_positions(extra: list[str], needles: list[str]) -> None:
    assert_refused(run_cli("liqmap", "--positions", POS, "--price", "100", *extra), *needles)
    assert run_cli("liqmap", "--positions", POS, "--price", "100").exit_code == 0


def test_liqmap_heatmap_days_bounded(tmp_path: Path) -> None:
    r = run_cli("liqmap", "--heatmap-days", "100000", "--out", str(tmp_path / "o"))
    assert_refused(r, "--heatmap-days must be 0 to 365 days (got 100000)")
    assert not (tmp_path / "o").exists()


def test_cascade_asset_with_files_and_total_move_without_fragility() -> None:
    files = ["cascade", "--positions", POS, "--book", OB]
    # with files --asset names the rows' asset (session 26): ETH-scale rows read as BTC
    assert_refused(run_cli(*files, "--shock", "-0.01", "--asset", "BTC"),
                   "read as BTCUSDT", "give --asset ETH")  # fmt: skip
    assert_refused(run_cli(*files, "--shock", "-0.01", "--total-move", "-0.5"),
                   "--total-move goes with --fragility")  # fmt: skip
    assert run_cli(*files, "--fragility", "--total-move", "-0.05").exit_code == 0
    assert run_cli(*files, "--shock", "-0.01").exit_code == 0
    # the estimated market (calibrated liquidity, its default) refuses it too
    assert_refused(run_cli("cascade", "--total-move", "-0.5"), "--total-move goes with --fragility")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--month", "2025-06"], "--month goes with --asset"),
        (["--store", "x.duckdb"], "--store goes with --asset"),
        (["--asset", "BTC", "--start", "2025-01-01"], "--start: not with --asset"),
        (["--asset", "BTC", "--oos-end", "2025-07-01"], "--oos-end: not with --asset"),
    ],
)
def test_liqmap_calibrate_mode_options(args: list[str], needle: str) -> None:
    t0 = time.process_time()
    assert_refused(run_cli("liqmap", "calibrate", *args), needle)
    assert time.process_time() - t0 < 10  # before any calibration (minutes)


# -- C12: rows that contradict themselves ---------------------------------------------------------
def _csv(tmp_path: Path, name: str, text: str) -> str:
    f = tmp_path / name
    f.write_text(text)
    return str(f)


BOOK_2000 = "side,price,size\nbid,1999,50\nbid,1990,100\nask,2001,50\nask,2010,100\n"


@pytest.mark.parametrize("command", ["cascade", "solvency", "liqmap"])
@pytest.mark.parametrize(
    ("row", "needles"),
    [
        # margin 100 on 2,000 of notional is 20x, not 50x
        ("long,1,2000,100,50,", ["data row 1", "margin 100.00 and leverage 50 disagree", "40.00"]),
        # 10x long at 2,000: bankrupt at 1,800; a liquidation at 5 contradicts its margin
        (
            "long,1,2000,,10,5",
            ["data row 1", "liq_price 5.00 lies below the bankruptcy price 1,800"],
        ),
        ("short,1,2000,,10,2500", ["data row 1", "liq_price 2,500.00 lies above the bankruptcy"]),
        ("long,1,2000,,0.5,", ["data row 1", "leverage 0.5 is below 1x"]),
    ],
)
def test_self_contradicting_rows(
    tmp_path: Path, command: str, row: str, needles: list[str]
) -> None:
    pos = _csv(tmp_path, "p.csv", f"side,size,entry_price,margin,leverage,liq_price\n{row}\n")
    book = _csv(tmp_path, "b.csv", BOOK_2000)
    args = {
        "cascade": ["--book", book, "--shock", "-0.01"],
        "solvency": [],
        "liqmap": ["--price", "2000"],
    }[command]
    assert_refused(run_cli(command, "--positions", pos, *args), pos, *needles)


def test_agreeing_rows_and_over_collateralised_margin_are_accepted(tmp_path: Path) -> None:
    from liqcascade.positions import read_positions

    rows = [
        "long,1,2000,200.5,10,",  # within 1 %
        "long,1,2000,4000,,",  # margin above notional: never liquidated (liq 0)
        "long,1,2000,,10,1795",  # 0.25 % of entry beyond bankruptcy: within the tolerance
        "short,1,2000,,10,2150",
    ]
    text = "side,size,entry_price,margin,leverage,liq_price\n" + "\n".join(rows) + "\n"
    book = read_positions(_csv(tmp_path, "p.csv", text))
    assert len(book) == 4
    assert book.liq_price[2] == 1795.0 and book.liq_price[3] == 2150.0


def test_margin_leverage_below_one_is_refused_as_everywhere() -> None:
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                "--leverage", "0.5")  # fmt: skip
    assert_refused(r, "--leverage 0.5 is below 1x", "give the margin instead")
    ok = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                 "--margin", "4000")  # fmt: skip
    assert ok.exit_code == 0, ok.stderr
    stops = run_cli("stops", "recommend", "--side", "long", "--entry", "3700", "--size", "1",
                    "--leverage", "0.5")  # fmt: skip
    assert stops.exit_code == 2


@pytest.mark.parametrize(
    ("stop", "needle"),
    [
        ("sell,2500,1", "a sell stop at 2,500.00 is at or above"),
        ("sell,2000,1", "a sell stop at 2,000.00 is at or above"),  # at the mid
        ("buy,1900,1", "a buy stop at 1,900.00 is at or below"),
    ],
)
def test_stop_already_triggered_is_refused(tmp_path: Path, stop: str, needle: str) -> None:
    pos = _csv(tmp_path, "p.csv", "side,size,entry_price,leverage\nlong,1,2000,10\n")
    stops = _csv(tmp_path, "s.csv", f"side,trigger_price,size\n{stop}\n")
    book = _csv(tmp_path, "b.csv", BOOK_2000)
    r = run_cli("cascade", "--positions", pos, "--book", book, "--stops", stops,
                "--shock", "-0.01")  # fmt: skip
    assert_refused(r, stops, "data row 1", needle, "already triggered")
    r = run_cli("liqmap", "--positions", pos, "--stops", stops, "--price", "2000")
    assert_refused(r, stops, needle.split(" is ")[0], "already triggered")
    fine = _csv(tmp_path, "ok.csv", "side,trigger_price,size\nsell,1950,1\nbuy,2100,1\n")
    assert run_cli("cascade", "--positions", pos, "--book", book, "--stops", fine,
                   "--shock", "-0.01").exit_code == 0  # fmt: skip


# -- D13/D14: the real cause, the option's name ---------------------------------------------------
def test_semicolon_positions_are_read(tmp_path: Path) -> None:
    from liqcascade.positions import read_positions

    semi = _csv(
        tmp_path, "p.csv", "side;size;entry_price;leverage\nlong;2;2000;10\nshort;1;2010;5\n"
    )
    comma = _csv(
        tmp_path, "c.csv", "side,size,entry_price,leverage\nlong,2,2000,10\nshort,1,2010,5\n"
    )
    a, b = read_positions(semi), read_positions(comma)
    assert a.size.tolist() == b.size.tolist() == [2.0, 1.0]
    assert a.liq_price.tolist() == b.liq_price.tolist()


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("p.json", b'[{"side":"long","size":1,"entry_price":2000,"leverage":10}]', "a JSON file"),
        ("p.csv", b"", "the file is empty"),
        ("p.csv", b"  \n\n", "the file is empty"),
        ("p.csv", b"side,size,entry_price,leverage,note\nlong,1,2000,10,caf\xe9\n", "not UTF-8"),
    ],
)
def test_positions_file_cause_is_named(
    tmp_path: Path, name: str, content: bytes, needle: str
) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    book = _csv(tmp_path, "b.csv", BOOK_2000)
    r = run_cli("cascade", "--positions", str(f), "--book", book, "--shock", "-0.01")
    assert "missing column" not in assert_refused(r, str(f), needle)


@pytest.mark.parametrize("command", ["cascade", "liqmap", "solvency"])
@pytest.mark.parametrize(
    "content", ["", "side,size,entry_price,leverage\n"], ids=["empty", "header"]
)
def test_an_empty_and_a_header_only_positions_file_are_named_alike(
    tmp_path: Path, command: str, content: str
) -> None:
    """Both name the option and the file, in every command that reads ``--positions``."""
    f = _csv(tmp_path, "p.csv", content)
    more = {
        "cascade": ("--book", _csv(tmp_path, "b.csv", BOOK_2000), "--shock", "-0.01"),
        "liqmap": ("--price", "2000"),
        "solvency": (),
    }[command]
    why = "the file has no position rows (a header only)" if content else "the file is empty"
    line = assert_refused(run_cli(command, "--positions", f, *more), why)
    if not content:
        why += " (a header row is needed)"
    assert line == f"error: --positions: {f}: {why}", line


def test_book_file_causes(tmp_path: Path) -> None:
    pos = _csv(tmp_path, "p.csv", "side,size,entry_price,leverage\nlong,1,2000,10\n")
    lots = _csv(tmp_path, "lots.csv", "side,price,size\nbid,1999,lots\nask,2001,1\n")
    bids = _csv(tmp_path, "bids.csv", "side,price,size\nbid,1999,5\nbid,1990,5\n")
    run = ("cascade", "--positions", pos, "--shock", "-0.01", "--book")
    assert_refused(
        run_cli(*run, lots), lots, "data row 1 (file line 2): size is not a number (got 'lots')"
    )
    assert_refused(run_cli(*run, bids), "one-sided book (only bids): give --mid")
    assert run_cli(*run, bids, "--mid", "2000").exit_code == 0


MARGIN = ("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000")


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        (["--mmr", "0"], ["--mmr must be a fraction in (0, 1)"]),
        # not a USDT perpetual: no table to fall back on (FOOUSDT runs on ETHUSDT's, with a caveat)
        (["--symbol", "FOOUSD"], ["--symbol 'FOOUSD'", "--tiers"]),
        (["--venue", "hyperliquid", "--symbol", "DOGE"], ["--symbol 'DOGE'", "give --mmr"]),
        (["--symbol", ""], ["--symbol is empty"]),
        (["--venue", "bybit", "--symbol", " "], ["--symbol is empty"]),
    ],
)
def test_margin_messages_name_the_option(extra: list[str], needles: list[str]) -> None:
    line = assert_refused(run_cli(*MARGIN, "--leverage", "10", *extra), *needles)
    for internal in ("package:", "data row 1", "fetch_tiers_ccxt", "pass max_leverage"):
        assert internal not in line, line


def test_margin_tiers_folder(tmp_path: Path) -> None:
    r = run_cli(*MARGIN, "--leverage", "10", "--tiers", str(tmp_path))
    assert_refused(r, str(tmp_path), "is a folder, not a tier table file")
    ok = run_cli(*MARGIN, "--leverage", "10", "--venue", "hyperliquid", "--symbol", "DOGE",
                 "--mmr", "0.05")  # fmt: skip
    assert ok.exit_code == 0, ok.stderr


def test_fetch_since_in_the_future_names_since(monkeypatch: pytest.MonkeyPatch) -> None:
    from liqcascade.data._fetch import fetch_series

    # a date the clock cannot reach (2030 would stop being "the future" in 2030; pandas
    # timestamps end in 2262)
    seam = lambda exchange_id: object()  # noqa: E731  (never called: no network)
    monkeypatch.setattr("liqcascade._cli.data.make_exchange", seam)
    r = run_cli("data", "fetch", "--exchange", "binance", "--symbol", "ETH/USDT:USDT",
                "--kind", "ohlcv", "--since", "2200-01-01")  # fmt: skip
    line = assert_refused(r, "--since (2200-01-01 00:00) is in the future")
    assert "--until must not" not in line
    with pytest.raises(InputError, match=r"^since 2200-01-01 00:00 UTC is in the future") as e:
        fetch_series(object(), "ETH/USDT:USDT", "ohlcv", "2200-01-01")
    assert e.value.params == ("since",)


def test_support_study_start_after_end() -> None:
    r = run_cli("support-study", "--start", "2025-01-01", "--end", "2024-01-01")
    assert_refused(r, "--start (2025-01-01) is after --end (2024-01-01)")


def test_range_and_engine_messages_name_flags(tmp_path: Path) -> None:
    r = run_cli("liqmap", "--range", "0.001", "--bucket", "0.01")
    line = assert_refused(r, "--range must be >= --bucket (got 0.001 < 0.01; both are fractions")
    assert "range_" not in line
    pos = _csv(tmp_path, "p.csv", "side,size,entry_price,leverage\nlong,1,2000,10\n")
    r = run_cli("solvency", "--positions", pos, "--engine", "cascade")
    assert_refused(r, "--engine cascade needs an order book: give --book too")


def test_backtest_unknown_asset_names_no_library_parameter() -> None:
    args = ("--asset", "DOGE", "--start", "2025-01-01", "--end", "2025-02-01")
    r = run_cli("cascade", "backtest", *args)
    line = assert_refused(r, "--asset: no hourly prices for DOGE", "data ingest")
    assert "data_file" not in line


def test_pol_out_under_a_file(tmp_path: Path) -> None:
    users = _csv(tmp_path, "users.csv", "user,balance\nalice,10\nbob,5\n")
    f = tmp_path / "afile.txt"
    f.write_text("x")
    for sub in (f / "sub", f / "a" / "b"):
        r = run_cli("pol", "build", users, "--out", str(sub))
        line = assert_refused(r, "--out", f"{f} is a file, not a folder")
        assert "does not exist" not in line


def test_watch_alert_percent() -> None:
    from liqcascade.live._alerts import parse_rule

    assert parse_rule("critical_shock>-3%").value == pytest.approx(-0.03)
    assert parse_rule("critical_shock > -0.03").value == pytest.approx(-0.03)
    assert parse_rule("cluster_within_pct<1%").value == pytest.approx(1.0)
    with pytest.raises(InputError, match=r"notional_2pct_usd is in USD.*without %"):
        parse_rule("notional_2pct_usd>5%")
    r = run_cli("watch", "--alert", "price>5%", "--max-iterations", "1")
    assert_refused(r, "--alert", "price is in USD", "without %")


def test_cascade_calibrate_store_not_duckdb_names_store(tmp_path: Path) -> None:
    csv = _csv(tmp_path, "not_a_store.csv", "a,b\n1,2\n")
    t0 = time.process_time()
    r = run_cli("cascade", "calibrate", "--asset", "ETH", "--store", csv)
    line = assert_refused(r, "--store", csv, "not a DuckDB store")
    assert "--asset" not in line
    assert time.process_time() - t0 < 30
