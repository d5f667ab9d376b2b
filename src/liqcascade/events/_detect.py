"""Support zones from swing lows, and the tests of those zones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade._json import SummaryDict
from liqcascade._prices import names_text
from liqcascade._tables import check_frame, check_numeric
from liqcascade._time import check_time_order, utc_indexed
from liqcascade._typing import FloatArray, IntArray
from liqcascade.errors import InputError
from liqcascade.events._kernels import find_pivots, scan_zones
from liqcascade.events._params import SupportParams

_REASONS = {0: "active", 1: "broken", 2: "expired"}


def _check_ohlcv(ohlcv: pd.DataFrame) -> pd.DataFrame:
    """``ohlcv`` checked, on a UTC index (a naive one read as UTC: :func:`utc_indexed`)."""
    check_frame(ohlcv, "ohlcv")
    missing = [c for c in ("low", "close") if c not in ohlcv.columns]
    if missing:
        raise InputError(f"OHLCV frame lacks {names_text('column', missing)}", param="ohlcv")
    check_numeric(ohlcv, ("low", "close", "volume"), "ohlcv", param="ohlcv")
    ohlcv = utc_indexed(ohlcv)
    if not isinstance(ohlcv.index, pd.DatetimeIndex):
        raise InputError("OHLCV frame must be indexed by a DatetimeIndex (ts)", param="ohlcv")
    check_time_order(ohlcv.index, "ohlcv")
    for c in ("low", "close"):
        v = ohlcv[c].to_numpy(dtype=float)
        bad = ~np.isfinite(v) | (v <= 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                f"OHLCV frame: row {i + 1}: {c} must be a positive number (got {v[i]})",
                param="ohlcv",
            )
    return ohlcv


@dataclass(frozen=True)
class SupportDetection(SummaryDict):
    """Support zones and their tests on one price series.

    Attributes
    ----------
    ohlcv : DataFrame
        The bars scanned (indexed by ``ts``).
    params : SupportParams
        The rules used.
    zones : DataFrame
        One row per zone: ``zone``, ``pivot_ts`` (first swing low), ``confirmed_ts``,
        ``price`` (USD, final), ``n_pivots``, ``n_tests``, ``end_ts``, ``end`` (active,
        broken, expired).
    tests : DataFrame
        One row per test, in time order: ``ts``, ``bar``, ``zone``, ``nth`` (1 = the
        zone's first test), ``held`` (bool), ``zone_price`` (USD at the time),
        ``close`` (USD, the event's entry price), ``low``.
    """

    ohlcv: pd.DataFrame
    params: SupportParams
    zones: pd.DataFrame
    tests: pd.DataFrame

    @property
    def n_tests(self) -> int:
        """Number of tests (zone × bar); a bar testing two zones counts twice."""
        return len(self.tests)

    @property
    def n_zones(self) -> int:
        """Number of zones opened."""
        return len(self.zones)

    @property
    def event_bars(self) -> IntArray:
        """Distinct bars holding at least one test (the event-study entries), ascending."""
        return np.unique(self.tests["bar"].to_numpy(dtype=np.int64))

    def summary(self) -> pd.Series:
        """Headline counts."""
        t = self.tests
        return pd.Series(
            {
                "n_zones": self.n_zones,
                "n_tests": self.n_tests,
                "n_event_bars": len(self.event_bars),
                "n_held": int(t["held"].sum()) if len(t) else 0,
                "n_broken": int((~t["held"]).sum()) if len(t) else 0,
                "first_tests": int((t["nth"] == 1).sum()) if len(t) else 0,
                **{f"param_{k}": v for k, v in self.params.to_dict().items()},
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """The tests table."""
        return self.tests.copy()

    def active_zones(self) -> pd.DataFrame:
        """The zones still active after the last bar: the support levels at the data's end.

        A zone is active when no close has broken it (``break_tol`` below it) and a
        swing low has refreshed it within ``max_age`` bars: the levels a test on the next
        bar would be counted at.

        Returns
        -------
        DataFrame
            One row per active zone, nearest the last close first: ``zone``, ``price``
            (USD), ``distance`` (``price / last close − 1``, a fraction: negative below
            the price), ``confirmed_ts``, ``n_pivots``, ``n_tests``, ``n_held`` (tests
            that closed at or above ``zone · (1 − break_tol)``) and ``last_test_ts``
            (NaT when never tested).
        """
        z = self.zones[self.zones["end"] == "active"]
        last = float(self.ohlcv["close"].iloc[-1]) if len(self.ohlcv) else float("nan")
        t = self.tests
        held = t[t["held"]].groupby("zone").size()
        last_test = t.groupby("zone")["ts"].max()
        out = pd.DataFrame(
            {
                "zone": z["zone"].to_numpy(),
                "price": z["price"].to_numpy(dtype=float),
                "distance": z["price"].to_numpy(dtype=float) / last - 1.0,
                "confirmed_ts": z["confirmed_ts"].to_numpy(),
                "n_pivots": z["n_pivots"].to_numpy(),
                "n_tests": z["n_tests"].to_numpy(),
                "n_held": [int(held.get(i, 0)) for i in z["zone"]],
                "last_test_ts": pd.DatetimeIndex(
                    [last_test.get(i, pd.NaT) for i in z["zone"]], tz="UTC"
                ),
            }
        )
        order = np.argsort(np.abs(out["distance"].to_numpy()), kind="stable")
        return out.iloc[order].reset_index(drop=True)

    def __repr__(self) -> str:
        from liqcascade._notebook import summary_repr

        idx = self.ohlcv.index
        span = f"{idx[0]:%Y-%m-%d} → {idx[-1]:%Y-%m-%d}" if len(idx) else "none"
        keys = ("bars", "span", "n_zones", "n_tests", "n_held", "n_broken", "param_pivot")
        figures = {"bars": len(idx), "span": span, **self.summary()}
        return summary_repr("SupportDetection", figures, keys)

    def plot(self, max_points: int = 2000) -> go.Figure:
        """Close price with zones (horizontal segments) and tests (held ●, broken ✕).

        Parameters
        ----------
        max_points : int, default 2000
            The close line is thinned to about this many points (zones and tests are all
            drawn).

        Returns
        -------
        plotly.graph_objects.Figure
        """
        df = self.ohlcv
        step = max(1, len(df) // max_points)
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(
                x=df.index[::step],
                y=df["close"].to_numpy()[::step],
                name="close",
                line={"color": "#2c3e50", "width": 1},
            )
        )
        xs: list[Any] = []
        ys: list[Any] = []
        last = df.index[-1]
        for z in self.zones.itertuples():
            end: Any = z.end_ts
            if end is None or end is pd.NaT:
                end = last
            xs += [z.confirmed_ts, end, None]
            ys += [z.price, z.price, None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="support zones",
                line={"color": "#2980b9", "width": 2},
                opacity=0.6,
            )
        )
        for held, name, sym, col in (
            (True, "test held", "circle", "#27ae60"),
            (False, "test broken", "x", "#c0392b"),
        ):
            t = self.tests[self.tests["held"] == held]
            fig.add_trace(
                go.Scatter(
                    x=t["ts"],
                    y=t["low"],
                    mode="markers",
                    name=name,
                    marker={"symbol": sym, "color": col, "size": 7},
                )
            )
        fig.update_layout(
            title=(
                f"Support zones and tests ({self.n_zones} zone{'' if self.n_zones == 1 else 's'}, "
                f"{self.n_tests} test{'' if self.n_tests == 1 else 's'})"
            ),
            yaxis_title="price (USD)",
            height=480,
            margin={"t": 50, "l": 60, "r": 20, "b": 30},
        )
        return fig

    def _repr_html_(self) -> str:
        return str(self.summary().to_frame("value").to_html())


def _arrays(ohlcv: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray]:
    low = np.ascontiguousarray(ohlcv["low"].to_numpy(dtype=np.float64))
    close = np.ascontiguousarray(ohlcv["close"].to_numpy(dtype=np.float64))
    if "volume" in ohlcv.columns:
        vol = np.ascontiguousarray(ohlcv["volume"].to_numpy(dtype=np.float64))
    else:
        vol = np.ones(len(ohlcv))
    return low, close, vol


def detect_arrays(
    low: FloatArray, close: FloatArray, volume: FloatArray, params: SupportParams
) -> tuple[IntArray, IntArray, IntArray, Any, FloatArray, IntArray, FloatArray, IntArray]:
    """Run the pivot finder and the zone scan on raw arrays (no validation).

    Returns the :func:`~liqcascade.events._kernels.scan_zones` tuple.
    """
    piv = find_pivots(low, params.pivot)
    cand_bar = piv + params.pivot
    w = volume[piv] if params.volume_weighted else np.ones(len(piv))
    w = np.where(w > 0, w, 1e-12)
    return scan_zones(  # type: ignore[no-any-return]
        low,
        close,
        cand_bar.astype(np.int64),
        piv.astype(np.int64),
        low[piv].astype(np.float64),
        w.astype(np.float64),
        float(params.band),
        float(params.zone_tol),
        float(params.break_tol),
        int(params.min_away),
        int(params.max_age),
        True,
    )


def detect_support(ohlcv: pd.DataFrame, params: SupportParams | None = None) -> SupportDetection:
    """Find support zones and their tests on an OHLCV frame.

    Parameters
    ----------
    ohlcv : DataFrame
        Bars indexed by a UTC ``ts``; columns ``low``, ``close`` (USD) and optionally
        ``volume`` (base units, used only with ``volume_weighted``).
    params : SupportParams, optional
        Detection rules (defaults: :class:`SupportParams()`).

    Returns
    -------
    SupportDetection

    Examples
    --------
    >>> from liqcascade import datasets
    >>> from liqcascade.events import detect_support
    >>> det = detect_support(datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-12-31"))
    >>> det.n_tests > 0
    True
    """
    params = params or SupportParams()
    ohlcv = _check_ohlcv(ohlcv)
    low, close, vol = _arrays(ohlcv)
    tb, tz, tn, th, tp, zinfo, zprice, _zlast = detect_arrays(low, close, vol, params)
    idx = ohlcv.index
    zones = pd.DataFrame(
        {
            "zone": np.arange(len(zprice)),
            "pivot_ts": idx[zinfo[:, 0]] if len(zprice) else pd.DatetimeIndex([], tz="UTC"),
            "confirmed_ts": idx[zinfo[:, 1]] if len(zprice) else pd.DatetimeIndex([], tz="UTC"),
            "price": zprice,
            "n_pivots": zinfo[:, 4],
            "n_tests": zinfo[:, 5],
            "end_ts": [idx[e] if e >= 0 else pd.NaT for e in zinfo[:, 2]],
            "end": [_REASONS[int(r)] for r in zinfo[:, 3]],
        }
    )
    tests = pd.DataFrame(
        {
            "ts": idx[tb],
            "bar": tb,
            "zone": tz,
            "nth": tn,
            "held": th.astype(bool),
            "zone_price": tp,
            "close": close[tb],
            "low": low[tb],
        }
    )
    return SupportDetection(ohlcv=ohlcv, params=params, zones=zones, tests=tests)
