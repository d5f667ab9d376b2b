"""The stop back-test's verdicts: one policy against another on stop-outs and return.

The report's stops claim and ``liqcascade stops recommend`` read the same verdict on
moving stops out of the crowd (``vol-declustered`` against ``vol``) from a
:class:`~liqcascade.protect.StopBacktest`: a policy is better when it is stopped out
less often *and* sums a larger return over the same trades.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = [
    "compare_text",
    "declustering_backtest",
    "declustering_verdict",
    "judge_policy",
    "policy_means",
]


def policy_means(table: pd.DataFrame) -> pd.DataFrame:
    """Per policy: trade-weighted stop-out rate, loss on a stop, slippage; summed return.

    Parameters
    ----------
    table : DataFrame
        A :class:`~liqcascade.protect.StopBacktest`'s ``table`` (one row per policy,
        side and entry set: ``n``, ``stop_outs``, ``avg_loss_on_stop``,
        ``avg_slippage``, ``total_return``, ``max_drawdown``; fractions).

    Returns
    -------
    DataFrame
        One row per policy: ``trades``, ``stopped`` (counts), ``stop_outs`` (fraction of
        trades), ``avg_loss_on_stop`` (fraction of entry) and ``avg_slippage`` (fraction
        of the trigger) over the stopped trades, ``total_return`` (summed, fraction of
        one entry) and ``worst_max_drawdown``.
    """
    rows = []
    for pol, g in table.groupby("policy", sort=False):
        n = g["n"].to_numpy(float)
        stops = (g["stop_outs"] * g["n"]).to_numpy(float)
        rows.append(
            {
                "policy": pol,
                "trades": int(n.sum()),
                "stopped": round(float(stops.sum())),
                "stop_outs": float(stops.sum() / n.sum()),
                "avg_loss_on_stop": float(
                    (g["avg_loss_on_stop"].fillna(0) * g["stop_outs"] * g["n"]).sum()
                    / max(stops.sum(), 1.0)
                ),
                "avg_slippage": float(
                    (g["avg_slippage"].fillna(0) * g["stop_outs"] * g["n"]).sum()
                    / max(stops.sum(), 1.0)
                ),
                "total_return": float(g["total_return"].sum()),
                "worst_max_drawdown": float(g["max_drawdown"].max()),
            }
        )
    return pd.DataFrame(rows)


def judge_policy(better: Any, worse: Any) -> str:
    """A policy judged against another on its two figures: fewer stop-outs, more return.

    ``"supported"`` when ``better`` has fewer stop-outs and a larger summed return than
    ``worse``, ``"not supported"`` when it has neither, else ``"partly supported"``.

    Parameters
    ----------
    better, worse : mapping
        The policy judged and the one it is judged against: ``stop_outs`` (share of
        entries stopped, fraction) and ``total_return`` (summed return, fraction of one
        entry).

    >>> judge_policy({"stop_outs": 0.2, "total_return": 1.0},
    ...              {"stop_outs": 0.3, "total_return": 2.0})
    'partly supported'
    """
    fewer = better["stop_outs"] < worse["stop_outs"]
    more = better["total_return"] > worse["total_return"]
    if fewer and more:
        return "supported"
    return "partly supported" if fewer or more else "not supported"


def compare_text(a: Any, b: Any) -> str:
    """``"more stop-outs, less return"``: policy ``a``'s two figures against ``b``'s.

    Parameters
    ----------
    a, b : mapping
        Two policies' ``stop_outs`` (fraction of entries) and ``total_return``
        (fraction of one entry).
    """
    n, m = a["stop_outs"], b["stop_outs"]
    fewer = "fewer" if n < m else "more" if n > m else "as many"
    more = "more" if a["total_return"] > b["total_return"] else "less"
    return f"{fewer} stop-outs, {more} return"


def declustering_verdict(bt: Any) -> dict[str, Any]:
    """The back-test's verdict on moving volatility stops out of the crowd.

    Parameters
    ----------
    bt : StopBacktest
        A back-test that ran the ``vol`` and ``vol-declustered`` policies.

    Returns
    -------
    dict
        ``verdict`` (:func:`judge_policy` of ``vol-declustered`` against ``vol``),
        ``why`` (:func:`compare_text`), ``vol`` and ``vol_declustered`` (each
        ``stop_outs``, fraction of trades, with its Wilson 90 % ``stop_outs_interval``,
        and ``total_return``, summed, fraction of one entry), ``trades`` (per policy),
        ``start`` (the first entry, else the range asked) and ``end`` (the last entry
        day asked), ISO.
    """
    from liqcascade.protect._backtest import wilson_interval

    m = policy_means(bt.table).set_index("policy")
    vo: Any = m.loc["vol"]
    d: Any = m.loc["vol-declustered"]

    def two(x: Any) -> dict[str, Any]:
        lo, hi = wilson_interval(int(x["stopped"]), int(x["trades"]))
        return {"stop_outs": float(x["stop_outs"]), "stop_outs_interval": [lo, hi],
                "total_return": float(x["total_return"])}  # fmt: skip

    return {
        "verdict": judge_policy(d, vo),
        "why": compare_text(d, vo),
        "vol": two(vo),
        "vol_declustered": two(d),
        "trades": int(vo["trades"]),
        "start": str(bt.meta.get("entries_first") or bt.meta["start"]),  # BTC's: 2021-04
        "end": str(bt.meta["end"]),
    }


def declustering_backtest(asset: str, by: Any, settings: Any = None) -> dict[str, Any]:
    """:func:`declustering_verdict` of the back-test whose trades all close by ``by``.

    The ``vol`` and ``vol-declustered`` policies (their figures do not depend on the
    other policies run beside them) over ``asset``'s hourly path, entries from
    2020-01-01 to the last day whose entries' horizon (and one bar) ends by ``by``: what
    was knowable at a market closed at ``by``.

    Parameters
    ----------
    asset : str
        Whose hourly path, volatility and book depth.
    by : datetime-like
        The market's close (UTC).
    settings : BacktestSettings, optional
        Default :class:`~liqcascade.protect.BacktestSettings` (5× positions, 5-day
        horizon, 500 seeded random entries per side): those of ``liqcascade stops
        backtest`` and of the report.

    Returns
    -------
    dict
        :func:`declustering_verdict`'s keys, ``end_day`` (``YYYY-MM-DD``: the last entry
        day, the back-test's ``end``), ``leverage`` (×) and ``horizon_days``.

    Raises
    ------
    InputError
        When the back-test cannot run (no hourly bars, an ``end`` before the start).
    """
    from liqcascade._time import to_utc
    from liqcascade.protect._backtest import BacktestSettings, backtest_stops

    s = settings or BacktestSettings()
    last = to_utc(by, "by") - pd.Timedelta(days=s.horizon_days, hours=1)
    end_day = f"{last.floor('1D'):%Y-%m-%d}"
    bt = backtest_stops(("vol", "vol-declustered"), end=end_day, settings=s, asset=asset)
    return {
        **declustering_verdict(bt),
        "end_day": end_day,
        "leverage": float(s.leverage),
        "horizon_days": int(s.horizon_days),
    }
