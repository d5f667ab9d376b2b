"""The estimated book: kernel vs plain-Python twin, golden cases, the bundled-data run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.positions import EstimationParams, PositionBook, estimate_book, run_estimation
from liqcascade.positions._estimate import (
    default_inputs,
    liquidation_ratios,
    prepare_inputs,
    split_signal,
)
from liqcascade.positions._kernels import estimate_walk_nb, estimate_walk_py


def _random_case(rng: np.random.Generator, n: int, k: int) -> tuple:
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
    high = close * np.exp(np.abs(rng.normal(0, 0.02, n)))
    low = close * np.exp(-np.abs(rng.normal(0, 0.02, n)))
    entry = (high + low + close) / 3
    oi = np.maximum(1.0, 50.0 + np.cumsum(rng.normal(0, 5, n)))
    share = rng.uniform(0.2, 0.8, n)
    w = rng.uniform(0.1, 1, k)
    w /= w.sum()
    lev = rng.choice([3.0, 5.0, 10.0, 25.0, 50.0], size=k, replace=False)
    long_ratio = 1 - 1 / lev + 0.004
    short_ratio = 1 + 1 / lev - 0.004
    return oi, low, high, close, entry, share, w, long_ratio, short_ratio


@pytest.mark.parametrize("rule", [0, 1, 2])
@pytest.mark.parametrize("track", [0, 1])
@pytest.mark.parametrize("turnover", [0.0, 0.15])
def test_kernel_matches_python_twin(rule: int, track: int, turnover: float) -> None:
    rng = np.random.default_rng(100 + 10 * rule + track + int(turnover * 100))
    for _ in range(5):
        case = _random_case(rng, int(rng.integers(5, 40)), int(rng.integers(1, 4)))
        a = estimate_walk_nb(*case, rule, track, turnover)
        b = estimate_walk_py(*case, rule, track, turnover)
        assert len(a) == len(b) == 16
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9)


def _walk(oi, low, high, close, rule=0, track=0, turnover=0.0, share=0.5, lr=0.9, sr=1.1):
    n = len(oi)
    arr = [np.asarray(v, dtype=float) for v in (oi, low, high, close)]
    return estimate_walk_nb(
        arr[0], arr[1], arr[2], arr[3], arr[3].copy(), np.full(n, share),
        np.array([1.0]), np.array([lr]), np.array([sr]), rule, track, turnover,
    )  # fmt: skip


def test_golden_open_then_liquidate_at_exact_touch() -> None:
    # bar 1: OI rises 10 at 100 -> 5 long (liq 90) and 5 short (liq 110);
    # bar 2: low exactly 90 -> the long is liquidated at 90 * 5 = 450 USD; high 105 spares the short
    out = _walk([0, 10, 10], [99, 99, 90], [101, 101, 105], [100, 100, 100])
    ll, ls, opened, _closed, liq = out[:5]
    np.testing.assert_allclose(ll, [0, 0, 450.0])
    np.testing.assert_allclose(ls, [0, 0, 0])
    np.testing.assert_allclose(opened, [0, 10, 0])
    np.testing.assert_allclose(liq, [0, 0, 5])
    # a low one cent above the liquidation price liquidates nothing
    out = _walk([0, 10, 10], [99, 99, 90.01], [101, 101, 105], [100, 100, 100])
    assert out[0].sum() == 0.0


def test_golden_closing_rules() -> None:
    # bar 1 opens 10 at 100, bar 2 opens 10 at 120; bar 3 OI falls by 10 at close 110
    oi, low, high = [0, 10, 20, 10], [99, 99, 119, 109], [101, 101, 121, 111]
    close = [100, 100, 120, 110]
    size = lambda out: out[11]  # noqa: E731  (cohort sizes, index (bar * 1 + 0) * 2 + side)
    kw = {"lr": 0.5, "sr": 1.5}  # far liquidation prices: nothing is liquidated
    pro = size(_walk(oi, low, high, close, rule=0, **kw))
    np.testing.assert_allclose(pro[2:6], [2.5, 2.5, 2.5, 2.5])
    old = size(_walk(oi, low, high, close, rule=1, **kw))
    np.testing.assert_allclose(old[2:6], [0.0, 0.0, 5.0, 5.0])
    # most profitable at 110: the long from 100 (+10 %) and the short from 120 (+8.3 %)
    mp = size(_walk(oi, low, high, close, rule=2, **kw))
    np.testing.assert_allclose(mp[2:6], [0.0, 5.0, 5.0, 0.0])


def test_track_mode_replaces_liquidations_and_turnover_churns() -> None:
    out = _walk([10, 10, 10], [99, 99, 50], [101, 101, 101], [100, 100, 100], track=1)
    # bar 0 opens the whole open interest, bar 2 liquidates the long and reopens it
    np.testing.assert_allclose(out[2], [10, 0, 5])
    np.testing.assert_allclose(out[5] + out[6], [10, 10, 10])
    out = _walk([0, 10, 10], [99, 99, 99], [101, 101, 101], [100, 100, 100], turnover=0.2)
    np.testing.assert_allclose(out[3], [0, 0, 2.0])  # 20 % of 10 closed ...
    np.testing.assert_allclose(out[2], [0, 10, 2.0])  # ... and reopened


def test_liquidation_ratios_match_design_formula() -> None:
    r = liquidation_ratios(EstimationParams())
    # 100x long, notional 10,000 USD: tier 0.4 %, cum 0 -> (100 - 10,000) / (0.04 - 10) / 1000
    lp = (100.0 - 10_000.0) / (10.0 * 0.004 - 10.0) / 1000.0
    assert r["long_liq"].iloc[-1] == pytest.approx(lp, rel=1e-12)
    sp = (100.0 + 10_000.0) / (10.0 * 0.004 + 10.0) / 1000.0
    assert r["short_liq"].iloc[-1] == pytest.approx(sp, rel=1e-12)
    np.testing.assert_allclose(r["long_bankruptcy"], 1 - 1 / r["leverage"])
    assert (r["long_liq"] > r["long_bankruptcy"]).all()
    assert (r["short_liq"] < r["short_bankruptcy"]).all()
    assert r["long_liq"].is_monotonic_increasing  # higher leverage: closer liquidation


def test_params_validation_and_json_roundtrip(tmp_path) -> None:
    p = EstimationParams(leverage_weights=(1, 1, 1, 1, 1), close_rule="oldest", turnover=0.1)
    assert sum(p.leverage_weights) == pytest.approx(1.0)
    path = tmp_path / "p.json"
    p.to_json(path)
    assert EstimationParams.from_json(path) == p
    with pytest.raises(InputError, match="close_rule"):
        EstimationParams(close_rule="random")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="venue_share"):
        EstimationParams(venue_share=0.0)
    with pytest.raises(InputError, match="leverage_weights"):
        EstimationParams(leverage_weights=(1.0, 2.0))
    with pytest.raises(InputError, match="unknown parameter"):
        EstimationParams.from_dict({"bogus": 1})
    path.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        EstimationParams.from_json(path)


@pytest.fixture(scope="module")
def bundled_run():
    oi, px = default_inputs()
    return run_estimation(oi, px, EstimationParams())


def test_bundled_run_conserves_and_is_deterministic(bundled_run) -> None:
    r = bundled_run
    oi, px = default_inputs()
    assert r.ts[0] == oi.index[0] and r.ts[-1] == oi.index[-1] and len(r) == len(oi)
    c = r.cohorts
    # every cohort: opened = open + closed + liquidated (base units, hence USD at entry)
    np.testing.assert_allclose(c["size_opened"], c["size"] + c["closed"] + c["liquidated"],
                               rtol=1e-9, atol=1e-9)  # fmt: skip
    assert (c[["size", "closed", "liquidated"]] >= 0).all().all()
    flows = (
        r.warmup_opened_base + r.opened_base.sum() - r.closed_base.sum() - r.liquidated_base.sum()
    )
    # the warm-up's removals are not reported; the end-of-run book is what remains
    assert r.open_long_base[-1] + r.open_short_base[-1] == pytest.approx(c["size"].sum(), rel=1e-9)
    assert flows >= c["size"].sum() - 1e-6
    r2 = run_estimation(oi, px, EstimationParams())
    np.testing.assert_array_equal(r.predicted_long_usd, r2.predicted_long_usd)
    # the vendors' recipe over-predicts the recorded Binance liquidations several-fold
    from liqcascade import datasets

    rec = datasets.load_liquidations().reindex(r.ts)
    ratio = (r.predicted_long_usd.sum() + r.predicted_short_usd.sum()) / (
        rec["long_usd"].sum() + rec["short_usd"].sum()
    )
    assert 2.0 < ratio < 10.0


def test_book_at_end_and_as_of(bundled_run) -> None:
    book = bundled_run.book
    assert isinstance(book, PositionBook) and len(book) > 0
    assert book.venue == "binance"
    assert (book.opened_ms > 0).all()
    lo = book.is_long
    assert (book.liq_price[lo] < book.entry_price[lo]).all()
    assert (book.liq_price[lo] > book.bankruptcy_price[lo]).all()
    assert (book.liq_price[~lo] > book.entry_price[~lo]).all()
    # leverage of each position is one of the buckets
    assert set(np.round(book.leverage, 6)) <= set(EstimationParams().leverages)
    # a bare date: the book after the day's last bar (opening 20:00, closing midnight)
    last_bar = pd.Timestamp("2025-03-01 20:00", tz="UTC")
    b2 = estimate_book("2025-03-01", params=EstimationParams())
    assert b2.opened_ms.max() <= last_bar.value // 1_000_000
    # as_of of the last bar equals the whole run
    b3 = estimate_book(params=EstimationParams())
    assert_same(b3.size, book.size)
    with pytest.raises(InputError, match="open interest starts") as err:
        estimate_book("2020-01-01", params=EstimationParams())
    assert err.value.param == "as_of"


def test_estimate_book_default_uses_calibrated_params() -> None:
    from liqcascade.positions import load_calibrated

    cal = load_calibrated()
    book = estimate_book()
    ref = estimate_book(params=cal.params)
    assert_same(book.size, ref.size)
    assert len(book) > 0


def test_prepare_inputs_warmup_and_signal() -> None:
    oi, px = default_inputs()
    p = EstimationParams(seed_days=10)
    df, n_seed = prepare_inputs(oi, px, p)
    assert n_seed == 60  # 10 days of 4h bars before 2024-11-22 20:00
    assert df.index[n_seed] == oi.index[0]
    assert df["oi_base"].iloc[0] == 0.0
    np.testing.assert_allclose(
        df["oi_base"].iloc[n_seed], oi["oi_usd"].iloc[0] / px["close"].loc[oi.index[0]]
    )
    sig = split_signal(EstimationParams(split="taker"), pd.DatetimeIndex(df.index), None)
    assert set(np.unique(np.sign(sig))) <= {-1.0, 0.0, 1.0}
    assert (sig[df.index > pd.Timestamp("2025-05-13", tz="UTC")] == 0).all()  # taker ends 05-12
    with pytest.raises(InputError, match="oi_usd"):
        prepare_inputs(oi.rename(columns={"oi_usd": "x"}), px, p)


def test_run_json_friendly_summary(bundled_run) -> None:
    s = bundled_run.summary()
    json.dumps(s)
    assert s["bars"] == len(bundled_run)
    fig = bundled_run.plot()
    assert len(fig.data) == 2
    assert "<table>" in bundled_run._repr_html_()


def test_default_inputs_refuses_another_interval_naming_its_parameter() -> None:
    """The message named the command line's --interval from inside the library."""
    from liqcascade.errors import InputError

    with pytest.raises(InputError, match=r"4-hourly \(got 1h\)") as e:
        default_inputs(interval="1h")
    assert e.value.param == "interval" and "--" not in str(e.value)


def _book_usd(book: PositionBook) -> float:
    return float((book.size * book.entry_price).sum())


def test_estimate_book_follows_the_one_date_rule() -> None:
    """A bare date is the close of the day's last bar; a time keeps closed bars only."""
    oi, px = default_inputs()
    p = EstimationParams()

    def cut(last: str) -> PositionBook:
        return run_estimation(oi[oi.index <= pd.Timestamp(last, tz="UTC")], px, p).book

    day = estimate_book("2025-03-10", params=p)
    ref = cut("2025-03-10 20:00")
    assert len(day) == len(ref)
    assert_same(day.size, ref.size)
    # the same instant as a timestamp: midnight that ends the day
    assert_same(estimate_book(pd.Timestamp("2025-03-11", tz="UTC"), params=p).size, day.size)
    # at 20:00 the bar opening at 20:00 has not closed (no look-ahead)
    evening = estimate_book("2025-03-10 20:00", params=p)
    ref = cut("2025-03-10 16:00")
    assert len(evening) == len(ref)
    assert_same(evening.size, ref.size)
    assert abs(_book_usd(evening) - _book_usd(day)) > 1.0  # the cut matters


def test_estimate_book_refuses_missing_or_negative_open_interest() -> None:
    oi, px = default_inputs()
    nan = oi.copy()
    nan.loc["2025-03-05":"2025-03-11", "oi_usd"] = np.nan
    with pytest.raises(InputError, match=r"missing .*2025-03-05 00:00 UTC") as err:
        estimate_book("2025-03-11", oi=nan, prices=px)
    assert err.value.param == "oi"
    neg = oi.copy()
    neg.loc["2025-03-07 08:00", "oi_usd"] = -1.0
    with pytest.raises(InputError, match="negative at 2025-03-07 08:00 UTC") as err:
        estimate_book("2025-03-11", oi=neg, prices=px)
    assert err.value.param == "oi"
    # bad values after as_of are not read
    assert len(estimate_book("2025-03-01", oi=nan, prices=px)) > 0
    with pytest.raises(InputError, match="no open interest") as err:
        estimate_book(oi=oi.iloc[:0], prices=px)
    assert err.value.param == "oi"
    text = oi.assign(oi_usd=oi["oi_usd"].astype(str) + "x")
    with pytest.raises(InputError, match="must be numbers") as err:
        estimate_book("2025-03-11", oi=text, prices=px)
    assert err.value.param == "oi"


def test_estimate_book_resamples_finer_prices_and_refuses_coarser() -> None:
    from liqcascade.positions._estimate import bundled_ohlc

    oi, px4 = default_inputs()
    p = EstimationParams()
    ref = estimate_book("2025-03-11", params=p, oi=oi, prices=px4)
    for interval in ("1h", "2h"):
        book = estimate_book("2025-03-11", params=p, oi=oi, prices=bundled_ohlc("ETH", interval))
        assert len(book) == len(ref), interval
        assert_same(book.size, ref.size)
    for interval in ("1d", "8h", "3h"):
        with pytest.raises(InputError, match=f"got {interval} bars") as err:
            estimate_book("2025-03-11", params=p, oi=oi, prices=bundled_ohlc("ETH", interval))
        assert err.value.param == "prices"


@pytest.mark.parametrize(
    ("interval", "step"), [("1h", pd.Timedelta(hours=1)), ("1d", pd.Timedelta(days=1))]
)
def test_estimate_book_refuses_open_interest_not_four_hourly(
    interval: str, step: pd.Timedelta
) -> None:
    """Open interest is a level at bar close: another spacing is refused, not resampled."""
    oi, px = default_inputs()
    # the bundled values relabelled at another spacing (a daily series read as 4-hourly
    # walked 6x slower than its time; an hourly one, 4x faster)
    other = oi.set_axis(pd.date_range(oi.index[0], periods=len(oi), freq=step))
    with pytest.raises(
        InputError, match=rf"^oi: the estimate walks 4-hour bars; got {interval} "
    ) as err:
        estimate_book(params=EstimationParams(), oi=other, prices=px)
    assert err.value.param == "oi"
    # 4-hourly with a few bars missing is still 4-hourly (the most common step)
    gappy = oi.drop(oi.index[10:13])
    assert len(estimate_book("2025-03-11", params=EstimationParams(), oi=gappy, prices=px)) > 0


@pytest.mark.parametrize("hours", [1, 2, 3])
def test_estimate_book_refuses_open_interest_off_the_four_hour_boundaries(hours: int) -> None:
    """4-hourly at 01:00, 05:00 ... passed: each bar met the prices of another 4 hours."""
    oi, px = default_inputs()
    shifted = oi.set_axis(oi.index + pd.Timedelta(hours=hours))
    first = shifted.index[0]
    with pytest.raises(
        InputError,
        match=rf"^oi: the estimate walks the 4-hour bars of the UTC day .*the bar at "
        rf"{first:%Y-%m-%d %H:%M} UTC is off them",
    ) as err:
        estimate_book(params=EstimationParams(), oi=shifted, prices=px)
    assert err.value.param == "oi"
    # one bar off among aligned ones is named, not the first bar
    one = oi.rename(index={oi.index[5]: oi.index[5] + pd.Timedelta(minutes=30)})
    with pytest.raises(InputError, match=rf"the bar at {one.index[5]:%Y-%m-%d %H:%M} UTC"):
        estimate_book(params=EstimationParams(), oi=one, prices=px)
    # the same instants in another zone are on the boundaries: read as UTC
    berlin = oi.tz_convert("Europe/Berlin")
    ref = estimate_book("2025-03-11", params=EstimationParams(), oi=oi, prices=px)
    assert_same(estimate_book("2025-03-11", params=EstimationParams(), oi=berlin, prices=px).size,
                ref.size)  # fmt: skip


def test_run_estimation_checks_open_interest_as_estimate_book_does() -> None:
    """``run_estimation`` (and ``prepare_inputs``) ran hourly or off-boundary open interest
    silently on a wrong bar (session 26): the one check, with estimate_book's messages."""
    oi, px = default_inputs()
    p = EstimationParams()
    hourly = oi.set_axis(pd.date_range(oi.index[0], periods=len(oi), freq="1h"))
    shifted = oi.set_axis(oi.index + pd.Timedelta(hours=1))
    cases = [
        (hourly, r"^oi: the estimate walks 4-hour bars; got 1h "),
        (shifted, rf"^oi: the estimate walks the 4-hour bars of the UTC day .*the bar at "
                  rf"{shifted.index[0]:%Y-%m-%d %H:%M} UTC is off them"),
        (oi.assign(oi_usd=-oi["oi_usd"]), r"^oi: 'oi_usd' is negative at "),
    ]  # fmt: skip
    for bad, msg in cases:
        for call in (run_estimation, prepare_inputs):
            with pytest.raises(InputError, match=msg) as err:
                call(bad, px, p)
            assert err.value.param == "oi"
        with pytest.raises(InputError, match=msg):  # estimate_book's words, checked once
            estimate_book(params=p, oi=bad, prices=px)
    # a NaN bar was dropped silently by run_estimation's join: refused as estimate_book does
    nan = oi.copy()
    nan.iloc[7, nan.columns.get_loc("oi_usd")] = np.nan
    with pytest.raises(InputError, match=rf"is missing \(NaN\) at {oi.index[7]:%Y-%m-%d %H:%M}"):
        run_estimation(nan, px, p)


@pytest.mark.parametrize(("interval", "shift"), [("4h", "1h"), ("4h", "30min"), ("1h", "30min")])
def test_estimate_book_refuses_prices_off_their_boundaries(interval: str, shift: str) -> None:
    """Price bars are checked as open interest is (session 25): 4-hourly at 01:00 said only
    "no bar has both open interest and prices"; one hourly bar at 05:30 was resampled into
    the 4-hour bar before it."""
    from liqcascade.positions._estimate import bundled_ohlc

    oi, _ = default_inputs()
    px = bundled_ohlc("ETH", interval)
    shifted = px.set_axis(px.index + pd.Timedelta(shift))
    with pytest.raises(
        InputError,
        match=rf"^prices: the estimate walks the 4-hour bars of the UTC day .*the {interval} "
        rf"bar at {shifted.index[0]:%Y-%m-%d %H:%M} UTC is off the {interval} bars' boundaries",
    ) as err:
        estimate_book("2025-03-11", params=EstimationParams(), oi=oi, prices=shifted)
    assert err.value.param == "prices"
    # one bar off among aligned ones is named
    i = len(px) // 2
    one = px.rename(index={px.index[i]: px.index[i] + pd.Timedelta(shift)})
    with pytest.raises(InputError, match=rf"bar at {one.index[i]:%Y-%m-%d %H:%M} UTC is off"):
        estimate_book("2025-03-11", params=EstimationParams(), oi=oi, prices=one)


def test_slicing_open_interest_changes_the_warm_up() -> None:
    """A slice of ``oi`` starts another warm-up: another book than the full series cut."""
    oi, px = default_inputs()
    p = EstimationParams()
    start = pd.Timestamp("2025-02-01", tz="UTC")
    full = estimate_book("2025-02-05", params=p, oi=oi, prices=px)
    late = estimate_book("2025-02-05", params=p, oi=oi[oi.index >= start], prices=px)
    assert abs(_book_usd(full) - _book_usd(late)) > 1.0
    # the slice's oldest cohorts are its own warm-up's: the 30 days before its first bar
    oldest = pd.Timestamp(int(late.opened_ms.min()), unit="ms", tz="UTC")
    assert start - pd.Timedelta(days=p.seed_days + 1) <= oldest < start
