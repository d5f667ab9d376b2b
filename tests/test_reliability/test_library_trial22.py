"""A library user's trial (session 22): the Python API refuses what is not its input.

Each case raised something other than :class:`InputError` on main, or took text, a
bool or an array for a number, or crashed on a frame without a time zone:

1. scalar numbers (shocks, a link's capacity, a market's share) go through the
   package's number checks: ``shock=True`` ran a +100 % rise, ``"-0.08"`` a -8 % fall;
2. a naive time index is read as UTC by every function that takes prices, bars, closes
   or open interest (``_time.utc_indexed``);
3. a frame of text, a numpy array of returns, an OHLCV frame given as closes are refused
   naming the parameter (``_tables.check_numeric`` / ``number_series``);
4. messages: text is "not a number", not "below the range"; an integer is not a date;
5. a Python-built position book gets the positions files' liq-vs-entry rule.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from liqcascade import data, datasets, simulate_cascade
from liqcascade import volatility as vol
from liqcascade._tables import check_numeric
from liqcascade.book import OrderBook
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook, check_stops_at_price

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def market() -> tuple[OrderBook, PositionBook]:
    book = OrderBook.parametric(3000.0, 30e6, beta=0.73)
    pos = PositionBook([1, -1], [10.0, 5.0], [3100.0, 2900.0], [1550.0, 1450.0],
                       [2960.0, 3040.0], [2945.0, 3045.0])  # fmt: skip
    return book, pos


@pytest.fixture(scope="module")
def hourly() -> pd.DataFrame:
    return data.load_series("ohlcv", asset="ETH", interval="1h", start="2025-02-01",
                            end="2025-03-31")  # fmt: skip


# -- 1. numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"shock": True}, r"^shock must be a number \(got True\)$"),
        ({"shock": "-0.08"}, r"^shock must be a number \(got '-0.08'\)$"),
        ({"shock_sell_usd": "1e6"}, r"^shock_sell_usd must be a number \(got '1e6'\)$"),
        ({"shock_price": b"2900"}, r"^shock_price must be a number"),
        ({"shock": np.array([-0.08])}, r"^shock must be one number, not an array .*\(1,\)"),
        ({"shock": pd.Series([-0.08])}, r"^shock must be one number, not an array \(got Series"),
    ],
)
def test_a_shock_must_be_one_real_number(
    market: tuple[OrderBook, PositionBook], kw: dict[str, Any], message: str
) -> None:
    book, pos = market
    with pytest.raises(InputError, match=message) as e:
        simulate_cascade(book, pos, **kw)
    assert e.value.param == next(iter(kw))


def test_numpy_and_decimal_shocks_run_as_the_float(market: tuple[OrderBook, PositionBook]) -> None:
    book, pos = market
    want = simulate_cascade(book, pos, shock=-0.05).final_price
    for v in (np.float64(-0.05), Decimal("-0.05"), np.array(-0.05)):
        assert simulate_cascade(book, pos, shock=v).final_price == pytest.approx(want, rel=1e-12)
    # float32's -0.05 is -0.0500000007: a hair deeper, it may cross one more level
    assert simulate_cascade(book, pos, shock=np.float32(-0.05)).final_price <= want


def test_contagion_shock_and_link_capacity_are_numbers() -> None:
    from liqcascade.contagion import Link, build_setup, load_config, simulate_contagion

    setup = build_setup(load_config(DATA / "contagion" / "two_venues.toml"))
    links = [Link("a", "b", cost=0.0005, capacity_usd=5e6)]
    for bad in (True, "-0.06"):
        with pytest.raises(InputError, match=r"^shock must be a number") as e:
            simulate_contagion(list(setup.venues), links, list(setup.lending), shock_venue="a",
                               shock=bad)  # fmt: skip
        assert e.value.param == "shock"
    # was "must be >= 0 (got 5e6)": a range the text seemed to miss
    with pytest.raises(InputError, match=r"^link a-b: capacity_usd must be a number \(got '5e6'\)"):
        Link("a", "b", cost=0.0005, capacity_usd="5e6")  # type: ignore[arg-type]
    assert Link("a", "b", capacity_usd=np.inf).capacity_usd == np.inf


def test_market_spec_share_and_depth_scale_are_numbers() -> None:
    from liqcascade.market import MarketSpec

    with pytest.raises(InputError, match=r"^share must be a number \(got '0.2'\)$") as e:
        MarketSpec("ETH", share="0.2")  # type: ignore[arg-type]
    assert e.value.param == "share"
    with pytest.raises(InputError, match=r"^depth_scale must be a number") as e:
        MarketSpec("ETH", depth_scale="2")  # type: ignore[arg-type]
    assert e.value.param == "depth_scale"
    spec = MarketSpec("ETH", share=Decimal("0.2"))
    assert isinstance(spec.share, float) and spec.share == pytest.approx(0.2, abs=1e-12)


def test_support_params_text_is_not_a_number() -> None:
    from liqcascade.events import SupportParams

    # was "pivot must be >= 1 (got 5)" for the text "5"
    with pytest.raises(InputError, match=r"^pivot must be a whole number >= 1 \(got '5'\)$"):
        SupportParams(pivot="5")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^band must be a number \(got '0.01'\)$"):
        SupportParams(band="0.01")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^volume_weighted must be True or False"):
        SupportParams(volume_weighted="no")  # type: ignore[arg-type]
    p = SupportParams(pivot=np.int64(3), band=np.float64(0.02))  # type: ignore[arg-type]
    assert type(p.pivot) is int and type(p.band) is float and p.pivot == 3


# -- 2. naive time indexes read as UTC -----------------------------------------------------------
def test_naive_closes_are_utc() -> None:
    close = datasets.load_ohlcv("BTC", "1d", "2022-01-01", "2025-12-31")["close"]
    want = vol.log_returns(close, "2022-01-01", "2025-12-31")
    got = vol.log_returns(close.tz_localize(None), "2022-01-01", "2025-12-31")
    assert got.index.equals(want.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-12)


def test_naive_prices_are_utc(hourly: pd.DataFrame) -> None:
    from liqcascade.cascade import detect_events
    from liqcascade.positions import estimate_book

    naive = hourly.tz_localize(None)
    assert data.price_at("ETH", "2025-03-01", prices=naive) == pytest.approx(
        data.price_at("ETH", "2025-03-01", prices=hourly), rel=1e-12
    )
    got = estimate_book("2025-03-10", prices=naive)
    want = estimate_book("2025-03-10", prices=hourly)
    np.testing.assert_allclose(got.size, want.size, rtol=1e-12)
    assert data.resample_ohlcv(naive, "4h").index.equals(data.resample_ohlcv(hourly, "4h").index)
    ev = detect_events(naive, 0.02, "2025-03-01", "2025-03-31")
    assert ev.equals(detect_events(hourly, 0.02, "2025-03-01", "2025-03-31"))
    assert hourly.index.tz is not None and naive.index.tz is None  # inputs unchanged


def test_support_study_on_naive_bars_gives_utc_times() -> None:
    from liqcascade.events import support_study

    bars = datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-12-31")
    got = support_study(bars.tz_localize(None), seed=3).to_dict()
    want = support_study(bars, seed=3).to_dict()
    assert got["start"] == want["start"] and got["end"] == want["end"]
    assert pd.Timestamp(got["start"]).tzinfo is not None


# -- 3. frames and series of the wrong kind ------------------------------------------------------
def test_returns_and_closes_of_the_wrong_type() -> None:
    bars = datasets.load_ohlcv("BTC", "1d", "2024-01-01", "2024-12-31")
    r = vol.log_returns(bars["close"])
    with pytest.raises(InputError, match=r"^returns must be a pandas Series .*\(got ndarray\)"):
        vol.fit_volatility(r.to_numpy(), "gjr", "t")  # type: ignore[arg-type]
    # a DataFrame gives its close column (was ValueError "Length of values ...")
    assert vol.log_returns(bars).equals(r)
    with pytest.raises(InputError, match=r"must be numbers \(got str values such as '") as e:
        vol.log_returns(bars["close"].astype(str))
    assert e.value.param == "close"
    with pytest.raises(InputError, match=r"^close must be a pandas Series") as e:
        vol.log_returns(bars[["open"]])
    assert e.value.param == "close"


def test_frames_of_text_are_refused_naming_the_column(hourly: pd.DataFrame) -> None:
    from liqcascade.cascade import detect_events
    from liqcascade.positions import estimate_book

    # a numpy ufunc error
    with pytest.raises(InputError, match=r"^ohlc: column 'high' must be numbers") as e:
        detect_events(hourly.astype(str), 0.02)
    assert e.value.param == "ohlc"
    oi = data.load_series("open_interest", asset="ETH", interval="4h", start="2025-01-01",
                          end="2025-03-31")  # fmt: skip
    # a pyarrow error chain
    with pytest.raises(InputError, match=r"^oi: column 'oi_usd' must be numbers") as e:
        estimate_book("2025-03-10", oi=oi.astype({"oi_usd": str}))
    assert e.value.param == "oi"


# -- 4. a number is not a date -------------------------------------------------------------------
@pytest.mark.parametrize("as_of", [20250310, 1741600000000, np.int64(20250310), 2.5])
def test_a_number_is_not_a_date(as_of: Any) -> None:
    from liqcascade._time import to_utc

    # 20250310 was read as nanoseconds since 1970 (1970-01-01 00:00:00.020250310)
    with pytest.raises(InputError, match=r"^as_of: a number is not a date: give 'YYYY-MM-DD'"):
        to_utc(as_of, "as_of")


# -- 5. a Python-built book gets the files' rules ------------------------------------------------
def test_a_long_liquidated_above_its_entry_is_refused() -> None:
    with pytest.raises(InputError, match=r"^PositionBook: position 0: liq_price 3,100.00 is at "
                       r"or above the entry price 3,000.00 of a long") as e:  # fmt: skip
        PositionBook([1], [1.0], [3000.0], [100.0], liq_price=[3100.0],
                     bankruptcy_price=[2850.0])  # fmt: skip
    assert e.value.param == "liq_price"
    with pytest.raises(InputError, match=r"position 1: liq_price 2,950.00 is at or below"):
        PositionBook([1, -1], [1.0, 1.0], [3000.0, 3000.0], [100.0, 100.0], [2900.0, 2950.0],
                     [2890.0, 3100.0])  # fmt: skip
    # a cross position's price is its account's: taken as given, as the files take it
    book = PositionBook([1], [1.0], [3000.0], [100.0], [3100.0], [2850.0], cross=[True])
    assert book.cross.tolist() == [True] and book.subset([0]).cross.tolist() == [True]


def test_stops_built_in_python_are_checked_against_the_mid() -> None:
    stops = StopBook(np.array([-1], np.int8), [3050.0], [3.0])
    with pytest.raises(InputError, match=r"^stops: stop 0: a sell stop at 3,050.00 is at or "
                       r"above the mid 3,000.00") as e:  # fmt: skip
        check_stops_at_price(stops, 3000.0)
    assert e.value.param == "stops"
    check_stops_at_price(StopBook(np.array([-1], np.int8), [2950.0], [3.0]), 3000.0)


@pytest.mark.parametrize("values", [[None, "3000.5"], [None, True], [pd.NA, "3000.5"]])
def test_text_after_a_missing_value_is_refused(values: list[Any]) -> None:
    # None was both a missing value and the mark of "no bad value found": text or a bool
    # after a leading None passed the check
    bars = pd.DataFrame({"close": pd.Series([*values, 3001.0], dtype=object)})
    with pytest.raises(InputError, match=r"^bars: column 'close' must be numbers \(got (str|bool)"):
        check_numeric(bars, ("close",), "bars", param="bars")


def test_numbers_with_missing_values_as_objects_pass() -> None:
    bars = pd.DataFrame({"close": pd.Series([3000.5, pd.NA, None, 2], dtype=object)})
    check_numeric(bars, ("close",), "bars", param="bars")  # no error: missing is the caller's rule


def test_decimal_settings_are_kept_as_floats() -> None:
    # the checks read a Decimal as its float (a ledger's amounts), but FillModel and Link
    # kept the Decimal itself: float * Decimal raised TypeError in the fills and flows
    from liqcascade.contagion import Link
    from liqcascade.protect import FillModel

    fm = FillModel(beta=Decimal("0.7"), max_distance=Decimal("0.3"), window=Decimal("0.01"))
    link = Link("a", "b", cost=Decimal("0.001"), capacity_usd=Decimal("5e6"))
    got = [fm.beta, fm.max_distance, fm.window, link.cost, link.capacity_usd]
    assert all(type(v) is float for v in got), [type(v).__name__ for v in got]
    np.testing.assert_allclose(got, [0.7, 0.3, 0.01, 0.001, 5e6], rtol=1e-12)


def test_decimal_exchange_and_liquidity_params_run() -> None:
    # the checks took a Decimal (a ledger's amounts) and the objects kept it:
    # run_solvency raised TypeError (float - Decimal), LiquidityParams held a Decimal
    from liqcascade.cascade import LiquidityParams
    from liqcascade.solvency import Exchange, StressScenario, run_solvency

    book = PositionBook([1, -1], [1.0, 1.0], [2000.0, 2000.0], [100.0, 600.0],
                        [1905.0, 2590.0], [1900.0, 2600.0])  # fmt: skip
    as_float = Exchange(book, insurance_fund=50.0, reserve_buffer=0.01, mid=2000.0)
    as_dec = Exchange(book, insurance_fund=Decimal("50"), reserve_buffer=Decimal("0.01"),
                      liquidation_fee=Decimal("0"), mid=Decimal("2000"))  # fmt: skip
    got = run_solvency(as_dec, [StressScenario("a", -0.08)]).outcomes[0]
    want = run_solvency(as_float, [StressScenario("a", -0.08)]).outcomes[0]
    assert got.bad_debt_usd == pytest.approx(want.bad_debt_usd, rel=1e-12)
    assert got.bad_debt_usd > 0  # the scenario reaches the fund
    lp = LiquidityParams(venue_share=Decimal("0.5"), latent_depth=Decimal("0"))
    assert type(lp.venue_share) is float and type(lp.latent_depth) is float
