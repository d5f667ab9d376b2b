"""Running Monte Carlo paths in chunks: locally (numba, all cores) or on Dask.

Paths are cut into chunks of :data:`CHUNK_PATHS` whatever the backend; chunk ``i``
draws its innovations from ``numpy.random.SeedSequence(seed).spawn(n_chunks)[i]``
(a child's stream depends only on ``seed`` and ``i``), and the kernel is a pure
function of its inputs, so local and Dask runs are identical bit for bit — and the
first 50,000 paths of a 100,000-path run are the 50,000-path run.

On Dask the spec (model and sorted books, megabytes) is scattered to every worker
once per run; consecutive chunks are grouped into a few tasks per worker thread (a
task runs its chunks one after the other, each with its own seed, so grouping never
changes the numbers), and each task limits numba to the worker host's cores divided
by the Dask threads on that host, so worker processes do not oversubscribe the cores.
"""

from __future__ import annotations

import gc
import logging
import math
import numbers
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from liqcascade._limits import check_count, check_seed, stress_path_bytes
from liqcascade._numba import NUMBA_DISABLED, numba_threads
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.stress._kernels import mc_kernel
from liqcascade.stress._market import StressBook
from liqcascade.stress._model import SIGMA2_CAP, JointModel

__all__ = ["BACKENDS", "CHUNK_PATHS", "PathSet", "PathSpec", "run_chunk", "run_paths", "simulate"]

BACKENDS: tuple[str, ...] = ("local", "dask")

#: Paths per chunk (fixed: the chunking must not depend on the backend).
CHUNK_PATHS: int = 5000

#: Dask tasks per worker thread (each task runs a run of consecutive chunks): enough
#: to balance uneven chunks, few enough that scheduling overhead stays small.
TASKS_PER_THREAD: int = 2


@dataclass(frozen=True, eq=False)
class PathSpec:
    """Everything a chunk needs (pickled once to Dask workers).

    Attributes
    ----------
    model : JointModel
    books : tuple of StressBook
        One per asset (``StressBook.empty()`` for an asset without a market book).
    horizon : int
        Steps (days).
    impact : float
        1 with the cascade, 0 without.
    max_rounds : int
    """

    model: JointModel
    books: tuple[StressBook, ...]
    horizon: int
    impact: float = 1.0
    max_rounds: int = 100


@dataclass(frozen=True, eq=False)
class PathSet:
    """Per-path outcomes: dicts keyed by asset of arrays (paths,).

    ``final``, ``low``, ``high``: USD; ``liq_long_usd``, ``liq_short_usd``: the market
    book's liquidated notional over the horizon, USD.

    Attributes
    ----------
    final : dict of str to array of float
        Each path's price at the end of the horizon (after the last step's cascade),
        USD.
    low, high : dict of str to array of float
        Each path's lowest and highest price among the start price and every
        step's post-cascade price (daily closes, not intraday extremes), USD.
    liq_long_usd, liq_short_usd : dict of str to array of float
        The market book's liquidated long (short) notional over the horizon,
        ``size·liq_price`` summed, USD.
    """

    final: dict[str, FloatArray]
    low: dict[str, FloatArray]
    high: dict[str, FloatArray]
    liq_long_usd: dict[str, FloatArray]
    liq_short_usd: dict[str, FloatArray]

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(next(iter(self.final.values())).size)


def run_chunk(spec: PathSpec, seed_seq: np.random.SeedSequence, n: int) -> FloatArray:
    """Simulate ``n`` paths of every asset; returns (n, 5·assets) (see ``mc_kernel``)."""
    return simulate(spec, np.random.default_rng(seed_seq), n)


def simulate(spec: PathSpec, rng: np.random.Generator, n: int) -> FloatArray:
    """``n`` paths of every asset drawn from ``rng``: (n, 5·assets) (see ``mc_kernel``).

    A chunk's body (:func:`run_chunk` seeds ``rng`` from its chunk's seed); the portfolio
    VaR back-test draws every window of a horizon from one stream of its own.

    Parameters
    ----------
    spec : PathSpec
        The joint model, the books and the horizon (days).
    rng : numpy.random.Generator
        The innovations' random source (advanced by the draw).
    n : int
        Number of paths.

    Returns
    -------
    2-D array of float
        Per asset, in ``spec.model.assets`` order, five columns: the final price, the
        lowest and highest price (USD, or multiples of the start when ``p0`` is 1) and
        the book's liquidated long and short notional (USD).
    """
    zs = spec.model.innovations(rng, n, spec.horizon)
    cols = []
    for m, book, z in zip(spec.model.models, spec.books, zs, strict=True):
        cols.append(
            mc_kernel(
                z,
                m.p0,
                m.mu,
                m.omega,
                m.alpha,
                m.gamma,
                m.beta,
                m.model_code,
                m.sigma2_0,
                SIGMA2_CAP,
                *book.kernel_args(),
                spec.impact,
                spec.max_rounds,
            )
        )
    return np.hstack(cols)


def _chunks(n_paths: int, seed: int) -> list[tuple[np.random.SeedSequence, int]]:
    n_chunks = math.ceil(n_paths / CHUNK_PATHS)
    seqs = np.random.SeedSequence(seed).spawn(n_chunks)
    sizes = [min(CHUNK_PATHS, n_paths - i * CHUNK_PATHS) for i in range(n_chunks)]
    return list(zip(seqs, sizes, strict=True))


def run_paths(
    spec: PathSpec,
    n_paths: int,
    seed: int,
    *,
    backend: str = "local",
    scheduler: str | None = None,
    advance: Callable[[float], None] | None = None,
    client: Any = None,
) -> PathSet:
    """Simulate ``n_paths`` paths on ``backend`` (same result on every backend).

    Parameters
    ----------
    spec : PathSpec
    n_paths : int
        > 0.
    seed : int
        Root of the per-chunk seeds.
    backend : {"local", "dask"}
    scheduler : str, optional
        Dask scheduler address; default a ``distributed.LocalCluster`` (2 workers).
    advance : callable, optional
        Called with the number of paths done after each chunk (progress bars).
    client : distributed.Client, optional
        An existing client (``backend="dask"``); overrides ``scheduler``.
    """
    if isinstance(n_paths, bool) or not isinstance(n_paths, numbers.Integral):
        raise InputError(f"n_paths must be a whole number > 0 (got {n_paths!r})", param="n_paths")
    if n_paths <= 0:
        raise InputError(f"n_paths must be > 0 (got {n_paths})", param="n_paths")
    try:
        check_seed(seed, "seed")
    except InputError as exc:
        raise InputError(str(exc), param="seed") from None
    try:
        check_count("n_paths", n_paths, stress_path_bytes(len(spec.model.assets)))
    except InputError as exc:
        raise InputError(str(exc), param="n_paths") from None
    if backend not in BACKENDS:
        raise InputError(
            f"backend must be one of {', '.join(BACKENDS)} (got {backend!r})", param="backend"
        )
    chunks = _chunks(n_paths, seed)
    outs: list[FloatArray] = []
    if backend == "local":
        for seq, n in chunks:
            outs.append(run_chunk(spec, seq, n))
            if advance is not None:
                advance(n)
    else:
        outs = _run_dask(spec, chunks, scheduler, advance, client)
    allp = np.vstack(outs)
    names = spec.model.assets
    col = {a: 5 * j for j, a in enumerate(names)}
    return PathSet(
        final={a: allp[:, c] for a, c in col.items()},
        low={a: allp[:, c + 1] for a, c in col.items()},
        high={a: allp[:, c + 2] for a, c in col.items()},
        liq_long_usd={a: allp[:, c + 3] for a, c in col.items()},
        liq_short_usd={a: allp[:, c + 4] for a, c in col.items()},
    )


def _run_group(
    spec: PathSpec, items: list[tuple[np.random.SeedSequence, int]], threads: int
) -> FloatArray:
    """Dask task: the chunks ``items`` in order, numba limited to ``threads`` (0: as is)."""
    if threads <= 0 or NUMBA_DISABLED:
        return np.vstack([run_chunk(spec, seq, n) for seq, n in items])
    with numba_threads(threads):  # per calling thread: other tasks are unaffected
        return np.vstack([run_chunk(spec, seq, n) for seq, n in items])


def _cluster_threads(client: Any) -> tuple[int, int]:
    """(Dask threads over all workers, numba threads per task: host cores / host threads)."""
    workers = client.scheduler_info(n_workers=-1).get("workers", {})
    if not workers:
        return 0, 0
    per_host: Counter[str] = Counter()
    for w in workers.values():
        per_host[str(w.get("host"))] += int(w.get("nthreads", 1))
    cores = client.run(os.cpu_count)
    numba_threads = min(
        max(1, int(cores.get(addr) or 1) // max(1, per_host[str(w.get("host"))]))
        for addr, w in workers.items()
    )
    return sum(per_host.values()), numba_threads


def _groups(n_items: int, n_threads: int) -> list[range]:
    """Consecutive, near-equal index ranges: ``TASKS_PER_THREAD`` per Dask thread."""
    n_tasks = n_items if n_threads <= 0 else min(n_items, TASKS_PER_THREAD * n_threads)
    bounds = [k * n_items // n_tasks for k in range(n_tasks + 1)] if n_tasks else [0]
    return [range(a, b) for a, b in pairwise(bounds) if b > a]


def _run_dask(
    spec: PathSpec,
    chunks: list[tuple[np.random.SeedSequence, int]],
    scheduler: str | None,
    advance: Callable[[float], None] | None,
    client: Any,
) -> list[FloatArray]:
    try:
        from distributed import Client, KilledWorker, LocalCluster, as_completed
    except ImportError:  # the optional extra `distributed` is not installed
        raise InputError(
            "backend dask needs the 'distributed' package: pip install 'liqcascade[distributed]'",
            param="backend",
        ) from None
    own: list[Any] = []
    if client is None:
        if scheduler:
            refused = ""
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:  # unreachable, a bad address
                refused = f"scheduler {scheduler}: cannot connect ({exc})"
            if refused:
                # the half-built Client lives on in the traceback's cycle: collect it here,
                # where its __del__ may close it, not in whatever thread the GC next runs
                # (under distributed 2024.1 a LocalCluster's event-loop thread, whose
                # start it then blocks for 10 s: a bare AssertionError)
                gc.collect()
                raise InputError(refused, param="scheduler")
        else:
            # distributed's own log lines below ERROR (a nanny's "Worker process still
            # alive after 4.0 seconds, killing" at shutdown on a busy machine) are not the
            # command's output: its handlers are held at ERROR while this cluster lives
            cluster = LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
            own = [client, cluster]
    try:
        n_threads, numba_threads = _cluster_threads(client)
        groups = _groups(len(chunks), n_threads)
        res: list[Any] = [None] * len(groups)
        spec_f: Any = None
        for attempt in range(3):  # a lost worker cancels its futures: resubmit those groups
            todo = [g for g, r in enumerate(res) if r is None]
            if not todo:
                break
            if spec_f is None or attempt > 0:  # once per run; again if a worker was lost
                spec_f = client.scatter(spec, broadcast=True, hash=False)
            futs = {
                client.submit(
                    _run_group,
                    spec_f,
                    [chunks[i] for i in groups[g]],
                    numba_threads,
                    pure=False,
                ): g
                for g in todo
            }
            for fut in as_completed(list(futs)):
                g = futs[fut]
                try:
                    res[g] = fut.result()
                except (CancelledError, KilledWorker):  # its worker was lost; a bug raises
                    if attempt == 2:
                        raise
                    continue
                if advance is not None:
                    advance(sum(chunks[i][1] for i in groups[g]))
        return list(res)
    finally:
        for obj in own:
            obj.close()
