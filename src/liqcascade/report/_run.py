"""Running the report's sections: one job per section and asset, in one or two lanes.

The sections that stand on the estimated market (liquidation map, validation, cascade,
transparency) run in the main process, so the market, the estimated books, the books
over time and the identified back-tests are computed once; when two cores are free, a
forked process takes the other sections from a shared queue (longest first) and the
main process joins it when its own sections are done. What both lanes would compute
(each asset's market and its book draws, its leverage-mix check, the modules its
sections import) is computed once before the fork, and the forked lane inherits it.
The second lane is forked only on Linux while no other Python thread runs and no
DuckDB store is open (:func:`liqcascade._procs.fork_refusal`); elsewhere one lane runs
every section. Each lane runs numba on one thread: the kernels the report calls are
single-shock cascades whose parallel launch costs more than it gains, and two lanes
already keep both cores busy. The figures do not depend on the lane.
"""

from __future__ import annotations

import gc
import importlib
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from liqcascade._numba import restore_threads, set_threads, shared_compiles
from liqcascade.report._registry import SECTIONS, SectionSpec
from liqcascade.report._section import Claim, Headline, ReportContext, Section

MARKET_LANE: frozenset[str] = frozenset({"liqmap", "validation", "cascade", "transparency"})
"""Sections run in the main process: they share the estimated market's results (the
liquidation map's books over time are among the transparency metrics' days)."""

COST_HINT: dict[str, float] = {
    "volatility": 7.6, "stress": 4.0, "protect": 1.6, "solvency": 1.45, "collateral": 1.4,
    "support": 1.05, "contagion": 0.75, "data": 0.45,
}  # fmt: skip
"""CPU seconds each queued section takes per asset on the bundled data (ETH's and BTC's
mean, a two-lane run of the default report on an idle 2-core machine; only orders the
shared queue: the longest first, so that the last jobs are the shortest and the two
lanes end together). Both lanes take the next job when free, so a stale figure moves
the lanes' end by about one job at most and no figure of the report."""

READS_MARKET: frozenset[str] = frozenset({"stress", "protect", "contagion", "solvency"})
"""Queued sections that read the estimated market (``ReportContext.market``): with two
lanes, each asset's market and its book draws are computed once, before the fork."""

IMPORTS: dict[str, tuple[str, ...]] = {
    "volatility": ("liqcascade.volatility",),
    "stress": ("liqcascade.volatility", "liqcascade.stress", "liqcascade.stress._backtest_request",
               "liqcascade.stress._quantiles"),
    "protect": ("liqcascade.volatility", "liqcascade.protect._backtest",
                "liqcascade.protect._recommend", "liqcascade.protect._verdict",
                "liqcascade.protect._stop_odds", "liqcascade.events"),
    "solvency": ("liqcascade.solvency._exchange", "liqcascade.solvency.pol",
                 "liqcascade.solvency._survival", "liqcascade.solvency._fund_odds",
                 "liqcascade.solvency._survival_rolling"),
    "collateral": ("liqcascade.collateral._run",),
    "support": ("liqcascade.events",),
    "contagion": ("liqcascade.contagion",),
    "data": ("liqcascade.stress",),
}  # fmt: skip
"""The library modules each queued section imports when it runs (its module imports them
inside its functions, so that the command line starts light): with two lanes, each is
imported once, before the fork, with the section's own module, instead of once in each
lane that runs an asset of the section (ETH's in one lane, BTC's in the other: 0.6 s of
CPU of the default report's 25 s). A module missing here is imported by the lane that
needs it, as before: speed only, no figure depends on it."""

READS_LEVERAGE_CHECK: frozenset[str] = frozenset({"solvency"})
"""Queued sections that state the leverage-mix check
(:func:`liqcascade.report._leverage_check.distance_check`, also read by the market lane's
cascade and validation sections): with two lanes, each asset's check is computed once,
before the fork, so the forked lane does not walk the book for it again."""

_NEXT: Any = None
"""Index of the next job of the shared queue (a process-shared integer, set before the
fork so that the worker inherits it)."""

_CTX: Any = None
"""The run's context, set before the fork so that the worker inherits it with what was
computed before the fork (:func:`_before_fork`)."""


@dataclass(frozen=True)
class Job:
    """One section run for one asset."""

    spec: SectionSpec
    asset: str
    n_assets: int = 1

    @property
    def sid(self) -> str:
        """Anchor and summary.json key: ``cascade`` for ETH, ``cascade-btc`` for BTC."""
        return self.spec.id if self.asset == "ETH" else f"{self.spec.id}-{self.asset.lower()}"

    @property
    def title(self) -> str:
        """Heading: the asset named when the report covers several."""
        if self.n_assets == 1:
            return self.spec.title
        if self.spec.scope == "asset":
            return f"{self.asset}: {self.spec.title}"
        if self.spec.scope == "ETH":
            return f"{self.spec.title} ({self.asset} only)"
        return self.spec.title

    @property
    def menu(self) -> str:
        """Menu label."""
        m = self.spec.menu or self.spec.title
        return f"{m} {self.asset}" if self.spec.scope == "asset" and self.n_assets > 1 else m


@dataclass
class Done:
    """A finished job: the section (figures already rendered), its view and its cost."""

    job: Job
    section: Section
    view: dict[str, Any]
    wall_s: float
    cpu_s: float
    lane: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def plan(specs: list[SectionSpec], assets: tuple[str, ...]) -> tuple[list[Job], list[str]]:
    """Jobs in report order, and the ids of ETH-only sections skipped (no ETH asked)."""
    jobs: list[Job] = []
    skipped: list[str] = []
    n = len(assets)
    for spec in specs:
        if spec.scope == "asset":
            jobs += [Job(spec, a, n) for a in assets]
        elif spec.scope == "all":
            jobs.append(Job(spec, assets[0], n))
        elif "ETH" in assets:
            jobs.append(Job(spec, "ETH", n))
        elif spec.first_asset:  # without ETH: the first asset's (a store asset's report)
            jobs.append(Job(spec, assets[0], n))
        else:
            skipped.append(spec.id)
    return jobs, skipped


def _note(job: Job) -> str:
    if job.n_assets > 1 and job.spec.scope == "ETH":
        per = [(sp.menu or sp.id).lower() for sp in SECTIONS if sp.scope == "asset"]
        a = job.asset  # ETH, or the first asset when ETH is not asked (first_asset)
        why = f" ({job.spec.why_eth_only})" if job.spec.why_eth_only and a == "ETH" else ""
        return (
            f"{a} only: this section is computed for {a}{why}; the {', '.join(per[:-1])} and "
            f"{per[-1]} sections run for each asset of the report."
        )
    return ""


def _build(job: Job, ctx: ReportContext) -> Section:
    """The section of ``job``, or one line saying why it could not run.

    Only for an asset the package does not bundle: a library that cannot read that
    asset's data yet leaves its section as that line (a bundled asset's error raises).
    """
    from liqcascade.data import bundled
    from liqcascade.errors import InputError

    try:
        return job.spec.load()(ctx.for_asset(job.asset))
    except InputError as exc:
        if job.asset in bundled.assets():
            raise
        why = f"Not run for {job.asset}: {exc}."
        return Section(id=job.spec.id, title="", takeaways=[why], summary={"not_run": str(exc)})


def run_job(job: Job, ctx: ReportContext, render: Callable[[Section], dict[str, Any]]) -> Done:
    """Run one section on the context of its asset; suffix its keys for a further asset."""
    t0, c0 = time.perf_counter(), time.process_time()
    s = _build(job, ctx)
    s.id, s.title = job.sid, job.title
    suffix = "" if job.asset == "ETH" else f"_{job.asset.lower()}"
    s.claims = (
        [Claim(**{**asdict(c), "section": c.section or s.id}) for c in s.claims]
        if not suffix
        else []
    )
    s.headlines = [
        Headline(**{**asdict(h), "key": h.key + suffix, "section": s.id, "asset": job.asset})
        for h in s.headlines
    ]
    if _note(job):
        s.takeaways = [_note(job), *s.takeaways]
    view = {**render(s), "menu": job.menu}
    s = replace(s, figures=[])  # rendered: the page needs only the view
    return Done(job, s, view, time.perf_counter() - t0, time.process_time() - c0)


def _take(queue: list[Job]) -> Job | None:
    """The next job of the shared queue, or None when it is empty."""
    if _NEXT is None:
        return None
    with _NEXT.get_lock():
        i = int(_NEXT.value)
        if i >= len(queue):
            return None
        _NEXT.value = i + 1
    return queue[i]


def _empty(queue: list[Job]) -> None:
    """Leave no job of the shared queue to take (the run stops)."""
    if _NEXT is not None:
        with _NEXT.get_lock():
            _NEXT.value = len(queue)


def workers_default() -> int:
    """Two lanes when two cores are available to this process and it may fork, else one.

    Whether it may fork: :func:`liqcascade._procs.fork_refusal` (Linux only, no other
    Python thread running, numba's threads not started, no DuckDB store open). When two
    cores are there but this process may not fork for a reason of its own making (a
    thread, an open store, numba's threads: a parallel kernel or an earlier report in
    this process started them, and they are never stopped), a ``RuntimeWarning`` says
    so: the report runs in one lane, with the same figures, in about twice the time; a
    new process runs two.
    """
    from liqcascade._procs import fork_refusal, platform_forks

    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    if n < 2:
        return 1
    why = fork_refusal()
    if why is not None and platform_forks():
        import warnings

        warnings.warn(
            f"report: one lane, not two ({why}): the same figures, in about twice the time; "
            "a new Python process runs two lanes",
            RuntimeWarning,
            stacklevel=4,
        )
    return 2 if why is None else 1


def _before_fork(ctx: ReportContext, queued: list[Job]) -> None:
    """Compute once, before the fork, what both lanes would compute.

    Each asset's market and its book draws (:data:`READS_MARKET`), its leverage-mix
    check (:data:`READS_LEVERAGE_CHECK`), and the queued sections' modules with the
    library modules they import when they run (:data:`IMPORTS`). The main process's
    market sections read the markets and the checks anyway, so only the forked lane's
    copy is saved. An asset without a market or a check is left to its sections.
    """
    from liqcascade.errors import InputError
    from liqcascade.report._leverage_check import distance_check

    for a in dict.fromkeys(j.asset for j in queued if j.spec.id in READS_MARKET):
        try:
            ctx.for_asset(a).market.draws()
        except InputError:
            continue  # its sections say why
    for a in dict.fromkeys(j.asset for j in queued if j.spec.id in READS_LEVERAGE_CHECK):
        try:
            distance_check(ctx, a)
        except InputError:
            continue  # its sections say why
    for spec in dict.fromkeys(j.spec for j in queued):
        spec.load()  # the section's module
        for name in IMPORTS.get(spec.id, ()):
            importlib.import_module(name)


#: Objects already in the permanent generation when this module is imported: Python's own
#: (3.12.1 starts with 375 there; 3.11 and 3.13 with none), not a caller's freeze.
STARTUP_FROZEN = gc.get_freeze_count()


def _freeze() -> int:
    """Set what exists now aside from the garbage collector for the run.

    The markets, book draws, frames and modules made before the sections (and, with two
    lanes, inherited by the forked one) live the whole run: every full collection of
    either lane walked them again (1.0 s of CPU over the two lanes of the default
    report, 0.5 s with them set aside), and the forked lane's walks wrote into the pages
    it shares with its parent. ``gc.freeze`` moves them to the permanent generation; the
    caller :func:`run_all` gives them back with :func:`_thaw` when the run ends. Not done
    when something else froze objects already, beyond the interpreter's own at start-up
    (:data:`STARTUP_FROZEN`): that freeze is not ours to undo. Memory only: no figure
    depends on it.

    Returns
    -------
    int
        How many objects the run froze (``gc.get_freeze_count()`` after its freeze); 0
        when it froze none.
    """
    if gc.get_freeze_count() > STARTUP_FROZEN:
        return 0
    gc.freeze()
    return gc.get_freeze_count()


def _thaw(frozen: int) -> bool:
    """Give back the run's freeze (:func:`_freeze` froze ``frozen`` objects); True if done.

    ``gc.unfreeze`` gives back every frozen object, whoever froze it: Python cannot
    give back one freeze and keep another. So the run thaws only when the permanent
    generation holds no more than it froze (its frozen objects freed since make it
    hold fewer). When it holds more, someone froze during the run (a caller's
    ``on_section`` calling ``gc.freeze()``, say): that freeze, which holds the run's
    objects too, is left in place, and the run's objects stay frozen until that
    caller's own ``gc.unfreeze()``. A caller's freeze of fewer objects than the run's
    freed ones is not told apart (it would be given back with the run's).
    """
    if not frozen or gc.get_freeze_count() > frozen:
        return False
    gc.unfreeze()
    return True


def _worker_lane(queue: list[Job], render: Callable[[Section], dict[str, Any]]) -> list[Done]:
    """The second lane, in a forked process: takes jobs from the shared queue."""
    ctx: ReportContext = _CTX
    set_threads(1)
    out = []
    while (j := _take(queue)) is not None:
        d = run_job(j, ctx, render)
        d.lane = 1
        out.append(d)
    return out


def _exit_with_parent(parent: int) -> None:
    """In the forked lane: a thread that ends this process once ``parent`` is gone.

    A report killed with SIGKILL or SIGTERM (``timeout``, a stopped service) runs no
    ``finally``: its forked lane, waiting on the pool's queue for work that never comes,
    would live on, orphaned, holding its memory and the report's stdout and stderr
    (a pipe reading them never ended). Its parent id changes when the parent dies.
    """
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(1)

    threading.Thread(target=watch, name="liqcascade-lane-watch", daemon=True).start()


def _worker_result(fut: Any) -> list[Done]:
    """The worker's finished jobs ([] when there is none or it died)."""
    from concurrent.futures.process import BrokenProcessPool

    if fut is None:
        return []
    try:
        return list(fut.result())
    except BrokenProcessPool:
        return []


def run_all(
    jobs: list[Job],
    ctx: ReportContext,
    render: Callable[[Section], dict[str, Any]],
    *,
    workers: int = 1,
    on_section: Callable[[str, float], None] | None = None,
) -> list[Done]:
    """Run ``jobs``; with ``workers=2`` a forked process shares the work.

    The main process runs the market sections, then both processes take the other
    sections from one queue, longest first. Returns the finished jobs in the order
    of ``jobs``. The second lane is forked (it inherits what :func:`_before_fork`
    computed), whatever multiprocessing's default start method; where the process may
    not fork (:func:`liqcascade._procs.fork_refusal`: not Linux, another Python thread
    running, numba's threads started, a DuckDB store open) every job runs here, with the
    same figures.
    """
    global _NEXT, _CTX
    from liqcascade._procs import fork_context, fork_refusal

    fork = None
    if workers >= 2 and fork_refusal() is None:
        _before_fork(ctx, [j for j in jobs if j.spec.id not in MARKET_LANE])
        fork = fork_context()  # None if a thread (numba's or another) started meanwhile
    pinned = [j for j in jobs if j.spec.id in MARKET_LANE] if fork is not None else jobs
    queue = [j for j in jobs if j not in pinned]
    queue.sort(key=lambda j: -COST_HINT.get(j.spec.id, 1.0))
    if not queue:
        fork = None  # nothing for a second lane to take
    _NEXT = fork.Value("i", 0) if fork is not None else None
    _CTX = ctx
    pool: ProcessPoolExecutor | None = None
    fut: Any = None
    prev: int | None = None
    done: list[Done] = []
    frozen = _freeze()  # before the fork: the forked lane inherits it
    shared = ExitStack()
    try:
        if fork is not None:  # a kernel both lanes call compiles once (a cold cache)
            shared.enter_context(shared_compiles())
            pool = ProcessPoolExecutor(
                1, mp_context=fork, initializer=_exit_with_parent, initargs=(os.getpid(),)
            )
            fut = pool.submit(_worker_lane, queue, render)
        prev = set_threads(1)  # after the fork
        for j in pinned + ([] if fut is not None else queue):
            done.append(run_job(j, ctx, render))
            if on_section is not None:
                on_section(j.sid, done[-1].wall_s)
        while fut is not None and (nxt := _take(queue)) is not None:
            done.append(run_job(nxt, ctx, render))
            if on_section is not None:
                on_section(nxt.sid, done[-1].wall_s)
        for d in _worker_result(fut):
            done.append(d)
            if on_section is not None:
                on_section(d.job.sid, d.wall_s)
        for j in [j for j in jobs if j.sid not in {d.job.sid for d in done}]:
            done.append(run_job(j, ctx, render))  # a lost worker's jobs, run here
            if on_section is not None:
                on_section(j.sid, done[-1].wall_s)
    except BaseException:  # an error or Ctrl-C here: the worker ends with its current job
        _empty(queue)
        raise
    finally:
        restore_threads(prev)
        _NEXT = _CTX = None
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        shared.close()
        _thaw(frozen)
    order = {j.sid: i for i, j in enumerate(jobs)}
    return sorted(done, key=lambda d: order[d.job.sid])
