"""How to cite a report: the code's revision, the run's options, the command that re-runs it.

The version number spans many commits, and the figures can change between them: the
page and summary.json carry the git revision of the checkout the package runs from
(:func:`code_revision`), the options the report ran with (:func:`run_options`) and one
command line that re-runs the whole report (:func:`reproduce_command`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

NOT_A_CHECKOUT = "not a git checkout"
"""What :func:`code_revision` says when the package does not run from a git checkout."""

GIT_TOPLEVEL = "rev-parse --show-toplevel".split()
GIT_HEAD = "rev-parse --short=12 HEAD".split()
GIT_DIRTY = "status --porcelain --untracked-files=no".split()
"""The git calls: the checkout's root, HEAD's short hash, the tracked files changed."""

GIT_TIMEOUT_S = 10.0
"""Seconds a git call may take before the revision is given up (never fails the report)."""


def code_revision(where: Path | None = None) -> str:
    """The git revision of the liqcascade checkout the package runs from.

    Parameters
    ----------
    where : Path, optional
        A folder inside the checkout (default: this module's folder).

    Returns
    -------
    str
        ``"fc17925d3a1b"`` (12 hex digits of HEAD), ``"fc17925d3a1b modified"`` when
        tracked files differ from HEAD, or :data:`NOT_A_CHECKOUT` when git is missing,
        fails, or the enclosing repository is not liqcascade's (an installed package
        inside another project's tree). Never raises.
    """
    here = Path(__file__).resolve().parent if where is None else Path(where)
    git = shutil.which("git")
    if git is None:
        return NOT_A_CHECKOUT
    top = _git(git, here, *GIT_TOPLEVEL)
    if top is None or not _is_liqcascade(Path(top)):
        return NOT_A_CHECKOUT
    head = _git(git, here, *GIT_HEAD)
    if not head:
        return NOT_A_CHECKOUT
    dirty = _git(git, here, *GIT_DIRTY)
    return f"{head} modified" if dirty else head


def _git(git: str, here: Path, *args: str) -> str | None:
    """``git -C here args`` stripped, or None when it fails or times out."""
    try:
        r = subprocess.run(
            [git, "-C", str(here), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def _is_liqcascade(top: Path) -> bool:
    """Whether the repository at ``top`` is liqcascade's (its pyproject names the package)."""
    try:
        text = (top / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return False
    return 'name = "liqcascade"' in text


def run_options(
    assets: tuple[str, ...] | list[str],
    as_of: Any,
    *,
    quick: bool,
    sections: list[str] | None = None,
    as_of_asked: bool = False,
) -> dict[str, Any]:
    """The options a report ran with, as summary.json records them.

    Parameters
    ----------
    assets : sequence of str
        The report's assets, in order.
    as_of : date-like
        The market date (``YYYY-MM-DD``, UTC; the default: the first asset's last bar's).
    quick : bool
        A quick run (fewer paths, coarser grids: a smoke run, not figures to quote).
    sections : list of str, optional
        The sections asked for; None: every section.
    as_of_asked : bool, default False
        Whether the date was asked for (else the data's last bar).
    """
    return {
        "mode": "quick" if quick else "full",
        "assets": list(assets),
        "as_of": _day(as_of),
        "as_of_asked": bool(as_of_asked),
        "sections": "all" if sections is None else list(sections),
    }


def reproduce_command(
    options: dict[str, Any], out: str = "report", store: str | None = None
) -> str:
    """One command line that re-runs the whole report of ``options`` (:func:`run_options`).

    ``liqcascade report --out report --asset ETH,BTC --as-of 2025-07-31`` (``--quick``
    and each ``--section`` when the run had them). The date is always given, so that
    the same figures come back once the data reach further.

    Parameters
    ----------
    options : dict
        The run's options (:func:`run_options`).
    out : str, default "report"
        The output folder the run was given (``--out``), as given.
    store : str, optional
        The store the run read series or calibrations from, as ``$LIQCASCADE_STORE``
        named it (the report has no ``--store``): the command starts
        ``LIQCASCADE_STORE=PATH``, so that it reads the same data. None: no store named.

    Returns
    -------
    str
        The command, paths quoted for a POSIX shell where they need it.

    >>> reproduce_command(run_options(("ETH", "BTC"), "2025-07-31", quick=True))
    'liqcascade report --out report --asset ETH,BTC --as-of 2025-07-31 --quick'
    >>> reproduce_command(run_options(("ETH",), "2025-08-01", quick=False), "run 1/r", "s.duckdb")
    "LIQCASCADE_STORE=s.duckdb liqcascade report --out 'run 1/r' --asset ETH --as-of 2025-08-01"
    """
    parts = [
        "liqcascade report",
        f"--out {shlex.quote(str(out))}",
        f"--asset {','.join(options['assets'])}",
        f"--as-of {options['as_of']}" + (" --quick" if options["mode"] == "quick" else ""),
    ]
    if options["sections"] != "all":
        parts += [f"--section {s}" for s in options["sections"]]
    command = " ".join(parts)
    return command if store is None else f"LIQCASCADE_STORE={shlex.quote(store)} {command}"


def store_named(sources: list[dict[str, str]]) -> str | None:
    """``$LIQCASCADE_STORE`` when it is set and the report read anything from the store.

    Parameters
    ----------
    sources : list of dict
        The report's sources (:func:`liqcascade.report._data.read_sources`): a ``source``
        read from the store starts with ``store``.

    Returns
    -------
    str or None
        The variable's value as set; None when it is unset (the default store, named by
        no option) or no source came from the store.
    """
    named = os.environ.get("LIQCASCADE_STORE")
    if not named or not any(str(r.get("source", "")).startswith("store") for r in sources):
        return None
    return named


def _day(as_of: Any) -> str:
    """``as_of`` as ``--as-of`` takes it: a string as given, else ``YYYY-MM-DD``.

    A time that is not midnight is kept: ``YYYY-MM-DDTHH:MM``.
    """
    import pandas as pd

    if isinstance(as_of, str):
        return as_of
    t = pd.Timestamp(as_of)
    return f"{t:%Y-%m-%d}" if t == t.normalize() else f"{t:%Y-%m-%dT%H:%M}"
