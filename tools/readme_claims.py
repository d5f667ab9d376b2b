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
and exit 1. A report of other sections or assets than the full one gives another table:
give the full report's folder.
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
    rows = [
        f"| {_cell(c['claim'])} | {_cell(c['computed'])} | {_cell(c['verdict'])} |" for c in claims
    ]
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
    subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, check=True, timeout=timeout)
    return out / "report"


def main(argv: list[str] | None = None) -> int:
    """The command line; exit 1 when README's table differs from the report (``--check``)."""
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
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    text = page.read_text(encoding="utf-8")
    lines = diff(text, summary, page.name)
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
