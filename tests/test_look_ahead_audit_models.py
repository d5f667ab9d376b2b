"""The look-ahead audit of the models: volatility, support statistics, contagion, solvency.

``tests/test_look_ahead_audit.py``'s method (``tests/futures.py``: everything from a cut
on changed, every row before it as bundled) applied to what that file does not cover:
the volatility fits (the library's study with its forecasts and simulated paths, ``vol``
and the report's volatility section), the support event study's figures beyond
detection (the report's support section: forward returns, bounce rates against every
day and random levels, their intervals, the sensitivity grid, the verdict), the
contagion preset's inputs (mids, venue shares, books, positions, the lending market's
β and price, the liquidity calibration in force) and the stress and solvency inputs
read from the market at a date (the stress market's hourly volatility and residuals,
its shocks; the solvency exchange's positions, book and scenarios). For every figure
of a window that ends by the cut nothing may move; some figure after it must (so each
check can fail). What reads after its date by design is asserted to be documented as
such instead. A store running past the crash (open interest to 2025-11-28) checks that
the preset's positions are the market before the crash, not the store's last (the one
leak found, fixed in session 20). docs/validation.md, "The look-ahead audit".
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from floats import assert_same
from futures import FUTURE_SERIES, perturb_after, shared_perturbed_store
from test_look_ahead_audit import CUT, DAY, _changed, _same_rows

DOCS = Path(__file__).resolve().parents[1] / "docs"

BEFORE = "2025-04-30"
"""A date whose last daily bar closes at :data:`CUT`: everything read by then is unchanged."""

AFTER = "2025-05-31"
"""A date a month after :data:`CUT`: what is read by then holds changed bars."""


@pytest.fixture(scope="module")
def future(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled ETH and BTC series, changed from :data:`CUT` on (one
    file for this module and its twin, ``futures.shared_perturbed_store``)."""
    return shared_perturbed_store(tmp_path_factory, CUT)


@pytest.fixture
def default_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``use(store)``: make ``store`` (a path, or None for no store) the default store."""
    none = Path(os.environ["LIQCASCADE_STORE"])  # conftest's: no file, so no store

    def use(store: Path | None) -> None:
        monkeypatch.setenv("LIQCASCADE_STORE", str(store if store is not None else none))

    yield use


def _same_tree(a: Any, b: Any, where: str = "") -> None:
    """Two JSON-like values hold the same data: floats within tolerance, the rest equal."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _same_tree(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_tree(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, int | float) and isinstance(b, int | float), where
        assert (math.isnan(a) and math.isnan(b)) or np.isclose(a, b, rtol=1e-12, atol=1e-9), (
            where, a, b,
        )  # fmt: skip
    else:
        assert a == b, (where, a, b)


def _at_both_dates(
    compute: Callable[[str], Any], default_store: Any, future: Path
) -> dict[tuple[str, Path | None], Any]:
    """``compute(as_of)`` at :data:`BEFORE` and :data:`AFTER`, on the bundle (store None)
    and on the changed store as the default store."""
    runs = {}
    for as_of in (BEFORE, AFTER):
        for store in (None, future):
            default_store(store)
            runs[as_of, store] = compute(as_of)
    return runs


# -- volatility ---------------------------------------------------------------------------


def _fit_figures(fit: Any) -> dict[str, np.ndarray]:
    """A fit's out-of-sample figures: its forecasts and simulated paths, and its state."""
    paths = fit.simulate(horizon=10, n_paths=200, method="fhs", seed=1)
    return {
        "params": fit.params.to_numpy(),
        "std_err": fit.std_err.to_numpy(),
        "conditional_vol": fit.annualized_conditional_volatility.to_numpy(),
        "forecast": np.asarray(fit.forecast(10), dtype=np.float64),
        "news_impact": fit.news_impact()["vol_annual_pct"].to_numpy(),
        "paths.returns": paths.returns,
        "paths.variance": paths.variance,
    }


def test_volatility_study_to_the_cut_reads_nothing_after_it(future: Path) -> None:
    """``volatility_study`` given every close, its range ending at the cut's daily close."""
    from liqcascade import volatility as vol

    studies = {}
    for end in (BEFORE, AFTER):
        for store in (False, future):
            close = vol.load_close("ETH", "1d", store=store)
            assert close.index[-1] > CUT + 60 * DAY  # the study gets the changed bars
            studies[end, store] = vol.volatility_study(
                close, start="2022-01-01", end=end, asset="ETH", by_period=True
            )
    real, other = studies[BEFORE, False], studies[BEFORE, future]
    assert str(other.source).startswith("store:")
    assert real.fit.returns.index[-1] + DAY == CUT  # the 2025-04-30 bar closes at the cut
    a, b = real.to_dict(), other.to_dict()
    a.pop("data_source"), b.pop("data_source")
    _same_tree(b, a)
    fa, fb = _fit_figures(real.fit), _fit_figures(other.fit)
    for k in fa:
        assert_same(fb[k], fa[k])
    later = [studies[AFTER, s].fit for s in (False, future)]
    assert _changed(later[1].params.to_numpy(), later[0].params.to_numpy())
    assert _changed(_fit_figures(later[1])["forecast"], _fit_figures(later[0])["forecast"])


def _vol_json(store: Path | None, as_of: str) -> dict[str, Any]:
    where = () if store is None else ("--store", str(store))  # None: the bundle
    r = run_cli("vol", "--asset", "BTC", "--start", "2024-01-01", "--as-of", as_of,
                "--by-period", *where, "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out: dict[str, Any] = json.loads(r.stdout)
    assert out.pop("data_source") != ""
    return out


def test_vol_command_as_of_the_cut_reads_nothing_after_it(future: Path) -> None:
    """``vol --as-of`` on a store holding the changed future and on the bundle alone."""
    real, other = (_vol_json(s, BEFORE) for s in (None, future))
    assert real["data_cut"]["as_of"] == CUT.isoformat()
    _same_tree(other, real)
    later = [_vol_json(s, AFTER) for s in (None, future)]
    assert _changed(np.array(list(later[1]["params"].values())),
                    np.array(list(later[0]["params"].values())))  # fmt: skip


def _vol_section(as_of: str, quick: bool = True, asset: str = "ETH") -> dict[str, Any]:
    """Every number of the report's volatility section at ``as_of`` (default store).

    ``quick=False``: the full mode, which adds the hourly fit and its periods, EGARCH's
    periods and the normal and skew-t rows of the model comparison (about 12 s an
    asset, so the suite runs the quick mode; ``tools/look_ahead_volatility_full.py``
    runs this one on the changed store).
    """
    from liqcascade.report import _volatility_section as section
    from liqcascade.report._section import ReportContext

    v = section.compute(ReportContext(quick, asset, as_of))
    out = section.summary(v)
    out["realised"] = v.realised().to_numpy().tolist()
    out["prose"] = dataclasses.asdict(section.prose(v))  # its words, figures rounded
    # where the bars were read is named (the bundle's or a store's: the future store's
    # run reads its own), which is not a figure of the date: compared without it
    out["prose"]["method"] = [t.replace(v.bars_from, "BARS") for t in out["prose"]["method"]]
    return out


def test_report_volatility_section_at_a_date_reads_nothing_after_it(
    future: Path, default_store: Any
) -> None:
    """Every number of the section (fits, periods, model comparison, realised volatility)."""
    runs = _at_both_dates(_vol_section, default_store, future)
    real, other = runs[BEFORE, None], runs[BEFORE, future]
    assert pd.Timestamp(real["daily_last"]) + DAY == CUT
    _same_tree(other, real)
    later = [runs[AFTER, s]["fit_1d_gjr_t"]["params"] for s in (None, future)]
    assert _changed(np.array(list(later[1].values())), np.array(list(later[0].values())))


# -- the support event study ----------------------------------------------------------------


def _support_section(as_of: str) -> Any:
    from liqcascade.report import _support_section as section
    from liqcascade.report._section import ReportContext

    return section.compute(ReportContext(True, "BTC", as_of))


def test_report_support_study_at_a_date_reads_nothing_after_it(
    future: Path, default_store: Any
) -> None:
    """BTC's study (tolerances scaled by its range): every figure of the horizons table
    (means, bounce rates against every day and random levels, Newey–West and adjusted
    tests, bootstrap intervals), the sensitivity grid and the verdict."""
    runs = _at_both_dates(_support_section, default_store, future)
    real, other = runs[BEFORE, None], runs[BEFORE, future]
    assert real.last + DAY == CUT
    assert real.study.detection.n_tests >= 20
    _same_tree(other.daily_range, real.daily_range)
    _same_tree(other.study.detection.params.to_dict(), real.study.detection.params.to_dict())
    _same_rows(other.study.horizons, real.study.horizons)
    _same_rows(other.study.sensitivity, real.study.sensitivity)
    _same_tree(other.study.claim, real.study.claim)
    later = [runs[AFTER, s].study.horizons for s in (None, future)]
    assert _changed(later[1]["baseline_mean"], later[0]["baseline_mean"])


# -- contagion --------------------------------------------------------------------------


CRASH_HOUR = pd.Timestamp("2025-10-10 21:00", tz="UTC")
"""The 2025-10-10 crash hour opens here: the preset's inputs are read before it."""


def _perturbed_venues(df: pd.DataFrame) -> pd.DataFrame:
    """``perp_1h_by_venue``, each venue and asset's bars from :data:`CRASH_HOUR` on changed."""
    parts = []
    for i, ((venue, asset), g) in enumerate(df.groupby(["venue", "asset"], sort=True)):
        bars = perturb_after(g.drop(columns=["venue", "asset"]), "ohlcv", CRASH_HOUR, seed=i)
        parts.append(bars.assign(venue=venue, asset=asset)[df.columns])
    return pd.concat(parts).sort_index(kind="stable")


def _setup_figures(setup: Any) -> dict[str, Any]:
    """Every input the preset's run starts from (venues, links, lending, shock, dates)."""
    out: dict[str, Any] = {"notes": setup.notes, "shock": setup.shock,
                           "liquidity_as_of": str(setup.liquidity_as_of)}  # fmt: skip
    for v in setup.venues:
        book, pos = v.book, v.positions
        out[v.name] = {
            "book": [np.asarray(getattr(book, f)).tolist()
                     for f in ("bid_price", "bid_size", "ask_price", "ask_size")],
            "positions": [np.asarray(getattr(pos, f)).tolist()
                          for f in ("side", "size", "entry_price", "margin", "liq_price")],
        }  # fmt: skip
    for m in setup.lending:
        out[m.name] = {"collateral": m.collateral.tolist(), "debt": m.debt_usd.tolist(),
                       "beta": m.beta, "price": m.collateral_price}  # fmt: skip
    return out


def test_contagion_preset_reads_nothing_from_the_crash_hour_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--preset oct-2025``'s inputs with the bundled hourly bars by venue changed from the
    crash hour on: mids, venue shares, books, positions (their date), the lending market's
    price and β, the liquidity calibration in force. Its first shock is the recorded fall
    of that hour, by design (the replay imposes it, docs/contagion.md)."""
    import liqcascade.data as bundled
    from liqcascade.cascade import load_liquidity
    from liqcascade.contagion import oct_2025, recorded_first_shock
    from liqcascade.contagion._config import hourly_beta

    real_setup = oct_2025()
    real_beta = hourly_beta(["2025-09-20T20:00:00Z", "2025-10-20T20:00:00Z"])
    read = bundled.dataset

    def dataset(name: str, *args: Any, **kwargs: Any) -> pd.DataFrame:
        df = read(name, *args, **kwargs)
        return _perturbed_venues(df) if name == "perp_1h_by_venue" else df

    monkeypatch.setattr(bundled, "dataset", dataset)
    other_setup = oct_2025()
    _same_tree(_setup_figures(other_setup), _setup_figures(real_setup))
    assert real_setup.liquidity_as_of + pd.Timedelta(hours=1) == CRASH_HOUR
    for venue in real_setup.notes["venues"].values():  # a 4-hour bar closed by then
        assert pd.Timestamp(venue["positions_as_of"]) <= CRASH_HOUR  # as_of: the bar's close
        assert pd.Timestamp(venue["positions_bar_open"]) + pd.Timedelta(hours=4) == pd.Timestamp(
            venue["positions_bar_close"]
        )
        assert venue["positions_bar_close"] == venue["positions_as_of"]
    cal = load_liquidity("ETH", real_setup.liquidity_as_of, False)
    assert cal.as_of is not None and pd.Timestamp(cal.as_of) <= real_setup.liquidity_as_of
    beta = hourly_beta(["2025-09-20T20:00:00Z", "2025-10-20T20:00:00Z"])
    assert _changed(np.array([beta[0]]), np.array([real_beta[0]]))  # a window past the hour
    # the first shock is the crash hour's own fall (low / open: one factor per bar above,
    # so unchanged): read from the hour by design, the replay imposes it
    assert recorded_first_shock() < -0.1
    text = (DOCS / "contagion.md").read_text(encoding="utf-8")
    assert "replays the **recorded** Binance fall" in text


@pytest.fixture(scope="module")
def past_the_crash(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding ETH's series that end before the crash, run on past it.

    Open interest, liquidations, funding, taker volume and the order-book totals end
    2025-07-31 in the bundle (2025-05 for taker volume): here their last 120 days
    are repeated 120 days later, so the store reaches 2025-11-28 (a user's store
    filled by ``watch`` or ``data ingest`` runs past the crash the same way).
    """
    from liqcascade.data import book_totals_series, load_book_totals, load_series
    from liqcascade.data._frame import SeriesFrame
    from liqcascade.data._store import Store

    shift = pd.Timedelta(days=120)

    def longer(df: pd.DataFrame) -> pd.DataFrame:
        later = df[df.index > df.index[-1] - shift]
        return pd.concat([df, later.set_axis(later.index + shift)])

    frames = []
    for kind, interval in FUTURE_SERIES:
        df = load_series(kind, asset="ETH", interval=interval, store=False)
        if df.index[-1] < CRASH_HOUR:
            frame = longer(df).reset_index()
            frames.append(SeriesFrame(kind, str(df.attrs["venue"]), str(df.attrs["symbol"]),
                                      interval, frame, file="longer"))  # fmt: skip
    for market, venue in (("futures", "all-venues"), ("spot", "all-venues-spot")):
        tot = longer(load_book_totals("ETH", market, store=False))
        frames.append(book_totals_series(tot, symbol="ETHUSDT", venue=venue, file="longer"))
    path = tmp_path_factory.mktemp("longer") / "store.duckdb"
    with Store(path) as store:
        store.ingest(frames)
    return path


def test_contagion_preset_book_is_the_last_before_the_crash_hour(
    past_the_crash: Path, default_store: Any
) -> None:
    """The preset's positions and books are the estimated market of the last 4-hour bar
    closed by the venues' mid (2025-10-10 21:00), whatever the store holds after it.

    They were the last market the data held: 2025-07-31 on the bundle, but 2025-11-28
    on a store running past the crash, the book seven weeks after the crash it replays.
    """
    from liqcascade.contagion import oct_2025

    default_store(past_the_crash)
    setup = oct_2025()
    dates = {pd.Timestamp(v["positions_bar_open"]) for v in setup.notes["venues"].values()}
    assert dates == {CRASH_HOUR - pd.Timedelta(hours=5)}  # the 16:00 bar closes at 20:00
    known = {pd.Timestamp(v["positions_as_of"]) for v in setup.notes["venues"].values()}
    assert known == {CRASH_HOUR - pd.Timedelta(hours=1)}  # as_of: that close


# -- stress and solvency at a date ------------------------------------------------------------


def test_stress_shocks_at_a_date_read_nothing_after_it(future: Path, default_store: Any) -> None:
    """The stress market's hourly volatility and residuals (the shocks' and replays' start),
    its start prices and the shock grid on it."""
    from liqcascade import stress

    runs = []
    for store in (None, future):
        default_store(store)
        market = stress.stress_market(CUT, asset="ETH")
        pf = stress.sample_portfolio(market.prices)
        runs.append((market, stress.shock_grid(pf, market, (-0.1,), n_paths=20)))
    (m_real, real), (m_other, other) = runs
    assert_same(m_other.sigma_hourly, m_real.sigma_hourly)
    assert_same(np.asarray(m_other.residuals), np.asarray(m_real.residuals))
    _same_tree(m_other.prices, m_real.prices)
    _same_tree(other.per_scenario(), real.per_scenario())
    after = [m.hourly["ETH"].loc[CUT:, "close"] for m in (m_real, m_other)]
    assert _changed(after[1], after[0])  # it holds the changed hours and does not read them


def _solvency(as_of: str) -> dict[str, Any]:
    from liqcascade.solvency import StressScenario, run_solvency_request

    scenarios = [StressScenario("-10%", -0.1), StressScenario("-20%", -0.2)]
    run = run_solvency_request(
        5e6, asset="ETH", as_of=as_of, scenarios=scenarios, accounts_per_cohort=2
    )
    out: dict[str, Any] = run.to_dict()
    out["market"].pop("sources")
    return out


def test_solvency_at_a_date_reads_nothing_after_it(future: Path, default_store: Any) -> None:
    """The exchange (its share of the estimated market), the calibrated cascade and ADL.

    The default scenarios' 2025-10-10 fall is read from that day's bars whatever the
    date: a what-if applied to the book of the date, as docs/solvency.md says; it moves.
    """
    from liqcascade.solvency import october_2025_shock

    runs, falls = [], []
    for store in (None, future):
        default_store(store)
        runs.append(_solvency(BEFORE))
        falls.append(october_2025_shock("ETH"))
    real, other = runs
    _same_tree(other, real)
    assert pd.Timestamp(real["calibration"]["as_of"]) <= CUT  # fitted before the date
    assert _changed(np.array(falls[1:]), np.array(falls[:1]))
    text = " ".join((DOCS / "solvency.md").read_text(encoding="utf-8").split())
    assert "the 2025-10-10 move is applied to the last estimable book" in text
