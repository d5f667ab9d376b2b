"""Trial trader28: which stop is recommended, on which side of the crowd, said plainly.

A 10x BTC long read ``stop_price`` 109,009 (moved out of the crowd) beside a back-test
saying the move is "not supported"; the move put the stop one dollar beyond the crowd
without saying so; the slippage read "0.000 % (draws 0.000 %–0.000 %)"; leverage
errors disagreed; ``--entry 95k`` drew typer's generic line; the back-test table
printed fractions; a three-way tie on 2025-10-10 named "fixed" best.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.protect import check_position, slippage_text
from liqcascade.protect._recommend import (
    _choice,
    crowd_side,
    crowd_side_text,
    stop_far_warning,
)

ZONE = {"kind": "round number", "price_low": 109_010.0, "price_high": 110_110.0}


def test_crowd_side_both_ways_and_both_sides() -> None:
    # the trial's long: 109,009 is one dollar below the 110,000 zone, beyond the crowd
    assert crowd_side(109_009.0, 1, [ZONE]) == "beyond"
    assert crowd_side(110_111.0, 1, [ZONE]) == "before"
    # a short's stop above the zone is beyond it; below, before it
    assert crowd_side(110_111.0, -1, [ZONE]) == "beyond"
    assert crowd_side(109_009.0, -1, [ZONE]) == "before"
    other = {"price_low": 108_000.0, "price_high": 108_500.0}
    assert crowd_side(108_800.0, 1, [ZONE, other]) == "between"
    assert "can carry price through this stop" in crowd_side_text(109_009.0, 1, [ZONE])
    assert "selling" in crowd_side_text(109_009.0, 1, [ZONE])
    assert "buying" in crowd_side_text(110_111.0, -1, [ZONE])
    assert crowd_side_text(110_111.0, 1, [ZONE]).startswith("before the crowd")


@pytest.mark.parametrize(
    ("verdict", "choice"),
    [("not supported", "raw"), ("ties", "moved"), ("partly supported", "moved"),
     ("supported", "moved"), (None, "moved")],
)  # fmt: skip
def test_the_choice_rule(verdict: str | None, choice: str) -> None:
    """The moved stop unless the back-test finds the move measurably worse."""
    moved = (109_009.0, 0.0, [ZONE]) if verdict == "not supported" else None
    c = _choice(moved is None, moved, True, verdict, 2)
    assert c["stop_choice"] == choice and c["crowd_verdict"] == verdict
    assert c["stop_choice_why"].startswith(f"{choice} stop recommended")
    if choice == "raw":
        assert c["moved_stop_price"] == 109_009.0 and "109,009.00" in c["stop_choice_why"]
    else:
        assert c["moved_stop_price"] is None
    if verdict is None:
        assert "no back-test verdict" in c["stop_choice_why"]
    # a stop never moved is the raw one whatever the verdict
    assert _choice(False, None, True, verdict, 2)["stop_choice"] == "raw"


def test_recommend_stop_keeps_the_raw_stop_when_the_move_is_not_supported() -> None:
    from liqcascade.cascade import market_state
    from liqcascade.protect import recommend_stop

    state = market_state("BTC")
    entry = round(state.mid, 2)
    kw = {"state": state, "n_levels": 5}
    free = recommend_stop("long", entry, 1.0, 10.0, **kw)
    if free.stop_price == free.raw_stop_price:
        pytest.skip("the raw stop sits in no zone at this market")
    ruled = recommend_stop("long", entry, 1.0, 10.0, crowd_verdict="not supported", **kw)
    tie = recommend_stop("long", entry, 1.0, 10.0, crowd_verdict="ties", **kw)
    assert ruled.stop_price == pytest.approx(ruled.raw_stop_price, abs=1e-9)
    assert ruled.moved_stop_price == pytest.approx(free.stop_price, abs=1e-9)
    assert ruled.distance == pytest.approx(abs(entry - ruled.raw_stop_price) / entry, abs=1e-12)
    assert ruled.avoided_clusters == [] and ruled.stop_choice == "raw"
    assert "is not recommended because the back-test does not support" in ruled.rationale
    assert tie.stop_price == pytest.approx(free.stop_price, abs=1e-9)
    assert tie.stop_choice == "moved" and "'ties'" in tie.stop_choice_why
    side = crowd_side(free.stop_price, 1, free.avoided_clusters)
    assert f"{side} the crowd" in free.rationale
    s = ruled.summary()
    assert s["stop_choice"] == "raw" and s["crowd_verdict"] == "not supported"
    # the kept stop's record carries the side of the crowd its rationale names
    assert s["moved_crowd_side"] == side and f"({side} the crowd" in ruled.rationale
    assert tie.moved_crowd_side is None and free.summary()["moved_crowd_side"] is None


def test_slippage_text_never_reads_as_certainty() -> None:
    assert slippage_text(0.0) == "under 0.001 %"
    assert slippage_text(9.9e-6) == "under 0.001 %"
    assert slippage_text(0.00012) == "0.012 %"
    from liqcascade._cli.stops import slippage_row

    edge = {"expected_slippage": 0.0, "expected_slippage_range": [0.0, 1e-7]}
    row = slippage_row({**edge, "latent_depth_at_edge": True})
    assert row.startswith("under 0.001 % (every draw under 0.001 %): the calibrated")
    assert "latent depth" in row
    # another asset's depth inside the grid (XYZ's 1 of 0 … 32): ETH's reason is not given
    row = slippage_row({**edge, "latent_depth_at_edge": False})
    assert row.startswith("under 0.001 % (every draw under 0.001 %); the back-test's")
    assert "edge of its grid" not in row and "latent depth" not in row
    row = slippage_row({"expected_slippage": 0.0002, "expected_slippage_range": [0.0001, 0.0003]})
    assert row == "0.020 % (draws 0.010 %–0.030 %)"


def test_a_stop_past_the_maps_range_is_named() -> None:
    # the trial's entry 95,000 (−17.9 % from mid, no warning) with its stop 90,090.10
    mid = 115_764.08
    w = stop_far_warning(90_090.10, mid, "BTC")
    assert w is not None and w.startswith("stop 90,090.1 is -22 % from the BTC mid")
    assert stop_far_warning(109_009.0, mid, "BTC") is None


@pytest.mark.parametrize("lev", [0.0, 0.5, 200.0, float("nan")])
def test_leverage_out_of_range_reads_one_message(lev: float) -> None:
    with pytest.raises(InputError) as e:
        check_position("long", 115_764.0, 1.0, lev)
    assert e.value.param == "leverage"
    assert str(e.value).startswith("leverage must be in [1, 125] (got ")


def test_the_venues_maximum_is_checked_before_the_market() -> None:
    with pytest.raises(InputError) as e:
        check_position("long", 115_764.0, 1.0, 125.0, asset="BTC")
    assert e.value.param == "leverage" and "maximum 100x" in str(e.value)
    assert check_position("long", 115_764.0, 1.0, 100.0, asset="BTC") == 1


def test_number_hints() -> None:
    from liqcascade._cli._number_hints import number_hint

    assert number_hint("95k", "--entry") == "--entry 95k is not a number: write 95000"
    assert number_hint("1.5M", "--size") == "--size 1.5M is not a number: write 1500000"
    assert number_hint("115,764.5", "--entry") == (
        "--entry 115,764.5 is not a number: write 115764.5 (no thousands separators)"
    )
    assert number_hint("abc", "--entry") is None and number_hint("1e5", "--entry") is None


def test_number_hints_on_the_command_line() -> None:
    from clihelpers import run_cli

    r = run_cli("stops", "recommend", "--side", "long",
                "--asset", "BTC", "--entry", "95k", "--size", "1",
                "--leverage", "10")  # fmt: skip
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: --entry 95k is not a number: write 95000"
    r = run_cli("stops", "recommend", "--side", "long",
                "--asset", "BTC", "--entry", "115764", "--size", "1",
                "--leverage", "0")  # fmt: skip
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: --leverage must be in [1, 125] (got 0)"


def test_best_on_the_crash_says_tie() -> None:
    from liqcascade.protect import StopBacktest

    def crash(returns: dict[str, float]) -> pd.DataFrame:
        return pd.DataFrame(
            [{"policy": p, "side": "short", "total_return": r, "n": 10}
             for p, r in returns.items()]
        )  # fmt: skip

    def best(c: pd.DataFrame) -> dict[str, str]:
        return StopBacktest.best_on_crash(SimpleNamespace(crash=c))  # type: ignore[arg-type]

    three = crash({"fixed": 10.0704, "vol": 10.0704, "vol-declustered": 10.0704})
    assert best(three) == {"short": "tie: fixed, vol, vol-declustered"}
    assert best(crash({"fixed": 1.0, "vol": 2.0})) == {"short": "vol"}
    assert best(crash({"fixed": 1.0})) == {"short": "fixed (the only policy run)"}


def test_follow_through_says_when_the_window_was_cut() -> None:
    from liqcascade._cli.cascade_follow import window_cut

    r = {"start": "2025-07-01T20:00:00+00:00", "end": "2025-07-31T20:00:00+00:00"}
    t = pd.Timestamp("2027-01-01", tz="UTC")
    assert window_cut(r, None, t) == (
        "window cut to the data: --end 2027-01-01 asked, the last date with a market is 2025-07-31"
    )
    assert window_cut(r, None, pd.Timestamp("2025-07-31", tz="UTC")) is None
    early = window_cut(r, pd.Timestamp("2020-01-01", tz="UTC"), None)
    assert early is not None and "--start 2020-01-01 asked" in early


def test_market_age_note() -> None:
    from liqcascade._cli._market_line import age_days, age_note

    m = {"asset": "BTC", "as_of": "2025-07-31T20:00:00+00:00",
         "close_time": "2025-08-01T00:00:00+00:00"}  # fmt: skip
    now = "2026-12-06T19:00:00+00:00"
    assert age_days(m, now) == 492  # the report's count for the trial's wall clock
    note = age_note(m, now)
    assert note is not None and "492" not in note  # the count is the JSON's, not the words'
    assert note.startswith(
        "not today's market: BTC at 2025-07-31 20:00 UTC (bar closed 2025-08-01 00:00)"
    )
    assert age_note(m, "2025-08-03T00:00:00+00:00") is None  # two days: today's enough
    assert age_days({"asset": "BTC"}, now) is None


def test_emit_gives_the_markets_age(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``data_age_days`` in every market command's JSON; the note once the command ends."""
    import io
    import json

    from rich.console import Console

    from liqcascade._cli import _common

    monkeypatch.setattr(_common, "STATE", _common._State())
    market = {"asset": "BTC", "as_of": "2025-07-31T20:00:00+00:00",
              "close_time": "2025-08-01T00:00:00+00:00"}  # fmt: skip
    _common.emit({"x": 1, "market": market}, True)
    d = json.loads(capsys.readouterr().out)
    assert d["data_age_days"] >= 492 and d["x"] == 1  # the trial's wall clock, or later
    _common.emit({"x": 1, "market": market, "data_age_days": 7}, True)
    assert json.loads(capsys.readouterr().out)["data_age_days"] == 7  # kept when given
    log = io.StringIO()
    monkeypatch.setattr(_common, "stderr", Console(file=log, force_terminal=False, width=400))
    _common.end_notes()
    assert log.getvalue().startswith("note: not today's market: BTC at 2025-07-31 20:00 UTC")
    assert log.getvalue().count("\n") == 1  # once, though two results carried the market


def test_the_latent_depth_edge_is_read_from_the_calibration() -> None:
    """`stops recommend` printed ETH's "fitted at the edge of its grid" for every asset."""
    from types import SimpleNamespace

    from liqcascade.cascade import LATENT_GRID
    from liqcascade.protect._recommend import _at_grid_edge

    assert _at_grid_edge(SimpleNamespace(latent_depth=max(LATENT_GRID)))
    assert not _at_grid_edge(SimpleNamespace(latent_depth=1.0))
    assert not _at_grid_edge(None)  # the displayed book
