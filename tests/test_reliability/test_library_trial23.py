"""A library user's trial (session 23): mismatches and slips the API now refuses.

Each case ran silently, or raised something other than :class:`InputError`, on main:

6. an asset given beside data of another asset (a calibration beside a prepared book,
   ``asset`` beside a market state) is refused naming both; the support study says
   whose claim it judges on whose bars;
7. values that can only be percents (``sigma_hourly=0.6``, ``share=25``) are refused
   with the "for 6 % give 0.06" hint;
8. a Series where a frame is read, one shock where a list is read, one policy name
   where a sequence is read: an InputError naming the parameter.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.book import OrderBook
from liqcascade.cascade import (
    MarketState,
    PreparedMarket,
    calibrated_cascade,
    load_liquidity,
    market_state,
    prepare_cascade,
)
from liqcascade.errors import InputError
from liqcascade.events import detect_support, support_study
from liqcascade.market import MarketSpec
from liqcascade.positions import PositionBook, StopBook
from liqcascade.protect import backtest_stops, recommend_stop

MID = 115_000.0
DATA = Path(__file__).resolve().parents[1] / "data"


def _book(symbol: str) -> PositionBook:
    return PositionBook([1, -1], [2.0, 1.0], [116_000.0, 114_000.0], [23_200.0, 11_400.0],
                        [104_980.0, 124_830.0], [104_400.0, 125_400.0], symbol=symbol)  # fmt: skip


def _prepared(symbol: str) -> object:
    return prepare_cascade(OrderBook.parametric(MID, 30e6, beta=0.73), _book(symbol),
                           StopBook.empty())  # fmt: skip


@pytest.fixture(scope="module")
def eth_state() -> MarketState:
    return market_state("ETH")


# -- 6. one asset ---------------------------------------------------------------------------------
def test_another_assets_calibration_is_refused_naming_both() -> None:
    with pytest.raises(InputError, match=r"calibration \(ETH\) is not the positions' asset "
                       r"\(BTC: BTCUSDT\)") as e:  # fmt: skip
        calibrated_cascade(_prepared("BTCUSDT"), shock=-0.05, sigma_hourly=0.006, n_paths=4,
                           calibration=load_liquidity("ETH", "2025-07-31"))  # fmt: skip
    assert e.value.param == "calibration"


def test_the_own_and_the_default_symbols_calibration_runs() -> None:
    cal = load_liquidity("BTC", "2025-07-31")
    for symbol in ("BTCUSDT", "ETHUSDT"):  # ETHUSDT: the default, which says nothing
        cc = calibrated_cascade(_prepared(symbol), shock=-0.05, calibration=cal,
                                sigma_hourly=0.006, n_paths=4)  # fmt: skip
        assert cc.move_median <= -0.05 + 1e-9


def test_recommend_stop_refuses_an_asset_other_than_the_states(eth_state: MarketState) -> None:
    with pytest.raises(InputError, match=r"asset \(BTC\) is not the market state's asset "
                       r"\(ETH\)") as e:  # fmt: skip
        recommend_stop("long", eth_state.mid, 1.0, 10, asset="BTC", state=eth_state,
                       liquidity="static")  # fmt: skip
    assert e.value.param == "asset"


def test_recommend_stop_takes_the_states_asset_by_default(eth_state: MarketState) -> None:
    rec = recommend_stop("long", eth_state.mid, 1.0, 10, state=eth_state, liquidity="static")
    assert 0 < rec.stop_price < eth_state.mid


@pytest.fixture(scope="module")
def btc_bars() -> pd.DataFrame:
    return datasets.load_ohlcv("BTC", "1d", "2022-01-01", "2025-12-31")


@pytest.mark.parametrize(
    ("asset", "note"),
    [
        ("BTC", r"\. The claim is about ETH; these are BTC's bars, so the verdict says whether"),
        (None, r"\. The claim is about ETH; these bars' asset was not given"),
        ("eth", r"^(?!.*The claim is about)"),
    ],
    ids=["other", "unknown", "own"],
)
def test_the_support_claim_says_whose_bars_it_judges(
    btc_bars: pd.DataFrame, asset: str | None, note: str
) -> None:
    study = support_study(btc_bars, asset=asset, n_random=0, n_boot=20, grid={})
    assert study.claim["claim_asset"] == "ETH"
    assert study.claim["data_asset"] == (asset.upper() if asset else None)
    assert re.search(note, study.claim["notes"]), study.claim["notes"]


# -- 7. percents ----------------------------------------------------------------------------------
def test_an_hourly_volatility_in_percent_is_refused_with_the_hint() -> None:
    with pytest.raises(InputError, match=r"sigma_hourly must be a fraction in \[0, 0.2\) "
                       r"\(got 0.6; for 0.6 % give 0.006\)") as e:  # fmt: skip
        calibrated_cascade(_prepared("BTCUSDT"), shock=-0.05, sigma_hourly=0.6, n_paths=4,
                           calibration=load_liquidity("BTC", "2025-07-31"))  # fmt: skip
    assert e.value.param == "sigma_hourly"


def test_a_share_in_percent_is_refused_with_the_hint() -> None:
    with pytest.raises(InputError, match=r"share must be in \(0, 1\] \(got 25; for 25 % give "
                       r"0.25\)") as e:  # fmt: skip
        MarketSpec("BTC", "2025-07-31", share=25)
    assert e.value.param == "share"


# -- 8. the wrong kind of input -------------------------------------------------------------------
@pytest.mark.parametrize("pick", [lambda f: f["close"], lambda f: f.iloc[0]], ids=["col", "row"])
def test_a_series_for_the_bars_is_refused(btc_bars: pd.DataFrame, pick: object) -> None:
    for f in (detect_support, support_study):
        with pytest.raises(InputError, match=r"^ohlcv must be a DataFrame \(got Series") as e:
            f(pick(btc_bars))  # type: ignore[operator]
        assert e.value.param == "ohlcv"


def test_one_shock_for_the_haircut_list_is_refused() -> None:
    from liqcascade.collateral import build_setup, preset_config, smallest_haircut

    _, setup = build_setup(preset_config("oct-2025"), "oct-2025.toml", 3864.76)
    with pytest.raises(InputError, match=r"shocks must be a list .*give \[-0.2\]") as e:
        smallest_haircut(setup, -0.2, p0=3864.76)  # type: ignore[arg-type]
    assert e.value.param == "shocks"
    got = smallest_haircut(setup, np.array([-0.2]), p0=3864.76)
    assert got["shock"].to_numpy() == pytest.approx(np.full(len(got), -0.2), abs=1e-12)


def test_one_policy_name_is_refused_naming_the_argument() -> None:
    with pytest.raises(InputError, match=r"^policies must be a sequence of names, not one "
                       r"string \(got 'fixed'\): give \('fixed',\)$") as e:  # fmt: skip
        backtest_stops("fixed", ("long",), ("random",), start="2024-06-01",  # type: ignore[arg-type]
                       end="2024-07-31", asset="BTC")  # fmt: skip
    assert e.value.param == "policies"


# -- 12. the parameter named; whole numbers -------------------------------------------------------
@pytest.mark.parametrize(
    ("users", "balances", "param"),
    [
        (["a", "b"], [1.0, 2], "balances"),
        (["a", "b"], [1, -2], "balances"),
        (["a", "b"], np.array([1, -2]), "balances"),
        (["a", "b"], [1, 2, 3], "balances"),
        (["a", "a"], [1, 2], "users"),
        ([], [], "users"),
    ],
    ids=["float", "negative", "negative-array", "lengths", "repeated", "none"],
)
def test_pol_balances_and_users_name_their_parameter(
    users: list[str], balances: object, param: str
) -> None:
    from liqcascade.solvency.pol import build_tree

    with pytest.raises(InputError) as e:
        build_tree(users, balances, seed=1)  # type: ignore[arg-type]
    assert e.value.param == param


def test_an_unknown_shock_venue_names_shock_venue() -> None:
    from liqcascade.contagion import build_setup, load_config, simulate_contagion

    setup = build_setup(load_config(DATA / "contagion" / "two_venues.toml"))
    with pytest.raises(
        InputError, match=r"^shock_venue: unknown venue 'zz' \(venues: a, b\)$"
    ) as e:
        simulate_contagion(list(setup.venues), [], list(setup.lending), shock_venue="zz",
                           shock=-0.06)  # fmt: skip
    assert e.value.param == "shock_venue"


def test_frame_shape_errors_of_the_bars_name_ohlcv(btc_bars: pd.DataFrame) -> None:
    for bad in (btc_bars.drop(columns="low"), btc_bars.reset_index(drop=True),
                btc_bars.iloc[::-1]):  # fmt: skip
        with pytest.raises(InputError) as e:
            detect_support(bad)
        assert e.value.param == "ohlcv"


def test_positions_left_out_name_positions() -> None:
    from liqcascade import simulate_cascade

    with pytest.raises(InputError, match="positions are required") as e:
        simulate_cascade(OrderBook.parametric(MID, 30e6), None, None, shock=-0.05)
    assert e.value.param == "positions"


def test_an_integral_float_pivot_is_a_whole_number() -> None:
    from liqcascade.events import SupportParams

    p = SupportParams(pivot=5.0, min_away=3.0)  # type: ignore[arg-type]
    assert (p.pivot, p.min_away) == (5, 3)
    assert type(p.pivot) is int
    with pytest.raises(InputError, match=r"pivot must be a whole number >= 1 \(got 5.5\)"):
        SupportParams(pivot=5.5)  # type: ignore[arg-type]


def test_counts_are_ints() -> None:
    s = OrderBook.parametric(MID, 30e6).summary()
    assert type(s["n_bid_levels"]) is int and type(s["n_ask_levels"]) is int
    assert s["n_bid_levels"] > 0


def test_a_bands_draw_count_is_an_int(eth_state: MarketState) -> None:
    band = eth_state.band(lambda s: float(s.mid), n=2)
    assert type(band["n_draws"]) is int
    assert band["n_draws"] in (0, 2)


# -- 9. type hints as the run time reads them -----------------------------------------------------
def test_simulate_cascade_hints_positions_as_required_with_an_order_book() -> None:
    import typing

    from liqcascade import simulate_cascade

    hints = [typing.get_type_hints(f) for f in typing.get_overloads(simulate_cascade)]
    by_book = {h["book"]: h for h in hints}
    assert set(by_book) == {OrderBook, PreparedMarket}
    assert by_book[OrderBook]["positions"] is PositionBook  # not Optional
    assert by_book[PreparedMarket]["positions"] is type(None)


def test_shock_grid_hints_an_array_of_shocks() -> None:
    import typing

    from liqcascade.stress import shock_grid

    def origin(a: object) -> object:
        o = typing.get_origin(a) or a
        o = getattr(o, "__value__", o)  # a type alias: numpy's NDArray on Python 3.12+
        return typing.get_origin(o) or o

    hint = typing.get_type_hints(shock_grid)["shocks"]
    assert np.ndarray in {origin(a) for a in typing.get_args(hint)}


def test_a_returns_array_is_not_told_to_be_indexed_by_time() -> None:
    from liqcascade import volatility as vol

    with pytest.raises(InputError, match=r"^returns must be a pandas Series \(got ndarray\)$"):
        vol.fit_volatility(np.zeros(500))  # type: ignore[arg-type]


# -- 11. short reprs ------------------------------------------------------------------------------
def _short(obj: object, head: str) -> str:
    text = repr(obj)
    assert text.startswith(f"{head}(") and text.endswith(")"), text
    assert "\n" not in text and len(text) < 400, text  # one line, no frame or array
    return text


def test_support_results_have_short_reprs(btc_bars: pd.DataFrame) -> None:
    det = detect_support(btc_bars)
    text = _short(det, "SupportDetection")
    assert f"bars={len(btc_bars):,}" in text and f"n_tests={det.n_tests:,}" in text
    study = support_study(btc_bars, asset="BTC", n_random=0, n_boot=20, grid={})
    assert f"verdict={study.claim['verdict']}" in _short(study, "SupportStudy")


def test_a_liquidation_map_and_paths_and_a_tree_have_short_reprs() -> None:
    from liqcascade import volatility as vol
    from liqcascade.positions import liquidation_map
    from liqcascade.solvency.pol import build_tree

    m = liquidation_map(_book("BTCUSDT"), None, MID)
    assert f"buckets={len(m.edges) - 1}" in _short(m, "LiquidationMap")
    r = pd.Series(np.random.default_rng(0).standard_t(5, 800) * 0.02,
                  index=pd.date_range("2022-01-01", periods=800, freq="D", tz="UTC"))  # fmt: skip
    paths = vol.fit_volatility(r).simulate(horizon=5, n_paths=20, seed=1)
    assert "paths=20, horizon=5" in _short(paths, "VolatilityPaths")
    tree = build_tree(["a", "b"], [1, 2], seed=1)
    assert f"root={tree.root}" in _short(tree, "LiabilitiesTree")
    assert "total_liabilities=3" in repr(tree)


# -- 10. in-memory round trips --------------------------------------------------------------------
def test_a_stop_book_round_trips_through_its_frame() -> None:
    stops = StopBook(np.array([-1, 1, -1], np.int8), [110_000.0, 121_000.0, 108_500.0],
                     [0.5, 2.0, 1.25])  # fmt: skip
    back = StopBook.from_frame(stops.to_frame())
    np.testing.assert_array_equal(back.side, stops.side)
    np.testing.assert_allclose(back.trigger, stops.trigger, rtol=1e-15)
    np.testing.assert_allclose(back.size, stops.size, rtol=1e-15)
    signs = StopBook.from_frame(stops.to_frame().assign(side=[-1, 1, -1]))
    np.testing.assert_array_equal(signs.side, stops.side)


@pytest.mark.parametrize(
    ("change", "param", "message"),
    [
        (lambda f: f.assign(side=["sell", "flat", "buy"]), "side", r"side in row 1 is 'flat'"),
        (lambda f: f.drop(columns="size"), "df", r"missing column: size"),
        (lambda f: f.iloc[0], "df", r"must be a DataFrame \(got Series"),
    ],
    ids=["side", "column", "series"],
)
def test_a_bad_stops_frame_is_refused(change: object, param: str, message: str) -> None:
    stops = StopBook(np.array([-1, 1, -1], np.int8), [1.0, 3.0, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(InputError, match=message) as e:
        StopBook.from_frame(change(stops.to_frame()))  # type: ignore[operator]
    assert e.value.param == param


def test_an_order_book_round_trips_through_its_frame() -> None:
    book = OrderBook.parametric(MID, 30e6, beta=0.73)
    back = OrderBook.from_frame(book.to_frame().sample(frac=1.0, random_state=0), mid=book.mid)
    assert back.mid == pytest.approx(book.mid, rel=1e-15)
    for a in ("bid_price", "bid_size", "ask_price", "ask_size"):
        np.testing.assert_allclose(getattr(back, a), getattr(book, a), rtol=1e-15)
    with pytest.raises(InputError, match=r"^frame: data row 1: side must be bid or ask") as e:
        OrderBook.from_frame(book.to_frame().assign(side="x"))
    assert e.value.param == "frame"
