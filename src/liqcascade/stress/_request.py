"""One stress request, as ``liqcascade stress`` makes it: checks, market, scenario.

:func:`run_stress_request` checks the options once (errors name the parameter,
``param=``), reads the portfolio, builds the estimated market
(:func:`liqcascade.stress.stress_market`) and runs the shock grid, the crash replay or
the Monte Carlo. :class:`StressRun` ``.to_dict()`` gives the JSON of
``liqcascade stress --json``.

Assets: any asset with a market in the store (open interest, hourly prices, book
totals and its book and liquidity calibrations: ``liqmap calibrate --asset``,
``cascade calibrate --asset``) or a bundled one (ETH, BTC). The market whose estimated
book cascades is ``asset`` (its own estimated book, depth, liquidity calibration and
return model); the portfolio may hold any assets with hourly prices (the store's, else
the bundle's). Crash replays use the finest bundled bars of ETH and the hourly bars of
any other asset (its own, so the 2025-10-10 window is that asset's own day); the Monte
Carlo fits each asset's own daily returns (recorded daily bars, else its hours resampled).

JSON keys are asset-neutral (``asset``, ``price_after``, ``min_price_p05``). An ETH
run also carries the 0.2 names (``eth_price_after``, ``eth_price_after_p10``,
``eth_price_after_p90``, ``static_eth_price_after``, ``details.eth_min_price_p05``)
as deprecated aliases of the same values; a BTC run has no ``eth_*`` key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liqcascade._limits import check_count, check_seed, stress_path_bytes
from liqcascade.errors import InputError, row_ref
from liqcascade.margin import tiers_caveat
from liqcascade.stress._scenarios import NoHourlyPrices, check_horizon_days

__all__ = ["MONTE_CARLO_DEFAULTS", "SAMPLE", "StressRun", "run_stress_request"]

#: The scenario of :func:`liqcascade.stress.run_var_backtest_request` (``liqcascade stress
#: --scenario backtest``): the VaR back-test of a unit long, no portfolio.
BACKTEST = "backtest"

#: The portfolio name that selects the report's sample portfolio at the market date
#: (:func:`liqcascade.stress.sample_portfolio_for`) when no file of that name exists.
SAMPLE = "sample"


def _sample_hint(p: Path) -> str:
    """`` (did you mean 'sample', …?)`` for a missing file named close to :data:`SAMPLE`.

    A bare name only (no folder, no suffix), within difflib's ratio 0.75 (``sampel``,
    ``Sample``, ``samples``): a typo of the bundled sample, not a file the user meant.
    """
    import difflib

    name = str(p)
    if p.name != name or p.suffix or not difflib.get_close_matches(name.lower(), [SAMPLE], 1, 0.75):
        return ""
    return f" (did you mean {SAMPLE!r}, the bundled sample portfolio?)"


@dataclass(frozen=True, eq=False)
class StressRun:
    """The result of :func:`run_stress_request`: the scenario result and the market.

    ``portfolio_file`` is the portfolio file as given (the JSON's ``portfolio_file``:
    outputs name the file they read, never "the sample portfolio").
    """

    result: Any
    market: Any
    portfolio_file: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``liqcascade stress --json``.

        ``as_of`` (the instant the market is known, its bar's close), ``bar_open`` and
        ``bar_close`` (:func:`liqcascade.market.market_times`) before ``market``;
        ``details.as_of`` and ``market.as_of`` are the bar's open (its label).
        """
        from liqcascade.market import market_times

        out: dict[str, Any] = self.result.summary()
        out.update(market_times(self.market.state, iso=True))
        out["market"] = self.market.state.fingerprint()
        out["portfolio_file"] = self.portfolio_file
        out["n_positions"] = len(self.result.portfolio)
        # the Binance tier table each asset's liquidation prices used (ETHUSDT's for a
        # contract whose table the package does not ship)
        out["portfolio_tiers"] = dict(getattr(self.result.portfolio, "tiers", {}) or {})
        # and the caveat of each asset that got the fallback (as ``market.caveats`` words it)
        out["portfolio_caveats"] = [
            c for c in map(tiers_caveat, sorted(out["portfolio_tiers"])) if c is not None
        ]
        venues = getattr(self.result.portfolio, "venues", None)
        out["portfolio_venues"] = dict(zip(self.result.portfolio.names, venues or [], strict=False))
        # per row: whether it is liquidated at the file's stated liq_price, and its mode
        pf = self.result.portfolio
        stated = getattr(pf, "liq_stated", None)
        if stated is not None:
            out["portfolio_liq_stated"] = {
                n: bool(x) for n, x in zip(pf.names, stated, strict=True)
            }
            # a spot holding has no margin mode (its file cell must be blank): null
            out["portfolio_margin_modes"] = {
                n: None if spot else mode
                for n, mode, spot in zip(pf.names, pf.margin_modes, pf.is_spot, strict=True)
            }
        eth = self.result.asset == "ETH"
        if self.result.scenario == "shock" and self.result.table is not None:
            rows = self.result.table.to_dict(orient="records")
            out["shocks"] = [_eth_aliases(r) for r in rows] if eth else rows
        det = out.get("details")
        if eth and isinstance(det, dict) and "min_price_p05" in det:
            out["details"] = {**det, "eth_min_price_p05": det["min_price_p05"]}
        return out


#: Deprecated 0.2 names of an ETH run's shock-row keys (kept as aliases).
_ETH_ALIASES: dict[str, str] = {
    "eth_price_after": "price_after",
    "eth_price_after_p10": "price_after_p10",
    "eth_price_after_p90": "price_after_p90",
    "static_eth_price_after": "static_price_after",
}


def _eth_aliases(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, **{old: row[new] for old, new in _ETH_ALIASES.items() if new in row}}


def _choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise InputError(f"{name} must be one of {', '.join(choices)} (got {value!r})", param=name)


def _positive(name: str, value: int) -> None:
    if value <= 0:
        raise InputError(f"{name} must be > 0 (got {value})", param=name)


def _only_with(given: bool, name: str, applies: bool, other: str, value: str) -> None:
    """Refuse ``name`` given when ``other`` is not ``value`` (it would be ignored)."""
    if given and not applies:
        raise InputError(
            f"{name} applies only with {other} {value}: it would be ignored here",
            param=(name, other),
        )


def _row_without_prices(pf: Any, asset: str, bars: str = "hourly") -> InputError:
    """The refusal of portfolio ``pf``'s first row on ``asset``, which has no ``bars`` prices."""
    row = 1 + next(i for i, a in enumerate(pf.asset) if str(a) == asset)
    return InputError(
        f"{pf.source}: {row_ref(row)}: no {bars} prices of {asset} in the bundle or the store; "
        "ingest them with `liqcascade data ingest` or remove the row"
    )


def _named(exc: InputError, name: str) -> InputError:
    return InputError(str(exc), param=name)


#: The Monte Carlo's settings when not given (only the Monte Carlo reads them: given
#: with a shock grid or a replay they are refused, as they would be ignored).
MONTE_CARLO_DEFAULTS: dict[str, Any] = {
    "paths": 10000, "horizon_days": 30, "method": "fhs", "model": "gjr", "dist": "t",
    "seed": 0, "backend": "local",
}  # fmt: skip


def _monte_carlo_settings(scenario: str, given: dict[str, Any]) -> dict[str, Any]:
    """The Monte Carlo's settings, defaults filled; any given outside it is refused."""
    for name, value in given.items():
        _only_with(value is not None, name, scenario == "montecarlo", "scenario", "montecarlo")
    return {k: MONTE_CARLO_DEFAULTS[k] if v is None else v for k, v in given.items()}


def run_stress_request(
    portfolio: Path | None,
    *,
    asset: str = "ETH",
    scenario: str = "montecarlo",
    shocks: Sequence[float] | None = None,
    window: str | None = None,
    paths: int | None = None,
    horizon_days: int | None = None,
    method: str | None = None,
    model: str | None = None,
    dist: str | None = None,
    seed: int | None = None,
    cascade: bool = True,
    backend: str | None = None,
    scheduler: str | None = None,
    as_of: Any = None,
    advance: Callable[[float], None] | None = None,
) -> StressRun:
    """Stress a portfolio file and the estimated market (see the module docstring).

    Parameters
    ----------
    portfolio : Path
        Portfolio file (:func:`liqcascade.stress.read_portfolio`), or ``"sample"`` (no
        such file): the report's sample portfolio at the market's prices
        (:func:`liqcascade.stress.sample_portfolio_for`: the ETH+BTC sample for ETH and
        BTC, its dollar notionals in the asset for any other). Required: None is
        refused, naming the parameter.
    scenario : {"shock", "replay", "montecarlo"}
    shocks : sequence of float, optional
        Shock grid (fractions; default :data:`liqcascade.stress.DEFAULT_SHOCKS`); only
        with ``scenario="shock"``.
    window : str, optional
        Replay window (a named crash or ``START/END``; default ``"2025-10-10"``); only
        with ``scenario="replay"``.
    paths, horizon_days, method, model, dist, seed, backend, scheduler
        Monte Carlo settings (:func:`liqcascade.stress.monte_carlo`; None:
        :data:`MONTE_CARLO_DEFAULTS`, 10,000 paths of 30 days, fhs gjr-t, seed 0,
        local), refused with the other scenarios (they would be ignored); ``scheduler``
        only with ``backend="dask"``.
    cascade : bool
        Price paths with the cascade's impact.
    asset, as_of
        The market whose estimated book cascades (any asset with a market in the store,
        or ETH, BTC), and its date.
    advance : callable, optional
        Progress callback (Monte Carlo paths).

    Returns
    -------
    StressRun
    """
    from liqcascade import stress as st

    asset = str(asset).strip().upper()
    if not asset:
        raise InputError("asset: give an asset (ETH, BTC or one in the store)", param="asset")
    _choice("scenario", scenario, (*st.SCENARIOS, BACKTEST))
    if scenario == BACKTEST:  # a unit long, no portfolio: its own request and result
        raise InputError(
            "scenario backtest: the VaR back-test of a unit long runs through "
            "run_var_backtest_request (no portfolio)",
            param="scenario",
        )
    if portfolio is None:
        raise InputError(
            f"portfolio: give a portfolio file or {SAMPLE!r} (scenario {scenario} stresses "
            "one; only the scenario backtest, of a unit long, needs none)",
            param="portfolio",
        )
    mc = _monte_carlo_settings(scenario, {
        "paths": paths, "horizon_days": horizon_days, "method": method, "model": model,
        "dist": dist, "seed": seed, "backend": backend,
    })  # fmt: skip
    paths, horizon_days, seed = int(mc["paths"]), int(mc["horizon_days"]), int(mc["seed"])
    method, model, dist, backend = (str(mc[k]) for k in ("method", "model", "dist", "backend"))
    _positive("paths", paths)
    check_horizon_days(horizon_days)
    _choice("method", method, st.METHODS)
    _choice("model", model.lower(), ("gjr", "egarch", "garch"))
    _choice("dist", dist.lower(), ("t", "normal", "skewt"))
    _choice("backend", backend, st.BACKENDS)
    _only_with(shocks is not None, "shocks", scenario == "shock", "scenario", "shock")
    _only_with(window is not None, "window", scenario == "replay", "scenario", "replay")
    _only_with(scheduler is not None, "scheduler", backend == "dask", "backend", "dask")
    grid = list(shocks) if shocks is not None else list(st.DEFAULT_SHOCKS)
    p = Path(portfolio)
    sample = str(portfolio) == SAMPLE and not p.is_file()
    if not sample and not p.is_file():
        raise InputError(f"portfolio: {p}: no such file{_sample_hint(p)}", param="portfolio")
    market = None
    if sample:  # the report's sample at the market's prices (ETH and BTC priced beside it)
        market = st.stress_market(as_of, asset=asset)
        pf = st.sample_portfolio_for(market.prices, asset)
    else:
        pf = st.read_portfolio(p)
    if scenario == "montecarlo":  # refused before the market is loaded
        try:
            check_seed(seed, "seed")
        except InputError as exc:
            raise _named(exc, "seed") from None
        try:
            check_count("paths", paths, stress_path_bytes(len({asset, *pf.assets}), len(pf)))
        except InputError as exc:
            raise _named(exc, "paths") from None
    if market is None:
        try:
            market = st.stress_market(as_of, asset=asset, assets=pf.assets)
        except NoHourlyPrices as exc:  # an asset only the file holds: name its row
            raise _row_without_prices(pf, exc.asset) from None
    if scenario == "shock":
        res = st.shock_grid(pf, market, grid, cascade=cascade)
    elif scenario == "replay":
        res = st.replay(pf, market, window or "2025-10-10", cascade=cascade)
    else:
        res = st.monte_carlo(
            pf, market, paths=paths, horizon_days=horizon_days, method=method,
            model=model.lower(), dist=dist.lower(), seed=seed, cascade=cascade,
            backend=backend, scheduler=scheduler, advance=advance,
        )  # fmt: skip
    name = f"{SAMPLE} (the report's sample portfolio at the market date)" if sample else str(p)
    return StressRun(res, market, name)
