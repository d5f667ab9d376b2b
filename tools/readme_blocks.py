"""Re-run the command-line tours of README.md and docs/*.md and compare their output.

A tour block is a fenced block (```` ``` ````, ```` ```text ```` or ```` ```console ````)
whose first line is ``$ liqcascade ...`` (``\\``-continued lines joined, ``NAME=value``
prefixes allowed) and whose other lines are what the command printed. Each block is
re-run with ``python -m liqcascade`` from the repository's ``src``: cwd the repository,
``NO_COLOR=1``, ``TERM=dumb``, ``HOME`` a scratch folder and ``LIQCASCADE_STORE`` unset
(the bundled data, as a fresh clone sees it), an ``--out`` path inside that scratch
folder (its prefix is removed from the output). The terminal width is the block's own:

- ``COLUMNS`` is the widest output line (at least 80) unless a marker says otherwise;
- stdout only, unless the marker says ``stderr``: then stderr and stdout as a terminal
  shows them, in the order they were written.

A marker is one HTML comment on the line above the fence (invisible on GitHub)::

    <!-- readme-blocks: columns=100 stderr -->
    <!-- readme-blocks: skip (replays a recorded watch session) -->

A block may quote part of the output (an excerpt): a line that is only ``…`` (or
``...``) stands for any number of lines, and ``…`` (or ``...``) inside a line for any text
(``…`` in the real output matches itself). An excerpt starts at the output's first line
unless it starts with a gap, and need not reach its end (the pages cut a tail without a
gap line). Blocks that cannot be re-run (``watch``, the network, files the repository
lacks, several commands in one block) are marked ``skip`` with a reason. A command that
ends otherwise than with exit 0 or 2 (bad input) is an error, never a new output.

Usage (the maintainers run ``--check`` before a release, CONTRIBUTING.md)::

    python tools/readme_blocks.py --check                  # OK or a diff per block, exit 1
    python tools/readme_blocks.py --write --only 'margin'  # rewrite the stale blocks
    python tools/readme_blocks.py --check --exclude 'stops backtest' docs/cascade.md

Progress (one line per block, with its time) goes to stderr.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+)(?P<info>[\w-]*)\s*$")
TOUR_INFOS = ("", "text", "console")
MARKER = re.compile(r"^\s*<!--\s*readme-blocks:(?P<body>.*?)-->\s*$")
GAP = ("…", "...")
MIN_COLUMNS = 80
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True)
class Marker:
    """What the comment above a block says.

    Parameters
    ----------
    skip : str or None
        Why the block is not re-run (``""`` when no reason is given); None to run it.
    columns : int or None
        The terminal width in characters; None to infer it from the block.
    stderr : bool
        Whether the block shows stderr (interleaved with stdout).
    """

    skip: str | None = None
    columns: int | None = None
    stderr: bool = False


@dataclass(frozen=True)
class Block:
    """One tour block of a page.

    Parameters
    ----------
    path : Path
        The page.
    start : int
        0-based index of the opening fence's line.
    end : int
        0-based index of the closing fence's line.
    indent : str
        The fence's indentation (a block inside a list item), removed from every line.
    command : str
        The command after ``$ `` (continuations joined).
    command_lines : int
        How many lines of the block the command takes.
    output : tuple of str
        The quoted output, indentation removed, trailing blanks stripped.
    marker : Marker
        The block's marker (the default when it has none).
    """

    path: Path
    start: int
    end: int
    indent: str
    command: str
    command_lines: int
    output: tuple[str, ...]
    marker: Marker

    @property
    def where(self) -> str:
        """``page:line`` of the opening fence (1-based), relative to the repository."""
        try:
            name = self.path.resolve().relative_to(ROOT)
        except ValueError:
            name = self.path
        return f"{name}:{self.start + 1}"

    @property
    def columns(self) -> int:
        """The terminal width the block was printed at (marker, else the widest line)."""
        if self.marker.columns is not None:
            return self.marker.columns
        return max([MIN_COLUMNS, *(len(line) for line in self.output)])


def parse_marker(line: str) -> Marker | None:
    """The marker a line holds, or None when it holds none.

    ``<!-- readme-blocks: columns=100 stderr -->``, ``<!-- readme-blocks: skip -->``
    or ``<!-- readme-blocks: skip (why) -->``. An unknown word raises ``ValueError``.
    """
    m = MARKER.match(line)
    if m is None:
        return None
    body = m.group("body").strip()
    if body.startswith("skip"):
        reason = body[4:].strip()
        return Marker(skip=reason[1:-1] if reason.startswith("(") else reason)
    columns, stderr = None, False
    for word in body.split():
        if word == "stderr":
            stderr = True
        elif word.startswith("columns=") and word[8:].isdigit():
            columns = int(word[8:])
        else:
            raise ValueError(f"unknown readme-blocks marker word {word!r} in {line.strip()!r}")
    return Marker(columns=columns, stderr=stderr)


def find_blocks(text: str, path: Path) -> list[Block]:
    """The tour blocks of a page's text, in order."""
    lines = text.split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        indent, fence = m.group("indent"), m.group("fence")
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence), len(lines))
        body = [
            line[len(indent) :] if line.startswith(indent) else line.lstrip()
            for line in lines[i + 1 : end]
        ]
        if m.group("info") in TOUR_INFOS and body and _is_tour_command(body[0]):
            n = 1
            while body[n - 1].endswith("\\") and n < len(body):
                n += 1
            command = " ".join(line.rstrip("\\").strip() for line in body[:n])[2:]
            output = [line.rstrip() for line in body[n:]]
            while output and not output[-1]:
                output.pop()
            marker = parse_marker(lines[i - 1]) if i > 0 else None
            blocks.append(
                Block(path, i, end, indent, command, n, tuple(output), marker or Marker())
            )
        i = end + 1
    return blocks


def _is_tour_command(line: str) -> bool:
    """Whether a block's first line is ``$ liqcascade ...`` (after ``NAME=value`` words)."""
    if not line.startswith("$ "):
        return False
    words = line[2:].split()
    while words and ENV_NAME.match(words[0]):
        words.pop(0)
    return bool(words) and words[0] == "liqcascade"


def why_not_runnable(block: Block) -> str | None:
    """Why the block cannot be re-run as one command, or None when it can."""
    if any(line.startswith("$ ") for line in block.output):
        return "several commands in one block"
    lexer = shlex.shlex(block.command, posix=True, punctuation_chars=True)
    if any(set(word) <= set("();<>|&") for word in lexer) or "$(" in block.command:
        return "shell syntax beyond one command"
    return None


def _inside(path: str) -> Path:
    """``path`` relative to a folder: an absolute one without its root (``/tmp/r`` -> ``tmp/r``)."""
    p = Path(path)
    return p.relative_to(p.anchor) if p.is_absolute() else p


def command_argv(command: str, scratch: Path) -> tuple[dict[str, str], list[str]]:
    """The environment words and the argv after ``liqcascade``, ``--out`` into ``scratch``."""
    words = shlex.split(command, comments=True)
    env = {}
    while words and ENV_NAME.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    args = words[1:]
    for k, word in enumerate(args):
        if word == "--out" and k + 1 < len(args):
            args[k + 1] = str(scratch / _inside(args[k + 1]))
        elif word.startswith("--out="):
            args[k] = "--out=" + str(scratch / _inside(word[6:]))
    return env, args


def run_block(block: Block, timeout: float) -> tuple[list[str], int]:
    """Re-run a block's command as the block was printed; its output lines and exit code."""
    with tempfile.TemporaryDirectory(prefix="rb") as tmp:
        scratch = Path(tmp)
        words, args = command_argv(block.command, scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIQCASCADE_")}
        env.pop("LINES", None)
        env.update(
            NO_COLOR="1",
            TERM="dumb",
            COLUMNS=str(block.columns),
            HOME=str(scratch),
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.pathsep.join(
                [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        )
        env.update(words)
        r = subprocess.run(
            [sys.executable, "-m", "liqcascade", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if block.marker.stderr else subprocess.PIPE,
            timeout=timeout,
            check=False,
            text=True,
            encoding="utf-8",
        )
        text = r.stdout.replace(str(scratch) + os.sep, "")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines, r.returncode


def line_matches(quoted: str, printed: str) -> bool:
    """Whether a quoted line is the printed one, ``…`` (or ``...``) inside it any text."""
    parts = re.split(r"…|\.\.\.", quoted)
    if len(parts) == 1:
        return quoted == printed
    return re.fullmatch(".*?".join(re.escape(part) for part in parts), printed) is not None


def _segments(quoted: tuple[str, ...]) -> list[list[str]]:
    """The quoted lines split at gap lines (a leading gap gives an empty first segment)."""
    segments: list[list[str]] = [[]]
    for line in quoted:
        if line.strip() in GAP:
            segments.append([])
        else:
            segments[-1].append(line)
    return segments


def _at(segment: list[str], printed: list[str], pos: int) -> bool:
    return pos + len(segment) <= len(printed) and all(
        line_matches(q, p) for q, p in zip(segment, printed[pos:], strict=False)
    )


def locate(quoted: tuple[str, ...], printed: list[str]) -> list[int] | None:
    """Where each segment of ``quoted`` lies in ``printed``, or None when it does not agree.

    A block without a gap line is the whole output, line for line. In an excerpt the
    first segment is anchored at the start (an empty one, from a leading gap, anchors
    nothing) and each later one is placed leftmost after the one before; the excerpt
    need not quote the output's end (the pages cut a tail without a gap line).
    """
    segments = _segments(quoted)
    if len(segments) == 1:
        ok = len(quoted) == len(printed) and _at(segments[0], printed, 0)
        return [0] if ok else None
    if not _at(segments[0], printed, 0):
        return None
    starts, pos = [0], len(segments[0])
    for segment in segments[1:]:
        found = next(
            (p for p in range(pos, len(printed) - len(segment) + 1) if _at(segment, printed, p)),
            None,
        )
        if found is None:
            return None
        starts.append(found)
        pos = found + len(segment)
    return starts


def _shortened(quoted: str, printed: list[str]) -> bool:
    """Whether a quoted line was shortened by hand (``…`` inside it, no printed line like it)."""
    return bool(re.search(r"…|\.\.\.", quoted)) and not any(
        line_matches(quoted, p) for p in printed
    )


def regenerate(quoted: tuple[str, ...], printed: list[str]) -> list[str] | None:
    """The block's new output lines: the printed ones, excerpted as the block excerpts.

    A block without gaps becomes the printed output (a quoted line that still agrees
    with its printed line is kept as quoted when the length did not change). In an
    excerpt each segment takes as many printed lines, in order, where they are most
    like it (the first at the start). None when a line shortened by hand would be lost.
    """
    if any(_shortened(q, printed) for q in quoted if q.strip() not in GAP):
        return None
    segments = _segments(quoted)
    if len(segments) == 1 and len(quoted) != len(printed):
        return list(printed)
    gap = next((q for q in quoted if q.strip() in GAP), "…")
    out: list[str] = []
    pos = 0
    for k, segment in enumerate(segments):
        n, text = len(segment), "\n".join(segment)
        best = (
            0
            if k == 0
            else max(
                range(pos, max(pos, len(printed) - n) + 1),
                key=lambda p: difflib.SequenceMatcher(
                    None, text, "\n".join(printed[p : p + n])
                ).ratio(),
            )
        )
        window = printed[best : best + n]
        kept = (q if line_matches(q, p) else p for q, p in zip(segment, window, strict=False))
        out += [*([gap] if k else []), *kept]
        pos = best + n
    return out


def rewrite(text: str, block: Block, output: list[str]) -> str:
    """The page's text with the block's output lines replaced (indentation restored)."""
    lines = text.split("\n")
    first = block.start + 1 + block.command_lines
    new = [block.indent + line if line else line for line in output]
    lines[first : block.end] = new
    return "\n".join(lines)


def pages(args: list[str]) -> list[Path]:
    """The pages named, else README.md and docs/*.md."""
    if args:
        return [Path(a).resolve() for a in args]
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _selected(block: Block, only: str | None, exclude: list[str]) -> bool:
    if only is not None and not re.search(only, block.command):
        return False
    return not any(re.search(x, block.command) for x in exclude)


def check_page(path: Path, opts: argparse.Namespace, counts: dict[str, int]) -> None:
    """Check (and with ``--write`` rewrite) every selected block of one page."""
    text = path.read_text(encoding="utf-8")
    rewrites: list[tuple[Block, list[str]]] = []
    for block in find_blocks(text, path):
        if not _selected(block, opts.only, opts.exclude):
            continue
        outcome, new = check_block(block, opts.timeout)
        counts[outcome] += 1
        if outcome != "stale" or not opts.write:
            continue
        if new is None:
            print(f"  not rewritten: {block.where} has lines shortened by hand", flush=True)
        else:
            rewrites.append((block, new))
            counts["stale"] -= 1
            counts["rewritten"] += 1
    for block, new in reversed(rewrites):  # bottom up: the line numbers above stay valid
        text = rewrite(text, block, new)
        print(f"  rewritten: {block.where}", flush=True)
    if rewrites:
        path.write_text(text, encoding="utf-8")


def check_block(block: Block, timeout: float) -> tuple[str, list[str] | None]:
    """Re-run one block and print its verdict: ok, stale, skip or error, and new lines."""
    head = f"{block.where} $ {block.command[:80]}"
    if block.marker.skip is not None:
        reason = f" ({block.marker.skip})" if block.marker.skip else ""
        print(f"SKIP  {head}{reason}", flush=True)
        print(f"{block.where}: skipped{reason}", file=sys.stderr, flush=True)
        return "skip", None
    if (why := why_not_runnable(block)) is not None:
        print(f"ERROR {head}: cannot re-run ({why}): mark it skip", flush=True)
        return "error", None
    t0 = time.perf_counter()
    try:
        printed, code = run_block(block, timeout)
    except subprocess.TimeoutExpired:
        print(f"ERROR {head}: no answer within {timeout:.0f} s", flush=True)
        return "error", None
    if code not in (0, 2):
        print(f"ERROR {head}: exit {code}", *printed[-20:], sep="\n", flush=True)
        return "error", None
    ok = locate(block.output, printed) is not None
    print(
        f"{block.where}: {'OK' if ok else 'STALE'} in {time.perf_counter() - t0:.1f} s "
        f"(COLUMNS={block.columns})",
        file=sys.stderr,
        flush=True,
    )
    if ok:
        print(f"OK    {head}", flush=True)
        return "ok", None
    new = regenerate(block.output, printed)
    # an excerpt is compared with the same excerpt of the new output, when there is one
    diff = difflib.unified_diff(
        list(block.output),
        printed if new is None else new,
        f"{block.where} (quoted)",
        f"$ {block.command} (printed now{'' if new is None else ', excerpted as quoted'})",
        lineterm="",
    )
    print(f"STALE {head}", *diff, sep="\n", flush=True)
    return "stale", new


def main(argv: list[str] | None = None) -> int:
    """The command line; exit 1 when a block is stale (and not rewritten) or cannot run."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="print OK or a diff per block")
    mode.add_argument("--write", action="store_true", help="rewrite the stale blocks")
    p.add_argument("--only", metavar="PATTERN", help="only commands matching this regex")
    p.add_argument(
        "--exclude",
        metavar="PATTERN",
        action="append",
        default=[],
        help="leave out commands matching this regex (repeatable)",
    )
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per block")
    p.add_argument("pages", nargs="*", help="pages (default README.md and docs/*.md)")
    opts = p.parse_args(argv)
    counts = dict.fromkeys(("ok", "stale", "rewritten", "skip", "error"), 0)
    t0 = time.perf_counter()
    for path in pages(opts.pages):
        check_page(path, opts, counts)
    print(
        ", ".join(f"{v} {k}" for k, v in counts.items()) + f" in {time.perf_counter() - t0:.0f} s",
        file=sys.stderr,
    )
    return 1 if counts["stale"] or counts["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
