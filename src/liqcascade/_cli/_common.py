"""Conventions shared by every command: JSON output, errors, progress, verbosity.

- ``--json``: exactly one JSON object on stdout (:func:`emit`), nothing else there.
- Bad input: raise :class:`liqcascade.errors.InputError` (or :func:`fail`); the entry
  point prints one line ``error: …`` on stderr and exits 2.
- Long work: wrap it in :func:`progress` — a rich progress bar on stderr, silent
  with ``-q``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from liqcascade._time import utc_end
from liqcascade.errors import InputError

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


@dataclass
class _State:
    verbosity: int = 0  # -1 quiet, 0 normal, 1+ verbose


STATE = _State()


def fail(message: str) -> NoReturn:
    """Abort the command with exit code 2 and ``error: message`` on stderr."""
    raise InputError(message)


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas scalars, arrays and frames to plain JSON types (NaN -> null)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (pd.Timestamp, datetime, date)):
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
    if obj is pd.NaT:
        return None
    return obj


def emit(
    result: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], None] | None = None
) -> None:
    """Print a command's result: one JSON object with ``--json``, else a human view.

    Parameters
    ----------
    result : dict
        The command's result (the JSON keys the issue names).
    as_json : bool
        The ``--json`` flag.
    render : callable, optional
        Human rendering; by default a two-column table of the scalar keys.
    """
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(result), allow_nan=False) + "\n")
        sys.stdout.flush()
        return
    if render is not None:
        render(result)
        return
    table = Table(show_header=False, box=None)
    for k, v in result.items():
        if isinstance(v, dict | list):
            continue
        table.add_row(f"[bold]{k}[/]", _fmt(v))
    stdout.print(table)


def _fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        a = abs(float(v))
        if a >= 1e5:
            return f"{float(v):,.0f}"
        return f"{float(v):.6g}"
    return str(v)


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """A rich progress bar on stderr; yields ``advance(n)``.

    Silent with ``-q`` and when stderr is not a terminal (a bar stopped there would
    leave an empty line before an ``error:`` line).
    """
    if STATE.verbosity < 0 or not stderr.is_terminal:

        def _noop(n: float = 1) -> None:
            return None

        yield _noop
        return
    bar = Progress(
        TextColumn("[bold blue]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)

        def _advance(n: float = 1) -> None:
            bar.advance(task, n)

        yield _advance


def info(message: str) -> None:
    """A note on stderr (hidden with ``-q``)."""
    if STATE.verbosity >= 0:
        stderr.print(message)


def warn(message: str) -> None:
    """A warning on stderr (always shown)."""
    stderr.print(f"[yellow]warning:[/] {message}", highlight=False)


def parse_date(value: str | None, option: str) -> pd.Timestamp | None:
    """Parse an option's date (UTC) or fail naming the option."""
    if value is None:
        return None
    if not str(value).strip():
        fail(f"{option} is empty: give a date like 2025-07-31")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        fail(f"{option}: not a date: {value!r}")
    if ts is pd.NaT:
        fail(f"{option}: not a date: {value!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def parse_as_of(value: str | None, option: str = "--as-of") -> pd.Timestamp | None:
    """Parse an ``--as-of`` value (UTC); a bare date means the end of that day.

    ``--as-of 2025-07-31`` is the market as it stood at the day's last bar, the same
    for every command; a full timestamp is taken as given.
    """
    ts = parse_date(value, option)
    return None if ts is None else utc_end(value)


def check_choice(
    option: str, value: str, choices: Collection[str], given: str | None = None
) -> None:
    """Fail unless ``value`` is one of ``choices``, naming the option and what was given.

    The message is ``OPTION must be one of A, B, C (got 'GIVEN')``; ``given`` (by default
    ``value``) is what the user typed, when ``value`` is a normalised form of it.
    """
    if value not in choices:
        shown = value if given is None else given
        fail(f"{option} must be one of {', '.join(choices)} (got {shown!r})")


def existing_file(path: Path, option: str) -> Path:
    """Check that ``path`` is a readable file, or fail naming the option."""
    if not path.exists():
        fail(f"{option}: {path}: no such file")
    if not path.is_file():
        fail(f"{option}: {path}: not a file")
    return path
