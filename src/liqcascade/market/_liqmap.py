"""The liquidation map of a market: ``liqcascade liqmap`` as one library call.

:func:`run_liqmap_request` checks the options once (errors name the parameter,
``param=``), takes the positions and stops from files or from the estimated market
(:func:`liqcascade.market.estimated_market`: the identified book with its stops split
off) and draws :func:`liqcascade.positions.liquidation_map`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._time import utc_end
from liqcascade.errors import InputError

__all__ = [
    "LiqmapRun",
    "calibration_plan",
    "check_months",
    "run_asset_calibration",
    "run_liqmap_request",
]


@dataclass(frozen=True, eq=False)
class LiqmapRun:
    """The result of :func:`run_liqmap_request`.

    Attributes
    ----------
    map : LiquidationMap
    source : str
        Where the positions and stops came from.
    state : MarketState or None
        The estimated market (None for a positions file).
    as_of : pandas.Timestamp or None
        The book's time: the open of the market's 4-hour bar, its label (the JSON's
        ``bar_open``; the JSON's ``as_of`` is the bar's close).
    draw_maps : tuple of LiquidationMap
        The same map on each of the book's parameter draws
        (:func:`liqcascade.market._mapband.draw_maps`); empty without draws.
    score : dict or None
        The book's out-of-sample score (:func:`liqcascade.market._mapband.book_score`).
    score_note : str or None
        Why there is no score, when there is none.
    """

    map: Any
    source: str
    state: Any = None
    as_of: pd.Timestamp | None = None
    draw_maps: tuple[Any, ...] = field(default=())
    score: dict[str, Any] | None = None
    score_note: str | None = None

    @property
    def estimated(self) -> bool:
        """Whether the book is the estimated market's."""
        return self.state is not None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``liqcascade liqmap --json`` (without ``files``).

        Beside each point value its band over the book's parameter draws
        (:func:`liqcascade.market._mapband.map_bands`): ``cumulative_<kind>_p05`` /
        ``_p95`` beside ``cumulative_<kind>`` (moves ∓1, 2, 5, 10, 20 %),
        ``totals_p05`` / ``_p95`` beside ``totals``, and in each cluster
        ``notional_usd_p05`` / ``_p95`` and ``<kind>_p05`` / ``_p95``; ``band`` says
        over what (``n_draws``; ``note`` "no interval: the book has no parameter
        draws", the p05 / p95 then null). ``out_of_sample``: the book's back-test
        score (None, with ``out_of_sample_note``, when there is none).

        ``as_of`` is the instant the market is known, its bar's close, beside
        ``bar_open`` and ``bar_close`` (:func:`liqcascade.market.market_times`, as
        ``cascade``, ``stress`` and ``solvency`` give them); all three null for a
        positions file. ``market.as_of`` is the bar's open (its label).
        """
        from liqcascade.market._mapband import MAP_LEVELS, map_bands
        from liqcascade.market._state import market_times

        out: dict[str, Any] = self.map.to_dict(MAP_LEVELS)
        bands = map_bands(self.map, list(self.draw_maps), MAP_LEVELS)
        times = (
            dict.fromkeys(("as_of", "bar_open", "bar_close"))
            if self.state is None
            else market_times(self.state, iso=True)
        )
        out = {**times, **{k: v for k, v in out.items() if k != "as_of"}}
        ordered: dict[str, Any] = {}
        for k, v in out.items():
            ordered[k] = v
            if f"{k}_p05" in bands:  # each band beside its point values
                ordered[f"{k}_p05"], ordered[f"{k}_p95"] = bands[f"{k}_p05"], bands[f"{k}_p95"]
        ordered["clusters"] = [
            {**c, **b} for c, b in zip(out["clusters"], bands["clusters"], strict=True)
        ]
        ordered["band"] = bands["band"]
        if not self.draw_maps and self.state is None:
            ordered["band"]["note"] = "no interval: a positions file has no parameter draws"
        ordered["out_of_sample"] = self.score
        ordered["out_of_sample_note"] = self.score_note
        ordered["source"] = self.source
        if self.state is not None:
            ordered["market"] = self.state.fingerprint()
            ordered["stop_round_steps"] = _round_steps(self.state.positions)
        return ordered


def _round_steps(book: Any) -> list[dict[str, Any]]:
    """The modelled stops' round-number steps on ``book``'s entries, USD, share of notional."""
    from liqcascade.positions import round_steps_used

    used = round_steps_used(book.entry_price, book.size * book.entry_price)
    return [{"steps_usd": list(steps), "share": share} for steps, share in used]


def _file(path: Path, name: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{name}: {p}: no such file", param=name)
    return p


#: The longest heatmap ``liqmap --out`` draws: a year of daily books (each day is one
#: estimated book; the bundled data span about 260 days).
MAX_HEATMAP_DAYS = 365


def run_liqmap_request(
    *,
    positions: Path | None = None,
    stops: Path | None = None,
    asset: str | None = None,
    as_of: Any = None,
    price: float | None = None,
    bucket: float = 0.005,
    range_: float = 0.2,
    heatmap_days: int = 30,
    book_model: str = "identified",
) -> LiqmapRun:
    """Liquidation and stop notional by price bucket, clusters and concentration.

    Parameters
    ----------
    positions, stops : Path, optional
        Files; without ``positions`` the estimated market of ``asset`` (default ETH)
        at ``as_of`` (its modelled stops unless ``stops`` is given). ``as_of`` selects
        the estimated market: with ``positions`` it is refused; ``asset`` with
        ``positions`` names the asset of the file's rows that state no symbol (their
        contract's tier table, as ``cascade`` and ``solvency`` read files).
    price : float, optional
        Current price, USD (required with ``positions``; default the market's mid).
    bucket, range_ : float
        Bucket width and half-range, fractions of price.
    heatmap_days : int
        Days of heatmap the caller will draw (checked here: 0 to
        :data:`MAX_HEATMAP_DAYS`).
    book_model : {"identified", "legacy"}

    Returns
    -------
    LiqmapRun
    """
    from liqcascade.positions import liquidation_map, read_given_positions, read_stops

    if not 0 <= heatmap_days <= MAX_HEATMAP_DAYS:
        raise InputError(
            f"heatmap_days must be 0 to {MAX_HEATMAP_DAYS} days (got {heatmap_days})",
            param="heatmap_days",
        )
    if positions is not None:
        if as_of is not None:
            raise InputError(
                "as_of selects the estimated market, not a positions file (which is its own "
                "book, at its own price)",
                param=("as_of", "positions"),
            )
    if price is not None and not price > 0:
        raise InputError(f"price must be > 0 (got {price})", param="price")
    state = None
    st: Any
    t_book: pd.Timestamp | None
    if positions is None:
        from liqcascade.market._state import MarketSpec, estimated_market

        spec = MarketSpec(asset=asset or "ETH", as_of=as_of, book_model=book_model)
        state = estimated_market(spec)
        book, st, t_book = state.positions, state.stops, state.as_of
        if price is not None:  # 10x from the market's mid: a unit error, as with positions
            _check_price_scale(float(price), float(state.mid))
        p = float(price) if price is not None else state.mid
        what = f"estimated book ({len(book)} positions, {state.book_model})"
        source = f"{what} + modelled stops"
        if stops is not None:  # 10x from the price the map is drawn at: a unit error
            given = "the price given" if price is not None else "the market's mid"
            st = read_stops(_file(stops, "stops"), reference_price=p, reference=given)
            source = f"{what} + stops from {stops}"
    else:
        ref = float(price) if price is not None else None  # 10x away from it: a unit error
        book = read_given_positions(
            _file(positions, "positions"), reference_price=ref, reference="the price given",
            refuse_liquidated=True, asset=asset, default_scale=True,
        )  # fmt: skip
        st = (None if stops is None else read_stops(_file(stops, "stops"), reference_price=ref,
                                                    reference="the price given"))  # fmt: skip
        if price is None:
            raise InputError(
                "price is required with positions (the current price, USD)",
                param=("price", "positions"),
            )
        p = float(price)
        t_book = None if as_of is None else utc_end(as_of)
        source = f"{positions} ({len(book)} positions)" + (
            f" + {stops} ({len(st)} stops)" if st is not None else ""
        )
    close = None if state is None else state.close_time  # the bar the book is of
    lmap = liquidation_map(book, st, p, bucket=bucket, range_=range_, as_of=t_book, bar_close=close)
    if state is None:
        return LiqmapRun(lmap, source, None, t_book, score_note=_FILE_NO_SCORE)
    from liqcascade.market._mapband import book_score, draw_maps

    maps = draw_maps(state, lmap, None if stops is None else st)
    score = book_score(state)
    note = None if score is not None else _no_score_note(state)
    return LiqmapRun(lmap, source, state, t_book, tuple(maps), score, note)


def _check_price_scale(price: float, mid: float) -> None:
    """Refuse a ``price`` more than ``PRICE_SCALE`` (10) x from ``mid``: a unit error."""
    from liqcascade.positions import off_scale as _off_scale
    from liqcascade.positions import unit_error as _unit_error

    if bool(_off_scale(np.asarray([price]), np.asarray([mid]))[0]):
        raise InputError(_unit_error("price", price, mid, "the market's mid"), param="price")


_FILE_NO_SCORE = "no out-of-sample score: the book is a positions file, not the estimated one"


def _no_score_note(state: Any) -> str:
    """Why the estimated market's book has no out-of-sample score."""
    if state.book_model != "identified":
        return (
            "no out-of-sample score here for the legacy cohort book "
            "(`liqcascade liqmap backtest` scores it given its parameters file)"
        )
    return "no out-of-sample score: the book's calibration has no month with recorded liquidations"


def check_months(months: Any) -> None:
    """Each of ``months`` is ``YYYY-MM`` (else an InputError naming ``months``)."""
    for m in months or ():
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(m)):
            raise InputError(f"months: not a month (YYYY-MM): {m!r}", param="months")


def calibration_plan(frames: Any, months: Any = None) -> tuple[pd.Timestamp, tuple[str, ...]]:
    """The first day of data and the months an expanding-window calibration fits.

    ``months`` given: each checked to have records in it and data before it; else the
    months the asset's data span allows
    (:func:`~liqcascade.positions._expanding.expanding_months`).

    Raises
    ------
    InputError
        No recorded liquidations (names ``asset``), or a month outside the data
        (names ``months``).
    """
    from liqcascade.positions import data_start, expanding_months

    check_months(months)
    t0 = data_start(frames)  # raises when no liquidations are recorded
    ms = tuple(months) if months else expanding_months(frames)
    rec = frames.liquidations.index
    for m in ms:  # each month is scored on its own record, fitted on the one before it
        m0 = pd.Timestamp(f"{m}-01", tz="UTC")
        if not ((rec >= m0) & (rec < m0 + pd.offsets.MonthBegin(1))).any() or t0 >= m0:
            raise InputError(
                f"months: {m} lies outside the recorded {frames.asset} liquidations "
                f"({rec[0]:%Y-%m} to {rec[-1]:%Y-%m}; a month needs data before it and in it)",
                param="months",
            )
    return t0, ms


def run_asset_calibration(
    asset: str,
    *,
    months: Any = None,
    n_bootstrap: int = 10,
    seed: int = 0,
    store: Any = None,
    progress: Any = None,
    jobs: int = 1,
    frames: Any = None,
    announce: Any = None,
) -> Any:
    """The identified book's expanding-window calibration of ``asset`` from its own data.

    Loads the asset's frames (:func:`liqcascade.market.load_market_frames`: store first,
    then bundled) and runs :func:`liqcascade.positions._expanding.calibrate_expanding`:
    each month of ``months`` fitted on the data before it, from the first day with
    open interest, prices and recorded liquidations
    (:func:`~liqcascade.positions._expanding.data_start`). ``months`` defaults to the
    months the asset's data span allows (:func:`~liqcascade.positions._expanding.
    expanding_months`: the first with 90 days of data before it, to the last recorded;
    ETH and BTC: 2025-03 ... 2025-07, the shipped ones). The result's ``meta["backtest"]``
    is its out-of-sample score (:func:`liqcascade.market._mapband.compute_book_score`:
    the ``liqmap backtest`` of its months), which the map quotes. The result's
    ``to_json(path)`` writes a file that ``MarketSpec(calibration=path)`` and
    ``liqmap backtest --params`` read; :func:`liqcascade._calibrations.write_calibration`
    makes it the store's calibration.

    Parameters
    ----------
    frames : MarketFrames, optional
        The asset's inputs, when already loaded (``store`` is then unused).
    progress, announce : callable, optional
        Progress callbacks (:func:`~liqcascade.positions._expanding.calibrate_expanding`).

    Returns
    -------
    AssetCalibration
    """
    from liqcascade.market._inputs import load_market_frames
    from liqcascade.market._mapband import compute_book_score
    from liqcascade.positions import calibrate_expanding

    if n_bootstrap < 0:
        raise InputError(f"bootstrap must be >= 0 (got {n_bootstrap})", param="bootstrap")
    check_months(months)
    if frames is None:
        frames = load_market_frames(asset, "4h", store)
    t0, ms = calibration_plan(frames, months)
    cal = calibrate_expanding(
        frames, ms, fit_start=str(t0.date()), n_bootstrap=n_bootstrap, seed=seed,
        progress=progress, jobs=jobs, announce=announce,
    )  # fmt: skip
    # the map's out-of-sample score is stored with the fit (the map quotes it)
    score = compute_book_score(frames, cal)
    return replace(cal, meta={**cal.meta, "backtest": score}) if score else cal
