"""Expensive pure library calls, computed once per run of the suite for identical inputs.

``cascade --fragility`` and the tests that check its critical shock run
:func:`liqcascade.cascade.calibrated_fragility` on the same estimated market (the same
asset and date, calibration, volatility and book draws): 40–70 s of CPU each time.
:func:`calibrated_fragility` here is the library's, memoised on the exact bytes of its
inputs (pickled): a hit is the result of the same seeded, pure computation on
byte-identical inputs, so a test served from it checks what it checked before; any
difference in the inputs is a miss and computes. The result is kept as a file shared
by the xdist workers of the run (:func:`sharedbuild.shared_build`). :func:`memoised` is
the same for another seeded, pure library function (``stress var_backtest``'s).
"""

from __future__ import annotations

import hashlib
import inspect
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

__all__ = ["calibrated_fragility", "memoised"]


def memoised(
    tmp_path_factory: pytest.TempPathFactory, compute: Callable[..., Any], *args: Any, **kw: Any
) -> Any:
    """``compute(*args, **kw)``, computed once per run for byte-identical arguments.

    Parameters
    ----------
    tmp_path_factory : pytest.TempPathFactory
        The session's factory of temporary folders (where the result is kept).
    compute : callable
        A seeded, pure library function (the same arguments give the same result).
    *args, **kw
        Its arguments.

    Returns
    -------
    object
        A fresh copy (unpickled) for each caller: a test may change it.
    """
    from sharedbuild import shared_build

    # every argument by name, defaults filled in: a default given or left out is one key
    call = inspect.signature(compute).bind(*args, **kw)
    call.apply_defaults()
    blob = pickle.dumps(sorted(call.arguments.items()), protocol=5)
    name = f"{compute.__module__}.{compute.__qualname__}".replace(".", "-").replace("_", "-")
    key = f"{name}-{hashlib.sha256(blob).hexdigest()[:32]}"

    def build(out: Path) -> dict[str, Path]:
        path = out / "result.pickle"
        path.write_bytes(pickle.dumps(compute(*args, **kw), protocol=5))
        return {"result": path}

    return pickle.loads(shared_build(tmp_path_factory, key, build)["result"].read_bytes())


def calibrated_fragility(tmp_path_factory: pytest.TempPathFactory, prepared: Any, **kw: Any) -> Any:
    """:func:`liqcascade.cascade.calibrated_fragility` ``(prepared, **kw)``, computed once.

    Parameters
    ----------
    tmp_path_factory : pytest.TempPathFactory
        The session's factory of temporary folders (where the result is kept).
    prepared : PreparedMarket
        As the library function's; ``kw`` its keyword arguments.

    Returns
    -------
    CalibratedFragility
        A fresh copy (unpickled) for each caller: a test may change it.
    """
    # the defining module's: a test may put this memo in the package's public name
    from liqcascade.cascade._calibrated_fragility import calibrated_fragility as compute

    return memoised(tmp_path_factory, compute, prepared, **kw)
