"""A library user's trial (api28): what the Python API took silently or hid, now said.

Each case failed on main before this change:

1. an ETH market given BTC's liquidity calibration (``market_answer(asset="BTC")``,
   ``calibrated_cascade(calibration=BTC's)``) ran and labelled the answer BTC: the
   positions' default symbol (ETHUSDT) says nothing, so the check could not see it;
2. ``shock=-5`` was refused without the fraction hint, ``shock=5`` (+500 %) ran silently;
3. ``VolatilityFit.annualized_vol``/``half_life_days`` gave figures its summary calls
   "not identified"; closes fitted as returns gave a "reliable" fit; the fit lost the
   asset's label;
4. ``load_close`` read past the market date with nothing saying how to cut there;
5. the CLI's headline cascade took five calls (one not exported);
6. the first kernel compile said nothing;
7. ``dir()`` of the packages missed their lazy exports;
8. ``as_of`` is the bar's open on a state, its close in the answers: no name for each;
9. ``market_answer``'s dict did not go through ``json.dumps``; ``PositionBook.summary()``
   gave counts as floats.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import liqcascade
from liqcascade import volatility as vol
from liqcascade.book import OrderBook
from liqcascade.cascade import (
    MarketState,
    calibrated_cascade,
    cascade_answer,
    load_liquidity,
    market_answer,
    market_state,
    market_volatility,
    prepare_cascade,
    prepare_market,
    simulate_cascade,
)
from liqcascade.errors import InputError
from liqcascade.market import market_close_time, market_times
from liqcascade.positions import PositionBook, StopBook

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def eth_state() -> MarketState:
    return market_state("ETH")


# -- 1. one asset -------------------------------------------------------------------------------
def test_a_prepared_market_carries_the_states_asset(eth_state: MarketState) -> None:
    assert prepare_market(eth_state).asset == "ETH"
    assert eth_state.positions.symbol == "ETHUSDT"  # the default symbol: it says nothing
    book = PositionBook([1], [1.0], [100.0], [10.0], [91.0], [90.0])
    assert prepare_cascade(OrderBook.parametric(100.0, 1e6), book, StopBook.empty()).asset is None


def test_another_assets_calibration_on_an_eth_market_is_refused(eth_state: MarketState) -> None:
    pm = prepare_market(eth_state)
    with pytest.raises(InputError, match=r"^calibration \(BTC\) is not the market's asset \(ETH\)"
                       ) as e:  # fmt: skip
        calibrated_cascade(pm, shock=-0.05, calibration=load_liquidity("BTC", "2025-07-31"),
                           sigma_hourly=0.006, n_paths=4)  # fmt: skip
    assert e.value.param == "calibration"
    ts = eth_state.bar_close
    with pytest.raises(InputError, match=r"^asset \(BTC\) is not the market's asset \(ETH\): "
                       r"give asset='ETH'") as e:  # fmt: skip
        market_answer(pm, asset="btc", as_of=ts, shock=-0.05, sigma_hourly=0.006, n_paths=4)
    assert e.value.param == "asset"


def test_the_markets_own_calibration_still_runs(eth_state: MarketState) -> None:
    cc = calibrated_cascade(prepare_market(eth_state), shock=-0.05, sigma_hourly=0.006,
                            calibration=load_liquidity("ETH", "2025-07-31"), n_paths=4)  # fmt: skip
    assert cc.move_median <= -0.05 + 1e-9


# -- 2. the shock's scale -----------------------------------------------------------------------
def _tiny() -> tuple[OrderBook, PositionBook]:
    return OrderBook.parametric(100.0, 1e6), PositionBook([1], [1.0], [100.0], [10.0], [91.0],
                                                          [90.0])  # fmt: skip


def test_a_fall_of_500_percent_is_refused_with_the_fraction_hint() -> None:
    book, pos = _tiny()
    with pytest.raises(InputError, match=r"a fraction > -1 \(got -5; a fraction of mid: -0\.05 "
                       r"for a 5 % fall") as e:  # fmt: skip
        simulate_cascade(book, pos, shock=-5)
    assert e.value.param == "shock"


def test_a_rise_of_100_percent_or_more_runs_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    book, pos = _tiny()
    with caplog.at_level(logging.WARNING, logger="liqcascade.cascade"):
        r = simulate_cascade(book, pos, shock=7.25)
        simulate_cascade(book, pos, shock=7.25)  # the same value: not said twice
        simulate_cascade(book, pos, shock=0.05)  # an ordinary rise: nothing
    said = [m for m in caplog.messages if "shock 7.25" in m]
    assert said == ["warning: shock 7.25 is a +725 % rise (a fraction of mid: -0.05 for a "
                    "5 % fall, 0.05 for a 5 % rise)"]  # fmt: skip
    assert r.shock_price == pytest.approx(825.0, rel=1e-12)
    assert not [m for m in caplog.messages if "shock 0.05" in m]


def test_a_rise_typed_as_a_percent_at_the_command_line_is_not_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from liqcascade._cli._common import parse_shock

    book, pos = _tiny()
    with caplog.at_level(logging.WARNING, logger="liqcascade.cascade"):
        assert parse_shock("625%") == pytest.approx(6.25, rel=1e-12)  # "%" says the rise
        simulate_cascade(book, pos, shock=parse_shock("625%"))
        simulate_cascade(book, pos, shock=6.5)  # the library's bare number: still said
    assert not [m for m in caplog.messages if "shock 6.25" in m]
    assert [m for m in caplog.messages if "shock 6.5 is a +650 % rise" in m]


# -- 3. the volatility fit ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def eth_close():  # type: ignore[no-untyped-def]
    return vol.load_close("ETH", "1d")


def test_a_near_integrated_fits_long_run_figures_are_nan(eth_close) -> None:  # type: ignore[no-untyped-def]
    fit = vol.fit_volatility(vol.log_returns(eth_close, "2022-01-01", "2025-07-31"), "gjr", "t")
    assert fit.near_integrated  # p 0.998 ± 0.027: the CLI's "not identified"
    assert math.isnan(fit.annualized_vol) and math.isnan(fit.half_life_days)
    assert math.isnan(fit.half_life_bars)
    assert fit.summary()["annualized_vol"] is None and fit.summary()["half_life_days"] is None
    assert fit.sample_annualized_vol == pytest.approx(69.79, abs=0.01)
    assert fit.summary()["asset"] == "ETH"  # load_close's label, carried by log_returns


def test_closes_given_as_returns_are_refused_with_the_units_hint(eth_close) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=r"^returns look like prices \(all [\d,]+ values "
                       r"positive, median [\d,.]+\): give percent log returns") as e:  # fmt: skip
        vol.fit_volatility(eth_close, "gjr", "t")
    assert e.value.param == "returns"


# -- 4. the data window -------------------------------------------------------------------------
def test_the_market_date_cut_is_documented_and_gives_the_clis_bars(eth_close) -> None:  # type: ignore[no-untyped-def]
    doc = inspect.getdoc(vol.load_close) or ""
    assert "market_close_time" in doc and "not the market date" in doc
    r = vol.log_returns(eth_close, end="2025-07-31")
    # the last daily bar used closes at the market date, as `liqcascade vol` cuts
    assert r.index[-1] + np.timedelta64(1, "D") == market_close_time("ETH")
    assert len(r) == 2905  # the CLI's "2,905 returns 2017-08-18 → 2025-07-31"
    assert eth_close.index[-1] > market_close_time("ETH")  # the default reads past it


# -- 5, 8, 9. the headline in one call ----------------------------------------------------------
@pytest.fixture(scope="module")
def answer() -> dict:  # type: ignore[type-arg]
    return cascade_answer("ETH", "2025-07-31", shock=-0.05)


def test_cascade_answer_is_the_commands_figure(answer: dict) -> None:  # type: ignore[type-arg]
    from clihelpers import run_cli

    r = run_cli("cascade", "--asset", "ETH", "--as-of", "2025-07-31", "--shock", "-0.05",
                "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    cli = r.json()
    for k in ("move_median", "move_p10", "move_p90", "liquidated_median", "carry_median"):
        assert answer[k] == pytest.approx(cli[k], rel=1e-12, abs=1e-15), k
    assert answer["move_median"] == pytest.approx(-0.0933, abs=5e-5)  # README's ETH figure
    assert answer.to_dict()["as_of"] == cli["as_of"] == "2025-08-01T00:00:00+00:00"
    assert answer.to_dict()["market"] == cli["market"]


def test_the_command_calls_cascade_answer() -> None:
    from liqcascade._cli import cascade_backtest

    src = inspect.getsource(cascade_backtest.calibrated_cascade_cmd)
    assert "cascade_answer(" in src and "market_answer(" not in src


def test_the_answer_goes_through_json_and_names_its_times(answer: dict, eth_state) -> None:  # type: ignore[no-untyped-def, type-arg]
    back = json.loads(json.dumps(answer.to_dict()))
    assert back["move_median"] == pytest.approx(answer["move_median"], rel=1e-12)
    assert json.loads(answer.to_json())["bar_open"] == "2025-07-31T20:00:00+00:00"
    # a state: as_of is the bar's open; the answers: its close
    assert eth_state.bar_open == eth_state.as_of
    assert eth_state.bar_close == eth_state.close_time == market_times(eth_state)["as_of"]
    assert eth_state.bar_close - eth_state.bar_open == np.timedelta64(4, "h")


def test_cascade_answer_refuses_as_of_beside_a_built_market(eth_state: MarketState) -> None:
    with pytest.raises(InputError, match=r"^as_of is given with an asset") as e:
        cascade_answer(eth_state, "2025-07-31", shock=-0.05)
    assert e.value.param == "as_of"


def test_market_volatility_and_cascade_answer_are_public() -> None:
    import liqcascade.cascade as c

    assert {"cascade_answer", "market_volatility", "market_answer"} <= set(c.__all__)
    assert callable(market_volatility)


def _run_with_numba(code: str, cache: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh Python with numba on and its cache in ``cache``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NUMBA_CACHE_DIR": str(cache)}
    env.pop("LIQCASCADE_DISABLE_NUMBA", None)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


# -- 6. the first compile says so ---------------------------------------------------------------
def test_the_first_compile_logs_one_info_line(tmp_path: Path) -> None:
    code = (
        "import logging; logging.basicConfig(level=logging.INFO)\n"
        "from liqcascade._numba import njit, COMPILE_MESSAGE\n"
        "f = njit(cache=False)(lambda x: x + 1)\n"
        "g = njit(cache=False)(lambda x: x * 2)\n"
        "assert f(1) == 2 and g(2) == 4\n"
    )
    p = _run_with_numba(code, tmp_path)
    assert p.returncode == 0, p.stderr
    lines = [x for x in p.stderr.splitlines() if "compiling the numba kernels" in x]
    assert lines == ["INFO:liqcascade.numba:note: compiling the numba kernels on first use (tens "
                     "of seconds, a minute or two on a busy machine; once: they are cached on "
                     "disk for the next runs)"]  # fmt: skip


# -- 7. dir() ---------------------------------------------------------------------------------
def test_dir_lists_the_lazy_exports() -> None:
    names = [n for n in dir(liqcascade) if not n.startswith("_")]
    assert {"simulate_cascade", "CascadeConfig", "CascadeResult"} <= set(names)
    assert "TYPE_CHECKING" not in names and "annotations" not in names
    for p in sorted(ROOT.joinpath("src", "liqcascade").iterdir()):
        if (p / "__init__.py").exists() and "_LAZY" in (p / "__init__.py").read_text():
            pkg = importlib.import_module(f"liqcascade.{p.name}")
            missing = set(pkg.__all__) - set(dir(pkg))
            assert not missing, (p.name, sorted(missing))
    assert "market" in (liqcascade.__doc__ or "") and "docs/api.md" in (liqcascade.__doc__ or "")


# -- 9. cosmetics -------------------------------------------------------------------------------
def test_position_counts_are_ints(eth_state: MarketState) -> None:
    s = eth_state.positions.summary()
    for k in ("n_positions", "n_long", "n_short"):
        assert type(s[k]) is int, k
    assert s["n_long"] + s["n_short"] == s["n_positions"] == len(eth_state.positions)


def test_the_liquidation_map_says_feed_scale_dollars() -> None:
    from liqcascade.positions import LiquidationMap, liquidation_map

    for obj in (LiquidationMap, liquidation_map, LiquidationMap.summary):
        assert "feed-scale dollars" in " ".join((inspect.getdoc(obj) or "").split()), obj


def test_another_numba_compile_is_not_announced(tmp_path: Path) -> None:
    """Only a kernel compiled through ``liqcascade._numba.njit`` logs the message.

    The listener is process-wide: a caller's own numba function compiled first said
    "compiling the numba kernels" (and used up the one message before a kernel compiled).
    """
    code = (
        "import logging, sys; logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
        "import numba\n"
        "from liqcascade._numba import njit\n"
        "ours = njit(cache=False)(lambda x: x + 1)\n"
        "theirs = numba.njit(cache=False)(lambda x: x - 1)\n"
        "assert theirs(1) == 0\n"
        "print('between', flush=True)\n"
        "deco = njit(cache=False, nogil=True)(lambda x: x * 3)\n"  # the decorator form
        "assert deco(1) == 3 and ours(1) == 2\n"
    )
    p = _run_with_numba(code, tmp_path)
    assert p.returncode == 0, p.stderr
    lines = [x for x in p.stdout.splitlines() if "compiling" in x or x == "between"]
    assert lines[0] == "between", p.stdout  # the caller's own compile said nothing
    assert len(lines) == 2 and "compiling the numba kernels on first use" in lines[1]


def test_a_numba_without_the_event_api_compiles_unannounced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from numba.core import event

    from liqcascade import _numba

    monkeypatch.setattr(_numba, "_ANNOUNCER", [])
    monkeypatch.delattr(event, "Listener")
    _numba.announce_compiles()  # no AttributeError: the kernels still compile
    assert _numba._ANNOUNCER == [None]
    _numba.announce_compiles()  # tried once
    assert _numba._ANNOUNCER == [None]
