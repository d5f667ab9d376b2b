"""Runners: the same seed gives the same paths locally and on Dask; convergence in paths."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from floats import assert_same
from liqcascade.stress import (
    CHUNK_PATHS,
    PathSpec,
    StressBook,
    StressMarket,
    fit_joint_model,
    run_paths,
    sample_portfolio,
    stress_book,
)
from liqcascade.stress._result import expected_shortfall, value_at_risk


@pytest.fixture(scope="module")
def spec(market: StressMarket, fits: Any) -> PathSpec:
    jm = fit_joint_model(["ETH", "BTC"], market.prices, as_of=market.as_of, method="fhs", fits=fits)
    return PathSpec(model=jm, books=(market.book, StressBook.empty()), horizon=5)


def _same(a: Any, b: Any) -> None:
    for name in ("final", "low", "high", "liq_long_usd", "liq_short_usd"):
        for k in getattr(a, name):
            assert_same(getattr(a, name)[k], getattr(b, name)[k])


def test_local_equals_dask_threads(spec: PathSpec) -> None:
    from distributed import Client, LocalCluster

    n = 2 * CHUNK_PATHS + 123  # three chunks, the last one partial
    local = run_paths(spec, n, seed=11)
    with (
        LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cl,
        Client(cl) as client,
    ):
        dask = run_paths(spec, n, seed=11, backend="dask", client=client)
    _same(local, dask)
    other = run_paths(spec, n, seed=12)
    assert not np.array_equal(other.final["ETH"], local.final["ETH"])


def test_local_equals_dask_worker_processes(market: StressMarket, fits: Any) -> None:
    """Real worker processes (pickled spec, numba compiled in the workers)."""
    from distributed import Client, LocalCluster

    from liqcascade.stress import JointModel

    jm: JointModel = fit_joint_model(
        ["ETH"], market.prices, as_of=market.as_of, method="garch", fits=fits
    )
    st = market.state
    small = stress_book(st.positions.subset(np.arange(len(st.positions)) < 300), None, st.book)
    sp = PathSpec(model=jm, books=(small,), horizon=3)
    local = run_paths(sp, 600, seed=5)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cl,
        Client(cl) as client,
    ):
        dask = run_paths(sp, 600, seed=5, backend="dask", client=client)
    _same(local, dask)


def test_var_es_converge_from_50k_to_100k(market: StressMarket, fits: Any) -> None:
    """Short horizon, small book: VaR and ES move by < 2 % from 50k to 100k paths."""
    from liqcascade.stress import evaluate_portfolio

    st = market.state
    small = stress_book(st.positions.subset(np.arange(len(st.positions)) < 400), None, st.book)
    jm = fit_joint_model(
        ["ETH", "BTC"], market.prices, as_of=market.as_of, method="garch", fits=fits
    )
    sp = PathSpec(model=jm, books=(small, StressBook.empty()), horizon=3)
    pf = sample_portfolio(market.prices)
    out = {}
    for n in (50_000, 100_000):
        ps = run_paths(sp, n, seed=2024)
        loss = -evaluate_portfolio(pf, market.prices, ps.final, ps.low, ps.high).pnl
        out[n] = [value_at_risk(loss, 0.95), value_at_risk(loss, 0.99)]
        out[n] += [expected_shortfall(loss, 0.95), expected_shortfall(loss, 0.99)]
    a, b = np.array(out[50_000]), np.array(out[100_000])
    assert (a > 0).all()
    assert (np.abs(b / a - 1) < 0.02).all(), (a, b)


def test_bad_runner_options(spec: PathSpec) -> None:
    from liqcascade.errors import InputError

    with pytest.raises(InputError, match=r"^n_paths must be > 0") as e:
        run_paths(spec, 0, seed=1)
    assert e.value.param == "n_paths"
    with pytest.raises(InputError, match=r"^backend must be one of") as e:
        run_paths(spec, 10, seed=1, backend="ray")
    assert e.value.param == "backend"


def test_dask_without_the_distributed_extra_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``distributed`` is the optional extra ``[distributed]``: the error says how to get it."""
    from types import SimpleNamespace

    from liqcascade.errors import InputError

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    stub: Any = SimpleNamespace(model=SimpleNamespace(assets=("ETH",)))  # checked only for size
    with pytest.raises(InputError) as e:
        run_paths(stub, 10, seed=1, backend="dask")
    assert e.value.param == "backend"
    assert str(e.value) == (
        "backend dask needs the 'distributed' package: pip install 'liqcascade[distributed]'"
    )


def test_the_runners_own_cluster_keeps_distributeds_warnings_off_the_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The LocalCluster the runner starts holds distributed's log handlers at ERROR.

    At its default (WARNING) a stress run printed the nannies' shutdown lines, ``...
    distributed.nanny - WARNING - Worker process still alive after 4.0 seconds, killing``
    (twice), among the command's output on a busy machine.
    """
    import logging
    from types import SimpleNamespace

    import distributed

    seen: dict[str, Any] = {}

    class Started(Exception):
        pass

    def cluster(**kwargs: Any) -> Any:
        seen.update(kwargs)
        raise Started  # what it was given is all this test needs

    monkeypatch.setattr(distributed, "LocalCluster", cluster)
    stub: Any = SimpleNamespace(model=SimpleNamespace(assets=("ETH",)))
    with pytest.raises(Started):
        run_paths(stub, 10, seed=1, backend="dask")
    assert seen["silence_logs"] == logging.ERROR
    assert seen["n_workers"] == 2


def test_dask_refuses_a_bad_scheduler_address(spec: PathSpec) -> None:
    from liqcascade.errors import InputError

    with pytest.raises(InputError, match=r"^scheduler garbage: cannot connect") as e:
        run_paths(spec, 10, seed=1, backend="dask", scheduler="garbage")
    assert e.value.param == "scheduler"


def test_a_refused_scheduler_leaves_no_client_for_a_later_gc(spec: PathSpec) -> None:
    """The half-built Client is collected at once: left to the next GC, under dask 2024.1
    its close ran in the next LocalCluster's event-loop thread and blocked its start."""
    from distributed import Client

    from liqcascade.errors import InputError

    gc.collect()  # an earlier test's Client in a cycle is not this call's
    before = {id(o) for o in gc.get_objects() if isinstance(o, Client)}
    gc.disable()  # no collection but the runner's own
    try:
        with pytest.raises(InputError):
            run_paths(spec, 10, seed=1, backend="dask", scheduler="garbage")
        alive = [o for o in gc.get_objects() if isinstance(o, Client) and id(o) not in before]
    finally:
        gc.enable()
    assert alive == []


def test_a_bug_in_a_dask_task_raises_at_once(
    spec: PathSpec, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Only a lost worker's groups are resubmitted; a TypeError is not retried 3 times."""
    from distributed import Client, LocalCluster

    from liqcascade.stress import _runner

    log = tmp_path / "calls"  # the task is serialised: count its calls in a file

    def broken(*args: Any) -> Any:
        with log.open("a") as f:
            f.write("call\n")
        raise TypeError("a bug in the task")

    monkeypatch.setattr(_runner, "_run_group", broken)
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cl,
        Client(cl) as client,
    ):
        with pytest.raises(TypeError, match="a bug in the task"):
            run_paths(spec, 10, seed=1, backend="dask", client=client)  # one chunk, one task
    assert log.read_text().splitlines() == ["call"]


def test_groups_are_consecutive_near_equal_runs_of_chunks() -> None:
    from liqcascade.stress._runner import TASKS_PER_THREAD, _groups

    for n_items, n_threads in [(20, 2), (21, 2), (3, 2), (1, 8), (7, 1), (20, 0), (100, 3)]:
        gs = _groups(n_items, n_threads)
        assert [i for g in gs for i in g] == list(range(n_items))
        want = n_items if n_threads == 0 else min(n_items, TASKS_PER_THREAD * n_threads)
        assert len(gs) == want
        sizes = [len(g) for g in gs]
        assert max(sizes) - min(sizes) <= 1


def test_grouped_dask_tasks_equal_local_and_restore_numba_threads(spec: PathSpec) -> None:
    """One worker thread -> several chunks per task: same numbers, progress counts every path."""
    from distributed import Client, LocalCluster

    from liqcascade._numba import NUMBA_DISABLED
    from liqcascade.stress._runner import _chunks, _cluster_threads, _groups, _run_group, run_chunk

    n = 4 * CHUNK_PATHS + 7  # five chunks, two tasks of 2 and 3 chunks
    local = run_paths(spec, n, seed=3)
    done: list[float] = []
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cl,
        Client(cl) as client,
    ):
        n_threads, numba_threads = _cluster_threads(client)
        assert n_threads == 1
        assert numba_threads >= 1
        assert [len(g) for g in _groups(5, n_threads)] == [2, 3]
        dask = run_paths(spec, n, seed=3, backend="dask", client=client, advance=done.append)
    _same(local, dask)
    assert sum(done) == n
    assert len(done) == 2

    items = _chunks(n, 3)[:2]
    if not NUMBA_DISABLED:
        import numba

        before = numba.get_num_threads()
        out = _run_group(spec, items, 1)
        assert numba.get_num_threads() == before
    else:
        out = _run_group(spec, items, 1)
    np.testing.assert_array_equal(out, np.vstack([run_chunk(spec, s, k) for s, k in items]))
