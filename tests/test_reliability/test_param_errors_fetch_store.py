"""Contagion presets, the ccxt fetch, the DuckDB store and the solvency exchange name
their parameters (``InputError.param``), not flags; each command prints the flag it took,
on one line, exit 2 (CONTRIBUTING.md, "Errors name the parameter").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli, run_cli_subprocess
from liqcascade.errors import InputError
from test_reliability._helpers import assert_refused
from test_solvency._helpers import write_positions

HOURLY = "time,open,high,low,close,volume\n" + "".join(
    f"2024-01-01 {h:02d}:00,1,2,0.5,1.5,10\n" for h in range(3)
)
FETCH = ("data", "fetch", "--exchange", "binance", "--symbol", "ETH/USDT:USDT", "--kind", "ohlcv")


def _not_duckdb(tmp_path: Path) -> Path:
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a DuckDB file\n")
    return bad


def _under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "afile").write_text("x")
    return tmp_path / "afile" / "store.duckdb"


# -- the library: messages in its own terms, param set -------------------------------------------
def test_preset_and_fetch_errors_carry_the_parameter() -> None:
    from liqcascade.contagion import load_preset, run_preset
    from liqcascade.data import fetch_series

    with pytest.raises(InputError, match=r"^name: unknown preset 'nope' \(have: oct-2025") as e:
        load_preset("nope")
    assert e.value.param == "name" and "--" not in str(e.value)
    with pytest.raises(InputError, match=r"^name: unknown preset 'nope'") as e:
        run_preset("nope")
    assert e.value.for_flags({"name": "--preset"}).startswith("--preset: unknown preset")

    ex = object()  # every check below comes before the exchange is used
    with pytest.raises(InputError, match=r"^kind must be one of ohlcv, .* for fetch") as e:
        fetch_series(ex, "ETH/USDT:USDT", "depth", "2025-10-01")
    assert e.value.param == "kind"
    with pytest.raises(InputError, match=r"^interval: not a bar interval: 'events'$") as e:
        fetch_series(ex, "ETH/USDT:USDT", "ohlcv", "2025-10-01", interval="events")
    assert e.value.param == "interval"
    with pytest.raises(InputError, match=r"^until must not be before since$") as e:
        fetch_series(ex, "ETH/USDT:USDT", "ohlcv", "2025-10-05", "2025-10-01")
    assert e.value.params == ("until", "since")
    flags = {"until": "--until", "since": "--since"}
    assert e.value.for_flags(flags) == "--until must not be before --since"


def test_unknown_exchange_carries_the_parameter() -> None:
    pytest.importorskip("ccxt")
    from liqcascade.data._fetch import make_exchange

    with pytest.raises(InputError, match=r"^exchange: unknown exchange 'nosuch'") as e:
        make_exchange("nosuch")
    assert e.value.param == "exchange"


def test_store_errors_name_the_file_and_the_parameter(tmp_path: Path) -> None:
    from liqcascade.data import Store

    bad = _not_duckdb(tmp_path)
    with pytest.raises(InputError, match=rf"^store: {re.escape(str(bad))}: cannot open: ") as e:
        Store(bad).count()
    assert e.value.param == "store" and "--" not in str(e.value)
    nested = _under_a_file(tmp_path)
    with pytest.raises(InputError, match=rf"^store: {re.escape(str(nested))}: cannot create") as e:
        Store(nested).ingest([])
    assert e.value.param == "store"
    with pytest.raises(InputError, match=rf"^store: {re.escape(str(bad))}: opened read-only$") as e:
        Store(bad, read_only=True).ingest([])
    assert e.value.param == "store"


def test_an_unknown_kind_of_the_store_lists_its_tables(tmp_path: Path) -> None:
    """``Store.read('prices')`` was a bare ``KeyError: 'prices'``."""
    from liqcascade.data import Store

    st = Store(tmp_path / "none.duckdb", read_only=True)
    tables = "ohlcv, open_interest, funding, liquidations, liquidation_events, depth, taker"
    for call in (lambda: st.read("prices"), lambda: st.count("prices")):
        with pytest.raises(InputError, match=rf"^kind must be one of the store's tables {tables}"):
            call()
    with pytest.raises(InputError, match=r"\(got 'prices'\)$") as e:
        st.read("prices")
    assert e.value.param == "kind"
    assert st.count("ohlcv") == 0 and st.read("liquidation_events").empty  # the names still work


def test_a_store_the_variable_chose_is_named_by_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``store`` given: the error names ``$LIQCASCADE_STORE`` (or the default), no param."""
    from liqcascade.data import Store

    bad = _not_duckdb(tmp_path)
    monkeypatch.setenv("LIQCASCADE_STORE", str(bad))
    want = rf"^\$LIQCASCADE_STORE: {re.escape(str(bad))}: cannot open: not a DuckDB store"
    with pytest.raises(InputError, match=want) as e:
        Store().count()
    assert e.value.params == ()
    monkeypatch.setenv("LIQCASCADE_STORE", str(tmp_path))
    with pytest.raises(InputError, match=r"^\$LIQCASCADE_STORE: .*: is a folder, not a DuckDB"):
        Store().ingest([])
    monkeypatch.delenv("LIQCASCADE_STORE")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".liqcascade").mkdir()
    (tmp_path / ".liqcascade" / "store.duckdb").write_text("not a DuckDB file\n")
    with pytest.raises(InputError, match=r"^the default store: .*store\.duckdb: cannot open"):
        Store(read_only=True).count()


# -- the command line: the flag the user typed, one line, exit 2 ---------------------------------
def test_contagion_prints_the_preset_flag() -> None:
    assert_refused(
        run_cli("contagion", "--preset", "nope", "--json"),
        "error: --preset: unknown preset 'nope' (have: oct-2025",
    )


def test_data_fetch_prints_its_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    # the exchange is never called: the checks come first (no network)
    seam: Any = lambda exchange_id: object()  # noqa: E731
    monkeypatch.setattr("liqcascade._cli.data.make_exchange", seam)
    assert_refused(
        run_cli(*FETCH, "--since", "2025-10-01", "--interval", "events"),
        "error: --interval: not a bar interval: 'events'",
    )
    assert_refused(
        run_cli(*FETCH, "--since", "2025-10-05", "--until", "2025-10-01"),
        "error: --until must not be before --since",
    )


def test_unknown_exchange_prints_the_exchange_flag(tmp_path: Path) -> None:
    pytest.importorskip("ccxt")
    fetch = list(FETCH)
    fetch[3] = "nosuch"
    assert_refused(
        run_cli(*fetch, "--since", "2025-10-01", "--store", str(tmp_path / "s.duckdb")),
        "error: --exchange: unknown exchange 'nosuch'",
    )
    assert_refused(
        run_cli("watch", "--exchange", "nosuch", "--store", str(tmp_path / "w.duckdb")),
        "error: --exchange: unknown exchange 'nosuch'",
    )


def test_store_errors_print_the_store_flag(tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text(HOURLY)
    nested = _under_a_file(tmp_path)
    ingest = ("data", "ingest", str(f), "--venue", "binance", "--symbol", "TESTUSDT")
    assert_refused(
        run_cli(*ingest, "--store", str(nested)), f"error: --store: {nested}: cannot create folder"
    )
    bad = _not_duckdb(tmp_path)
    for args in (("data", "list"), ("vol",)):
        assert_refused(run_cli(*args, "--store", str(bad)), f"error: --store: {bad}: cannot open")


@pytest.mark.parametrize(
    "args",
    [("data", "ingest", "h.csv"), ("data", "list"), ("vol",), ("cascade", "backtest"),
     ("data", "export", "--kind", "ohlcv", "--out", "x.csv")],
)  # fmt: skip
def test_store_errors_name_the_variable_that_chose_it(tmp_path: Path, args: tuple) -> None:
    """No --store given: a bad $LIQCASCADE_STORE is blamed on the variable, not --store.

    In a fresh process: in this one, an earlier test's cached series of the default
    store may answer without opening the store at all (a store chosen by the variable
    is read once per process in real use).
    """
    (tmp_path / "h.csv").write_text(HOURLY)
    bad = _not_duckdb(tmp_path)
    args = tuple(str(tmp_path / a) if a.endswith(".csv") else a for a in args)
    r = run_cli_subprocess(*args, env={"LIQCASCADE_STORE": str(bad)})
    line = assert_refused(r, f"$LIQCASCADE_STORE: {bad}: cannot open: not a DuckDB store")
    assert "--store" not in line


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--insurance-fund", "-1"], "error: --insurance-fund must be >= 0 (got -1.0)"),
        (["--insurance-fund", "1e300"],
         "error: --insurance-fund must be at most 1e+15 USD (got 1e+300)"),
        (["--insurance-fund", "1", "--reserve-buffer", "-0.1"],
         "error: --reserve-buffer must be >= 0 (got -0.1)"),
        (["--insurance-fund", "1", "--liabilities", "-5"],
         "error: --liabilities must be > 0 and finite (got -5.0)"),
    ],
)  # fmt: skip
def test_solvency_prints_its_flags(tmp_path: Path, args: list[str], line: str) -> None:
    f = write_positions(tmp_path)
    assert_refused(run_cli("solvency", "--positions", str(f), *args), line)


def test_a_broken_store_is_not_read_as_missing_series(tmp_path: Path) -> None:
    """The market swallowed every store error as "absent": a broken default store made
    ETH's bundled open interest read as "not in the store and not bundled"."""
    bad = _not_duckdb(tmp_path)
    r = run_cli_subprocess("liqmap", "--asset", "ETH", env={"LIQCASCADE_STORE": str(bad)})
    line = assert_refused(r, f"$LIQCASCADE_STORE: {bad}: cannot open: not a DuckDB store")
    assert "not bundled" not in line


def test_a_series_nobody_holds_is_still_absent() -> None:
    from liqcascade.data import SeriesNotFound
    from liqcascade.errors import InputError
    from liqcascade.market._inputs import _series

    assert issubclass(SeriesNotFound, InputError)
    assert _series("taker", "NOSUCH", "4h", False) is None
    assert _series("open_interest", "ETH", "4h", False) is not None


@pytest.mark.parametrize("loader", ["long_short_for", "load_backtest_data", "load_market_frames"])
def test_the_position_book_frames_do_not_read_a_broken_store_as_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: str
) -> None:
    """The identified book's frames took every error of a store as "absent" and fell back
    on the bundle: a default store that is not a DuckDB file gave ETH's bundled series
    (and ``(None, "none")`` long/short ratios) without a word."""
    from liqcascade.market import _inputs

    bad = _not_duckdb(tmp_path)
    monkeypatch.setenv("LIQCASCADE_STORE", str(bad))
    with pytest.raises(InputError, match=r"cannot open: not a DuckDB store") as e:
        getattr(_inputs, loader)("ETH")
    assert "not bundled" not in str(e.value)
    with pytest.raises(InputError, match=rf"store: {re.escape(str(bad))}: cannot open"):
        getattr(_inputs, loader)("ETH", store=bad)


def test_a_long_short_series_nobody_holds_is_still_absent() -> None:
    from liqcascade.market._inputs import load_market_frames, long_short_for

    assert long_short_for("ETH", store=False) == (None, "none")  # none bundled for ETH
    assert long_short_for("BTC", store=False)[1] == "bundled:btc_long_short_4h"
    frames = load_market_frames("ETH", store=False)
    assert frames.long_short is None and frames.sources["open_interest"] == "bundled:eth_oi_4h"
