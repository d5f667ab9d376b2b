"""The stop back-test's verdicts: one policy against another on stop-outs and return.

The report's stops claim, ``liqcascade stops backtest`` and ``liqcascade stops
recommend`` read the same verdict on moving stops out of the crowd (``vol-declustered``
against ``vol``) from a :class:`~liqcascade.protect.StopBacktest`, through one function,
:func:`compare_policies`. The two policies run on the same entries, so each entry gives
a paired difference (stopped or not, return); the differences of the stop-out share and
of the summed return get 90 % intervals from a block bootstrap over entry days
(:func:`liqcascade._significance.block_indices`), and :func:`difference_verdict` reads
them as the rest of the tool reads a difference's interval
(:func:`liqcascade._significance.verdict`): "supported" when both intervals lie on the
better side of 0, "partly supported" when one does and the other holds 0, "not supported"
when either lies on the worse side, else "ties". The report's volatility-scaling part of
the stops claim (``vol`` against ``fixed``) reads the same rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._limits import check_level, check_whole
from liqcascade._prices import percent_text
from liqcascade._significance import BLOCK_DAYS, LEVEL, N_RESAMPLES, SEED, block_indices, verdict
from liqcascade.errors import InputError

__all__ = [
    "POLICY_VERDICTS",
    "PolicyDifference",
    "compare_policies",
    "compare_text",
    "declustering_backtest",
    "declustering_verdict",
    "difference_verdict",
    "paired_entries",
    "policy_means",
]

#: The words of :func:`difference_verdict`, one policy against another.
POLICY_VERDICTS: tuple[str, ...] = ("supported", "partly supported", "not supported", "ties")


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


def paired_entries(trades: pd.DataFrame, better: str, worse: str) -> pd.DataFrame:
    """The entries both policies traded, side by side: one row per entry and side.

    Parameters
    ----------
    trades : DataFrame
        A :class:`~liqcascade.protect.StopBacktest`'s ``trades`` (``policy``, ``side``,
        ``entries``, ``entry_ts``, ``stopped``, ``ret``); the 2025-10-10 ``crash``
        entries are left out, as in the back-test's table.
    better, worse : str
        The policy judged and the one it is judged against.

    Returns
    -------
    DataFrame
        ``side``, ``entries``, ``entry_ts``, ``day`` (the entry's UTC day), ``stopped``
        (``better``'s stop-out minus ``worse``'s: −1, 0 or 1) and ``ret`` (``better``'s
        return minus ``worse``'s, fraction of the entry notional), sorted by entry.

    Raises
    ------
    InputError
        When a policy is missing or the two did not trade the same entries
        (``param="trades"``).
    """
    key = ["side", "entries", "entry_ts"]
    main = trades[trades["entries"] != "crash"]
    a, b = (main[main["policy"] == p].set_index(key)[["stopped", "ret"]] for p in (better, worse))
    if (
        a.empty
        or b.empty
        or len(a) != len(b)
        or not a.index.sort_values().equals(b.index.sort_values())
    ):
        raise InputError(
            f"trades: {better} and {worse} must trade the same entries "
            f"({len(a)} and {len(b)} trades)",
            param="trades",
        )
    b = b.loc[a.index]
    out = pd.DataFrame(
        {
            "stopped": a["stopped"].to_numpy(float) - b["stopped"].to_numpy(float),
            "ret": a["ret"].to_numpy(float) - b["ret"].to_numpy(float),
        },
        index=a.index,
    ).reset_index()
    out["day"] = pd.DatetimeIndex(out["entry_ts"]).floor("1D")
    return out.sort_values(["entry_ts", "side", "entries"], ignore_index=True)


@dataclass(frozen=True)
class PolicyDifference:
    """One stop policy against another on the same entries, with 90 % intervals.

    Attributes
    ----------
    better, worse : str
        The policy judged and the one it is judged against.
    entries, days : int
        Paired entries (an entry and a side) and the entry days they fall on (the
        bootstrap's cases).
    stop_outs, stop_outs_lo, stop_outs_hi : float
        The stop-out share's difference ``better − worse`` (fraction of the entries:
        −0.001 is 0.1 pp fewer) and its interval; NaN ends without an interval.
    total_return, total_return_lo, total_return_hi : float
        The summed return's difference ``better − worse`` (fraction of one entry's
        notional) and its interval.
    verdict : str
        :func:`difference_verdict` of the two intervals.
    level : float
        The intervals' two-sided level (0.9).
    block : int
        Block length of the bootstrap, entry days.
    n_resamples : int
        Resamples of the bootstrap.
    """

    better: str
    worse: str
    entries: int
    days: int
    stop_outs: float
    stop_outs_lo: float
    stop_outs_hi: float
    total_return: float
    total_return_lo: float
    total_return_hi: float
    verdict: str
    level: float = LEVEL
    block: int = BLOCK_DAYS
    n_resamples: int = N_RESAMPLES

    @property
    def has_interval(self) -> bool:
        """Whether the intervals were computed (enough entry days)."""
        return math.isfinite(self.stop_outs_lo) and math.isfinite(self.total_return_lo)

    def to_dict(self) -> dict[str, Any]:
        """``stop_outs`` and ``total_return`` as ``[difference, lo, hi]`` (None for NaN), the rest.

        Also ``interval``: how the intervals were drawn, in words.
        """

        def three(x: float, lo: float, hi: float) -> list[float | None]:
            return [v if math.isfinite(v) else None for v in (x, lo, hi)]

        return {
            "better": self.better,
            "worse": self.worse,
            "verdict": self.verdict,
            "stop_outs": three(self.stop_outs, self.stop_outs_lo, self.stop_outs_hi),
            "total_return": three(self.total_return, self.total_return_lo, self.total_return_hi),
            "entries": self.entries,
            "days": self.days,
            "level": self.level,
            "block": self.block,
            "interval": (
                f"{percent_text(self.level, 0)} block bootstrap over entry days (blocks of "
                f"{self.block} entry days, {self.n_resamples:,} resamples, paired)"
            ),
        }


def difference_verdict(stop_outs: Any, total_return: Any) -> str:
    """The verdict on a policy from the intervals of its two differences with another.

    Each interval (``better − worse``) is read as :func:`liqcascade._significance.verdict`
    reads one: the stop-out difference beats when it lies wholly below 0 (fewer
    stop-outs), the return difference when it lies wholly above 0 (more summed return);
    it loses on the other side; an interval holding 0 (or none) ties. Then:

    - ``"not supported"`` when either difference loses (measurably worse on a figure);
    - ``"supported"`` when both beat (fewer stop-outs *and* more return, each beyond
      the noise);
    - ``"partly supported"`` when one beats and the other ties (better on one figure
      beyond the noise, not told apart on the other);
    - ``"ties"`` when both tie (or there are no intervals).

    Parameters
    ----------
    stop_outs, total_return : (float, float)
        The intervals' ends (fractions; NaN or None when there is no interval).

    Returns
    -------
    str
        One of :data:`POLICY_VERDICTS`.

    >>> difference_verdict((-0.02, -0.01), (0.1, 0.3))
    'supported'
    >>> difference_verdict((-0.02, -0.01), (-0.1, 0.3))
    'partly supported'
    >>> difference_verdict((-0.02, 0.01), (-0.1, 0.3))
    'ties'
    >>> difference_verdict((-0.02, -0.01), (-0.3, -0.1))
    'not supported'
    """
    s = verdict(*stop_outs, lower_is_better=True)
    r = verdict(*total_return, lower_is_better=False)
    if "loses" in (s, r):
        return "not supported"
    if s == r == "beats":
        return "supported"
    return "partly supported" if "beats" in (s, r) else "ties"


def compare_policies(
    trades: pd.DataFrame,
    better: str = "vol-declustered",
    worse: str = "vol",
    *,
    block: int = BLOCK_DAYS,
    n_resamples: int = N_RESAMPLES,
    level: float = LEVEL,
    seed: int = SEED,
) -> PolicyDifference:
    """One policy against another on the same entries: paired differences, intervals, verdict.

    Each entry (and side) gives the difference of the two policies' outcomes: stopped
    (−1, 0, 1) and return. The entries are grouped by entry day, the days (sorted)
    resampled in circular blocks of ``block`` consecutive entry days (overlapping
    trades: the entries of nearby days share a price path), the same draw for both
    figures (:func:`liqcascade._significance.block_indices` from
    ``numpy.random.default_rng(seed)``). Per resample: the stop-out difference is the
    summed stop-out differences over the entries drawn; the summed-return difference is
    the mean return difference per entry drawn times the entries of the back-test. The
    intervals are the ``(1 ∓ level) / 2`` percentiles of the resamples; fewer than
    ``2 × block`` entry days give none (NaN). :func:`difference_verdict` reads them.

    Parameters
    ----------
    trades : DataFrame
        A :class:`~liqcascade.protect.StopBacktest`'s ``trades`` (see
        :func:`paired_entries`).
    better, worse : str, default "vol-declustered", "vol"
        The policy judged and the one it is judged against.
    block : int, default 7
        Block length, entry days.
    n_resamples, level, seed
        Resamples (4,000), the intervals' two-sided level (0.9), the seed: the same
        trades give the same intervals on every run.

    Returns
    -------
    PolicyDifference

    Raises
    ------
    InputError
        When the two policies did not trade the same entries (:func:`paired_entries`),
        ``block`` or ``n_resamples`` is not a whole number >= 1, or ``level`` is not in
        (0, 1).
    """
    # a level of 1.5, 0 resamples or a block of 2.5 days reached numpy's errors
    block = check_whole(block, "block")
    n_resamples = check_whole(n_resamples, "n_resamples")
    level = check_level(level)
    pe = paired_entries(trades, better, worse)
    by_day = pe.groupby("day", sort=True).agg(
        n=("stopped", "size"), stopped=("stopped", "sum"), ret=("ret", "sum")
    )
    n_day, s_day, r_day = (by_day[c].to_numpy(float) for c in ("n", "stopped", "ret"))
    n = float(n_day.sum())
    point_s, point_r = float(s_day.sum() / n), float(r_day.sum())
    nan = float("nan")
    ends = (nan, nan, nan, nan)
    if len(by_day) >= 2 * block:
        idx = block_indices(len(by_day), n_resamples, block, np.random.default_rng(seed))
        drawn = n_day[idx].sum(axis=1)
        a = (1.0 - level) / 2.0
        qs = [a, 1.0 - a]
        s_lo, s_hi = np.quantile(s_day[idx].sum(axis=1) / drawn, qs)
        r_lo, r_hi = np.quantile(r_day[idx].sum(axis=1) / drawn * n, qs)
        ends = (float(s_lo), float(s_hi), float(r_lo), float(r_hi))
    return PolicyDifference(
        better=better,
        worse=worse,
        entries=len(pe),
        days=len(by_day),
        stop_outs=point_s,
        stop_outs_lo=ends[0],
        stop_outs_hi=ends[1],
        total_return=point_r,
        total_return_lo=ends[2],
        total_return_hi=ends[3],
        verdict=difference_verdict(ends[:2], ends[2:]),
        level=level,
        block=block,
        n_resamples=n_resamples,
    )


def declustering_verdict(bt: Any) -> dict[str, Any]:
    """The back-test's verdict on moving volatility stops out of the crowd.

    Parameters
    ----------
    bt : StopBacktest
        A back-test that ran the ``vol`` and ``vol-declustered`` policies.

    Returns
    -------
    dict
        ``verdict`` (:func:`compare_policies` of ``vol-declustered`` against ``vol``:
        one of :data:`POLICY_VERDICTS`, from the 90 % intervals of the paired
        differences), ``difference`` (its :meth:`PolicyDifference.to_dict`), ``why``
        (:func:`compare_text`, the point figures), ``vol`` and ``vol_declustered`` (each
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

    diff = compare_policies(bt.trades, "vol-declustered", "vol")
    return {
        "verdict": diff.verdict,
        "difference": diff.to_dict(),
        "why": compare_text(d, vo),
        "vol": two(vo),
        "vol_declustered": two(d),
        "trades": int(vo["trades"]),
        "start": str(bt.meta.get("entries_first") or bt.meta["start"]),  # BTC's: 2021-04
        "end": str(bt.meta["end"]),
    }


#: :func:`declustering_backtest`'s answers in this process, keyed by asset, last entry
#: day, settings and the default store's file stamp (a few markets at a time).
_DECLUSTERING_CACHE: dict[tuple[Any, ...], dict[str, Any]] = {}
_DECLUSTERING_KEPT = 8


def _store_stamp() -> tuple[str, int | None]:
    """The default store's path and modification time (None when there is no file)."""
    from liqcascade.data import default_store_path

    path = default_store_path()
    return str(path), (path.stat().st_mtime_ns if path.exists() else None)


def move_reach(trades: pd.DataFrame) -> float:
    """The largest share of its distance a ``vol-declustered`` stop gave up in a back-test.

    For each entry both policies traded (the ``crash`` entries left out, as
    :func:`paired_entries`), the distance the move out of the crowd gave up,
    ``(|entry − vol stop| − |entry − declustered stop|) / |entry − vol stop|``; the
    largest over the moved stops (0 when none moved toward the entry). The back-test's
    verdict on moving stops out of the crowd speaks for moves up to this share: a
    recommendation whose move gives up more is one the back-test never made.

    Parameters
    ----------
    trades : DataFrame
        A :class:`~liqcascade.protect.StopBacktest`'s ``trades`` holding the ``vol``
        and ``vol-declustered`` policies (``side``, ``entries``, ``entry_ts``,
        ``entry`` and ``stop`` USD).

    Returns
    -------
    float
        The share, a fraction of the volatility stop's distance, in [0, 1].

    Raises
    ------
    InputError
        When the two policies did not trade the same entries (``param="trades"``).
    """
    key = ["side", "entries", "entry_ts"]
    main = trades[trades["entries"] != "crash"]
    a, b = (
        main[main["policy"] == p].set_index(key)[["entry", "stop"]]
        for p in ("vol", "vol-declustered")
    )
    if a.empty or len(a) != len(b) or not a.index.sort_values().equals(b.index.sort_values()):
        raise InputError(
            f"trades: vol and vol-declustered must trade the same entries "
            f"({len(a)} and {len(b)} trades)",
            param="trades",
        )
    b = b.loc[a.index]
    raw = (a["stop"] - a["entry"]).abs().to_numpy(dtype=float)
    moved = (b["stop"] - b["entry"]).abs().to_numpy(dtype=float)
    ok = raw > 0
    share = np.where(ok, (raw - moved) / np.where(ok, raw, 1.0), 0.0)
    return float(min(1.0, max(0.0, float(share.max(initial=0.0)))))


def declustering_backtest(asset: str, by: Any, settings: Any = None) -> dict[str, Any]:
    """:func:`declustering_verdict` of the back-test whose trades all close by ``by``.

    The ``vol`` and ``vol-declustered`` policies (their figures do not depend on the
    other policies run beside them) over ``asset``'s hourly path, entries from
    2020-01-01 to the last day whose entries' horizon (and one bar) ends by ``by``
    (:func:`~liqcascade.protect.last_entry_day`, the report's rule): what was knowable at a
    market closed at ``by``. Computed once per process for the same
    asset, last entry day, settings and default store (its path and modification time:
    a store written since is read again), as :func:`vol_estimate` keeps its estimate; a
    new process (each ``liqcascade`` command) runs it again.

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
        day, the back-test's ``end``), ``leverage`` (×), ``horizon_days`` and
        ``move_reach`` (:func:`move_reach`: the largest share of its distance a moved
        stop gave up, the reach of the verdict). A copy: the caller may change it.

    Raises
    ------
    InputError
        When the back-test cannot run (no hourly bars, an ``end`` before the start).
    """
    import copy

    from liqcascade.protect._backtest import BacktestSettings, backtest_stops, last_entry_day

    s = settings or BacktestSettings()
    end_day = f"{last_entry_day(by, s.horizon_days):%Y-%m-%d}"
    key = (asset, end_day, s, _store_stamp())
    if key not in _DECLUSTERING_CACHE:
        bt = backtest_stops(("vol", "vol-declustered"), end=end_day, settings=s, asset=asset)
        if len(_DECLUSTERING_CACHE) >= _DECLUSTERING_KEPT:
            _DECLUSTERING_CACHE.pop(next(iter(_DECLUSTERING_CACHE)))  # the oldest
        _DECLUSTERING_CACHE[key] = {
            **declustering_verdict(bt),
            "end_day": end_day,
            "leverage": float(s.leverage),
            "horizon_days": int(s.horizon_days),
            "move_reach": move_reach(bt.trades),
        }
    return copy.deepcopy(_DECLUSTERING_CACHE[key])
