"""Presets (package TOML files) and the 2025-10-10 validation against the bundled records."""

from __future__ import annotations

import tomllib
from typing import Any, Literal, get_args

import pandas as pd

from liqcascade._crashes import OCT_2025
from liqcascade._prices import percent_text
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
    "crash_hour_moves",
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


def crash_hour_moves() -> pd.DataFrame:
    """Every bundled venue's and asset's fall over the 2025-10-10 crash hour.

    The hourly perpetual bars of every venue the bundle holds (``perp_1h_by_venue``) at
    the crash hour (:data:`liqcascade._crashes.OCT_2025`'s ``hour``, 21:00 UTC): what
    the record says of where the fall started, as far as hourly bars can (a fall that
    spread within the hour and one shock hitting every venue look the same here).

    Returns
    -------
    DataFrame
        One row per venue and asset (sorted by asset, then venue): ``venue``, ``asset``,
        ``open`` and ``low`` (USD) and ``move`` (``low / open − 1``, fraction).

    Examples
    --------
    >>> m = crash_hour_moves()
    >>> sorted(set(m["asset"])), bool((m["move"] < -0.09).all())
    (['BTC', 'ETH'], True)
    """
    import liqcascade.data as _bundled

    p = _bundled.dataset("perp_1h_by_venue")
    p = p[p.index == OCT_2025.hour]
    out = pd.DataFrame(
        {"venue": p["venue"].astype(str).to_numpy(), "asset": p["asset"].astype(str).to_numpy(),
         "open": p["open"].astype(float).to_numpy(), "low": p["low"].astype(float).to_numpy()}
    )  # fmt: skip
    out["move"] = out["low"] / out["open"] - 1.0
    return out.sort_values(["asset", "venue"], ignore_index=True)


def recorded_oct_2025() -> dict[str, Any]:
    """What the bundled data record for the 2025-10-10/11 crash (USD, prices in USD).

    Returns
    -------
    dict
        ``aave_wbtc_collateral_liquidated_usd`` (2025-10-10 and -11; ``aave_by_token``:
        count and USD per collateral token, WBTC and cbBTC; ``aave_lowest_liquidation_price``
        and ``_at``: the lowest ``amount_usd / amount_tokens`` of those liquidations, USD
        per BTC token, and its time), ``compound_v3_liquidated_usd``
        of 2025-10-10 (``compound_v3_markets``: the chain and market of its events),
        ``hyperliquid_liquidated_usd`` (None: the bundled series ends
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
    by_token = sel.groupby("collateral_symbol")["amount_usd"]
    out["aave_by_token"] = {str(k): {"n": int(n), "usd": float(u)}
                            for (k, n), u in zip(by_token.count().items(), by_token.sum(),
                                                 strict=True)}  # fmt: skip
    # the price the record's own liquidations were priced at (USD per BTC token)
    px = (sel["amount_usd"] / sel["amount_tokens"]).astype(float)
    if len(px):
        i = int(px.to_numpy().argmin())
        out["aave_lowest_liquidation_price"] = float(px.iloc[i])
        out["aave_lowest_liquidation_at"] = pd.Timestamp(
            int(sel["timestamp"].iloc[i]), unit="s", tz="UTC"
        ).isoformat()
    c = _bundled.dataset("compound_v3_liquidations")
    cs = c[pd.DatetimeIndex(c.index).normalize() == OCT_2025.day]
    out["compound_v3_liquidated_usd"] = float(cs["value_liquidated_usd"].sum())
    out["compound_v3_liquidations_n"] = len(cs)
    out["compound_v3_markets"] = sorted({f"{a} {b}" for a, b in zip(cs["chain"], cs["comet"],
                                                                     strict=True)})  # fmt: skip
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
    m = crash_hour_moves()
    eth = m[m["asset"] == "ETH"].drop_duplicates("venue")
    bars = {
        str(v): {"open": float(o), "low": float(lo)}
        for v, o, lo in zip(eth["venue"], eth["open"].to_numpy(float), eth["low"].to_numpy(float),
                            strict=True)
    }  # fmt: skip
    out["crash_hour"] = {v: bars.get(v) for v in ("binance", "bybit", "hyperliquid")}
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


def _token_note(rec: dict[str, Any]) -> str:
    """``wBTC 61 / $28.6M, cbBTC 22 / $14.5M; ...``: the record by token, and the bonuses."""
    from liqcascade.margin import aave_reserve

    tokens = sorted(rec.get("aave_by_token", {}).items(), key=lambda kv: -kv[1]["usd"])
    parts = [f"{k} {v['n']} / ${v['usd'] / 1e6:.1f}M" for k, v in tokens]
    b = {k: percent_text(aave_reserve(k, "ethereum").liquidation_bonus - 1, 1)
         for k in ("WBTC", "cbBTC")}  # fmt: skip
    split = f" ({', '.join(parts)})" if parts else ""
    return (
        f"{rec['aave_wbtc_collateral_liquidations_n']} recorded events{split}; the model's "
        f"accounts (WBTC and cbBTC alike) take WBTC's bonus {b['WBTC']} (cbBTC's: {b['cbBTC']})"
    )


def _at_recorded_price(
    result: ContagionResult, rec: dict[str, Any], setup: ContagionSetup | None
) -> dict[str, Any] | None:
    """The Aave row at the record's own lowest liquidation price: the lending rules alone.

    The preset's accounts held at the lowest price the record's liquidations were priced
    at (:func:`~liqcascade.contagion._lending.liquidate_at_price`); beside the model's
    run, it says which part misses: the lending rules or the price its oracle saw.
    """
    from liqcascade.contagion._lending import liquidate_at_price

    price = rec.get("aave_lowest_liquidation_price")
    aave = [m for m in (setup.lending if setup is not None else ()) if "aave" in m.name]
    if price is None or len(aave) != 1:
        return None
    m = aave[0]
    at = liquidate_at_price(m, price)
    own = result.defi[m.name]
    low = own.get("lowest_collateral_price", own["final_collateral_price"])
    when = pd.Timestamp(rec["aave_lowest_liquidation_at"])
    recorded = rec["aave_wbtc_collateral_liquidated_usd"]
    miss = _which_misses(at["liquidated_usd"], recorded, low, price)
    return {
        "key": "aave_at_record_low",
        "what": "Aave v3 WBTC + cbBTC collateral liquidated at the record's lowest "
        "liquidation price, USD",
        "model": at["liquidated_usd"],
        "recorded": recorded,
        "miss": miss,
        "note": f"the lending rules alone: the run's {m.collateral.size:,} accounts held at "
        f"{price:,.2f} ({percent_text(at['move'], 2, signed=True)}), the lowest price of the "
        f"record's own liquidations ({when:%Y-%m-%d %H:%M} UTC): "
        f"{at['n_accounts_liquidated']} accounts; the run's oracle read at lowest "
        f"{low:,.2f} ({percent_text(low / m.collateral_price - 1, 2, signed=True)})"
        + _MISS_WORDS[miss],
    }


#: What the at-record row concludes, by :func:`_which_misses`'s answer.
_MISS_WORDS: dict[str, str] = {
    "price": ": the miss is the price channel, not the lending rules",
    "rules": ": the lending rules alone miss the record too (not within 2× of it)",
    "neither": "",
}


def _which_misses(at_usd: float, recorded: float, low: float, price: float) -> str:
    """Which part of the Aave leg misses the record: the price channel or the lending rules.

    ``"price"`` when the lending rules at the record's price land within 2× of the record
    while the run's oracle stayed above that price; ``"rules"`` when they do not land
    within 2×; else ``"neither"`` (the oracle reached the record's price).

    Parameters
    ----------
    at_usd, recorded : float
        Liquidated at the record's lowest price, and recorded (USD).
    low, price : float
        The run's lowest collateral price and the record's lowest liquidation price (USD).
    """
    if not (recorded > 0 and 0.5 <= at_usd / recorded <= 2.0):
        return "rules"
    return "price" if low > price else "neither"


#: Which comparison a row of :func:`validate_oct_2025` is (its ``key``): the Aave leg
#: as run and at the record's own lowest liquidation price, Compound's (context),
#: Hyperliquid's and the CEX's liquidations, and per venue (the row's ``venue``) its
#: lowest price against the recorded hour's low (``venue_low``), its extreme price
#: without a recorded counterpart (``venue_extreme``) and its final move (``venue_final``).
ValidationKey = Literal[
    "aave_liquidated",
    "aave_at_record_low",
    "compound_liquidated",
    "hyperliquid_liquidated",
    "cex_liquidated",
    "venue_low",
    "venue_extreme",
    "venue_final",
]

#: The keys of :data:`ValidationKey`, in the rows' order.
VALIDATION_KEYS: tuple[str, ...] = get_args(ValidationKey)


def validation_row(
    validation: dict[str, Any], key: ValidationKey, venue: str | None = None
) -> dict[str, Any] | None:
    """The row of :func:`validate_oct_2025`'s answer with ``key`` (and ``venue``), or None.

    Parameters
    ----------
    validation : dict
        :func:`validate_oct_2025`'s answer (its ``rows``).
    key : ValidationKey
        Which comparison (:data:`VALIDATION_KEYS`).
    venue : str, optional
        The venue of a per-venue row (``venue_low``, ``venue_extreme``, ``venue_final``).

    Returns
    -------
    dict or None
        The row, or None when the answer has none (a row given only with a setup, a venue
        not in the run).
    """
    if key not in VALIDATION_KEYS:
        raise InputError(
            f"key must be one of {', '.join(VALIDATION_KEYS)} (got {key!r})", param="key"
        )
    rows = validation.get("rows", [])
    return next(
        (r for r in rows if r.get("key") == key and (venue is None or r.get("venue") == venue)),
        None,
    )


def validate_oct_2025(
    result: ContagionResult, rec: dict[str, Any] | None = None, setup: ContagionSetup | None = None
) -> dict[str, Any]:
    """Model against record for the preset: liquidations (USD) and price moves, with ratios.

    Each row: ``key`` (a :data:`ValidationKey`: which comparison it is; the per-venue
    rows also carry ``venue``), ``what``, ``model``, ``recorded`` (None where the bundled
    data do not cover it), ``ratio`` (model / recorded) and ``note``. Per venue, the
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
    setup : ContagionSetup, optional
        The run's setup: with it, a row of its Aave accounts liquidated at the record's
        own lowest liquidation price follows the Aave row (the lending rules alone,
        :func:`~liqcascade.contagion._lending.liquidate_at_price`).

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
            "key": "aave_liquidated",
            "what": "Aave v3 WBTC + cbBTC collateral liquidated, USD (2025-10-10/11)",
            "model": aave,
            "recorded": rec["aave_wbtc_collateral_liquidated_usd"],
            "note": _token_note(rec),
        }
    )
    given = _at_recorded_price(result, rec, setup)
    if given is not None:
        rows.append(given)
    markets = rec.get("compound_v3_markets") or []
    rows.append(
        {
            "key": "compound_liquidated",
            "what": f"Compound v3 {' + '.join(markets) or 'all markets'} liquidated, USD "
            "(2025-10-10)",
            "model": None,
            "recorded": rec["compound_v3_liquidated_usd"],
            "note": "no Compound market in the preset: recorded figure for context; the "
            "bundled Compound record holds only these markets that day (its others start "
            "later)",
        }
    )
    hl = result.venues.get("hyperliquid")
    rows.append(
        {
            "key": "hyperliquid_liquidated",
            "what": "Hyperliquid ETH liquidated, USD",
            "model": hl.liquidated_usd if hl else None,
            "recorded": rec["hyperliquid_liquidated_usd"],
            "note": f"bundled Hyperliquid series ends {rec['hyperliquid_data_end']}: not covered",
        }
    )
    cex = result.cex_liquidated_usd
    rows.append(
        {
            "key": "cex_liquidated",
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
                    "key": "venue_extreme",
                    "venue": v,
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
                    "key": "venue_low",
                    "venue": v,
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
                "key": "venue_final",
                "venue": v,
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
