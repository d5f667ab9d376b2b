"""Re-run the command-line tours of README.md and docs/*.md and compare their output.

A tour block is a fenced block (```` ``` ````, ```` ```text ```` or ```` ```console ````)
whose first line is ``$ liqcascade ...`` (``\\``-continued lines joined, ``NAME=value``
prefixes allowed) and whose other lines are what the command printed. A block may be a
session: each later ``$ ...`` line is another command, run in turn, its output quoted
under it. A command is ``liqcascade ...`` or a file viewer (``head``, ``tail``, ``cat``,
``wc``, ``ls``), with no shell syntax but a trailing ``; echo $?`` (the exit code, quoted
as the output's last line). ``liqcascade`` runs as ``python -m liqcascade`` from the
repository's ``src``: cwd the repository, ``NO_COLOR=1``, ``TERM=dumb``,
``LIQCASCADE_STORE`` unset (the bundled data, as a fresh clone sees it).

Each block has a scratch folder, shared by its commands: ``HOME`` is ``home/me`` in it
(printed as ``/home/me``), and what a command writes goes there, never into the
repository: an ``--out`` or ``--store`` path and ``LIQCASCADE_STORE=PATH`` are put in it
(``report`` without ``--out`` is given ``--out report`` there: :data:`DEFAULT_OUT`),
a later word naming one of them (``--tree tree``, ``bob.json``, ``head -1 e.csv``) reads
it there, and the folder's prefix is removed from the output. The terminal width is the
block's own:

- ``COLUMNS`` is the widest output line (at least 80) unless a marker says otherwise;
- stdout only, unless the marker says ``stderr``: then stderr and stdout as a terminal
  shows them, in the order they were written.

A marker is one HTML comment on the line above the fence (invisible on GitHub), with
any of these words::

    <!-- readme-blocks: columns=100 stderr -->
    <!-- readme-blocks: cwd=tests/data/book wrap -->
    <!-- readme-blocks: store=scratch -->
    <!-- readme-blocks: continue -->
    <!-- readme-blocks: skip (replays a recorded watch session) -->

- ``columns=N``: the terminal width; ``stderr``: as above;
- ``cwd=PATH``: the commands run in that folder of the repository (what they write
  still goes to the scratch folder);
- ``store=scratch``: ``LIQCASCADE_STORE`` names a fresh store in the scratch folder, so
  a ``data ingest`` session touches no one's store;
- ``wrap``: a long printed line (one-line JSON) may be quoted wrapped over several
  lines: each line break and the indentation after it reads as one space (``…`` any
  text, and a quote holding one need not reach the end); ``--write`` leaves such a quote
  for a hand to update;
- ``continue``: the block runs in the session the page's previous block left (its
  scratch folder: the store and files it wrote); run alone (``--only``), the previous
  block runs first, unchecked;
- ``skip (why)``: not re-run.

A block may quote part of the output (an excerpt): a line that is only ``…`` (or
``...``) stands for any number of lines, and ``…`` (or ``...``) inside a line for any text
(``…`` in the real output matches itself). A float printed in full (ten significant
digits or more, JSON's repr) matches a printed one within 1e-9 relative
(:data:`NUMBER_RTOL`): its last digits differ across machines; a rounded figure matches
as text. An excerpt starts at the output's first line
unless it starts with a gap, and need not reach its end (the pages cut a tail without a
gap line). A value a command quotes abbreviated (``--root 1d185021…f59c``) is a random
one an earlier command of the session printed: the command gets the printed value, and
where the output quotes it in full it matches any text. Blocks that cannot be re-run
(``watch`` against a venue, the network, files the repository lacks) are marked ``skip``
with a reason. A command that ends otherwise than with exit 0 or 2 (bad input) is an error,
never a new output, unless it quotes that exit code (``; echo $?``).

Usage (the maintainers run ``--check`` before a release, CONTRIBUTING.md)::

    python tools/readme_blocks.py --check                  # OK or a diff per block, exit 1
    python tools/readme_blocks.py --write --only 'margin'  # rewrite the stale blocks
    python tools/readme_blocks.py --check --exclude 'stops backtest' docs/cascade.md

``--only`` / ``--exclude`` match any command of a block. Progress (one line per block,
with its time) goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+)(?P<info>[\w-]*)\s*$")
TOUR_INFOS = ("", "text", "console")
MARKER = re.compile(r"^\s*<!--\s*readme-blocks:(?P<body>.*?)-->\s*$")
GAP = ("…", "...")
MIN_COLUMNS = 80
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
#: A trailing ``; echo $?``: the command's exit code is quoted as its last output line.
ECHO_CODE = re.compile(r"\s*;\s*echo \$\?\s*(?=#|$)")
#: The other programs a session may run: file viewers, on the files its commands wrote.
VIEWERS = ("head", "tail", "cat", "wc", "ls")
#: The options whose path a command writes (put in the block's scratch folder).
WRITTEN = ("--out", "--store")
#: Commands that write into the folder they run in when no ``--out`` is given, and what
#: (``report``: ``report/``): given that ``--out``, they write into the scratch folder.
DEFAULT_OUT = {"report": "report"}
#: A value a command quotes abbreviated (``1d185021…f59c``: a random hash printed before).
ABBREVIATION = re.compile(r"(?<!\S)\w+…\w+(?!\S)")
#: How the scratch ``HOME`` is printed.
HOME_SHOWN = "/home/me"
#: How a command is started: :func:`subprocess.run`. The test suite puts its warm-start
#: equivalent here (tests/warmpython.py: a fresh process per command, forked from an
#: interpreter that has imported the numeric stack once: its ``PRELOADED``).
RUN_COMMAND: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run


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
    cwd : str or None
        The folder the commands run in, relative to the repository; None for its root.
    scratch_store : bool
        ``store=scratch``: ``LIQCASCADE_STORE`` names a fresh store in the block's scratch
        folder (a file not yet created) for every command.
    wrap : bool
        Whether a printed line may be quoted wrapped over several lines (long JSON): the
        output is compared with each line break and the indentation after it read as
        one space.
    continues : bool
        ``continue``: the block runs in the session the page's previous block left (its
        scratch folder, the files and store its commands wrote).
    """

    skip: str | None = None
    columns: int | None = None
    stderr: bool = False
    cwd: str | None = None
    scratch_store: bool = False
    wrap: bool = False
    continues: bool = False


@dataclass(frozen=True)
class Step:
    """One command of a block and the output quoted under it.

    Parameters
    ----------
    command : str
        The command after ``$ `` (continuations joined).
    lines : int
        How many lines of the block the command takes.
    output : tuple of str
        The quoted output, indentation removed, trailing blanks stripped.
    blank : int
        The blank lines stripped after the output (before the next ``$`` line or the fence).
    """

    command: str
    lines: int
    output: tuple[str, ...]
    blank: int = 0

    @property
    def echoes_code(self) -> bool:
        """Whether the command ends with ``; echo $?`` (its exit code is printed)."""
        return ECHO_CODE.search(self.command) is not None


@dataclass(frozen=True)
class Block:
    """One tour block of a page: one command, or a session of several.

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
    steps : tuple of Step
        The commands in the order they run, each with its quoted output.
    marker : Marker
        The block's marker (the default when it has none).
    """

    path: Path
    start: int
    end: int
    indent: str
    steps: tuple[Step, ...]
    marker: Marker

    @property
    def command(self) -> str:
        """The first command (after ``$ ``)."""
        return self.steps[0].command

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
        return max([MIN_COLUMNS, *(len(line) for s in self.steps for line in s.output)])


def parse_marker(line: str) -> Marker | None:
    """The marker a line holds, or None when it holds none.

    ``<!-- readme-blocks: columns=100 stderr -->``, ``<!-- readme-blocks: skip -->``
    or ``<!-- readme-blocks: skip (why) -->``; the words are the module docstring's. An
    unknown word raises ``ValueError``.
    """
    m = MARKER.match(line)
    if m is None:
        return None
    body = m.group("body").strip()
    if body.startswith("skip"):
        reason = body[4:].strip()
        return Marker(skip=reason[1:-1] if reason.startswith("(") else reason)
    found: dict[str, object] = {}
    for word in body.split():
        name, _, value = word.partition("=")
        if word in ("stderr", "wrap", "continue"):
            found[{"continue": "continues"}.get(word, word)] = True
        elif name == "columns" and value.isdigit():
            found["columns"] = int(value)
        elif name == "cwd" and value and not Path(value).is_absolute() and ".." not in value:
            found["cwd"] = value.rstrip("/")
        elif word == "store=scratch":
            found["scratch_store"] = True
        else:
            raise ValueError(f"unknown readme-blocks marker word {word!r} in {line.strip()!r}")
    return Marker(**found)  # type: ignore[arg-type]


def _steps(body: list[str]) -> tuple[Step, ...]:
    """A block's lines (the first one a ``$`` line) as its commands and their outputs."""
    steps, i = [], 0
    while i < len(body):
        n = 1
        while body[i + n - 1].endswith("\\") and i + n < len(body):
            n += 1
        command = " ".join(line.rstrip("\\").strip() for line in body[i : i + n])[2:]
        j = i + n
        while j < len(body) and not body[j].startswith("$ "):
            j += 1
        output = [line.rstrip() for line in body[i + n : j]]
        blank = 0
        while output and not output[-1]:
            output.pop()
            blank += 1
        steps.append(Step(command, n, tuple(output), blank))
        i = j
    return tuple(steps)


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
            marker = parse_marker(lines[i - 1]) if i > 0 else None
            blocks.append(Block(path, i, end, indent, _steps(body), marker or Marker()))
        i = end + 1
    return blocks


def _is_tour_command(line: str) -> bool:
    """Whether a block's first line is ``$ liqcascade ...`` (after ``NAME=value`` words)."""
    return line.startswith("$ ") and _program(line[2:]) == "liqcascade"


def _program(command: str) -> str:
    """The command's program: its first word after the ``NAME=value`` words."""
    words = command.split()
    while words and ENV_NAME.match(words[0]):
        words.pop(0)
    return words[0] if words else ""


def why_not_runnable(block: Block) -> str | None:
    """Why the block cannot be re-run, or None when it can.

    Each command is ``liqcascade ...`` or a file viewer (``head``, ``tail``, ``cat``,
    ``wc``, ``ls``), with no shell syntax but a trailing ``; echo $?``.
    """
    for step in block.steps:
        if _program(step.command) not in ("liqcascade", *VIEWERS):
            return f"a command other than liqcascade or a file viewer: {step.command[:40]}"
        command = ECHO_CODE.sub("", step.command)
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        if any(set(word) <= set("();<>|&") for word in lexer) or "$(" in command:
            return "shell syntax beyond one command (and a trailing '; echo $?')"
    return None


def _inside(path: str) -> Path:
    """``path`` relative to a folder: an absolute one without its root (``/tmp/r`` -> ``tmp/r``)."""
    p = Path(path)
    return p.relative_to(p.anchor) if p.is_absolute() else p


def _abbreviated_in(abbreviation: str, text: str) -> list[str]:
    """The words of ``text`` that ``abbreviation`` (``1d185021…f59c``) shortens."""
    head, _, tail = abbreviation.partition("…")
    return [
        w
        for w in dict.fromkeys(re.findall(r"\w+", text))
        if len(w) > len(head) + len(tail) and w.startswith(head) and w.endswith(tail)
    ]


def _random_words(block: Block) -> list[str]:
    """The words of the block's outputs that a command quotes abbreviated: random values."""
    short = [m for s in block.steps for m in ABBREVIATION.findall(s.command)]
    return [w for a in short for s in block.steps for w in _abbreviated_in(a, "\n".join(s.output))]


def _masked(line: str, words: list[str]) -> str:
    """The quoted line with each of ``words`` (random values) read as any text."""
    for word in words:
        line = line.replace(word, "…")
    return line


def command_argv(
    command: str, scratch: Path, created: dict[str, Path] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The environment words and the argv (``liqcascade`` first), files in ``scratch``.

    The files a command writes are put in ``scratch``: ``--out`` and ``--store`` paths,
    ``LIQCASCADE_STORE``, and a :data:`DEFAULT_OUT` command's default folder (given as
    ``--out``); ``created`` (updated) maps each path as written to its place,
    so a later word naming one (``--tree tree``, ``bob.json``, ``head -1 e.csv``) reads
    it there.
    """
    created = {} if created is None else created

    def place(path: str) -> str:
        created[path.rstrip("/")] = scratch / _inside(path)
        return str(created[path.rstrip("/")])

    def made(word: str) -> str:
        head, sep, tail = word.partition("/")
        for name in (word.rstrip("/"), head):
            if name in created:
                return str(created[name]) + (sep + tail if name == head != word else "")
        return word

    words = shlex.split(ECHO_CODE.sub("", command), comments=True)
    env = {}
    while words and ENV_NAME.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = place(value) if name == "LIQCASCADE_STORE" else value
    args, k = words, 1
    while k < len(args):
        word = args[k]
        if word in WRITTEN and k + 1 < len(args):
            args[k + 1] = place(args[k + 1])
            k += 1
        elif word.partition("=")[0] in WRITTEN and "=" in word:
            option, _, path = word.partition("=")
            args[k] = f"{option}={place(path)}"
        else:
            args[k] = made(word)
        k += 1
    given = any(w.partition("=")[0] == "--out" for w in args[2:])
    if args[:1] == ["liqcascade"] and args[1:2] and args[1] in DEFAULT_OUT and not given:
        args += ["--out", place(DEFAULT_OUT[args[1]])]  # not the repository's report/
    return env, args


class Session:
    """The scratch folder a block's commands share (and a ``continue`` block after it).

    ``HOME`` is ``home/me`` inside it, printed as ``/home/me``; the files the commands
    write go there (:func:`command_argv`) and the folder's prefix is removed from the
    output. Close it (``with``) to delete the folder.
    """

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="rb")
        self.scratch = Path(self._tmp.name)
        self.home = self.scratch / "home" / "me"
        self.home.mkdir(parents=True)
        self.created: dict[str, Path] = {}
        #: Each command run: its quoted output and what it printed, each as one line.
        self.history: list[tuple[str, str]] = []

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()

    def shown(self, text: str) -> str:
        """The output as the page shows it: ``/home/me``, paths relative to the scratch."""
        return text.replace(str(self.home), HOME_SHOWN).replace(str(self.scratch) + os.sep, "")

    def recalled(self, command: str) -> str:
        """The command with each abbreviated value (``1d185021…f59c``) the one printed.

        The value is the word an earlier command of the session printed where its quoted
        output holds the word abbreviated (a random root hash); left as it is when none does.
        """

        def value(m: re.Match[str]) -> str:
            for quoted, printed in reversed(self.history):
                for word in _abbreviated_in(m.group(0), quoted):
                    pieces = [
                        ".*?".join(map(re.escape, re.split(r"…|\.\.\.", piece)))
                        for piece in quoted.split(word)
                    ]
                    pattern = "(?P<v>\\w+)".join(pieces[:2]) + "(?P=v)".join(["", *pieces[2:]])
                    if found := re.match(pattern, printed):
                        return found.group("v")
            return m.group(0)

        return ABBREVIATION.sub(value, command)


def run_step(
    step: Step, marker: Marker, columns: int, session: Session, timeout: float
) -> tuple[list[str], int]:
    """Re-run one command as the page printed it; its output lines and exit code.

    ``python -m liqcascade`` from the repository's ``src`` (a file viewer as itself), in
    the marker's ``cwd``, ``NO_COLOR=1``, ``TERM=dumb``, ``COLUMNS`` the block's width,
    ``LIQCASCADE_*`` unset (a scratch store with ``store=scratch``). ``; echo $?`` adds
    the exit code as a last line.
    """
    words, argv = command_argv(session.recalled(step.command), session.scratch, session.created)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIQCASCADE_")}
    env.pop("LINES", None)
    env.update(
        NO_COLOR="1",
        TERM="dumb",
        COLUMNS=str(columns),
        HOME=str(session.home),
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join(
            [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    )
    if marker.scratch_store:
        env["LIQCASCADE_STORE"] = str(session.scratch / "store.duckdb")
    env.update(words)
    cwd = ROOT / marker.cwd if marker.cwd else ROOT
    if not cwd.is_dir():
        raise FileNotFoundError(f"cwd={marker.cwd}: no such folder in the repository")
    r = RUN_COMMAND(
        [sys.executable, "-m", "liqcascade", *argv[1:]] if argv[0] == "liqcascade" else argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if marker.stderr else subprocess.PIPE,
        timeout=timeout,
        check=False,
        text=True,
        encoding="utf-8",
    )
    lines = [line.rstrip() for line in session.shown(r.stdout).split("\n")]
    if marker.stderr:  # a terminal's progress bar is transient: the plain lines, left out
        from liqcascade._cli._common import PROGRESS_LINE

        lines = [line for line in lines if not PROGRESS_LINE.match(line)]
    while lines and not lines[-1]:
        lines.pop()
    if step.echoes_code:
        lines.append(str(r.returncode))
    session.history.append((_unwrapped(step.output), _unwrapped(lines)))
    return lines, r.returncode


def run_block(
    block: Block, timeout: float, session: Session | None = None
) -> list[tuple[list[str], int]]:
    """Re-run a block's commands in turn in one session; each one's output and exit code."""
    with contextlib.ExitStack() as stack:
        session = session or stack.enter_context(Session())
        return [run_step(s, block.marker, block.columns, session, timeout) for s in block.steps]


#: A float printed in full (``2867.258163265306``, JSON's repr): ten significant digits
#: or more, an exponent allowed.
FULL_FLOAT = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?")
FULL_DIGITS = 10
#: How far a printed full float may be from the quoted one (relative): its last bits
#: differ across CPUs and libraries. A rounded figure (fewer digits) matches as text.
NUMBER_RTOL = 1e-9
_KEPT_DIGITS = 8  # a full float's first significant digits, matched as text


def _significant(number: str) -> int:
    return len(re.sub(r"[eE].*", "", number).replace("-", "").replace(".", "").lstrip("0"))


def _pattern(quoted: str, kept: int | None = _KEPT_DIGITS) -> tuple[str, list[str]]:
    """``quoted`` as a regular expression (``…`` any text) and its full floats.

    Each full float (:data:`FULL_FLOAT`, at least :data:`FULL_DIGITS` significant digits,
    not cut by hand against a ``…``) is a group: its first ``kept`` significant digits
    as text (the quote stays anchored where it is) and any digits after them; with
    ``kept`` None, any number (its neighbour's repr may be shorter, ``0.3`` for
    ``0.30000000000000004``, or carry past the kept digits).
    """
    parts = re.split(r"…|\.\.\.", quoted)
    out: list[str] = []
    floats: list[str] = []
    for k, part in enumerate(parts):
        if k:
            out.append(".*?")
        pos = 0
        for m in FULL_FLOAT.finditer(part):
            cut = (k and m.start() == 0) or (k < len(parts) - 1 and m.end() == len(part))
            if cut or _significant(m.group()) < FULL_DIGITS:
                continue
            head, seen = "", 0
            for ch in re.sub(r"[eE].*", "", m.group()) if kept else "":
                head += ch
                seen += ch.isdigit() and (seen > 0 or ch != "0")
                if seen == kept:
                    break
            out.append(re.escape(part[pos : m.start()]))
            if kept:
                out.append(f"({re.escape(head)}\\d*(?:[eE][-+]?\\d+)?)")
            else:
                out.append("(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)")
            floats.append(m.group())
            pos = m.end()
        out.append(re.escape(part[pos:]))
    return "".join(out), floats


def line_matches(quoted: str, printed: str, *, head: bool = False) -> bool:
    """Whether a quoted line is the printed one, ``…`` (or ``...``) inside it any text.

    A float printed in full matches one within :data:`NUMBER_RTOL` of it (relative):
    its last digits may differ on another machine. ``head``: the quote need only match
    the printed line's start.
    """
    if quoted == printed:
        return True
    # anchored by each float's first digits; then any numbers in their places, for a
    # neighbour printed shorter or carried (a wrong alignment cannot pass the tolerance)
    for kept in (_KEPT_DIGITS, None):
        pattern, want = _pattern(quoted, kept)
        m = (re.match if head else re.fullmatch)(pattern, printed)
        if m is not None and all(
            a == b or math.isclose(float(a), float(b), rel_tol=NUMBER_RTOL)
            for a, b in zip(want, m.groups(), strict=True)
        ):
            return True
    return False


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


def _unwrapped(lines: tuple[str, ...] | list[str]) -> str:
    """The lines as one line: each break and the indentation around it one space."""
    return re.sub(r"[ \t]*\n[ \t]*", " ", "\n".join(lines)).strip()


def agrees(quoted: tuple[str, ...], printed: list[str], wrap: bool = False) -> bool:
    """Whether a command's quoted output agrees with what it printed now.

    Line by line (:func:`locate`), or with ``wrap`` as one line each (``…`` any text; a
    quote holding one need not reach the output's end), so that a long printed line
    (one-line JSON) may be quoted wrapped and abridged.
    """
    if locate(quoted, printed) is not None:
        return True
    if not wrap:
        return False
    one = _unwrapped(quoted)
    return line_matches(one, _unwrapped(printed), head=bool(re.search(r"…|\.\.\.", one)))


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


def pages(args: list[str]) -> list[Path]:
    """The pages named, else README.md and docs/*.md."""
    if args:
        return [Path(a).resolve() for a in args]
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _selected(block: Block, only: str | None, exclude: list[str]) -> bool:
    """Whether one of the block's commands matches ``only`` and none ``exclude``."""
    commands = [s.command for s in block.steps]
    if only is not None and not any(re.search(only, c) for c in commands):
        return False
    return not any(re.search(x, c) for x in exclude for c in commands)


class _PageSessions:
    """The sessions of a page's blocks: a new one per block, the previous one's for
    ``continue`` (whose previous block, when not run in this pass, runs first unchecked)."""

    def __init__(self, blocks: list[Block], timeout: float, stack: contextlib.ExitStack) -> None:
        self.blocks, self.timeout, self.stack = blocks, timeout, stack
        self.of: dict[int, Session] = {}

    def for_block(self, k: int) -> Session:
        if k in self.of:
            return self.of[k]
        block = self.blocks[k]
        if not block.marker.continues:
            self.of[k] = self.stack.enter_context(Session())
            return self.of[k]
        if k == 0 or self.blocks[k - 1].marker.skip is not None:
            raise ValueError(f"{block.where}: 'continue' needs a block before it that runs")
        if k - 1 not in self.of:  # not selected in this pass: run it for its files
            run_block(self.blocks[k - 1], self.timeout, self.for_block(k - 1))
        self.of[k] = self.of[k - 1]
        return self.of[k]


def check_page(path: Path, opts: argparse.Namespace, counts: dict[str, int]) -> None:
    """Check (and with ``--write`` rewrite) every selected block of one page."""
    text = path.read_text(encoding="utf-8")
    rewrites: list[tuple[Block, list[list[str]]]] = []
    blocks = find_blocks(text, path)
    with contextlib.ExitStack() as stack:
        sessions = _PageSessions(blocks, opts.timeout, stack)
        for k, block in enumerate(blocks):
            if not _selected(block, opts.only, opts.exclude):
                continue
            runnable = block.marker.skip is None and why_not_runnable(block) is None
            try:
                session = sessions.for_block(k) if runnable else None
            except ValueError as exc:  # 'continue' after a block that does not run
                print(f"ERROR {exc}", flush=True)
                counts["error"] += 1
                continue
            outcome, new = check_block(block, opts.timeout, session)
            counts[outcome] += 1
            if outcome != "stale" or not opts.write:
                continue
            if new is None:
                print(f"  not rewritten: {block.where} has lines shortened or wrapped by hand",
                      flush=True)  # fmt: skip
            else:
                rewrites.append((block, new))
                counts["stale"] -= 1
                counts["rewritten"] += 1
    for block, new in reversed(rewrites):  # bottom up: the line numbers above stay valid
        text = rewrite(text, block, new)
        print(f"  rewritten: {block.where}", flush=True)
    if rewrites:
        path.write_text(text, encoding="utf-8")


def _run_checked(
    block: Block, timeout: float, session: Session
) -> tuple[list[tuple[list[str], int]] | None, str]:
    """The block's runs, or None and why they are not an output (a timeout, an exit code)."""
    runs = []
    for step in block.steps:
        try:
            printed, code = run_step(step, block.marker, block.columns, session, timeout)
        except subprocess.TimeoutExpired:
            return None, f"$ {step.command[:80]}: no answer within {timeout:.0f} s"
        quoted_code = step.echoes_code and step.output[-1:] == (str(code),)
        if code not in (0, 2) and not quoted_code:
            return None, "\n".join([f"$ {step.command[:80]}: exit {code}", *printed[-20:]])
        runs.append((printed, code))
    return runs, ""


def check_block(
    block: Block, timeout: float, session: Session | None = None
) -> tuple[str, list[list[str]] | None]:
    """Re-run one block and print its verdict: ok, stale, skip or error, and new outputs.

    The new outputs (one per command) are None when a stale block cannot be rewritten
    (a line shortened or wrapped by hand would be lost).
    """
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
    with contextlib.ExitStack() as stack:
        runs, why = _run_checked(block, timeout, session or stack.enter_context(Session()))
    if runs is None:
        print(f"ERROR {head}: {why}", flush=True)
        return "error", None
    wrap, random = block.marker.wrap, _random_words(block)
    quoted = [tuple(_masked(line, random) for line in s.output) for s in block.steps]
    ok = [agrees(q, out, wrap) for q, (out, _) in zip(quoted, runs, strict=True)]
    print(
        f"{block.where}: {'OK' if all(ok) else 'STALE'} in {time.perf_counter() - t0:.1f} s "
        f"(COLUMNS={block.columns}, {len(runs)} command{'s' * (len(runs) > 1)})",
        file=sys.stderr,
        flush=True,
    )
    if all(ok):
        print(f"OK    {head}", flush=True)
        return "ok", None
    print(f"STALE {head}", flush=True)
    new: list[list[str]] | None = []
    for step, (printed, _), fine in zip(block.steps, runs, ok, strict=True):
        if fine:
            new = None if new is None else [*new, list(step.output)]
            continue
        lines = regenerate(step.output, printed)
        if block.marker.wrap and lines is not None and locate(tuple(lines), printed) is None:
            lines = None  # wrapped by hand: a rewrite would unwrap it
        if any(w in line for w in random for line in step.output):
            lines = None  # a rewrite would quote another random value
        new = None if new is None or lines is None else [*new, lines]
        # an excerpt is compared with the same excerpt of the new output, when there is one
        diff = difflib.unified_diff(
            list(step.output),
            printed if lines is None else lines,
            f"{block.where} (quoted)",
            f"$ {step.command} (printed now{'' if lines is None else ', excerpted as quoted'})",
            lineterm="",
        )
        print(*diff, sep="\n", flush=True)
    return "stale", new


def rewrite(text: str, block: Block, outputs: list[list[str]]) -> str:
    """The page's text with each command's output lines replaced (indentation restored)."""
    lines = text.split("\n")
    body, pos = [], block.start + 1
    for step, output in zip(block.steps, outputs, strict=True):
        body += lines[pos : pos + step.lines]
        body += [block.indent + line if line else line for line in output]
        body += [""] * step.blank
        pos += step.lines + len(step.output) + step.blank
    lines[block.start + 1 : block.end] = body
    return "\n".join(lines)


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
