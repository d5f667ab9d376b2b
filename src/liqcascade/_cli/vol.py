"""CLI command ``liqcascade vol``: GARCH-family fit, diagnostics and the leverage effect."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from liqcascade._cli import _common


def _run(
    asset: str,
    interval: str,
    start: str | None,
    end: str | None,
    model: str,
    dist: str,
    by_period: bool,
    data: Path | None,
    store: Path | None,
) -> dict[str, Any]:
    from liqcascade import volatility as vol
    from liqcascade.volatility._returns import INTERVALS

    model = vol.check_model(model)
    dist = vol.check_dist(dist)
    _common.check_choice("--interval", interval, INTERVALS)
    t0 = _common.parse_date(start, "--start")
    t1 = _common.parse_date(end, "--end")
    if t0 is not None and t1 is not None and t0 > t1:
        _common.fail(f"--start ({start}) is after --end ({end})")
    if data is not None:
        _common.existing_file(data, "--data")
    close = vol.load_close(
        asset.upper(), interval, start=start, end=end, data_file=data, store=store
    )
    returns = vol.log_returns(close, start, end)
    if len(returns) < vol.MIN_OBS:
        _common.fail(
            f"--start/--end: too few observations: {len(returns)} returns of {asset} {interval} "
            f"in the range (need >= {vol.MIN_OBS})"
        )
    with _common.progress(f"fitting {model} ({dist}) on {len(returns):,} returns") as adv:
        fit = vol.fit_volatility(returns, model, dist, interval=interval, asset=asset.upper())
        fit.reliable  # noqa: B018 - computed inside the progress bar
        adv(1)
    out = fit.to_dict()
    if fit.leverage is None:  # symmetric GARCH: the leverage effect from a GJR beside it
        gjr = vol.fit_volatility(returns, "gjr", dist, interval=interval)
        lev = gjr.leverage
        assert lev is not None
        out.update(
            leverage_model="gjr",
            leverage_gamma=lev.gamma,
            leverage_pvalue=lev.pvalue,
            leverage_ci=[lev.ci_low, lev.ci_high],
            leverage_verdict=lev.verdict if gjr.reliable else gjr.status,
        )
    elif not fit.reliable:
        out["leverage_verdict"] = fit.status
    if not fit.converged:
        _common.warn(f"the optimiser did not converge: {fit.convergence_message}")
    elif not fit.reliable:
        _common.warn("the fit is at a degenerate point (singular Hessian): do not trust its tests")
    periods: list[dict[str, Any]] = []
    if by_period:
        # the closes of the range: the first one anchors the first return
        inside = close.loc[
            close.index.isin(returns.index) | (close.index == _anchor(close, returns))
        ]
        plist = vol.default_periods(pd.DatetimeIndex(inside.index))
        lev_model = "gjr" if model == "garch" else model
        with _common.progress("fitting by period", total=len(plist)) as adv:
            res = vol.leverage_by_period(
                inside,
                models=(lev_model,),
                dist=dist,
                interval=interval,
                periods=plist,
                on_progress=adv,
            )
        periods = res.to_list()
    out["periods"] = periods
    out["data_source"] = str(close.attrs.get("source", "bundled"))
    return out


def _anchor(close: pd.Series, returns: pd.Series) -> pd.Timestamp:
    """The close just before the first return (it anchors that return)."""
    pos = int(close.index.searchsorted(returns.index[0])) - 1
    return pd.Timestamp(close.index[max(pos, 0)])


def _render(r: dict[str, Any]) -> None:
    out = _common.stdout
    out.print(
        f"[bold]{r['asset']} {r['interval']}[/] {r['model']} ({r['dist']} errors), "
        f"{r['n_obs']:,} returns {r['start'][:10]} → {r['end'][:10]}"
        + ("" if r["converged"] else "  [red]NOT CONVERGED[/]")
    )
    t = Table(title="parameters (returns in %)", box=None)
    for c in ("param", "estimate", "std_err", "p-value"):
        t.add_column(c, justify="right" if c != "param" else "left")
    for k, v in r["params"].items():
        t.add_row(k, f"{v:.5g}", f"{r['std_err'][k]:.3g}", f"{r['pvalues'][k]:.3g}")
    out.print(t)

    def f(v: Any, fmt: str) -> str:
        return "–" if v is None else format(v, fmt)

    out.print(
        f"persistence {r['persistence']:.4f} · half-life {f(r['half_life_days'], '.1f')} days · "
        f"long-run vol {f(r['annualized_vol'], '.1f')} % a year "
        f"(sample: {r['sample_annualized_vol']:.1f} %)"
    )
    if r["persistence"] > 0.995:
        out.print(
            "[yellow]near-integrated variance: the long-run level and half-life are poorly "
            "identified[/]"
        )
    out.print(
        f"leverage effect ({r['leverage_model']} gamma[1] = {f(r['leverage_gamma'], '.4f')}, "
        f"p = {f(r['leverage_pvalue'], '.3g')}): [bold]{r['leverage_verdict']}[/]"
    )
    out.print(
        f"ARCH-LM p-value: returns {r['arch_lm_pvalue_raw']:.3g}, "
        f"standardised residuals {r['arch_lm_pvalue_std']:.3g} · "
        f"AIC {r['aic']:.1f} · BIC {r['bic']:.1f}"
    )
    if r["periods"]:
        pt = Table(title="leverage effect by period", box=None)
        for c in ("period", "n", "gamma", "95 % interval", "p-value", "verdict"):
            pt.add_column(c)
        for p in r["periods"]:
            pt.add_row(
                p["label"],
                str(p["n_obs"]),
                f(p["gamma"], ".4f"),
                f"[{f(p['ci_low'], '.3f')}, {f(p['ci_high'], '.3f')}]",
                f(p["pvalue"], ".3g"),
                p["verdict"],
            )
        out.print(pt)


def register(app: typer.Typer) -> None:
    """Register ``vol`` on the root app."""

    @app.command("vol")
    def vol_cmd(
        asset: Annotated[str, typer.Option(help="Base asset (bundled: ETH, BTC).")] = "ETH",
        interval: Annotated[str, typer.Option(help="Bar interval: 1d or 1h.")] = "1d",
        start: Annotated[
            str | None, typer.Option(help="First close used (UTC date, inclusive).")
        ] = None,
        end: Annotated[
            str | None, typer.Option(help="Last close used (UTC date, whole day inclusive).")
        ] = None,
        model: Annotated[
            str, typer.Option(help="Variance model: gjr (default), egarch or garch.")
        ] = "gjr",
        dist: Annotated[
            str, typer.Option(help="Error distribution: t (default), normal or skewt.")
        ] = "t",
        by_period: Annotated[
            bool,
            typer.Option(
                "--by-period", help="Leverage effect per period (2017–2021, 2022–2025, each year)."
            ),
        ] = False,
        data: Annotated[
            Path | None, typer.Option(help="OHLCV file (CSV/Parquet) instead of bundled data.")
        ] = None,
        store: Annotated[
            Path | None, typer.Option(help="DuckDB store to read (default: the user's store).")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    ) -> None:
        """Fit GARCH / GJR-GARCH / EGARCH to percent log returns; test clustering and leverage.

        Returns are 100 × Δlog(close) over the closes from --start to --end (inclusive);
        constant mean. The leverage verdict says whether falls raise volatility
        significantly more than rises ("significant"), significantly less ("inverted")
        or neither ("not significant"), at 5 %.

        Example: liqcascade vol --asset ETH --interval 1d --model gjr --dist t --by-period
        """
        result = _run(asset, interval, start, end, model, dist, by_period, data, store)
        _common.emit(result, as_json, _render)
