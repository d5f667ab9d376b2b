"""A calibration fitted long before the market is said to be stale (review-lookahead8 #3).

The latest book fit and liquidity calibration are used whatever their age; when their
data end more than ``STALE_CALIBRATION_DAYS`` before the market's close, the market's
caveats (``market.caveats`` in the JSON, one ``warning:`` line each on stderr) say so
and name the command that refits them (never a ``--flag``: library words).
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from clihelpers import run_cli_subprocess
from liqcascade._cli._common import command_hint, hinted_warnings
from liqcascade.market import MarketSpec, estimated_market
from liqcascade.market import _state as state_mod
from newasset import copy_calibrations, relabelled_store


@pytest.fixture(autouse=True)
def fresh_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_mod, "_LOGGED", set())


@pytest.fixture(scope="module")
def later_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """BTC's series as SHF, 364 days later (2025-11 → 2026-07), with BTC's calibrations.

    Those calibrations were fitted on data to 2025-06-30 (book) and events before
    2025-08-01 (liquidity): about a year before SHF's market.
    """
    path = tmp_path_factory.mktemp("shf") / "store.duckdb"
    relabelled_store(path, symbol="SHFUSDT", shift_days=364)
    return copy_calibrations(path, symbol="SHFUSDT")


def _fit(end: str) -> SimpleNamespace:
    return SimpleNamespace(month="2025-07", fit_start="2024-11-13", fit_end=end)


def test_the_rule_is_one_constant_of_days_after_the_fits_data() -> None:
    close = pd.Timestamp("2025-08-01", tz="UTC")
    days = state_mod.STALE_CALIBRATION_DAYS
    assert days == 62
    # data to 2025-05-31: they end on 2025-06-01, 61 days before the close: not stale
    assert state_mod._stale_fit_caveat("ETH", _fit("2025-05-31"), close) is None
    assert state_mod._stale_fit_caveat("ETH", _fit("2025-05-30"), close) is None  # 63 - 1
    said = state_mod._stale_fit_caveat("ETH", _fit("2025-05-29"), close)
    assert said is not None and "63 days before this market" in said
    assert "(`liqcascade liqmap calibrate`, asset ETH)" in said and "--" not in said
    assert state_mod._stale_fit_caveat("ETH", None, close) is None


def test_the_bundled_default_markets_are_not_stale() -> None:
    for a in ("ETH", "BTC"):
        m = estimated_market(MarketSpec(a, store=False))
        assert not [c for c in m.caveats if "STALE" in c], m.caveats


def test_a_market_a_year_after_its_calibrations_says_both_are_stale(
    later_store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="liqcascade.market"):
        m = estimated_market(MarketSpec("SHF", store=later_store))
    assert m.close_time == pd.Timestamp("2026-07-31", tz="UTC")
    stale = [c for c in m.caveats if "STALE" in c]
    assert len(stale) == 2, m.caveats
    book, liq = stale
    assert book.startswith("position book STALE: the SHF book uses the fit for 2025-07")
    assert "-> 2025-06-30, 395 days before this market" in book
    assert "(`liqcascade liqmap calibrate`, asset SHF)" in book
    assert liq.startswith("liquidity response STALE: the SHF calibration is fitted on events")
    assert "before 2025-08-01, 364 days before this market" in liq
    assert "(`liqcascade cascade calibrate`, asset SHF)" in liq
    assert not any("--" in c for c in stale)  # library words: no flags
    logged = [r.getMessage() for r in caplog.records if "STALE" in r.getMessage()]
    assert len(logged) == 2 and all(ln.startswith("warning: SHF market") for ln in logged)


def test_the_command_line_warns_once_each_and_the_json_carries_them(later_store: Path) -> None:
    r = run_cli_subprocess(
        "liqmap", "--asset", "SHF", "--json", env={"LIQCASCADE_STORE": str(later_store)}
    )
    assert r.exit_code == 0, r.stderr
    caveats = [c for c in r.json()["market"]["caveats"] if "STALE" in c]
    assert len(caveats) == 2
    warned = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: ") and "STALE" in ln]
    # the JSON keeps the library's words; the warning's hint is a command to run, as an
    # error's is: (`liqcascade liqmap calibrate --asset SHF`)
    assert warned == [
        f"warning: SHF market 2026-07-30 20:00 UTC: {command_hint(c)}" for c in caveats
    ]
    assert "(`liqcascade liqmap calibrate --asset SHF`)" in warned[0]
    assert "(`liqcascade cascade calibrate --asset SHF`)" in warned[1]
    assert all("`, asset SHF)" in c for c in caveats)


def _unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logging as the command line finds it: no handler on the way to the root."""
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setattr(logging.getLogger("liqcascade"), "handlers", [])


def test_a_logged_caveat_gets_the_runnable_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """While the command line runs, a logged line's hint is rewritten as its errors' are."""
    _unconfigured(monkeypatch)
    log = logging.getLogger("liqcascade.market")
    with hinted_warnings():
        log.warning("warning: %s", "refit it (`liqcascade liqmap calibrate`, asset SOL)")
        log.warning("warning: %s", "no hint, 5 %")
        log.info("not shown: below the last-resort handler's level")
    assert capsys.readouterr().err.splitlines() == [
        "warning: refit it (`liqcascade liqmap calibrate --asset SOL`)",
        "warning: no hint, 5 %",
    ]


def test_a_malformed_log_call_is_logging_s_error_not_the_caller_s(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad ``%d`` is reported by logging (``--- Logging error ---``), never raised."""
    _unconfigured(monkeypatch)
    with hinted_warnings():
        logging.getLogger("liqcascade.market").warning("%d", "abc")
        logging.getLogger("elsewhere").warning("%d", "abc")
    err = capsys.readouterr().err
    assert err.count("--- Logging error ---") == 2
    assert "TypeError" in err


def test_nothing_stays_on_the_process_after_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After an in-process ``main``, a library warning is printed as the library words it."""
    from liqcascade import cli

    _unconfigured(monkeypatch)
    assert cli.main(["--help"]) == 0
    capsys.readouterr()
    assert logging.getLogger("liqcascade").handlers == []
    assert logging.lastResort is not None and logging.lastResort.filters == []
    said = "refit it (`liqcascade liqmap calibrate`, asset SOL)"
    logging.getLogger("liqcascade.market").warning(said)
    assert capsys.readouterr().err.strip() == said


def test_an_unreadable_liquidity_calibration_is_said_not_read_as_none(tmp_path: Path) -> None:
    """A broken store calibration was read as "no calibration" (no caveat at all)."""
    from liqcascade._calibrations import find_calibration

    store = copy_calibrations(tmp_path / "s.duckdb", kinds=("liquidity",), symbol="SHFUSDT")
    close = pd.Timestamp("2026-07-31", tz="UTC")
    said = state_mod._stale_liquidity_caveat("SHF", close, store)
    assert said is not None and said.startswith("liquidity response STALE")
    f = Path(find_calibration("liquidity", "SHF", store).source.split(":", 1)[1])
    f.write_text("{not json")
    said = state_mod._stale_liquidity_caveat("SHF", close, store)
    assert said is not None and said.startswith(f"liquidity calibration unreadable ({f}")
    assert said.endswith("): its figures cannot be computed")
    assert state_mod._stale_liquidity_caveat("XYZ", close, store) is None  # none at all
