"""Presets (package TOML files) and the 2025-10-10 validation against the bundled records."""

from __future__ import annotations

import tomllib
from typing import Any

import pandas as pd

from liqcascade._crashes import OCT_2025
from liqcascade.contagion._config import (
    PRESETS_DIR,
    ConfigModel,
    ContagionSetup,
    build_setup,
    parse_config,
)
from liqcascade.contagion._liquidity import run_setup
from liqcascade.contagion._result import ContagionResult
from liqcascade.errors import InputError

__all__ = [
    "PRESETS",
    "RECORDED_SHOCK_SOURCE",
    "load_preset",
    "lowest_prices",
    "oct_2025",
    "recorded_first_shock",
    "recorded_oct_2025",
    "run_preset",
    "validate_oct_2025",
]

PRESETS: tuple[str, ...] = tuple(sorted(p.stem for p in PRESETS_DIR.glob("*.toml")))
#: Where :func:`run_preset`'s default first shock for ``oct-2025`` comes from.
RECORDED_SHOCK_SOURCE = f"recorded Binance fall of {OCT_2025.hour:%Y-%m-%d %H:%M} UTC"


def load_preset(name: str) -> ConfigModel:
    """The validated configuration of a bundled preset (``"oct-2025"``).

    Parameters
    ----------
    name : str
        A name of :data:`PRESETS`.

    Returns
    -------
    ConfigModel

    Raises
    ------
    InputError
        Unknown preset.
    """
    path = PRESETS_DIR / f"{name}.toml"
    if not path.is_file():
        raise InputError(
            f"name: unknown preset {name!r} (have: {', '.join(PRESETS)})", param="name"
        )
    cfg = parse_config(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
    object.__setattr__(cfg, "_base_dir", PRESETS_DIR)
    return cfg


def oct_2025(cache: dict[Any, Any] | None = None) -> ContagionSetup:
    """The 2025-10-10 crash preset built from the bundled data (see ``presets/oct-2025.toml``).

    Parameters
    ----------
    cache : dict, optional
        Estimated markets by as-of date, shared between calls (filled in place; see
        :func:`build_setup`).

    Returns
    -------
    ContagionSetup
    """
    return build_setup(load_preset("oct-2025"), "oct-2025.toml", cache)


def recorded_oct_2025() -> dict[str, Any]:
    """What the bundled data record for the 2025-10-10/11 crash (USD, prices in USD).

    Returns
    -------
    dict
        ``aave_wbtc_collateral_liquidated_usd`` (2025-10-10 and -11), ``compound_v3_liquidated_usd``
        (2025-10-10), ``hyperliquid_liquidated_usd`` (None: the bundled series ends
        before), ``cex_eth_liquidated_usd`` (None: the bundled CoinGlass series ends
        2025-07), per-venue ``crash_hour`` open and low of ETH (None where not bundled),
        and the coverage end dates.
    """
    import liqcascade.data as _bundled

    days = list(OCT_2025.days)
    out: dict[str, Any] = {}
    a = _bundled.dataset("aave_wbtc_collateral_liquidations")
    d = pd.to_datetime(a["date"].astype(str)).dt.tz_localize("UTC")
    sel = a[d.isin(days)]
    out["aave_wbtc_collateral_liquidated_usd"] = float(sel["amount_usd"].sum())
    out["aave_wbtc_collateral_liquidations_n"] = len(sel)
    c = _bundled.dataset("compound_v3_liquidations")
    cs = c[pd.DatetimeIndex(c.index).normalize() == OCT_2025.day]
    out["compound_v3_liquidated_usd"] = float(cs["value_liquidated_usd"].sum())
    out["compound_v3_liquidations_n"] = len(cs)
    h = _bundled.dataset("hyperliquid_liquidations_1d")
    out["hyperliquid_data_end"] = h.index.max().date().isoformat()
    he = h[(pd.DatetimeIndex(h.index).normalize().isin(days)) & (h["asset"] == "ETH")]
    out["hyperliquid_liquidated_usd"] = float(he["liquidated_usd"].sum()) if len(he) else None
    liq = _bundled.derivatives("liquidations")
    out["coinglass_data_end"] = liq.index.max().date().isoformat()
    ls = liq[pd.DatetimeIndex(liq.index).normalize().isin(days)]
    out["cex_eth_liquidated_usd"] = (
        float(ls[["long_usd", "short_usd"]].sum().sum()) if len(ls) else None
    )
    p = _bundled.dataset("perp_1h_by_venue")
    p = p[(p.index == OCT_2025.hour) & (p["asset"] == "ETH")]
    out["crash_hour"] = {
        v: ({"open": float(p.loc[p.venue == v, "open"].iloc[0]),
             "low": float(p.loc[p.venue == v, "low"].iloc[0])} if (p.venue == v).any() else None)
        for v in ("binance", "bybit", "hyperliquid")
    }  # fmt: skip
    return out


def recorded_first_shock(rec: dict[str, Any] | None = None) -> float:
    """The recorded Binance ETH fall of the 2025-10-10 21:00 UTC hour (fraction, low / open - 1).

    The first shock of the ``oct-2025`` replay (:func:`run_preset`'s default and the
    report's "2025-10-10 replay"): -0.120 on the bundled hourly bars (open 3,864.76,
    low 3,400.00).

    Parameters
    ----------
    rec : dict, optional
        :func:`recorded_oct_2025`'s record (read from the bundled data when None).

    Returns
    -------
    float
        The fall as a fraction (negative).
    """
    rec = recorded_oct_2025() if rec is None else rec
    bar = rec["crash_hour"]["binance"]
    return float(bar["low"] / bar["open"] - 1.0)


def lowest_prices(result: ContagionResult) -> dict[str, float]:
    """Each venue's extreme price over the rounds, the start included (USD).

    The lowest price for a ``"down"`` cascade, the highest for an ``"up"`` one: the
    figure to set beside a recorded low (high), where the final price is where the
    rounds settle after arbitrage and the refill. Each round is read twice: after its
    cascade step (``cascade_price``: the first shock and the liquidations and stops it
    fills, before arbitrage pulls the venue back) and at its end (``price``: after
    arbitrage and the lending markets' sales). The cascade step only moves a price in the
    cascade's direction, so the shocked venue's extreme is at least its first shock;
    arbitrage moves a venue one way unless its links both buy and sell on it in the
    round (then a turn within the sweeps is not read). Reading only the ends of the
    rounds missed the shock itself: round 1's arbitrage had already lifted the shocked
    venue back.

    Parameters
    ----------
    result : ContagionResult
        A contagion run.

    Returns
    -------
    dict of str to float
        Venue name -> its extreme price, USD.
    """
    df = result.to_frame()
    pick = min if result.direction == "down" else max
    out: dict[str, float] = {}
    for name, v in result.venues.items():
        rows = df.loc[df["venue"] == name, ["price", "cascade_price"]]
        out[name] = float(pick([v.initial_price, *rows.to_numpy(dtype=float).ravel().tolist()]))
    return out


def _ratio(model: float, rec: float | None) -> float | None:
    if rec is None or rec == 0:
        return None
    return model / rec


def validate_oct_2025(result: ContagionResult, rec: dict[str, Any] | None = None) -> dict[str, Any]:
    """Model against record for the preset: liquidations (USD) and price moves, with ratios.

    Each row: ``what``, ``model``, ``recorded`` (None where the bundled data do
    not cover it), ``ratio`` (model / recorded) and ``note``. Per venue, the
    lowest price over the rounds (:func:`lowest_prices`, as a move from the start)
    is set against the recorded 21:00 UTC hour's low; the final move after the
    last round is a separate row with no recorded counterpart. A shocked venue's low
    includes the imposed first shock (its note says so): with the recorded fall as that
    shock, its ratio is at least 1 by construction, not a test of the model.

    Parameters
    ----------
    result : ContagionResult
        A run of the ``oct-2025`` preset.
    rec : dict, optional
        :func:`recorded_oct_2025`'s record (read from the bundled data when None).

    Returns
    -------
    dict
        ``rows`` (the list of rows above; liquidations USD, moves fractions) and
        ``recorded`` (the record used).
    """
    rec = recorded_oct_2025() if rec is None else rec
    rows: list[dict[str, Any]] = []
    aave = sum(d["liquidated_usd"] for n, d in result.defi.items() if "aave" in n)
    rows.append(
        {
            "what": "Aave v3 WBTC collateral liquidated, USD (2025-10-10/11)",
            "model": aave,
            "recorded": rec["aave_wbtc_collateral_liquidated_usd"],
            "note": f"{rec['aave_wbtc_collateral_liquidations_n']} recorded events",
        }
    )
    rows.append(
        {
            "what": "Compound v3 liquidated, USD (2025-10-10)",
            "model": None,
            "recorded": rec["compound_v3_liquidated_usd"],
            "note": "no Compound market in the preset: recorded figure for context",
        }
    )
    hl = result.venues.get("hyperliquid")
    rows.append(
        {
            "what": "Hyperliquid ETH liquidated, USD",
            "model": hl.liquidated_usd if hl else None,
            "recorded": rec["hyperliquid_liquidated_usd"],
            "note": f"bundled Hyperliquid series ends {rec['hyperliquid_data_end']}: not covered",
        }
    )
    cex = result.cex_liquidated_usd
    rows.append(
        {
            "what": "CEX ETH liquidated, USD (all venues)",
            "model": cex,
            "recorded": rec["cex_eth_liquidated_usd"],
            "note": f"bundled CoinGlass series (Binance only) ends {rec['coinglass_data_end']}: "
            "not covered",
        }
    )
    lows = lowest_prices(result)
    up = result.direction != "down"
    for v, o in result.venues.items():
        bar = rec["crash_hour"].get(v)
        low_move = lows[v] / o.initial_price - 1.0
        if bar is None or up:  # an up cascade has no counterpart in the recorded fall
            rows.append(
                {
                    "what": f"{v} {'highest' if up else 'lowest'} price over the rounds, move "
                    "from the start (fraction)",
                    "model": low_move,
                    "recorded": None,
                    "note": "the recorded 21:00 UTC hour fell: no counterpart to an up cascade"
                    if up
                    else "no bundled candles for this venue on 2025-10-10",
                }
            )
        else:
            shocked = result.scope == "market" or v == result.shock_venue
            rows.append(
                {
                    "what": f"{v} lowest price over the rounds vs the hour's low (fraction)",
                    "model": low_move,
                    "recorded": bar["low"] / bar["open"] - 1.0,
                    "note": (
                        f"model low {lows[v]:,.2f} from {o.initial_price:,.2f}; recorded "
                        f"21:00 UTC hour: open {bar['open']:,.2f}, low {bar['low']:,.2f}"
                        + (
                            "; the first shock is imposed here, so the low includes it"
                            if shocked
                            else ""
                        )
                    ),
                }
            )
        rows.append(
            {
                "what": f"{v} final move after the last round (fraction)",
                "model": o.move,
                "recorded": None,
                "note": "after arbitrage and the book's refill: no recorded counterpart "
                "(the record gives the hour's low, not where the rounds settle)",
            }
        )
    for r in rows:  # fmt: skip
        r["ratio"] = _ratio(r["model"], r["recorded"]) if r["model"] is not None else None
    return {"rows": rows, "recorded": rec}


def run_preset(
    name: str,
    shock: float | None = None,
    shock_venue: str | None = None,
    cache: dict[Any, Any] | None = None,
    liquidity: str | None = None,
    scope: str | None = None,
) -> tuple[ContagionSetup, ContagionResult]:
    """Build a preset and run it (optionally with another fractional shock / venue).

    ``oct-2025`` replays the recorded hour by default: with ``shock=None`` the first
    shock is :func:`recorded_first_shock` (-12.0 % on Binance, the same run as the
    report's 2025-10-10 replay), not the TOML's ``[shock] fraction`` (which a
    ``--config`` run of the file uses). ``liquidity`` overrides the preset's
    (``"calibrated"``: the venues' books carry the calibrated response's latent
    depth, :mod:`liqcascade.contagion._liquidity`).

    Parameters
    ----------
    name : str
        A name of :data:`PRESETS`.
    shock : float, optional
        The first shock as a fraction of price (-0.12 is a 12 % fall), replacing the
        preset's (and, for ``oct-2025``, the recorded one).
    shock_venue : str, optional
        The venue the shock hits, replacing the preset's.
    cache : dict, optional
        Estimated markets by as-of date, shared between calls (filled in place; see
        :func:`build_setup`).
    liquidity : {"calibrated", "static"}, optional
        Replaces the preset's ``[simulation] liquidity``.
    scope : {"venue", "market"}, optional
        Replaces the preset's ``[shock] scope``: the shocked venue alone, or every
        venue by the same relative move.

    Returns
    -------
    (ContagionSetup, ContagionResult)
        The built preset and its run.
    """
    if name != "oct-2025":
        load_preset(name)
    setup = oct_2025(cache) if name == "oct-2025" else build_setup(load_preset(name), name, cache)
    if name == "oct-2025" and shock is None:
        shock = recorded_first_shock()
    res = run_setup(setup, shock_venue=shock_venue, shock=shock, liquidity=liquidity,
                    scope=scope)  # fmt: skip
    return setup, res
