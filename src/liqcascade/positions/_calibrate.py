"""Calibration and validation of the estimated book against recorded liquidations.

The estimated book (:mod:`liqcascade.positions._estimate`) predicts, bar by bar along
the real price path, the liquidations its positions suffer. CoinGlass records the
liquidations that happened on Binance (4-hourly, long and short, USD). Calibration
chooses the free parameters so that the two agree on a fitting period; validation
reports the agreement on a later period the fit never saw, against two baselines.

Objective (maximised on the fitting period): the mean of three Pearson correlations of
predicted and recorded *daily* liquidations: longs, shorts, and long + short. The scale
(``venue_share``) does not move a correlation; it is set afterwards so that the total
predicted equals the total recorded over the fitting period.

Free parameters: the leverage distribution (a two-parameter family over the buckets,
weights ``∝ exp(-(ln L - mu)^2 / (2 sigma^2))``), the split's base long share and
strength, the turnover (churn per bar), and three discrete choices tried in turn
(open-interest mode, closing rule, entry price). Search: for each discrete choice a
4 x 3 x 2 grid over ``(mu, sigma, turnover)``, then
Nelder-Mead (scipy, deterministic) from the best grid point. Parameter uncertainty:
refits of the continuous parameters on moving-block bootstrap resamples of the fitting
period's days (seeded), shipped with the parameters so back-tests need not refit.

Baselines: (1) liquidations proportional to ``|log return| x open interest`` per bar
(scale per side fitted on the fitting period); (2) the uncalibrated default
:class:`EstimationParams`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade._limits import check_seed
from liqcascade._tables import records_frame
from liqcascade._time import to_utc, utc_end
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.positions._estimate import (
    DEFAULT_LEVERAGES,
    EstimationParams,
    EstimationRun,
    bundled_ohlc,
    prepare_inputs,
    run_prepared,
    split_signal,
)

FIT_START = "2024-11-13"
FIT_END = "2025-05-31"
OOS_START = "2025-06-01"
OOS_END = "2025-07-31"

METRIC_KEYS: tuple[str, ...] = (
    "corr_4h",
    "corr_4h_long",
    "corr_4h_short",
    "corr_daily",
    "corr_daily_long",
    "corr_daily_short",
    "mae_daily_usd",
    "top5pct_hit_rate",
)


# ----------------------------------------------------------------- metrics
def _corr(a: FloatArray, b: FloatArray) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size < 3 or np.std(a) == 0.0 or np.std(b) == 0.0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _daily(index: pd.DatetimeIndex, x: FloatArray) -> pd.Series:
    return pd.Series(x, index=index).resample("1D").sum()


def _top_hit(pred: FloatArray, rec: FloatArray, q: float = 0.05) -> float:
    n = len(rec)
    k = max(1, math.ceil(q * n))
    if n == 0:
        return float("nan")
    top_rec = set(np.argsort(-rec, kind="stable")[:k].tolist())
    top_pred = set(np.argsort(-pred, kind="stable")[:k].tolist())
    return len(top_rec & top_pred) / k


def fit_metrics(
    index: pd.DatetimeIndex,
    pred_long: FloatArray,
    pred_short: FloatArray,
    rec_long: FloatArray,
    rec_short: FloatArray,
) -> dict[str, float]:
    """Agreement of predicted and recorded liquidations over the same bars.

    Parameters
    ----------
    index : DatetimeIndex
        Bar times (UTC).
    pred_long, pred_short, rec_long, rec_short : array
        Predicted and recorded liquidations per bar, USD.

    Returns
    -------
    dict
        ``corr_4h`` (per bar, long + short), ``corr_4h_long``, ``corr_4h_short``,
        ``corr_daily`` (UTC days, long + short), ``corr_daily_long``,
        ``corr_daily_short`` (Pearson), ``mae_daily_usd`` (mean absolute error of daily
        long + short, USD), ``top5pct_hit_rate`` (share of the recorded largest 5 % of
        bars by long + short that are also among the predicted largest 5 %), and the
        totals ``predicted_usd``, ``recorded_usd``.
    """
    pl, ps, rl, rs = (
        np.asarray(x, dtype=np.float64) for x in (pred_long, pred_short, rec_long, rec_short)
    )
    pt, rt = pl + ps, rl + rs
    dpl, dps, drl, drs = (_daily(index, x).to_numpy() for x in (pl, ps, rl, rs))
    return {
        "corr_4h": _corr(pt, rt),
        "corr_4h_long": _corr(pl, rl),
        "corr_4h_short": _corr(ps, rs),
        "corr_daily": _corr(dpl + dps, drl + drs),
        "corr_daily_long": _corr(dpl, drl),
        "corr_daily_short": _corr(dps, drs),
        "mae_daily_usd": float(np.mean(np.abs((dpl + dps) - (drl + drs)))),
        "top5pct_hit_rate": _top_hit(pt, rt),
        "predicted_usd": float(pt.sum()),
        "recorded_usd": float(rt.sum()),
    }


def baseline_signal(oi: pd.DataFrame, ohlc: pd.DataFrame) -> pd.Series:
    """``|log(close_t / close_{t-1})| x oi_usd_t`` per bar (USD), the naive baseline."""
    close = ohlc["close"].astype(np.float64)
    ret = pd.Series(np.log(close.to_numpy()), index=close.index).diff().abs()
    return (ret * oi["oi_usd"].reindex(ret.index)).dropna().rename("baseline")


# ----------------------------------------------------------------- data
@dataclass(frozen=True, eq=False)
class ValidationData:
    """Inputs of a validation: open interest, prices, recorded liquidations, split series.

    Attributes
    ----------
    oi : DataFrame
        ``oi_usd`` per bar (USD, aggregated over venues).
    ohlc : DataFrame
        ``open, high, low, close`` per bar (USD), may start before ``oi`` (warm-up).
    recorded : DataFrame or None
        ``long_usd``, ``short_usd`` per bar (USD), Binance.
    funding : DataFrame or None
        ``rate`` per bar (the split signal).
    taker : DataFrame or None
        ``buy_usd``, ``sell_usd`` per bar.
    sources : dict
        Where each series came from.
    cache : dict
        Prepared inputs memoised by the validation runs (keyed by the settings that
        shape them); internal, starts empty.
    """

    oi: pd.DataFrame
    ohlc: pd.DataFrame
    recorded: pd.DataFrame | None
    funding: pd.DataFrame | None = None
    taker: pd.DataFrame | None = None
    sources: dict[str, str] = field(default_factory=dict)
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    def split_data(self, params: EstimationParams) -> pd.DataFrame | None:
        """The series the split of ``params`` reads (empty frame when missing).

        Parameters
        ----------
        params : EstimationParams
            Settings; ``params.split`` picks the series (``"taker"``, ``"funding"``, ``"none"``).

        Returns
        -------
        DataFrame or None
            ``taker`` (``buy_usd``, ``sell_usd``, USD) or ``funding`` (``rate``), or None for
            ``split="none"``.
        """
        if params.split == "taker":
            return (
                self.taker
                if self.taker is not None
                else pd.DataFrame(columns=["buy_usd", "sell_usd"])
            )
        if params.split == "funding":
            return self.funding if self.funding is not None else pd.DataFrame(columns=["rate"])
        return None


@lru_cache(maxsize=1)
def bundled_validation_data() -> ValidationData:
    """The bundled ETH series: 4h open interest, 4h prices, Binance liquidations, funding."""
    import liqcascade.data as _bundled

    return ValidationData(
        oi=_bundled.derivatives("open_interest"),
        ohlc=bundled_ohlc("ETH", "4h"),
        recorded=_bundled.derivatives("liquidations"),
        funding=_bundled.derivatives("funding"),
        taker=_bundled.dataset("eth_taker_4h"),
        sources={
            "open_interest": "bundled:eth_oi_4h",
            "prices": "bundled:eth_1h (resampled to 4h)",
            "liquidations": "bundled:eth_liquidations_4h",
            "funding": "bundled:eth_funding_4h_oi_weighted",
        },
    )


# ----------------------------------------------------------------- evaluation
def run_window(
    params: EstimationParams, data: ValidationData, start: Any, end: Any
) -> tuple[EstimationRun, pd.DataFrame]:
    """Run the book over all the data up to ``end`` and cut the window ``[start, end]``.

    Returns the run and a frame of the window's bars: ``predicted_long_usd``,
    ``predicted_short_usd`` and, where recorded, ``recorded_long_usd``, ``recorded_short_usd``.
    """
    t0, t1 = to_utc(start, "start"), utc_end(end, "end")
    key = ("window", t1, params.seed_days, params.entry_price, params.split)
    if key not in data.cache:
        oi = data.oi[data.oi.index <= t1]
        if oi.empty:
            raise InputError(f"no open interest on or before {t1.date()}")
        df, n_seed = prepare_inputs(oi, data.ohlc, params)
        signal = split_signal(params, pd.DatetimeIndex(df.index), data.split_data(params))
        data.cache[key] = (df, n_seed, signal)
    df, n_seed, signal = data.cache[key]
    run = run_prepared(df, n_seed, signal, params)
    frame = run.to_frame()[["predicted_long_usd", "predicted_short_usd"]]
    frame = frame[(frame.index >= t0) & (frame.index <= t1)]
    if data.recorded is not None:
        rec = data.recorded.reindex(frame.index)
        frame = frame.assign(
            recorded_long_usd=rec["long_usd"].to_numpy(dtype=np.float64)
            if "long_usd" in rec
            else np.nan,
            recorded_short_usd=rec["short_usd"].to_numpy(dtype=np.float64)
            if "short_usd" in rec
            else np.nan,
        )
    return run, frame


def window_metrics(frame: pd.DataFrame) -> dict[str, float] | None:
    """:func:`fit_metrics` on the bars of ``frame`` that have recorded liquidations."""
    if "recorded_long_usd" not in frame:
        return None
    f = frame.dropna(subset=["recorded_long_usd", "recorded_short_usd"])
    if len(f) < 3:
        return None
    return fit_metrics(
        pd.DatetimeIndex(f.index),
        f["predicted_long_usd"].to_numpy(),
        f["predicted_short_usd"].to_numpy(),
        f["recorded_long_usd"].to_numpy(),
        f["recorded_short_usd"].to_numpy(),
    )


def baseline_metrics(
    data: ValidationData, fit: tuple[Any, Any], window: tuple[Any, Any]
) -> dict[str, float] | None:
    """Metrics of the ``|return| x open interest`` baseline on ``window``.

    The scale per side is fitted on ``fit`` (recorded total / baseline total).
    """
    if data.recorded is None:
        return None
    base = baseline_signal(data.oi, data.ohlc)
    rec = data.recorded.reindex(base.index)
    f = pd.concat([base, rec[["long_usd", "short_usd"]]], axis=1).dropna()

    def cut(a: Any, b: Any) -> pd.DataFrame:
        return f[(f.index >= to_utc(a)) & (f.index <= utc_end(b))]

    fit_f, win = cut(*fit), cut(*window)
    if len(win) < 3 or fit_f["baseline"].sum() <= 0:
        return None
    k_long = fit_f["long_usd"].sum() / fit_f["baseline"].sum()
    k_short = fit_f["short_usd"].sum() / fit_f["baseline"].sum()
    b = win["baseline"].to_numpy()
    out = fit_metrics(
        pd.DatetimeIndex(win.index),
        k_long * b,
        k_short * b,
        win["long_usd"].to_numpy(),
        win["short_usd"].to_numpy(),
    )
    out["scale_long"] = float(k_long)
    out["scale_short"] = float(k_short)
    return out


# ----------------------------------------------------------------- parameter family
def leverage_weights(
    mu: float, sigma: float, leverages: Sequence[float] = DEFAULT_LEVERAGES
) -> tuple[float, ...]:
    """Weights ``∝ exp(-(ln L - mu)^2 / (2 sigma^2))`` over the buckets (sum 1)."""
    lg = np.log(np.asarray(leverages, dtype=np.float64))
    w = np.exp(-((lg - mu) ** 2) / (2.0 * sigma**2))
    if not np.isfinite(w).all() or w.sum() <= 0:
        w = np.ones_like(lg)
    w = w / w.sum()
    return tuple(float(x) for x in w)


_BOUNDS = {
    "mu": (math.log(2.0), math.log(1000.0)),
    "sigma": (0.15, 4.0),
    "base_long_share": (0.2, 0.8),
    "split_strength": (0.0, 0.5),
    "turnover": (0.0, 0.5),
}
_ORDER = ("mu", "sigma", "base_long_share", "split_strength", "turnover")


def _clip(x: Any) -> dict[str, float]:
    return {
        k: float(min(max(v, _BOUNDS[k][0]), _BOUNDS[k][1])) for k, v in zip(_ORDER, x, strict=True)
    }


def _params_from(base: EstimationParams, cont: dict[str, float]) -> EstimationParams:
    return base.with_(
        leverage_weights=leverage_weights(cont["mu"], cont["sigma"], base.leverages),
        base_long_share=cont["base_long_share"],
        split_strength=cont["split_strength"],
        turnover=cont["turnover"],
        venue_share=1.0,
    )


@dataclass(frozen=True, eq=False)
class _Window:
    """Pre-cut daily recorded series of the fitting window (for fast objectives)."""

    t0: pd.Timestamp
    t1: pd.Timestamp
    days: pd.DatetimeIndex
    rec_long: FloatArray
    rec_short: FloatArray


def _fit_window(data: ValidationData, start: Any, end: Any) -> _Window:
    if data.recorded is None:
        raise InputError("calibration needs recorded liquidations (none found)")
    t0, t1 = to_utc(start, "start"), utc_end(end, "end")
    rec = data.recorded[(data.recorded.index >= t0) & (data.recorded.index <= t1)]
    rec = rec[rec.index.isin(data.oi.index)]
    if len(rec) < 30:
        raise InputError(
            f"calibration window {t0.date()} -> {t1.date()} has {len(rec)} bars with both "
            "open interest and recorded liquidations (need >= 30)"
        )
    d = rec[["long_usd", "short_usd"]].resample("1D").sum()
    return _Window(
        t0, t1, pd.DatetimeIndex(d.index), d["long_usd"].to_numpy(), d["short_usd"].to_numpy()
    )


def _daily_pred(
    params: EstimationParams, data: ValidationData, w: _Window
) -> tuple[FloatArray, FloatArray]:
    key = ("daily", w.t0, w.t1, params.seed_days, params.entry_price, params.split)
    if key not in data.cache:
        oi = data.oi[data.oi.index <= w.t1]
        df, n_seed = prepare_inputs(oi, data.ohlc, params)
        signal = split_signal(params, pd.DatetimeIndex(df.index), data.split_data(params))
        ts = pd.DatetimeIndex(df.index)[n_seed:]
        keep = (ts >= w.t0) & (ts <= w.t1) & ts.isin(data.recorded.index)  # type: ignore[union-attr]
        day = pd.Series(np.where(keep)[0], index=ts[keep].floor("1D"))
        data.cache[key] = (df, n_seed, signal, day)
    df, n_seed, signal, day = data.cache[key]
    run = run_prepared(df, n_seed, signal, params)
    pos = np.searchsorted(w.days.asi8, pd.DatetimeIndex(day.index).asi8)
    pl = np.zeros(len(w.days))
    ps = np.zeros(len(w.days))
    np.add.at(pl, pos, run.predicted_long_usd[day.to_numpy()])
    np.add.at(ps, pos, run.predicted_short_usd[day.to_numpy()])
    return pl, ps


def _objective_value(
    pl: FloatArray, ps: FloatArray, rl: FloatArray, rs: FloatArray, idx: Any = None
) -> float:
    """Mean of the daily Pearson correlations: longs, shorts, and long + short."""
    if idx is not None:
        pl, ps, rl, rs = pl[idx], ps[idx], rl[idx], rs[idx]
    cs = (_corr(pl, rl), _corr(ps, rs), _corr(pl + ps, rl + rs))
    if not all(math.isfinite(c) for c in cs):
        return -1.0
    return float(sum(cs) / 3.0)


def _scale(
    pl: FloatArray, ps: FloatArray, rl: FloatArray, rs: FloatArray, idx: Any = None
) -> float:
    if idx is not None:
        pl, ps, rl, rs = pl[idx], ps[idx], rl[idx], rs[idx]
    tot = float(pl.sum() + ps.sum())
    return float((rl.sum() + rs.sum()) / tot) if tot > 0 else 1.0


def _search(
    base: EstimationParams,
    data: ValidationData,
    w: _Window,
    x0s: Sequence[Sequence[float]],
    maxiter: int,
    idx: Any = None,
) -> tuple[dict[str, float], float, float, int]:
    """Best continuous parameters for one discrete choice: best start, then Nelder-Mead."""
    from scipy.optimize import minimize

    cache: dict[tuple[float, ...], tuple[float, FloatArray, FloatArray]] = {}

    def evaluate(x: Any) -> tuple[float, FloatArray, FloatArray]:
        cont = _clip(x)
        key = tuple(round(cont[k], 12) for k in _ORDER)
        if key not in cache:
            pl, ps = _daily_pred(_params_from(base, cont), data, w)
            cache[key] = (_objective_value(pl, ps, w.rec_long, w.rec_short, idx), pl, ps)
        return cache[key]

    starts = sorted(((evaluate(x)[0], tuple(x)) for x in x0s), key=lambda t: -t[0])
    best_x = np.asarray(starts[0][1], dtype=np.float64)
    if maxiter > 0:
        res = minimize(
            lambda x: -evaluate(x)[0],
            best_x,
            method="Nelder-Mead",
            options={"maxiter": maxiter, "xatol": 1e-3, "fatol": 1e-5,
                     "initial_simplex": _simplex(best_x)},
        )  # fmt: skip
        if -float(res.fun) >= evaluate(best_x)[0]:
            best_x = np.asarray(res.x, dtype=np.float64)
    cont = _clip(best_x)
    obj, pl, ps = evaluate(best_x)
    return cont, obj, _scale(pl, ps, w.rec_long, w.rec_short, idx), len(cache)


def _simplex(x: FloatArray) -> FloatArray:
    steps = np.array([0.5, 0.3, 0.1, 0.1, 0.05])
    s = np.tile(x, (len(x) + 1, 1))
    for i in range(len(x)):
        s[i + 1, i] += steps[i]
    return s


def _grid() -> list[tuple[float, ...]]:
    mus = [math.log(5.0), math.log(10.0), math.log(20.0), math.log(40.0)]
    sigmas = [0.5, 1.0, 2.0]
    return [(m, s, 0.5, 0.1, t) for m, s, t in product(mus, sigmas, (0.0, 0.05))]


# ----------------------------------------------------------------- result
def _metric(v: Any) -> float:
    """A metric of a calibration's table: a float, NaN where the file has none."""
    return float("nan") if v is None else float(v)


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """Calibrated parameters with their in-sample and out-of-sample fit.

    Attributes
    ----------
    params : EstimationParams
        The calibrated parameters.
    fit_period, oos_period : tuple of str
        ``(start, end)`` dates (inclusive, UTC).
    objective : float
        Mean of the daily long, short and total correlations on the fitting period.
    in_sample, out_of_sample : dict
        ``{"model": metrics, "default": metrics, "baseline": metrics}``
        (see :func:`fit_metrics`).
    search : list of dict
        One row per discrete choice tried: its best continuous parameters and objective.
    bootstrap : list of dict
        Parameter sets refitted on block-bootstrap resamples (for confidence bands).
    meta : dict
        Seed, block length, evaluations, data sources.
    """

    params: EstimationParams
    fit_period: tuple[str, str]
    oos_period: tuple[str, str]
    objective: float
    in_sample: dict[str, dict[str, float] | None]
    out_of_sample: dict[str, dict[str, float] | None]
    search: list[dict[str, Any]] = field(default_factory=list)
    bootstrap: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def beats_baselines(self) -> bool:
        """Whether, out of sample, the model's daily correlation is above both baselines'."""
        m, d, b = (self.out_of_sample.get(k) for k in ("model", "default", "baseline"))
        if not (m and d and b):
            return False
        return bool(m["corr_daily"] > d["corr_daily"] and m["corr_daily"] > b["corr_daily"])

    def bootstrap_params(self) -> list[EstimationParams]:
        """The bootstrap parameter sets as :class:`EstimationParams`."""
        return [EstimationParams.from_dict(p, "bootstrap") for p in self.bootstrap]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (the layout of ``calibrated_params.json``)."""
        return {
            "params": self.params.to_dict(),
            "fit_period": {"start": self.fit_period[0], "end": self.fit_period[1]},
            "oos_period": {"start": self.oos_period[0], "end": self.oos_period[1]},
            "objective": self.objective,
            "beats_baselines_oos": self.beats_baselines,
            "in_sample": self.in_sample,
            "out_of_sample": self.out_of_sample,
            "search": self.search,
            "bootstrap": self.bootstrap,
            "meta": self.meta,
        }

    def to_json(self, path: str | Path | None = None) -> str:
        """JSON text; written to ``path`` when given.

        Parameters
        ----------
        path : str or Path, optional
            File to write (the text and a newline); default: not written.

        Returns
        -------
        str
            The :meth:`to_dict` object as indented JSON (no NaN).
        """
        from liqcascade._json import to_jsonable

        text = json.dumps(to_jsonable(self.to_dict()), indent=2, allow_nan=False)
        if path is not None:  # whole or not at all: a kill mid-write leaves the old file
            from liqcascade._paths import write_atomic

            write_atomic(path, text + "\n")
        return text

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "calibration") -> CalibrationResult:
        """Read back :meth:`to_dict` output.

        Parameters
        ----------
        d : dict
            A :meth:`to_dict` object (a parsed calibration file).
        where : str, default "calibration"
            What ``d`` came from (a file name), named by the error messages.

        Returns
        -------
        CalibrationResult

        Raises
        ------
        InputError
            ``"WHERE: ..."`` when a key is missing or a parameter is invalid.
        """
        try:
            fp, op = d["fit_period"], d["oos_period"]
            return cls(
                params=EstimationParams.from_dict(d["params"], where),
                fit_period=(str(fp["start"]), str(fp["end"])),
                oos_period=(str(op["start"]), str(op["end"])),
                objective=float(d["objective"]),
                in_sample=d.get("in_sample", {}),
                out_of_sample=d.get("out_of_sample", {}),
                search=list(d.get("search", [])),
                bootstrap=list(d.get("bootstrap", [])),
                meta=dict(d.get("meta", {})),
            )
        except (KeyError, TypeError) as exc:
            raise InputError(f"{where}: not a calibration file (missing {exc})") from None

    def to_frame(self) -> pd.DataFrame:
        """Metrics table: rows (period, model), columns the metrics.

        A calibration without metrics gives the same index and float columns, no row.
        """
        rows = []
        for period, block in (("in-sample", self.in_sample), ("out-of-sample", self.out_of_sample)):
            for name, m in block.items():
                if m:
                    rows.append(
                        {
                            "period": period,
                            "model": name,
                            **{k: _metric(m.get(k)) for k in METRIC_KEYS},
                        }
                    )
        dtypes = {"period": str, "model": str, **dict.fromkeys(METRIC_KEYS, np.float64)}
        return records_frame(rows, dtypes).set_index(["period", "model"])

    def summary(self) -> dict[str, Any]:
        """Headline figures: parameters and out-of-sample daily correlations."""
        oos = self.out_of_sample
        return {
            "fit_period": f"{self.fit_period[0]} -> {self.fit_period[1]}",
            "oos_period": f"{self.oos_period[0]} -> {self.oos_period[1]}",
            "objective": self.objective,
            "oi_mode": self.params.oi_mode,
            "close_rule": self.params.close_rule,
            "entry_price": self.params.entry_price,
            "leverage_weights": list(self.params.leverage_weights),
            "venue_share": self.params.venue_share,
            "oos_corr_daily_model": (oos.get("model") or {}).get("corr_daily"),
            "oos_corr_daily_default": (oos.get("default") or {}).get("corr_daily"),
            "oos_corr_daily_baseline": (oos.get("baseline") or {}).get("corr_daily"),
            "beats_baselines_oos": self.beats_baselines,
        }

    def plot(self) -> go.Figure:
        """Daily correlations (long, short, total) of the model and the baselines, out of sample."""
        fig = go.Figure()
        for name, m in self.out_of_sample.items():
            if m:
                keys = ["corr_daily_long", "corr_daily_short", "corr_daily"]
                fig.add_bar(x=["long", "short", "total"], y=[m[k] for k in keys], name=name)
        fig.update_layout(
            title=f"Out-of-sample daily correlation, {self.oos_period[0]} -> {self.oos_period[1]}",
            yaxis_title="Pearson correlation",
            barmode="group",
        )
        return fig

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(float_format=lambda x: f"{x:.3g}"))


# ----------------------------------------------------------------- evaluation of a fit
def evaluate_params(
    params: EstimationParams,
    data: ValidationData | None = None,
    fit_period: tuple[Any, Any] = (FIT_START, FIT_END),
    oos_period: tuple[Any, Any] = (OOS_START, OOS_END),
) -> tuple[dict[str, dict[str, float] | None], dict[str, dict[str, float] | None]]:
    """In-sample and out-of-sample metrics of ``params``, the default and the baseline."""
    data = data or bundled_validation_data()
    blocks = []
    for period in (fit_period, oos_period):
        block: dict[str, dict[str, float] | None] = {}
        for name, p in (("model", params), ("default", EstimationParams())):
            _, frame = run_window(p, data, *period)
            block[name] = window_metrics(frame)
        block["baseline"] = baseline_metrics(data, fit_period, period)
        blocks.append(block)
    return blocks[0], blocks[1]


def _block_indices(n_days: int, block: int, rng: np.random.Generator) -> np.ndarray:
    n_blocks = math.ceil(n_days / block)
    starts = rng.integers(0, max(1, n_days - block + 1), size=n_blocks)
    idx = np.concatenate([np.arange(s, s + block) for s in starts])[:n_days]
    return np.minimum(idx, n_days - 1)


def calibrate(
    start: Any = FIT_START,
    end: Any = FIT_END,
    *,
    oos_start: Any = OOS_START,
    oos_end: Any = OOS_END,
    data: ValidationData | None = None,
    base: EstimationParams | None = None,
    oi_modes: Sequence[str] = ("delta", "track"),
    close_rules: Sequence[str] = ("pro_rata", "oldest", "most_profitable"),
    entry_prices: Sequence[str] = ("typical", "close"),
    maxiter: int = 80,
    n_bootstrap: int = 20,
    bootstrap_maxiter: int = 30,
    block_days: int = 7,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
) -> CalibrationResult:
    """Fit the estimated book to recorded liquidations; validate out of sample.

    Parameters
    ----------
    start, end : date-like
        Fitting period (inclusive, UTC). Default 2024-11-13 -> 2025-05-31 (the bundled
        open interest starts 2024-11-22; earlier days have no bars).
    oos_start, oos_end : date-like
        Out-of-sample period, default 2025-06-01 -> 2025-07-31.
    data : ValidationData, optional
        Default: the bundled ETH series.
    base : EstimationParams, optional
        Settings not fitted (buckets, split source, tiers, warm-up); default
        :class:`EstimationParams` with ``split="funding"``.
    oi_modes, close_rules, entry_prices : sequences of str
        Discrete choices tried (each combination gets its own continuous search).
    maxiter : int
        Nelder-Mead iterations per combination.
    n_bootstrap, bootstrap_maxiter, block_days, seed : int
        Block bootstrap of the fitting days for the parameter uncertainty.
    progress : callable, optional
        Called with 1 after each combination and each bootstrap refit.

    Returns
    -------
    CalibrationResult
    """
    check_seed(seed)  # before minutes of fitting
    data = data or bundled_validation_data()
    base = base or EstimationParams()
    w = _fit_window(data, start, end)
    fit_period = (str(pd.Timestamp(start).date()), str(pd.Timestamp(end).date()))
    oos_period = (str(pd.Timestamp(oos_start).date()), str(pd.Timestamp(oos_end).date()))
    if w.t1 >= to_utc(oos_start, "oos_start"):
        raise InputError(
            f"end ({fit_period[1]}) must be before the out-of-sample start ({oos_period[0]})",
            param="end",
        )
    search: list[dict[str, Any]] = []
    n_evals = 0
    best: tuple[float, EstimationParams, dict[str, float]] | None = None
    for mode, rule, entry in product(oi_modes, close_rules, entry_prices):
        b = base.with_(oi_mode=mode, close_rule=rule, entry_price=entry)
        cont, obj, scale, ne = _search(b, data, w, _grid(), maxiter)
        n_evals += ne
        p = _params_from(b, cont).with_(venue_share=min(1.0, scale))
        search.append({"oi_mode": mode, "close_rule": rule, "entry_price": entry,
                       "objective": obj, "venue_share": scale, **cont})  # fmt: skip
        if best is None or obj > best[0]:
            best = (obj, p, cont)
        if progress:
            progress(1)
    assert best is not None
    objective, params, cont = best
    # parameter uncertainty: block bootstrap over the fitting days
    rng = np.random.default_rng(seed)
    boot: list[dict[str, Any]] = []
    x_best = [cont[k] for k in _ORDER]
    for _ in range(n_bootstrap):
        idx = _block_indices(len(w.days), block_days, rng)
        c_b, _, s_b, ne = _search(params, data, w, [x_best], bootstrap_maxiter, idx)
        n_evals += ne
        boot.append(_params_from(params, c_b).with_(venue_share=min(1.0, s_b)).to_dict())
        if progress:
            progress(1)
    in_s, out_s = evaluate_params(params, data, fit_period, oos_period)
    return CalibrationResult(
        params=params,
        fit_period=fit_period,
        oos_period=oos_period,
        objective=objective,
        in_sample=in_s,
        out_of_sample=out_s,
        search=search,
        bootstrap=boot,
        meta={
            "seed": seed,
            "block_days": block_days,
            "n_bootstrap": n_bootstrap,
            "maxiter": maxiter,
            "bootstrap_maxiter": bootstrap_maxiter,
            "evaluations": n_evals,
            "continuous": cont,
            "sources": data.sources,
            "objective": "mean of daily Pearson correlations (long, short, total), fitting period",
        },
    )


# ----------------------------------------------------------------- shipped parameters
_SHIPPED = "calibrated_params.json"


@lru_cache(maxsize=1)
def _shipped_text() -> str:
    return (files("liqcascade.positions") / _SHIPPED).read_text()


def load_calibrated(path: str | Path | None = None) -> CalibrationResult:
    """The shipped calibrated parameters (or a calibration file written by ``liqmap calibrate``).

    Parameters
    ----------
    path : str or Path, optional
        A calibration JSON file; default the shipped ``calibrated_params.json``.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    InputError
        Naming the file when it is missing, not JSON or not a calibration.
    """
    if path is None:
        return CalibrationResult.from_dict(json.loads(_shipped_text()), f"package:{_SHIPPED}")
    from liqcascade._paths import read_json

    p = Path(path)
    return CalibrationResult.from_dict(read_json(p, "calibration file"), str(p))


__all__ = [
    "FIT_END",
    "FIT_START",
    "METRIC_KEYS",
    "OOS_END",
    "OOS_START",
    "CalibrationResult",
    "ValidationData",
    "baseline_metrics",
    "baseline_signal",
    "bundled_validation_data",
    "calibrate",
    "evaluate_params",
    "fit_metrics",
    "leverage_weights",
    "load_calibrated",
    "run_window",
    "window_metrics",
]
