"""JSON for every layer: plain JSON types from numpy/pandas values.

A bottom module (it imports nothing of liqcascade), so the library — the report's
``summary.json``, calibration files — and the command line's ``--json`` write the
same JSON without the library importing the command line.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["JsonDict", "SummaryDict", "dumps", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas scalars, arrays and frames to plain JSON types.

    Dicts (keys become strings), lists, tuples, arrays, Series (index -> key) and
    DataFrames (a list of records) are converted recursively; timestamps and dates
    become ISO strings, paths strings; NaN, ±inf and ``NaT`` become ``None``.
    Anything else is returned unchanged.

    Parameters
    ----------
    obj : Any
        The value to convert.

    Returns
    -------
    Any
        ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool`` or ``None`` for the
        types above; other objects as given.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    # no pandas object exists unless pandas was imported: do not import it (start-up time)
    pd: Any = sys.modules.get("pandas")
    if pd is not None:
        if isinstance(obj, pd.DataFrame):
            return [to_jsonable(r) for r in obj.to_dict(orient="records")]
        if isinstance(obj, pd.Series):
            return {str(k): to_jsonable(v) for k, v in obj.items()}
        if obj is pd.NaT:
            return None
    if isinstance(obj, (datetime, date)):  # pandas.Timestamp is a datetime
        return obj.isoformat()
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(obj, Path):
        return str(obj)
    return obj


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """``json.dumps(to_jsonable(obj))`` with NaN refused (it is ``null`` already).

    Parameters
    ----------
    obj : Any
        The value (converted by :func:`to_jsonable`).
    indent : int, optional
        Spaces per level; default one line.

    Returns
    -------
    str
        JSON text.

    Raises
    ------
    TypeError
        If ``obj`` holds something :func:`to_jsonable` leaves that ``json`` cannot write.
    """
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False)


class SummaryDict:
    """Mixin of a result type: :meth:`to_dict`, its ``summary()`` in plain JSON types.

    For the result types whose ``summary()`` holds numpy scalars, NaN or a
    :class:`pandas.Series` (which ``summary()`` keeps returning: callers rely on it).
    """

    def summary(self) -> Any:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """``summary()`` as plain JSON types: ``json.dumps(result.to_dict())`` works.

        numpy scalars become Python numbers, NaN and ±inf ``None``, times ISO strings
        and a Series a dict (:func:`to_jsonable`).

        Returns
        -------
        dict
        """
        out: dict[str, Any] = to_jsonable(self.summary())
        return out


class JsonDict(dict[str, Any]):
    """A result returned as a plain ``dict`` (timestamps kept), with :meth:`to_dict`.

    ``json.dumps(answer.to_dict())`` works, as it does for the result types'
    ``to_dict()`` (:class:`SummaryDict`); the dict itself keeps its pandas and numpy
    values for the callers that read them.
    """

    def to_dict(self) -> dict[str, Any]:
        """The dict in plain JSON types (:func:`to_jsonable`: times ISO strings, NaN None).

        Returns
        -------
        dict
        """
        out: dict[str, Any] = to_jsonable(dict(self))
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        """JSON text of :meth:`to_dict` (:func:`dumps`).

        Parameters
        ----------
        indent : int, optional
            Spaces per level; default one line.

        Returns
        -------
        str
        """
        return dumps(self, indent=indent)
