"""The TOML configuration of a collateral scenario (``liqcascade collateral --config``).

Tables (see docs/collateral.md): ``[scenario]``, ``[venue]``, ``[[assets]]``,
``[[cohorts]]`` and ``[[assumptions]]``. Every key is checked: an unknown key, an
unknown asset, a ratio outside [0, 1] or unsorted tier bounds raise
:class:`~liqcascade.errors.InputError` naming the file and the key.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade._sides import SIDE_RULE, side_sign
from liqcascade._time import to_utc
from liqcascade.collateral._book import OwnBookFit, calibrate_own_book
from liqcascade.collateral._loop import Account, CollateralSetup, VenueRules
from liqcascade.collateral._registry import (
    PRICING_METHODS,
    CollateralAsset,
    RatioChange,
    TierSchedule,
    check_tiers,
)
from liqcascade.errors import InputError

__all__ = ["ETH_BARS", "Scenario", "build_setup", "load_config"]

#: ETH paths a scenario may name (bundled dataset names, loaded by the CLI/report).
ETH_BARS: dict[str, str] = {"binance-30m": "eth_30m", "bybit-15m": "eth_bybit_15m_2025_10"}

_KEYS: dict[str, set[str]] = {
    "": {"scenario", "venue", "assets", "cohorts", "assumptions"},
    "scenario": {"name", "start", "end", "eth_bars", "pricing"},
    "venue": {
        "name",
        "threshold",
        "transfer_lag_min",
        "topup_trigger_drop",
        "deposit_halts",
        "withdrawal_halts",
        "stress_drawdown",
        "sell",
    },
    "assets": {
        "name",
        "underlying",
        "own_book_weight",
        "index_weight",
        "book",
        "depth_usd_per_pct",
        "half_life_min",
        "stress_impact_multiplier",
        "floor",
        "tiers",
        "calendar",
        "redemption_lag_min",
        "daily_cap_usd",
        "min_lot_usd",
        "liquidators",
        "liquidator_capacity_usd_per_min",
        "nav_floor",
        "nav_cap",
    },
    "tiers": {"bounds", "ratios"},
    "calendar": {"at", "bounds", "ratios"},
    "cohorts": {
        "name",
        "accounts",
        "collateral_usd",
        "mix",
        "leverage",
        "side",
        "usdt_share",
        "topup_share",
        "topup_fraction",
        "topup_source",
    },
    "assumptions": {"what", "value", "source"},
}


@dataclass(frozen=True)
class Scenario:
    """The clock and the ETH path of a configuration.

    Parameters
    ----------
    name : str
        Scenario name (default the file name).
    start, end : pandas.Timestamp
        The clock, UTC; ``end`` after ``start``.
    eth_bars : str
        Key of :data:`ETH_BARS`: the bundled ETH path.
    pricing : str
        Key of :data:`~liqcascade.collateral.PRICING_METHODS`.
    """

    name: str
    start: pd.Timestamp
    end: pd.Timestamp
    eth_bars: str
    pricing: str


#: How far a cohort's ``mix`` shares may be from adding to 1 (rounding in a TOML file).
MIX_TOLERANCE = 1e-6

#: Most collateral one cohort may hold, USD. Binance's users hold about $150 bn in all
#: (its proof of reserves, 2025); a trillion dollars is several venues' whole client
#: assets, and larger amounts printed in messages run to hundreds of digits.
MAX_COHORT_USD = 1e12


def _fail(where: str, msg: str) -> InputError:
    return InputError(f"{where}: {msg}")


def _keys(d: Any, kind: str, where: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise _fail(where, "must be a table")
    for k in d:
        if k not in _KEYS[kind]:
            raise _fail(f"{where}.{k}" if where else k, "unknown key")
    return d


def _got(v: Any) -> str:
    """``got '105%'; for 105 % give 1.05`` for a percent written as text, else ``got …``."""
    text = v.strip().removesuffix("%").strip() if isinstance(v, str) else ""
    try:
        pct = float(text) if isinstance(v, str) and v.strip().endswith("%") else math.nan
    except ValueError:
        pct = math.nan
    return f"got {v!r}" + (f"; for {pct:g} % give {pct / 100:g}" if math.isfinite(pct) else "")


def _num(d: dict[str, Any], k: str, where: str, default: float | None = None) -> float:
    if k not in d:
        if default is None:
            raise _fail(f"{where}.{k}", "missing")
        return default
    v = d[k]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise _fail(f"{where}.{k}", f"must be a number ({_got(v)})")
    _finite(float(v), f"{where}.{k}", may_be_inf=k in _MAY_BE_INF)
    return float(v)


#: Keys whose ``inf`` means "none" (no recovery, no cap, never arrives); every other
#: number of a configuration must be finite, and none may be NaN.
_MAY_BE_INF = frozenset(
    {"half_life_min", "daily_cap_usd", "liquidator_capacity_usd_per_min", "nav_cap",
     "redemption_lag_min", "transfer_lag_min"}
)  # fmt: skip


def _finite(v: float, where: str, *, may_be_inf: bool = False) -> None:
    """NaN is never a value; ``inf`` only where it means "none" (``may_be_inf``)."""
    if math.isnan(v) or (math.isinf(v) and not (may_be_inf and v > 0)):
        raise _fail(where, f"must be a finite number (got {v})")


def _tiers(d: Any, where: str) -> TierSchedule:
    b, r = d.get("bounds"), d.get("ratios")
    if not isinstance(b, list) or not isinstance(r, list):
        raise _fail(where, "give bounds = [...] and ratios = [...]")
    for k, vals in (("bounds", b), ("ratios", r)):
        bad = [x for x in vals if isinstance(x, bool) or not isinstance(x, int | float)]
        if bad:
            raise _fail(f"{where}.{k}", f"must be numbers ({_got(bad[0])})")
        for j, x in enumerate(vals):  # the last bound may be inf (no upper limit)
            _finite(float(x), f"{where}.{k}[{j}]", may_be_inf=k == "bounds")
    check_tiers(b, r, where)
    return TierSchedule(tuple(float(x) for x in b), tuple(float(x) for x in r))


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a TOML configuration (no checks beyond TOML syntax).

    Parameters
    ----------
    path : str or Path
        A UTF-8 TOML file (with or without a byte-order mark).

    Returns
    -------
    dict
        The TOML tables.

    Raises
    ------
    InputError
        Naming the file when it cannot be read or is not valid TOML.
    """
    from liqcascade._paths import read_utf8

    p = Path(path)
    text = read_utf8(p, "TOML text file")
    try:  # a byte-order mark (Windows Notepad's UTF-8) is no TOML statement: skipped
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p.name}: not valid TOML: {exc}") from None


def scenario_of(cfg: dict[str, Any], where: str) -> Scenario:
    """The ``[scenario]`` table, checked."""
    _keys(cfg, "", "")
    s = _keys(cfg.get("scenario", {}), "scenario", f"{where}: scenario")
    start = to_utc(s.get("start", "2025-10-10T12:00:00Z"), f"{where}: scenario.start")
    end = to_utc(s.get("end", "2025-10-11T12:00:00Z"), f"{where}: scenario.end")
    if not end > start:
        raise _fail(f"{where}: scenario.end", "must be after scenario.start")
    bars = s.get("eth_bars", "binance-30m")
    if bars not in ETH_BARS:
        raise _fail(f"{where}: scenario.eth_bars", f"one of {', '.join(ETH_BARS)} (got {bars!r})")
    pricing = s.get("pricing", "own-book")
    if pricing not in PRICING_METHODS:
        raise _fail(
            f"{where}: scenario.pricing", f"one of {', '.join(PRICING_METHODS)} (got {pricing!r})"
        )
    return Scenario(str(s.get("name", where)), start, end, bars, pricing)


def _venue(d: dict[str, Any], where: str) -> VenueRules:
    w = f"{where}: venue"
    _keys(d, "venue", w)
    halts = {}
    for k in ("deposit_halts", "withdrawal_halts"):
        v = d.get(k, [])
        if not isinstance(v, list) or any(not isinstance(x, list) or len(x) != 2 for x in v):
            raise _fail(f"{w}.{k}", "a list of [start, end] pairs")
        pairs = []
        for j, (a, b) in enumerate(v):
            ta, tb = to_utc(a, f"{w}.{k}[{j}]"), to_utc(b, f"{w}.{k}[{j}]")
            if not tb > ta:
                raise _fail(f"{w}.{k}[{j}]", f"must end after it starts (got [{a}, {b}])")
            pairs.append((ta, tb))
        halts[k] = tuple(pairs)
    nums = {  # read (and named in errors) before the rules check their ranges
        "threshold": _num(d, "threshold", w, 1.05),
        "transfer_lag_min": _num(d, "transfer_lag_min", w, 0.0),
        "topup_trigger_drop": _num(d, "topup_trigger_drop", w, 0.05),
        "stress_drawdown": _num(d, "stress_drawdown", w, 0.03),
    }
    try:
        return VenueRules(
            name=str(d.get("name", "binance")),
            deposit_halts=halts["deposit_halts"],
            withdrawal_halts=halts["withdrawal_halts"],
            sell=str(d.get("sell", "all")),
            **nums,
        )
    except InputError as exc:
        text, key = str(exc), exc.param
        if key and text.startswith(f"{key} "):  # "threshold must ..." -> venue.threshold: must
            raise _fail(f"{w}.{key}", text[len(key) + 1 :]) from None
        raise _fail(w, text) from None


_ASSET_NUMS = (
    "own_book_weight",
    "index_weight",
    "stress_impact_multiplier",
    "floor",
    "redemption_lag_min",
    "daily_cap_usd",
    "min_lot_usd",
    "liquidator_capacity_usd_per_min",
    "nav_floor",
    "nav_cap",
)


def _asset(
    d: dict[str, Any],
    i: int,
    where: str,
    bars: dict[str, pd.DataFrame],
    before: pd.Timestamp,
    fits: dict[str, OwnBookFit],
) -> CollateralAsset:
    w = f"{where}: assets[{i}]"
    _keys(d, "assets", w)
    name = d.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(f"{w}.name", "missing")
    name = name.upper()
    tiers = _tiers(_keys(d.get("tiers", {}), "tiers", f"{w}.tiers"), f"{w}.tiers")
    cal = []
    for k, c in enumerate(d.get("calendar", [])):
        cw = f"{w}.calendar[{k}]"
        _keys(c, "calendar", cw)
        cal.append(RatioChange(to_utc(c.get("at"), f"{cw}.at"), _tiers(c, cw)))
    kw: dict[str, Any] = {k: _num(d, k, w) for k in _ASSET_NUMS if k in d}
    book = d.get("book", "given")
    if book == "calibrated":
        if name not in bars:
            bars[name] = _bundled_minute_bars(name, f"{w}.book")
        try:
            fit = calibrate_own_book(bars[name], before)
        except InputError as exc:  # the window before the start is too short: name the key
            msg = str(exc).removeprefix("bars: ")
            raise _fail(
                f"{where}: scenario.start",
                f"{name}'s own book is calibrated on its bundled one-minute bars before the "
                f"start ({bars[name].index[0]:%Y-%m-%d %H:%M} onwards): {msg}",
            ) from None
        kw["depth_usd_per_pct"], kw["half_life_min"] = fit.depth_usd_per_pct, fit.half_life_min
        fits[name] = fit
    elif book == "given":
        kw["depth_usd_per_pct"] = _num(d, "depth_usd_per_pct", w)
        kw["half_life_min"] = _num(d, "half_life_min", w, math.inf)
    else:
        raise _fail(f"{w}.book", f"'calibrated' or 'given' (got {book!r})")
    libs = d.get("liquidators", [])
    if not isinstance(libs, list) or not all(isinstance(x, str) for x in libs):
        raise _fail(f"{w}.liquidators", "a list of names")
    try:
        return CollateralAsset(
            name=name,
            venue="",
            tiers=tiers,
            calendar=tuple(cal),
            underlying=str(d.get("underlying", "usd")),
            liquidators=tuple(libs),
            **kw,
        )
    except InputError as exc:
        raise _fail(w, str(exc)) from None


def _bundled_minute_bars(name: str, where: str) -> pd.DataFrame:
    """The bundled one-minute bars of ``name`` (a ``book = "calibrated"`` asset's data)."""
    from liqcascade.data import ohlcv

    try:
        return ohlcv(name, "1m")
    except InputError:
        raise _fail(
            where,
            f"'calibrated' needs one-minute bars of {name} to calibrate from: none are bundled "
            "(bundled: USDE) and none were given (bars=)",
        ) from None


def _cohort(d: dict[str, Any], i: int, where: str, assets: list[str], p0: float) -> list[Account]:
    from liqcascade.margin import load_tiers

    w = f"{where}: cohorts[{i}]"
    _keys(d, "cohorts", w)
    name = str(d.get("name", f"cohort{i}"))
    n = d.get("accounts")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise _fail(f"{w}.accounts", f"must be an integer >= 1 (got {n!r})")
    total = _num(d, "collateral_usd", w)
    if not 0 < total <= MAX_COHORT_USD:
        raise _fail(
            f"{w}.collateral_usd",
            f"must be > 0 and at most {MAX_COHORT_USD:.0e} USD (got {total:.4g})"
            if total > 0
            else "must be > 0",
        )
    mix = d.get("mix")
    if not isinstance(mix, dict) or not mix:
        raise _fail(f"{w}.mix", "a table asset = share")
    for k, v in mix.items():
        if k.upper() not in assets:
            raise _fail(f"{w}.mix", f"unknown asset {k!r} (known: {', '.join(assets)})")
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < math.inf:
            raise _fail(f"{w}.mix.{k}", f"must be a finite share >= 0 (got {v!r})")
    msum = sum(float(v) for v in mix.values())
    if abs(msum - 1.0) > MIX_TOLERANCE:
        raise _fail(
            f"{w}.mix",
            f"shares of the collateral must add to 1 (got {msum:g}); the USDT part is usdt_share",
        )
    usdt_share = _num(d, "usdt_share", w, 0.0)
    if not 0 <= usdt_share < 1:
        raise _fail(f"{w}.usdt_share", f"must be in [0, 1) (got {usdt_share:g})")
    lev = d.get("leverage", [1.0, 3.0])
    if (
        not isinstance(lev, list)
        or len(lev) != 2
        or any(isinstance(x, bool) or not isinstance(x, int | float) for x in lev)
        or not 0 <= lev[0] <= lev[1] < math.inf
    ):
        raise _fail(f"{w}.leverage", f"[low, high] with 0 <= low <= high (got {lev!r})")
    sign = side_sign(d.get("side", "long"))
    if sign is None:
        raise _fail(f"{w}.side", f"{SIDE_RULE} (got {d.get('side')!r})")
    side = "long" if sign > 0 else "short"
    ts_share = _num(d, "topup_share", w, 0.0)
    tf = _num(d, "topup_fraction", w, 0.0)
    src = str(d.get("topup_source", "transfer"))
    if not 0 <= ts_share <= 1 or tf < 0:
        raise _fail(f"{w}.topup_share", "topup_share in [0, 1], topup_fraction >= 0")
    if src != "transfer" and src.upper() not in assets:
        raise _fail(f"{w}.topup_source", f"'transfer' or an asset (got {src!r})")
    tiers = load_tiers("ETHUSDT")
    top = float(tiers.max_leverage[0])
    if lev[1] > top:
        raise _fail(
            f"{w}.leverage",
            f"{lev[1]:g}x is above the venue's maximum {top:g}x (Binance ETHUSDT)",
        )
    per = total / n
    out = []
    for k in range(n):
        lv = lev[0] + (lev[1] - lev[0]) * (k + 0.5) / n
        notional = lv * per
        cap = float(tiers.max_leverage_at(notional))
        largest = float(tiers.notional_cap[-1])
        if notional > largest:  # past the last tier: no leverage at all, not "0x"
            raise _fail(
                f"{w}.leverage",
                f"account {k}: {lv:g}x on ${notional:,.0f} of ETH is above the largest "
                f"position the venue's tiers allow (${largest:,.0f}, Binance ETHUSDT leverage "
                "tiers); spread the collateral over more accounts",
            )
        if lv > cap:
            raise _fail(
                f"{w}.leverage",
                f"account {k}: {lv:g}x on ${notional:,.0f} of ETH is above the venue's "
                f"maximum {cap:g}x at that notional (Binance ETHUSDT leverage tiers)",
            )
        mmr = float(tiers.maintenance_margin(notional)) / notional if notional > 0 else 0.005
        coll = {a.upper(): per * (1 - usdt_share) * float(s) / msum for a, s in mix.items()}
        top = tf * per if math.floor((k + 1) * ts_share) > math.floor(k * ts_share) else 0.0
        out.append(
            Account(
                name=f"{name}-{k}",
                eth_size=(1 if side == "long" else -1) * notional / p0,
                eth_entry=p0,
                collateral=coll,
                usdt=per * usdt_share,
                mmr=mmr,
                topup_usd=top,
                topup_source=src if src == "transfer" else src.upper(),
            )
        )
    return out


def build_setup(
    cfg: dict[str, Any],
    where: str,
    eth_start_price: float,
    bars: dict[str, pd.DataFrame] | None = None,
) -> tuple[Scenario, CollateralSetup]:
    """Check a configuration and build its scenario and setup.

    Parameters
    ----------
    cfg : dict
        The parsed TOML.
    where : str
        File name for error messages.
    eth_start_price : float
        ETH at the start of the clock, USD (positions open there).
    bars : dict, optional
        Asset -> one-minute bars, for assets with ``book = "calibrated"`` (fitted on
        bars strictly before the scenario's start). An asset not in it is calibrated on
        its bundled bars (USDe's), which are added to the dict when one is given.

    Returns
    -------
    (Scenario, CollateralSetup)

    Raises
    ------
    InputError
        Naming the file and the key: a bad value, or a calibrated asset with no bars
        given and none bundled.

    Examples
    --------
    The preset, its USDe book calibrated on the bundled bars, positions opened at
    3,864.76 USD (Binance's ETHUSDT perpetual: the close of its 2025-10-10 20:00 UTC
    hourly bar; the spot 30-minute bar opens 21:00 at 3,871.31), then the smallest
    haircuts for ETH falls of 10 and 20 % from that entry:

    >>> from liqcascade.collateral import build_setup, preset_config, smallest_haircut
    >>> sc, setup = build_setup(preset_config("oct-2025"), "oct-2025.toml", 3864.76)
    >>> h = smallest_haircut(setup, [-0.1, -0.2])  # doctest: +SKIP
    """
    sc = scenario_of(cfg, where)
    venue = _venue(cfg.get("venue", {}), where)
    fits: dict[str, OwnBookFit] = {}
    raw = cfg.get("assets", [])
    if not isinstance(raw, list) or not raw:
        raise _fail(f"{where}: assets", "give at least one [[assets]] table")
    bars = {} if bars is None else bars
    assets = [_asset(d, i, where, bars, sc.start, fits) for i, d in enumerate(raw)]
    assets = [replace(a, venue=venue.name) for a in assets]
    names = [a.name for a in assets]
    if len(set(names)) != len(names):
        raise _fail(f"{where}: assets", "repeated asset name")
    accounts: list[Account] = []
    for i, d in enumerate(cfg.get("cohorts", [])):
        accounts += _cohort(d, i, where, names, eth_start_price)
    if not accounts:
        raise _fail(f"{where}: cohorts", "give at least one [[cohorts]] table")
    assumptions = []
    for i, d in enumerate(cfg.get("assumptions", [])):
        _keys(d, "assumptions", f"{where}: assumptions[{i}]")
        assumptions.append({k: str(d.get(k, "")) for k in ("what", "value", "source")})
    notes = {n: f.summary() for n, f in fits.items()}
    for n, fit in notes.items():
        assumptions.append(
            {
                "what": f"{n} own book (depth per 1 %, impact half-life)",
                "value": f"${fit['depth_usd_per_pct']:,.0f} per 1 % "
                f"(IQR ${fit['depth_usd_per_pct_iqr'][0]:,.0f}-"
                f"${fit['depth_usd_per_pct_iqr'][1]:,.0f}); "
                f"half-life {fit['half_life_min']:.1f} min",
                "source": f"calibrated on the bundled {n} 1m bars "
                f"{fit['start'][:16]} -> {fit['end'][:16]} (before the "
                "scenario)",
            }
        )
    setup = CollateralSetup(
        assets=tuple(assets),
        venue=venue,
        accounts=tuple(accounts),
        assumptions=tuple(assumptions),
        notes={"books": notes, "fits": fits},
    )
    return sc, setup
