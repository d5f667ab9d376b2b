"""Expensive builds shared by the test files that read them, once per run of the suite.

Under ``pytest -n`` each xdist worker has a session of its own, so a session fixture
builds once per worker; :func:`shared_build` builds once for all of them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["shared_build"]


@contextmanager
def _locked(path: Path) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created) if no other process holds it.

    Yields whether this process holds it: False when another worker holds it (it is
    building) or where there is no ``fcntl`` (Windows).
    """
    try:
        import fcntl
    except ImportError:
        yield False
        return
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def shared_build(
    tmp_path_factory: pytest.TempPathFactory,
    key: str,
    build: Callable[[Path], dict[str, Path]],
) -> dict[str, Path]:
    """The files ``build(folder)`` writes, built once per test run for every xdist worker.

    An expensive build (a whole report) that several test files read: under ``pytest -n``
    each worker has a session of its own, and a session fixture built it once per
    worker. The first worker to ask builds it into a folder of the run's temporary root
    (``getbasetemp().parent`` under xdist, shared by the workers of this run only) under a
    file lock; a worker that asks later reads the same files. One that asks while another
    is building builds its own copy rather than wait (on two cores a waiting worker leaves
    one idle: never slower than a build per worker). Tests only read the files (a test
    that changes one copies it first). Without xdist, or without ``fcntl``, the folder is
    the worker's own.

    Parameters
    ----------
    tmp_path_factory : pytest.TempPathFactory
        The session's factory of temporary folders.
    key : str
        A name for the build and its inputs (a folder name): the same key, the same files.
    build : callable
        Writes the files into the folder it is given and returns their paths by name.

    Returns
    -------
    dict[str, Path]
        What ``build`` returned (read back from the first build's record for the others).
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = base.parent
        if (root / f"{key}.built.json").exists():  # built: no lock needed to read it
            return _build_once(root, key, build)
        with _locked(root / f"{key}.lock") as mine:
            if mine:
                return _build_once(root, key, build)
    return _build_once(base, key, build)  # alone, or another worker is building it


def _build_once(root: Path, key: str, build: Callable[[Path], dict[str, Path]]) -> dict[str, Path]:
    """``build`` into ``root / key`` unless a record of an earlier build is there."""
    done = root / f"{key}.built.json"
    if done.exists():
        return {k: Path(v) for k, v in json.loads(done.read_text()).items()}
    out = root / key
    if out.exists():  # an earlier build that failed half-way
        shutil.rmtree(out)
    out.mkdir()
    paths = build(out)
    part = done.with_suffix(".part")
    part.write_text(json.dumps({k: str(v) for k, v in paths.items()}))
    part.replace(done)  # whole or absent, for a worker reading it without the lock
    return paths
