"""Render README.md's claims table from a full report's summary.json, and check it.

The README's table of the 2025 commentary's claims (``| claim | what liqcascade computes
| verdict |``, under the marker ``<!-- readme-claims -->``) is the report's own: each
row is one entry of summary.json's ``claims`` (the report's claim rows, in report
order), its claim, its section text (``computed``: every figure, as the claim's section
prints it in its "Claim tested here" box) and its verdict. A ``|`` inside a cell is
written ``\\|``; nothing else is changed.

Usage (the maintainers run ``--check`` before a release, CONTRIBUTING.md)::

    python tools/readme_claims.py --check              # a fresh full report (minutes)
    python tools/readme_claims.py --check REPORT_DIR   # a report already written
    python tools/readme_claims.py --write REPORT_DIR   # rewrite README's table from it

Without ``REPORT_DIR`` a full report (``liqcascade report``, every section, both
assets) runs into a scratch folder as a fresh clone sees it: ``python -m liqcascade``
from the repository's ``src``, ``LIQCASCADE_*`` unset and ``HOME`` a scratch folder (the
bundled data, no user's store). ``--check`` prints OK, or a unified diff of the table
and exit 1; a report that fails, a folder without a readable summary.json or a page
without the marked table is one line ``error: ...`` and exit 2. A report of other
sections or assets than the full one gives another table: give the full report's folder.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARKER = "<!-- readme-claims -->"
"""The line above the table (invisible on GitHub): the table under it is rendered."""
HEADER = ("| claim | what liqcascade computes | verdict |", "|---|---|---|")


def _cell(text: str) -> str:
    """A table cell: one line, ``|`` escaped (markdown would end the cell there)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def render(summary: dict[str, Any]) -> list[str]:
    """The README's table (header, rule, one row per claim) from a report's summary.

    Parameters
    ----------
    summary : dict
        A report's summary.json: its ``claims`` list, each with ``claim``, ``computed``
        (the section's full text) and ``verdict``.

    Returns
    -------
    list of str
        The table's lines, without line ends.
    """
    claims = summary.get("claims")
    if not claims:
        raise ValueError("the summary has no claims: give a full report's summary.json")
    rows = []
    for i, c in enumerate(claims):
        lacks = [k for k in ("claim", "computed", "verdict") if k not in c]
        if lacks:
            raise ValueError(f"claims[{i}] lacks {', '.join(lacks)}: not a report's summary.json")
        rows.append(f"| {_cell(c['claim'])} | {_cell(c['computed'])} | {_cell(c['verdict'])} |")
    return [*HEADER, *rows]


def find_table(lines: list[str]) -> tuple[int, int]:
    """Where the rendered table is: ``lines[start:end]`` (header to its last row).

    The table is the one right under the line :data:`MARKER` (one such line).

    Raises
    ------
    ValueError
        No marker, more than one, or no table with the expected header under it.
    """
    at = [i for i, line in enumerate(lines) if line.strip() == MARKER]
    if len(at) != 1:
        raise ValueError(f"expected one line {MARKER!r} above the claims table (found {len(at)})")
    start = at[0] + 1
    if tuple(s.strip() for s in lines[start : start + 2]) != HEADER:
        raise ValueError(f"line {start + 1}: the claims table's header is not {HEADER[0]!r}")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return start, end


def diff(text: str, summary: dict[str, Any], name: str = "README.md") -> list[str]:
    """A unified diff from the page's table to the rendered one (empty when they agree)."""
    lines = text.split("\n")
    start, end = find_table(lines)
    return list(
        difflib.unified_diff(
            lines[start:end], render(summary), f"{name} (claims table)", "the report", lineterm=""
        )
    )


def rewrite(text: str, summary: dict[str, Any]) -> str:
    """The page with its claims table replaced by the rendered one."""
    lines = text.split("\n")
    start, end = find_table(lines)
    return "\n".join([*lines[:start], *render(summary), *lines[end:]])


def fresh_report(out: Path, timeout: float) -> Path:
    """Run a full report into ``out`` as a fresh clone would; its summary.json."""
    home = out / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIQCASCADE_")}
    env.update(
        NO_COLOR="1",
        TERM="dumb",
        HOME=str(home),
        PYTHONPATH=os.pathsep.join(
            [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    )
    cmd = [sys.executable, "-m", "liqcascade", "report", "--out", str(out / "report")]
    print("running: liqcascade report (the full report)", file=sys.stderr)
    try:
        subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, check=True,
                       timeout=timeout)  # fmt: skip
    except subprocess.CalledProcessError as exc:
        raise ValueError(f"liqcascade report failed (exit {exc.returncode}): see above") from exc
    except subprocess.TimeoutExpired as exc:
        raise ValueError(f"liqcascade report took over {timeout:g} s (--timeout)") from exc
    return out / "report"


def _summary(folder: Path) -> dict[str, Any]:
    """``folder``'s summary.json; a missing or unreadable one a :class:`ValueError`."""
    path = folder / "summary.json"
    try:
        out = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"{path}: no such file: give a full report's folder") from exc
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot be read as JSON ({exc})") from exc
    if not isinstance(out, dict):
        raise ValueError(f"{path}: not a report's summary (a JSON object)")
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line; exit 1 when README's table differs from the report (``--check``).

    Exit 2 with one line ``error: ...`` when the report fails, its summary cannot be
    read or the page holds no marked table.
    """
    try:
        return _main(argv)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _main(argv: list[str] | None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="print OK or the table's diff")
    mode.add_argument("--write", action="store_true", help="rewrite README's table")
    p.add_argument("report", nargs="?", help="a full report's folder (default: run one)")
    p.add_argument("--readme", default=str(README), help="the page (default README.md)")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds for the report")
    opts = p.parse_args(argv)
    page = Path(opts.readme)
    with tempfile.TemporaryDirectory(prefix="rc") as tmp:
        folder = Path(opts.report) if opts.report else fresh_report(Path(tmp), opts.timeout)
        summary = _summary(folder)
    try:
        text = page.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{page}: cannot be read ({exc.strerror or exc})") from exc
    try:
        lines = diff(text, summary, page.name)
    except ValueError as exc:
        raise ValueError(f"{page.name}: {exc}") from exc
    if not lines:
        print(f"{page.name}: claims table OK ({len(summary['claims'])} rows)")
        return 0
    if opts.write:
        page.write_text(rewrite(text, summary), encoding="utf-8")
        print(f"{page.name}: claims table rewritten", file=sys.stderr)
        return 0
    print("\n".join(lines))
    return 1


if __name__ == "__main__":
    sys.exit(main())
