"""The estimated position book: the heatmap vendors' recipe, explicit and tunable.

Open interest and prices go in; a book of leveraged positions and the liquidations
it predicts bar by bar come out. The recipe (see ``docs/validation.md``):

- a rise of open interest (base units: ``oi_usd / close``) in a bar opens positions
  at that bar's price (typical price ``(high + low + close) / 3`` or close);
- a share of it opens long, the rest short: ``base_long_share + split_strength *
  signal``, the signal being the taker imbalance ``(buy - sell) / (buy + sell)`` or
  the sign of funding (``split``), 0 where the signal is missing;
- each side is spread over leverage buckets (default 5x/10x/25x/50x/100x), margin
  ``notional / leverage``; liquidation and bankruptcy prices from
  :func:`liqcascade.margin.binance_liq_price` for a representative position of
  ``position_notional_usd`` (Binance tiers depend on notional only, so the ratio of
  liquidation price to entry is one number per side and bucket);
- a fall of open interest closes positions (pro rata, oldest first, or most
  profitable first);
- a position whose liquidation price the bar's low (longs) or high (shorts) reaches
  is liquidated and counted in that bar at ``size * liq_price`` USD.

Open interest is aggregated over venues; ``venue_share`` scales the book and its
predictions to one venue (Binance, whose liquidations are recorded). A warm-up
(``seed_days``) opens the first bar's open interest gradually over the preceding
days of prices, so the book does not start empty.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade._json import SummaryDict
from liqcascade._numba import read_only
from liqcascade._paths import read_json
from liqcascade._prices import count_text, names_text
from liqcascade._tables import check_numeric
from liqcascade._time import bar_step, resolve_as_of, utc_index, utc_indexed
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.positions._book import PositionBook
from liqcascade.positions._kernels import estimate_walk_nb, estimate_walk_py

SplitSource = Literal["taker", "funding", "none"]
CloseRule = Literal["pro_rata", "oldest", "most_profitable"]
OiMode = Literal["delta", "track"]
EntryPrice = Literal["typical", "close"]

CLOSE_RULES: tuple[str, ...] = ("pro_rata", "oldest", "most_profitable")
SPLITS: tuple[str, ...] = ("taker", "funding", "none")
ENTRY_PRICES: tuple[str, ...] = ("typical", "close")
OI_MODES: tuple[str, ...] = ("delta", "track")

#: Default leverage buckets and weights: most open interest at low and moderate
#: leverage, a thin tail at 50x-100x (the buckets Hyblock and CoinGlass draw).
DEFAULT_LEVERAGES: tuple[float, ...] = (5.0, 10.0, 25.0, 50.0, 100.0)
DEFAULT_LEVERAGE_WEIGHTS: tuple[float, ...] = (0.30, 0.30, 0.20, 0.12, 0.08)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _check_type(key: str, value: Any, default: Any, where: str) -> None:
    """A settings value of the JSON type its default has (number, list of numbers, text)."""
    if isinstance(default, tuple):
        ok = isinstance(value, list | tuple) and all(_is_number(x) for x in value)
        what = "a list of numbers"
    elif isinstance(default, str):
        ok, what = isinstance(value, str), "text"
    else:
        ok, what = _is_number(value), "a number"
    if not ok:
        shown = json.dumps(value, default=str)[:60]
        raise InputError(f"{where}: {key} must be {what} (got {shown})")


@dataclass(frozen=True)
class EstimationParams:
    """Settings of the estimated book (all tunable; defaults are the uncalibrated recipe).

    Parameters
    ----------
    leverages : tuple of float
        Leverage buckets (x), each > 1.
    leverage_weights : tuple of float
        Share of new open interest in each bucket (>= 0, normalised to sum 1).
    split : {"funding", "taker", "none"}
        Signal that tilts new open interest long or short: the sign of the
        OI-weighted funding rate, the taker buy/sell imbalance, or none.
    base_long_share : float
        Share of a rise of open interest opened long when the signal is 0, in [0, 1].
    split_strength : float
        Long share = ``base_long_share + split_strength * signal`` (clipped to [0, 1]);
        the signal is in [-1, 1].
    entry_price : {"typical", "close"}
        Price of the bar at which its new positions open.
    close_rule : {"pro_rata", "oldest", "most_profitable"}
        Which positions a fall of open interest closes.
    oi_mode : {"delta", "track"}
        ``"delta"`` (the vendors' recipe): a bar opens or closes its change of open
        interest; liquidated positions leave the book for good. ``"track"``: a bar
        opens or closes the gap between its open interest and the book left after its
        liquidations, so the book always sums to the open interest.
    turnover : float
        Fraction of every open position closed each bar and reopened at the bar's
        price (traders' churn at constant open interest), in [0, 1). 0 in the
        vendors' recipe.
    venue_share : float
        Fraction of the aggregated open interest held on the venue whose
        liquidations are predicted (Binance), in (0, 1].
    position_notional_usd : float
        Notional of the representative position used for the maintenance tier, USD.
    seed_days : float
        Warm-up: the first bar's open interest is opened evenly over this many days
        of prices before it (0: the book starts empty).
    tiers : str
        Binance tier table (``"ETHUSDT"``).
    """

    leverages: tuple[float, ...] = DEFAULT_LEVERAGES
    leverage_weights: tuple[float, ...] = DEFAULT_LEVERAGE_WEIGHTS
    split: SplitSource = "funding"
    base_long_share: float = 0.5
    split_strength: float = 0.1
    entry_price: EntryPrice = "typical"
    close_rule: CloseRule = "pro_rata"
    oi_mode: OiMode = "delta"
    turnover: float = 0.0
    venue_share: float = 0.25
    position_notional_usd: float = 10_000.0
    seed_days: float = 30.0
    tiers: str = "ETHUSDT"

    def __post_init__(self) -> None:
        lev = tuple(float(x) for x in self.leverages)
        w = tuple(float(x) for x in self.leverage_weights)
        object.__setattr__(self, "leverages", lev)
        if len(lev) == 0 or len(w) != len(lev):
            raise InputError(
                f"leverage_weights must have one weight per leverage bucket "
                f"({len(lev)} buckets, got {len(w)} weights)",
                param="leverage_weights",
            )
        if not all(math.isfinite(x) and x > 1.0 for x in lev):
            raise InputError(
                f"leverages must be finite and > 1 (got {list(lev)})", param="leverages"
            )
        if not all(math.isfinite(x) and x >= 0.0 for x in w) or sum(w) <= 0.0:
            raise InputError(
                f"leverage_weights must be >= 0 with a positive sum (got {list(w)})",
                param="leverage_weights",
            )
        object.__setattr__(self, "leverage_weights", tuple(x / sum(w) for x in w))
        if self.split not in SPLITS:
            raise InputError(
                f"split must be one of {', '.join(SPLITS)} (got {self.split!r})", param="split"
            )
        if self.entry_price not in ENTRY_PRICES:
            raise InputError(
                f"entry_price must be one of {', '.join(ENTRY_PRICES)} (got {self.entry_price!r})",
                param="entry_price",
            )
        if self.oi_mode not in OI_MODES:
            raise InputError(
                f"oi_mode must be one of {', '.join(OI_MODES)} (got {self.oi_mode!r})",
                param="oi_mode",
            )
        if self.close_rule not in CLOSE_RULES:
            raise InputError(
                f"close_rule must be one of {', '.join(CLOSE_RULES)} (got {self.close_rule!r})",
                param="close_rule",
            )
        checks = {
            "base_long_share": 0.0 <= self.base_long_share <= 1.0,
            "split_strength": math.isfinite(self.split_strength) and self.split_strength >= 0,
            "venue_share": 0.0 < self.venue_share <= 1.0,
            "turnover": 0.0 <= self.turnover < 1.0,
            "position_notional_usd": self.position_notional_usd > 0,
            "seed_days": math.isfinite(self.seed_days) and self.seed_days >= 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise InputError(f"{name} out of range (got {getattr(self, name)!r})")
        from liqcascade.margin import load_tiers, packaged_symbols

        try:
            load_tiers(self.tiers)  # packaged tables are cached: cheap
        except InputError as exc:
            if "symbol" not in exc.params:  # a tier file's own error names the file and row
                raise
            raise InputError(
                f"tiers {self.tiers!r} is not a tier table: a packaged symbol "
                f"({', '.join(packaged_symbols())}) or a tier table file"
            ) from None

    # ------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON settings."""
        d = asdict(self)
        d["leverages"] = list(self.leverages)
        d["leverage_weights"] = list(self.leverage_weights)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "params") -> EstimationParams:
        """Settings from a dict (unknown keys are an error naming ``where``).

        Parameters
        ----------
        d : dict
            Setting name -> value; missing settings keep their defaults.
        where : str, default "params"
            What ``d`` came from (a file name), named by the error messages.

        Returns
        -------
        EstimationParams

        Raises
        ------
        InputError
            ``"WHERE: ..."`` for an unknown key, a value of the wrong type or out of range.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise InputError(f"{where}: unknown {names_text('parameter', unknown)}")
        kw = dict(d)
        defaults = cls()
        for key, value in kw.items():
            _check_type(key, value, getattr(defaults, key), where)
        for key in ("leverages", "leverage_weights"):
            if key in kw:
                kw[key] = tuple(kw[key])
        try:
            return cls(**kw)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: {exc}") from None

    def to_json(self, path: str | Path | None = None) -> str:
        """JSON text of the settings; written to ``path`` when given.

        Parameters
        ----------
        path : str or Path, optional
            File to write (the text and a newline); default: not written.

        Returns
        -------
        str
            The settings as indented JSON.
        """
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:  # whole or not at all: a kill mid-write leaves the old file
            from liqcascade._paths import write_atomic

            write_atomic(path, text + "\n")
        return text

    @classmethod
    def from_json(cls, path_or_text: str | Path) -> EstimationParams:
        """Settings from a JSON file (or JSON text).

        A file written by ``liqmap calibrate`` (``{"params": {...}, ...}``) is accepted too.

        Parameters
        ----------
        path_or_text : str or Path
            A JSON file, or JSON object text (a string starting with ``{``).

        Returns
        -------
        EstimationParams

        Raises
        ------
        InputError
            Naming the file (or ``params``) when it cannot be read, is not valid JSON, or
            holds an invalid setting.
        """
        text = str(path_or_text)
        if isinstance(path_or_text, Path) or not text.lstrip().startswith("{"):
            p = Path(path_or_text)
            where = str(p)
            d = read_json(p, "JSON settings file")
        else:  # JSON text: "{" first, so a valid one is an object
            where = "params"
            try:
                d = json.loads(text)
            except json.JSONDecodeError as exc:
                msg = f"{where}: not valid JSON ({exc.msg}, line {exc.lineno})"
                raise InputError(msg) from None
        if "params" in d and isinstance(d["params"], dict):
            d = d["params"]
        return cls.from_dict(d, where)

    def with_(self, **changes: Any) -> EstimationParams:
        """A copy with some settings changed.

        Parameters
        ----------
        **changes
            Setting name -> new value, in the units of the class's parameters.

        Returns
        -------
        EstimationParams
            A validated copy.
        """
        return replace(self, **changes)


# ----------------------------------------------------------------- margin ratios
@lru_cache(maxsize=256)
def _ratios(
    leverages: tuple[float, ...], notional: float, tiers: str
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Liquidation and bankruptcy price / entry, per bucket, long and short."""
    from liqcascade.margin import binance_liq_price

    k = len(leverages)
    lev = np.asarray(leverages, dtype=np.float64)
    entry = 1000.0
    size = np.full(k, notional / entry)
    margin = notional / lev
    out = []
    for side in ("long", "short"):
        r = binance_liq_price(side, size, np.full(k, entry), margin, tiers=tiers)
        out.append(np.asarray(r.liq_price, dtype=np.float64) / entry)
        out.append(np.asarray(r.bankruptcy_price, dtype=np.float64) / entry)
    long_liq, long_bk, short_liq, short_bk = out
    return long_liq, long_bk, short_liq, short_bk


def liquidation_ratios(params: EstimationParams) -> pd.DataFrame:
    """Liquidation and bankruptcy price as a fraction of entry, per bucket and side."""
    ll, lb, sl, sb = _ratios(params.leverages, params.position_notional_usd, params.tiers)
    return pd.DataFrame(
        {
            "leverage": params.leverages,
            "weight": params.leverage_weights,
            "long_liq": ll,
            "long_bankruptcy": lb,
            "short_liq": sl,
            "short_bankruptcy": sb,
        }
    )


# ----------------------------------------------------------------- market inputs
def bundled_ohlc(asset: str = "ETH", interval: str = "4h") -> pd.DataFrame:
    """Bundled hourly prices of ``asset`` resampled to ``interval`` (UTC-aligned), USD."""
    import liqcascade.data as _bundled
    from liqcascade.data import resample_ohlcv

    try:
        hourly = _bundled.ohlcv(asset, "1h")
    except KeyError as exc:
        raise InputError(f"no bundled prices for {asset}: {exc.args[0]}") from None
    return resample_ohlcv(hourly[["open", "high", "low", "close"]], interval)


def split_signal(params: EstimationParams, index: pd.DatetimeIndex, split_data: Any) -> FloatArray:
    """Long/short signal in [-1, 1] per bar (0 where missing)."""
    if params.split == "none":
        return np.zeros(len(index))
    if split_data is None:
        import liqcascade.data as _bundled

        split_data = (
            _bundled.dataset("eth_taker_4h")
            if params.split == "taker"
            else _bundled.derivatives("funding")
        )
    src = split_data[~split_data.index.duplicated(keep="last")].sort_index()
    if len(src) == 0:
        return np.zeros(len(index))
    # nearest earlier value within 8 hours (8-hourly funding onto 4-hourly bars)
    df = src.reindex(index, method="ffill", tolerance=pd.Timedelta(hours=8))
    if params.split == "taker":
        buy = df["buy_usd"].to_numpy(dtype=np.float64)
        sell = df["sell_usd"].to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (buy - sell) / (buy + sell)
    else:
        s = np.sign(df["rate"].to_numpy(dtype=np.float64))
    s = np.where(np.isfinite(s), s, 0.0)
    return np.clip(s, -1.0, 1.0)


# ----------------------------------------------------------------- run
@dataclass(frozen=True, eq=False)
class EstimationRun(SummaryDict):
    """The estimated book walked bar by bar: predicted liquidations and the final book.

    All sizes and USD figures are scaled to the venue (``params.venue_share``).

    Attributes
    ----------
    ts : pandas.DatetimeIndex
        Bar open times (UTC) of the reported bars (warm-up bars excluded).
    predicted_long_usd, predicted_short_usd : array
        Liquidations predicted in each bar, USD at the liquidation price.
    opened_base, closed_base, liquidated_base : array
        Position size opened, closed and liquidated in each bar, base units.
    open_long_base, open_short_base : array
        Open size at each bar's end, base units.
    cohorts : pandas.DataFrame
        Final state of every non-empty cohort (side, bar time, leverage, sizes
        opened/open/closed/liquidated in base units, entry and liquidation prices USD).
    params : EstimationParams
        The settings used.
    close : array
        Close price of each reported bar, USD.
    warmup_opened_base : float, default 0.0
        Size opened during the warm-up bars, base units.
    meta : dict
        Run details (``n_warmup_bars``: the number of warm-up bars).
    """

    ts: pd.DatetimeIndex
    predicted_long_usd: FloatArray
    predicted_short_usd: FloatArray
    opened_base: FloatArray
    closed_base: FloatArray
    liquidated_base: FloatArray
    open_long_base: FloatArray
    open_short_base: FloatArray
    close: FloatArray
    cohorts: pd.DataFrame
    params: EstimationParams
    warmup_opened_base: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ts)

    def to_frame(self) -> pd.DataFrame:
        """One row per bar: predicted liquidations (USD) and flows (base units)."""
        return pd.DataFrame(
            {
                "close": self.close,
                "predicted_long_usd": self.predicted_long_usd,
                "predicted_short_usd": self.predicted_short_usd,
                "opened_base": self.opened_base,
                "closed_base": self.closed_base,
                "liquidated_base": self.liquidated_base,
                "open_long_base": self.open_long_base,
                "open_short_base": self.open_short_base,
            },
            index=self.ts,
        )

    def summary(self) -> dict[str, Any]:
        """Totals over the reported bars."""
        return {
            "bars": len(self),
            "first": self.ts[0].isoformat() if len(self) else None,
            "last": self.ts[-1].isoformat() if len(self) else None,
            "predicted_long_usd": float(self.predicted_long_usd.sum()),
            "predicted_short_usd": float(self.predicted_short_usd.sum()),
            "open_long_base_end": float(self.open_long_base[-1]) if len(self) else 0.0,
            "open_short_base_end": float(self.open_short_base[-1]) if len(self) else 0.0,
            "n_cohorts_open": int((self.cohorts["size"] > 0).sum()),
        }

    @cached_property
    def book(self) -> PositionBook:
        """The open positions at the last bar: one position per live cohort."""
        return _cohorts_to_book(self.cohorts, self.params)

    def plot(self, max_points: int = 2000) -> go.Figure:
        """Predicted long (down) and short (up) liquidations per bar, USD.

        Parameters
        ----------
        max_points : int, default 2000
            At most about this many bars are drawn (every k-th bar beyond it).

        Returns
        -------
        plotly.graph_objects.Figure
            Bars in M USD, longs negative.
        """
        df = self.to_frame()
        step = max(1, math.ceil(len(df) / max_points))
        df = df.iloc[::step]
        fig = go.Figure()
        fig.add_bar(x=df.index, y=df["predicted_short_usd"] / 1e6, name="shorts (M USD)")
        fig.add_bar(x=df.index, y=-df["predicted_long_usd"] / 1e6, name="longs (M USD)")
        fig.update_layout(
            title="Estimated book: predicted liquidations per bar",
            barmode="relative",
            yaxis_title="M USD (longs negative)",
        )
        return fig

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in self.summary().items())
        return f"<table>{rows}</table>"


def _cohorts_to_book(cohorts: pd.DataFrame, params: EstimationParams) -> PositionBook:
    live = cohorts[cohorts["size"] > 0]
    if live.empty:
        return PositionBook.empty(venue="binance", symbol=params.tiers)
    _, lb, _, sb = _ratios(params.leverages, params.position_notional_usd, params.tiers)
    bucket = live["bucket"].to_numpy()
    is_long = live["side"].to_numpy() == 1
    lev = np.asarray(params.leverages)[bucket]
    entry = live["entry_price"].to_numpy(dtype=np.float64)
    size = live["size"].to_numpy(dtype=np.float64)
    bk = entry * np.where(is_long, lb[bucket], sb[bucket])
    opened = pd.DatetimeIndex(live["opened"]).as_unit("ms").asi8.astype(np.int64)
    return PositionBook(
        side=np.where(is_long, 1, -1).astype(np.int8),
        size=size,
        entry_price=entry,
        margin=size * entry / lev,
        liq_price=live["liq_price"].to_numpy(dtype=np.float64),
        bankruptcy_price=bk,
        opened_ms=opened,
        venue="binance",
        symbol=params.tiers,
    )


def prepare_inputs(
    oi: pd.DataFrame, ohlc: pd.DataFrame, params: EstimationParams
) -> tuple[pd.DataFrame, int]:
    """Join open interest and prices bar by bar, prepending the warm-up bars.

    Parameters
    ----------
    oi : DataFrame
        ``oi_usd`` (USD, bar close), 4-hour bars indexed by bar open time (UTC, on the
        day's 4-hour boundaries 00:00, 04:00, … 20:00); duplicated bars keep the last.
    ohlc : DataFrame
        ``high``, ``low``, ``close`` (USD) at the same interval; may extend before
        ``oi`` (the warm-up reads the bars before the first open interest).
    params : EstimationParams
        Settings (``seed_days``, ``entry_price``).

    Returns
    -------
    (DataFrame, int)
        Columns ``oi_base, low, high, close, entry``; the number of warm-up rows first.

    Raises
    ------
    InputError
        ``oi`` without rows or ``oi_usd``, not numeric, missing (NaN) or negative, not
        4-hourly or off the 4-hour boundaries of the UTC day (``param="oi"``, the
        messages of :func:`estimate_book`); a price column missing.
    """
    # the one check of the open interest on every path (estimate_book, run_estimation,
    # the calibration's inputs, prepared once per window): 4-hourly, on the UTC day's
    # 4-hour boundaries, numbers, none missing or negative
    oi = _checked_oi(oi[~oi.index.duplicated(keep="last")].sort_index())
    for col in ("high", "low", "close"):
        if col not in ohlc.columns:
            raise InputError(f"prices need a {col!r} column (USD)")
    lo = oi.index[0] - pd.Timedelta(days=params.seed_days + 2)
    ohlc = ohlc[(ohlc.index >= lo) & (ohlc.index <= oi.index[-1])]
    ohlc = ohlc[~ohlc.index.duplicated(keep="last")].sort_index()
    df = oi[["oi_usd"]].join(ohlc[["high", "low", "close"]], how="inner").dropna()
    df = df[(df["oi_usd"] > 0) & (df["close"] > 0) & (df["low"] > 0)]
    if df.empty:
        raise InputError("no bar has both open interest and prices")
    df["oi_base"] = df["oi_usd"] / df["close"]
    n_seed = 0
    if params.seed_days > 0 and len(df) > 1:
        step = pd.Series(df.index).diff().median()
        n_seed = int(np.rint(pd.Timedelta(days=params.seed_days).value / pd.Timedelta(step).value))
        before = ohlc[ohlc.index < df.index[0]][["high", "low", "close"]].dropna().iloc[-n_seed:]
        n_seed = len(before)
        if n_seed:
            first = float(df["oi_base"].iloc[0])
            # a ramp from 0: each warm-up bar opens first / n_seed (the first bar
            # has no previous bar, so the ramp's step counts from bar 1)
            before = before.assign(oi_base=first * np.arange(n_seed) / n_seed)
            df = pd.concat([before, df[["oi_base", "high", "low", "close"]]])
    df = df[["oi_base", "high", "low", "close"]].copy()
    if params.entry_price == "typical":
        df["entry"] = (df["high"] + df["low"] + df["close"]) / 3.0
    else:
        df["entry"] = df["close"]
    return df, n_seed


def run_estimation(
    oi: pd.DataFrame,
    ohlc: pd.DataFrame,
    params: EstimationParams | None = None,
    *,
    split_data: pd.DataFrame | None = None,
    use_numba: bool = True,
) -> EstimationRun:
    """Walk the estimated book bar by bar along the real price path.

    Parameters
    ----------
    oi : DataFrame
        Aggregated open interest, ``oi_usd`` (USD at bar close), 4-hour bars indexed by
        bar open (UTC, on the day's 4-hour boundaries); checked as
        :func:`estimate_book` checks it (:func:`prepare_inputs`).
    ohlc : DataFrame
        Prices at the same interval (``high``, ``low``, ``close``, USD); bars before
        the first open interest feed the warm-up.
    params : EstimationParams, optional
        Settings (default: the uncalibrated recipe).
    split_data : DataFrame, optional
        Taker (``buy_usd``, ``sell_usd``) or funding (``rate``) series for the split;
        default: the bundled series.
    use_numba : bool
        Use the compiled kernel (``False``: the plain-Python twin, slow).

    Returns
    -------
    EstimationRun
        Predictions for the bars with open interest (warm-up bars excluded).

    Raises
    ------
    InputError
        ``oi`` not 4-hourly, off the 4-hour boundaries of the UTC day, or with missing,
        negative or non-numeric ``oi_usd`` (``param="oi"``; :func:`prepare_inputs`).
    """
    params = params or EstimationParams()
    df, n_seed = prepare_inputs(oi, ohlc, params)
    signal = split_signal(params, pd.DatetimeIndex(df.index), split_data)
    return run_prepared(df, n_seed, signal, params, use_numba=use_numba)


def run_prepared(
    df: pd.DataFrame,
    n_seed: int,
    signal: FloatArray,
    params: EstimationParams,
    *,
    use_numba: bool = True,
) -> EstimationRun:
    """Walk the book over inputs from :func:`prepare_inputs` and a split signal in [-1, 1]."""
    ll, _, sl, _ = _ratios(params.leverages, params.position_notional_usd, params.tiers)
    share = np.clip(params.base_long_share + params.split_strength * signal, 0.0, 1.0)
    walk = estimate_walk_nb if use_numba else estimate_walk_py
    # read-only views whether pandas copied a column or not: one compile (read_only)
    cols = ("oi_base", "low", "high", "close", "entry")
    oi, low, high, close, entry = read_only(
        *(np.ascontiguousarray(df[c].to_numpy(dtype=np.float64)) for c in cols)
    )
    out = walk(
        oi,
        low,
        high,
        close,
        entry,
        np.ascontiguousarray(share, dtype=np.float64),
        np.asarray(params.leverage_weights, dtype=np.float64),
        ll,
        sl,
        CLOSE_RULES.index(params.close_rule),
        OI_MODES.index(params.oi_mode),
        float(params.turnover),
    )
    return _make_run(df, n_seed, out, params)


def _make_run(
    df: pd.DataFrame, n_seed: int, out: tuple[Any, ...], params: EstimationParams
) -> EstimationRun:
    v = params.venue_share
    ll_usd, ls_usd, opened, closed, liquidated, open_long, open_short = (
        np.asarray(a, dtype=np.float64) * v for a in out[:7]
    )
    c_side, c_bar, c_bucket = (np.asarray(a) for a in out[7:10])
    size0, size, entry, liq, c_closed, c_liq = (np.asarray(a, dtype=np.float64) for a in out[10:])
    n = len(df)
    ts = pd.DatetimeIndex(df.index)
    cohorts = pd.DataFrame(
        {
            "side": c_side.astype(np.int8),
            "opened": ts[c_bar],
            "bucket": c_bucket,
            "leverage": np.asarray(params.leverages)[c_bucket],
            "size_opened": size0 * v,
            "size": size * v,
            "closed": c_closed * v,
            "liquidated": c_liq * v,
            "entry_price": entry,
            "liq_price": liq,
        }
    )
    cohorts = cohorts[cohorts["size_opened"] > 0].reset_index(drop=True)
    sl = slice(n_seed, n)
    return EstimationRun(
        ts=ts[sl],
        predicted_long_usd=ll_usd[sl],
        predicted_short_usd=ls_usd[sl],
        opened_base=opened[sl],
        closed_base=closed[sl],
        liquidated_base=liquidated[sl],
        open_long_base=open_long[sl],
        open_short_base=open_short[sl],
        close=df["close"].to_numpy(dtype=np.float64)[sl],
        cohorts=cohorts,
        params=params,
        warmup_opened_base=float(opened[:n_seed].sum()),
        meta={"n_warmup_bars": n_seed},
    )


# ----------------------------------------------------------------- convenience
def shipped_params() -> EstimationParams:
    """The shipped calibrated cohort-book parameters (``positions/calibrated_params.json``).

    The same as ``liqcascade.positions.load_calibrated().params``, read here so the
    estimate does not import the calibration (no import cycle).
    """
    import json
    from importlib.resources import files

    d = json.loads((files("liqcascade.positions") / "calibrated_params.json").read_text())
    return EstimationParams.from_dict(d["params"], "package:calibrated_params.json")


def default_inputs(asset: str = "ETH", interval: str = "4h") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bundled aggregated open interest and bundled prices resampled to ``interval``."""
    import liqcascade.data as _bundled

    if asset.upper() != "ETH":
        raise InputError(f"no bundled open interest for {asset} (bundled: ETH)")
    if interval != "4h":
        raise InputError(
            f"interval: bundled open interest is 4-hourly (got {interval})", param="interval"
        )
    return _bundled.derivatives("open_interest"), bundled_ohlc(asset, interval)


#: The estimate's bar: open interest and prices are 4-hourly. It is the market's bar
#: (``liqcascade.market.MARKET_BAR``, held equal by a test), written here because
#: ``positions`` sits below ``market``.
_BAR = pd.Timedelta(hours=4)


def _checked_oi(oi: pd.DataFrame) -> pd.DataFrame:
    """``oi`` with its ``oi_usd`` column as floats, refusing missing or negative values.

    Parameters
    ----------
    oi : DataFrame
        Open interest, ``oi_usd`` (USD at bar close), indexed by bar open (UTC).

    Returns
    -------
    DataFrame
        ``oi`` (a copy when the column was converted).

    Raises
    ------
    InputError
        ``oi`` has no rows, or ``oi_usd`` is absent, not numeric, missing (NaN) or
        negative (the message names the first such bar), or its bars are not 4-hourly
        or not on the 4-hour boundaries of the UTC day (00:00, 04:00, … 20:00; the first
        bar off them named) (``param="oi"``).
    """
    if "oi_usd" not in oi.columns:
        raise InputError("oi: open interest needs an 'oi_usd' column (USD)", param="oi")
    if oi.empty:
        raise InputError("oi: no open interest (no rows)", param="oi")
    try:
        v = oi["oi_usd"].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            f"oi: 'oi_usd' must be numbers (USD); got {oi['oi_usd'].dtype}", param="oi"
        ) from None
    for bad, what in ((np.isnan(v), "is missing (NaN)"), (v < 0, "is negative")):
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                f"oi: 'oi_usd' {what} at {_label(oi.index[i])} "
                f"({count_text(int(bad.sum()), 'bar')}); "
                "drop those bars or fill them",
                param="oi",
            )
    step = bar_step(pd.DatetimeIndex(oi.index)) if len(oi) > 1 else _BAR
    if step != _BAR:
        # a level at each bar's close: a finer series is not resampled here (a 4-hour
        # bar's value is its last sub-bar's only when that one is there; prices, whose
        # high and low span the bar, are)
        raise InputError(
            f"oi: the estimate walks 4-hour bars; got {_interval(step)} open interest (give "
            "4-hour open interest, indexed by bar open: the value at each bar's close)",
            param="oi",
        )
    off = _off_boundary(pd.DatetimeIndex(oi.index))
    if off is not None:
        # the prices are resampled on the boundaries: a bar at 01:00 would meet the
        # prices of 00:00-04:00, an hour before its own
        raise InputError(
            f"oi: the estimate walks the 4-hour bars of the UTC day (00:00, 04:00, … 20:00); "
            f"the bar at {_label(off)} is off them (give 4-hour open interest indexed by those "
            "bar opens)",
            param="oi",
        )
    if oi["oi_usd"].dtype == np.float64:
        return oi
    return oi.assign(oi_usd=v)


def _off_boundary(index: pd.DatetimeIndex, step: pd.Timedelta = _BAR) -> pd.Timestamp | None:
    """The first label of ``index`` not on a ``step`` boundary of the UTC day; None if none.

    ``step`` divides 4 hours (4-hour bars, or finer bars resampled to them).
    """
    utc = utc_index(index)
    off = np.asarray(utc != utc.floor(step), dtype=bool) & ~np.asarray(utc.isna(), dtype=bool)
    return pd.Timestamp(utc[int(np.argmax(off))]) if off.any() else None


def _interval(step: pd.Timedelta) -> str:
    """A bar step for a message: ``1h``, ``1d``; ``no`` for NaT (no positive step)."""
    from liqcascade.data import format_interval

    return "no" if pd.isna(step) else format_interval(step // pd.Timedelta(milliseconds=1))


def _label(t: Any) -> str:
    """A bar label for a message: ``2025-03-05 04:00 UTC`` (anything else as given)."""
    return f"{t:%Y-%m-%d %H:%M} UTC" if isinstance(t, pd.Timestamp) else str(t)


def _four_hour_prices(prices: pd.DataFrame) -> pd.DataFrame:
    """``prices`` as 4-hour bars: finer bars that divide 4 hours are resampled.

    Parameters
    ----------
    prices : DataFrame
        OHLC bars (USD) indexed by bar open (UTC).

    Returns
    -------
    DataFrame
        4-hour bars (:func:`liqcascade.data.resample_ohlcv` of finer ones; 4-hour bars
        and fewer than two bars as given).

    Raises
    ------
    InputError
        The bars are coarser than 4 hours, or their length does not divide 4 hours, or a
        bar is off its length's boundaries of the UTC day (a 4-hour bar at 01:00, an
        hourly one at 05:30: the first such bar named) (``param="prices"``).
    """
    if len(prices) < 2:
        return prices
    step = bar_step(pd.DatetimeIndex(prices.index))
    if pd.isna(step) or step > _BAR or _BAR % step != pd.Timedelta(0):
        raise InputError(
            f"prices: the estimate walks 4-hour bars; got {_interval(step)} bars (give 4-hour "
            "bars, or finer bars that divide 4 hours)",
            param="prices",
        )
    off = _off_boundary(pd.DatetimeIndex(prices.index), step)
    if off is not None:
        # as the open interest's (_checked_oi): a bar at 01:00 would be walked against the
        # open interest of 00:00-04:00, or straddle two 4-hour bars when resampled
        raise InputError(
            f"prices: the estimate walks the 4-hour bars of the UTC day (00:00, 04:00, … "
            f"20:00); the {_interval(step)} bar at {_label(off)} is off the {_interval(step)} "
            "bars' boundaries (give bars indexed by bar opens on them)",
            param="prices",
        )
    if step == _BAR:
        return prices
    from liqcascade.data import resample_ohlcv

    return resample_ohlcv(prices, "4h")


def estimate_book(
    as_of: Any = None,
    *,
    params: EstimationParams | None = None,
    asset: str = "ETH",
    oi: pd.DataFrame | None = None,
    prices: pd.DataFrame | None = None,
) -> PositionBook:
    """The estimated book of open positions at ``as_of`` (default: the last bar).

    Parameters
    ----------
    as_of : datetime-like, optional
        UTC; the package's one date rule (:func:`liqcascade._time.resolve_as_of`): the
        book after the last 4-hour bar closed at or before it (a bare date: the close
        of that day's last bar).
    params : EstimationParams, optional
        Default: the shipped calibrated parameters.
    asset : str
        Asset (bundled data: ETH).
    oi : DataFrame, optional
        Open interest, ``oi_usd`` (USD at bar close, no missing or negative value),
        4-hour bars indexed by bar open (UTC; a naive index is read as UTC; another
        spacing is refused, not resampled; bars open at 00:00, 04:00, … 20:00 UTC, a bar
        off those is refused); default: the bundled series. Its first bar
        starts the book: the warm-up (``params.seed_days`` of prices before it) ramps up
        to that bar's open interest, so a slice of ``oi`` starting later is another
        warm-up and another book, not the same book cut (cut with ``as_of`` instead).
    prices : DataFrame, optional
        OHLC prices (USD) indexed by bar open (UTC, or naive): 4-hour bars, or finer bars that
        divide 4 hours (resampled to 4 hours), each on its length's boundaries of the UTC
        day (a 4-hour bar at 01:00 is refused, as open interest's); default: the bundled
        series.

    Returns
    -------
    PositionBook
        One position per live cohort, venue ``"binance"``, ``opened_ms`` set.

    Raises
    ------
    InputError
        Missing or negative open interest, or not 4-hourly, or off the 4-hour
        boundaries of the UTC day (``param="oi"``), prices
        coarser than 4 hours or off their bars' boundaries (``param="prices"``), or
        ``as_of`` outside the open interest (``param="as_of"``).
    """
    if params is None:
        params = shipped_params()
    if oi is None or prices is None:
        d_oi, d_px = default_inputs(asset)
        oi = d_oi if oi is None else oi
        prices = d_px if prices is None else prices
    oi, prices = utc_indexed(oi), utc_indexed(prices)  # a naive index is UTC
    check_numeric(oi, ("oi_usd",), "oi", param="oi")  # text: to_numpy read "2e10" as 2e10
    check_numeric(prices, ("open", "high", "low", "close"), "prices", param="prices")
    oi = oi[~oi.index.duplicated(keep="last")].sort_index()
    if as_of is not None and len(oi):
        label = resolve_as_of(as_of, pd.DatetimeIndex(oi.index), _BAR, series="the open interest")
        oi = oi[oi.index <= label]
    return run_estimation(oi, _four_hour_prices(prices), params).book


__all__ = [
    "CLOSE_RULES",
    "DEFAULT_LEVERAGES",
    "DEFAULT_LEVERAGE_WEIGHTS",
    "ENTRY_PRICES",
    "OI_MODES",
    "SPLITS",
    "EstimationParams",
    "EstimationRun",
    "bundled_ohlc",
    "default_inputs",
    "estimate_book",
    "liquidation_ratios",
    "prepare_inputs",
    "run_estimation",
    "run_prepared",
    "shipped_params",
    "split_signal",
]
