"""The look-ahead audit inside the trigger bar: how far the first bar went is the outcome.

``tests/test_look_ahead_audit.py`` changes every bar from a cut on by one factor per bar
(its four prices alike), so a model that read how far its trigger or fill bar went (the
low against the open) would pass it. Here the bar itself is changed: its low (a fall) or
high (a rise) taken 3 % further and its close moved next to the new extreme, the bar
still crossing whatever it crossed (``tests/futures.py``'s :func:`beyond_trigger`), and,
in a store, every other bar not closed by the bar's open changed as well (the 4-hour
open interest, liquidations, funding and taker bars holding it, its day, the book
totals' bar; ``perturbed_store(unclosed=True)``). What each figure may know:

- the cascade event back-test (``cascade backtest``; issue 18): the market at the
  previous close and that price moved by ``F``, "not how much further the trigger
  hour went, which is already part of the outcome": the predictions
  (``predicted_move`` and its 10-90 % interval, ``predicted_long_usd``,
  ``predicted_short_usd``, every column but the outcome's) must not move;
  ``realised_move`` does;
- the stop back-test's fills (docs/protect.md, "Fill model" and "Walk"): the stop's
  price, or the bar's open on a gap, the depth closed by the bar's open and the crowd
  levels of the bars before it; the fill, the slippage and the return must not move;
- the support study's event (docs/support.md, "Entry = the close of the test bar"):
  the whole test bar, its close included, by design; the zone it tests (known before
  the bar) and every earlier test must not move, while the test's low, close and held
  do;
- the ``oct-2025`` contagion replay's first shock (docs/contagion.md): the crash hour's
  recorded fall, imposed by design; the preset's inputs (books, positions, mids,
  lending) must not move while the shock does;
- a stress replay (docs/stress.md): the recorded window is the scenario, imposed; its
  first bar's low is the first shock (deepening it moves the first row), and the
  response at that bar reads no later bar.

Tolerance: ``tests/floats.py``'s (1e-12 relative, 1e-9 absolute): the same computation
on the same inputs. docs/validation.md, "The look-ahead audit".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from floats import assert_same, same_value
from futures import beyond_trigger, perturb_after, perturbed_store
from liqcascade.data import load_series
from test_look_ahead_audit import _changed, _same_rows

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _trigger_bar_moved(asset: str, ts: pd.Timestamp, direction: str, store: Path) -> None:
    """The store's hour at ``ts`` went further than the bundle's and closed elsewhere.

    Its open is the bundle's: copied into the store, not computed, so it comes back
    equal today; compared within 1e-12 relative (``tests/floats.py``), which a moved open
    cannot pass: the smallest price step (0.01 USD on a 1,000-100,000 USD price) is 1e-7
    of it or more, and the perturbation moves prices by a percent or more.
    """
    real, other = (
        load_series("ohlcv", asset=asset, interval="1h", store=s).loc[ts] for s in (False, store)
    )
    if direction == "down":
        assert other["low"] < real["low"] * 0.99
    else:
        assert other["high"] > real["high"] * 1.01
    assert same_value(float(other["open"]), float(real["open"]), rtol=1e-12, atol=0.0)
    assert abs(other["close"] / real["close"] - 1.0) > 1e-3


# -- the cascade event back-test ------------------------------------------------------------

#: Events of the bundled hourly bars (default triggers, ETH 2 %, BTC 1.5 %): falls and
#: rises, inside a 4-hour bar (its earlier hours known) and at one's open.
EVENTS = [
    ("ETH", "2025-04-14 15:00", "down"),
    ("ETH", "2025-04-25 14:00", "up"),
    ("ETH", "2025-04-21 00:00", "up"),
    ("BTC", "2025-04-10 15:00", "down"),
    ("BTC", "2025-04-11 17:00", "up"),
]

#: What the event's 24 h record: the outcome, free to move.
OUTCOME = ("realised_move", "recorded_long_usd", "recorded_short_usd")

PREDICTIONS = ("predicted_move", "predicted_move_p10", "predicted_move_p90",
               "predicted_long_usd", "predicted_short_usd")  # fmt: skip


def _event(asset: str, ts: pd.Timestamp, store: Any) -> pd.DataFrame:
    """The event back-test's row of the event at ``ts`` (a window of that hour alone)."""
    from liqcascade._cli.cascade_backtest import load_inputs
    from liqcascade.cascade import load_liquidity, run_backtest

    ohlc, liq, market_at = load_inputs(asset, store)
    res = run_backtest(
        ohlc,
        liq,
        market_at,
        lambda t: load_liquidity(asset, t, store),
        asset=asset,
        start=ts,
        end=ts,
        n_paths=10,
    )
    ev = res.events.assign(ts=pd.to_datetime(res.events["ts"], utc=True))
    assert list(ev["ts"]) == [ts]
    return ev


@pytest.mark.parametrize(("asset", "when", "direction"), EVENTS, ids=lambda x: str(x))
def test_event_prediction_reads_nothing_of_its_trigger_hour(
    tmp_path: Path, asset: str, when: str, direction: str
) -> None:
    ts = pd.Timestamp(when, tz="UTC")
    store = perturbed_store(tmp_path / "store.duckdb", ts, (asset,), unclosed=True,
                            trigger=direction)  # fmt: skip
    _trigger_bar_moved(asset, ts, direction, store)
    real, other = (_event(asset, ts, s) for s in (False, store))
    assert list(real["direction"]) == list(other["direction"]) == [direction]  # the same event
    assert set(PREDICTIONS) <= set(real.columns)
    outcome = {*OUTCOME, *(c for c in real.columns if c.startswith("realised_path"))}
    _same_rows(other, real, [c for c in real.columns if c not in outcome])
    assert _changed(other["realised_move"], real["realised_move"])  # it reads the hour


# -- the stop back-test's fills -------------------------------------------------------------

#: Hours in which stops of ETH's back-test below fired: longs' in a fall, shorts' in a rise.
#: In the first three the hour went more than 0.5 % past the stop; in 2024-12-05 11:00
#: its high went 0.06 % past the shorts' stop (3,940.94 USD) while their fill is 0.17 %
#: past it (3,947.50: the swing crowd joined), so a fill held to the hour's range (or
#: read from its high) would differ there from the fill of the hour gone 3 % higher.
FILL_HOURS = [
    ("2025-02-25 07:00", "down"),
    ("2025-03-02 16:00", "up"),
    ("2025-04-06 18:00", "down"),
    ("2024-12-05 11:00", "up"),
]


def _stop_backtest(store: Any) -> Any:
    from liqcascade.protect import BacktestSettings, backtest_stops

    return backtest_stops(start="2024-09-01", end="2025-06-30",
                          settings=BacktestSettings(n_random=40), asset="ETH", store=store,
                          crash=False)  # fmt: skip


def _stop_trades(store: Any) -> pd.DataFrame:
    return _stop_backtest(store).trades


@pytest.fixture(scope="module")
def stop_trades() -> pd.DataFrame:
    """ETH's stop back-test on the bundle."""
    return _stop_trades(False)


@pytest.mark.parametrize(("when", "direction"), FILL_HOURS, ids=lambda x: str(x))
def test_stop_fill_reads_nothing_of_its_hour_past_the_stop(
    tmp_path: Path, stop_trades: pd.DataFrame, when: str, direction: str
) -> None:
    hour = pd.Timestamp(when, tz="UTC")
    store = perturbed_store(tmp_path / "store.duckdb", hour, ("ETH",), unclosed=True,
                            trigger=direction)  # fmt: skip
    _trigger_bar_moved("ETH", hour, direction, store)
    other = _stop_trades(store)
    key = ["policy", "side", "entries", "entry_ts"]
    real = stop_trades[stop_trades["stopped"] & (stop_trades["exit_ts"] == hour)]
    assert len(real) >= 2
    assert set(real["side"]) == {"long" if direction == "down" else "short"}
    both = real[key].merge(other, on=key, how="left")  # the same trades, in the same order
    real = real.reset_index(drop=True)
    cols = ["entry", "stop", "moved", "stopped", "exit_ts", "trigger", "exit", "slippage", "ret"]
    _same_rows(both, real, cols)
    later = [t[t["entry_ts"] > hour].sort_values(key)["ret"] for t in (stop_trades, other)]
    assert _changed(later[1].to_numpy(), later[0].to_numpy())  # what follows the hour moves


#: An hour of the bundle in which two longs' stops (vol 3,103.92, vol-declustered
#: 3,112.38 USD) fired with the week's swing low (3,145.65) too far above them for its
#: crowd to join their fills (slippage 0.0006 %: their own orders alone).
SWING_HOUR = pd.Timestamp("2024-12-20 11:00", tz="UTC")


def test_stop_fill_reads_the_swing_low_of_the_hours_before_its_own(
    monkeypatch: pytest.MonkeyPatch, stop_trades: pd.DataFrame
) -> None:
    """The crowd beyond the 7-day swing low joins a long's stop fill when it lies within
    the 0.5 % window above the stop (docs/protect.md, "Fill model"); the swing is that
    of the hours before the stop's hour. The hour before :data:`SWING_HOUR` is given a
    low 0.2 % above the higher stop (its crowd, 0.1 % below that low, in both stops'
    windows): both fills take in the swing crowd, ``swing_mass·D1`` USD, so with
    ``k = 0.01·β/(β+1)`` the slippage ``s`` has ``(s/k)^β`` grow by exactly
    ``swing_mass`` (the depth ``D1`` cancels). The stop's own hour broke that low (it
    reached the stops): a fill reading the hour's own swing extreme, its low below the
    stop, finds no crowd above the stop and would not move, as the hours in
    :data:`FILL_HOURS` cannot show (there the hour's own low leaves the fill alone).
    """
    import liqcascade.protect._backtest as pb

    key = ["policy", "side", "entries", "entry_ts"]
    real = stop_trades[stop_trades["stopped"] & (stop_trades["exit_ts"] == SWING_HOUR)]
    assert set(real["side"]) == {"long"} and len(real) >= 2
    before = SWING_HOUR - pd.Timedelta(hours=1)
    level = float(real["stop"].max()) * 1.002  # above every stop: none fires an hour early
    bars = load_series("ohlcv", asset="ETH", interval="1h", store=False)
    week = bars.loc[SWING_HOUR - pd.Timedelta(days=7) : before]
    assert week["low"].min() > level  # the edited low becomes the swing low
    assert level <= min(bars.loc[before, "open"], bars.loc[before, "close"])  # a valid bar
    assert bars.loc[SWING_HOUR, "low"] <= real["stop"].min()  # the hour broke it
    plain = pb._load_ohlcv

    def edited(asset: str, interval: str, store: Any) -> pd.DataFrame:
        df = plain(asset, interval, store)
        if interval == "1h":
            df = df.copy()
            df.loc[before, "low"] = level
        return df

    monkeypatch.setattr(pb, "_load_ohlcv", edited)
    bt = _stop_backtest(False)
    other = real[key].merge(bt.trades, on=key, how="left")
    real = real.reset_index(drop=True)
    _same_rows(other, real, ["stop", "stopped", "exit_ts", "trigger"])  # the same stop-outs
    beta, mass = bt.fill.beta, bt.fill.swing_mass
    k = 0.01 * beta / (beta + 1.0)
    grown = (other["slippage"] / k) ** beta - (real["slippage"] / k) ** beta
    # 1e-9 relative: powers of computed slippages round at 1e-15; no crowd is 100 % off
    assert_same(grown.to_numpy(), np.full(len(real), mass), rtol=1e-9, atol=0.0)


# -- the support study's event ---------------------------------------------------------------


def test_support_test_reads_its_day_to_the_close_and_nothing_of_its_zone_after() -> None:
    """The entry is the test day's close (docs/support.md): the day's low and close are
    the event's own; the zone it tests was confirmed before the day."""
    from liqcascade.events import detect_support

    daily = load_series("ohlcv", asset="ETH", interval="1d", start="2022-01-01",
                        end="2025-07-31", store=False)  # fmt: skip
    real = detect_support(daily).tests
    day = pd.Timestamp("2025-03-30", tz="UTC")  # a held test of a zone confirmed before
    row = real[real["ts"] == day]
    assert len(row) == 1 and bool(row["held"].iloc[0])
    other = detect_support(beyond_trigger(daily, day, "down")).tests
    before = [t[t["ts"] < day].reset_index(drop=True) for t in (real, other)]
    _same_rows(before[1], before[0])
    mine = other[other["ts"] == day]
    assert len(mine) == 1
    _same_rows(mine.reset_index(drop=True), row.reset_index(drop=True),
               ["bar", "zone", "nth", "zone_price"])  # fmt: skip
    assert _changed(mine[["low", "close"]].to_numpy(), row[["low", "close"]].to_numpy())
    assert not bool(mine["held"].iloc[0])  # closing 3 % lower breaks it: the event's own
    text = " ".join((DOCS / "support.md").read_text(encoding="utf-8").split())
    assert "**Entry** = the close of the test bar" in text


# -- the contagion replay's first shock -------------------------------------------------------


def test_contagion_first_shock_is_the_crash_hour_and_nothing_else_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every venue's crash hour taken 3 % lower and closed near it: the first shock is
    the new fall (imposed by design); the preset's books, positions, mids, lending and
    liquidity calibration (read before the hour) do not move."""
    import liqcascade.data as bundled
    from liqcascade.contagion import oct_2025, recorded_first_shock
    from test_look_ahead_audit_models import CRASH_HOUR, _same_tree, _setup_figures

    real_setup, real_shock = oct_2025(), recorded_first_shock()
    read = bundled.dataset

    def dataset(name: str, *args: Any, **kwargs: Any) -> pd.DataFrame:
        df = read(name, *args, **kwargs)
        if name != "perp_1h_by_venue":
            return df
        parts = [
            beyond_trigger(g.drop(columns=["venue", "asset"]), CRASH_HOUR, "down")
            .assign(venue=v, asset=a)[df.columns]
            if CRASH_HOUR in g.index else g
            for (v, a), g in df.groupby(["venue", "asset"], sort=True)
        ]  # fmt: skip
        return pd.concat(parts).sort_index(kind="stable")

    monkeypatch.setattr(bundled, "dataset", dataset)
    other_setup, other_shock = oct_2025(), recorded_first_shock()
    assert other_shock == pytest.approx((1.0 + real_shock) * 0.97 - 1.0, rel=1e-12)
    _same_tree(_setup_figures(other_setup), _setup_figures(real_setup))
    assert other_setup.liquidity_as_of == real_setup.liquidity_as_of


# -- the stress replay's first shock ----------------------------------------------------------


def test_stress_replay_first_bar_is_the_shock_and_reads_no_later_bar() -> None:
    """A replay imposes the recorded window (docs/stress.md): its first bar's low is the
    down side's first index, so deepening it moves the first row by design; the
    response at that bar reads no later bar (every bar after it changed: the first
    row, liquidations included, does not move)."""
    from liqcascade import stress

    market = stress.stress_market(asset="ETH")
    pf = stress.sample_portfolio(market.prices)
    hourly = market.hourly["ETH"]
    real = stress.replay(pf, market, "2022-11-08")  # hourly bars: nothing finer bundled
    first = real.table.index[0]
    assert real.details["ETH_source"] == "ohlcv_1h"
    market.hourly["ETH"] = perturb_after(hourly, "ohlcv", first + pd.Timedelta(hours=1), seed=4)
    later = stress.replay(pf, market, "2022-11-08")
    first_row = [t.table.iloc[0].to_numpy(np.float64) for t in (later, real)]  # all floats
    assert_same(*first_row)
    assert _changed(
        later.table["recorded_close"].to_numpy(), real.table["recorded_close"].to_numpy()
    )
    market.hourly["ETH"] = beyond_trigger(hourly, first, "down")
    deeper = stress.replay(pf, market, "2022-11-08")
    assert deeper.table["low"].iloc[0] < real.table["low"].iloc[0] * 0.98  # the shock, imposed
