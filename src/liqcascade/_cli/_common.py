"""Conventions shared by every command: JSON output, errors, progress, verbosity.

- ``--json``: exactly one JSON object on stdout (:func:`emit`), nothing else there.
- Bad input: the library raises :class:`liqcascade.errors.InputError` naming its
  parameter (``param="as_of"``); the entry point prints one line ``error: …`` on
  stderr with the parameter shown as the running command's flag (:func:`error_line`)
  and exits 2. A library parameter whose name is not the option's (``data_file`` for
  ``--data``) is declared with :func:`flag_names`.
- Long work: wrap it in :func:`progress` — a rich progress bar on stderr (plain,
  rate-limited lines when stderr is no terminal), silent with ``-q``.
"""

from __future__ import annotations

import logging
import math
import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.cells import cell_len
from rich.console import Console

from liqcascade._cli._docs import installed_docs
from liqcascade._cli._fraction_options import fraction_value, in_percent
from liqcascade._shown import shown
from liqcascade.errors import InputError

if TYPE_CHECKING:  # numpy, pandas and the rest load when a command needs them
    import pandas as pd
    from rich.progress import Progress
    from rich.segment import Segment

    from liqcascade._json import to_jsonable  # noqa: F401 - re-exported


#: ``--book-model`` of the commands that build an estimated market (cascade, liqmap,
#: solvency).
BookModel = Annotated[
    str,
    typer.Option(
        "--book-model",
        help="Position book of the estimated market: identified (default) or legacy (0.1).",
    ),
]


def __getattr__(name: str) -> Any:
    # ``_common.to_jsonable`` / ``_common.dumps`` without importing pandas at startup
    if name in ("to_jsonable", "dumps"):
        from liqcascade import _json

        return getattr(_json, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _plain(cell: Any) -> str | None:
    """The text of a table cell (markup removed), or None for other renderables."""
    from rich.errors import MarkupError
    from rich.text import Text

    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        try:
            return Text.from_markup(cell).plain
        except MarkupError:  # not markup: measure it as written
            return cell
    return None


#: A word as a table's cell wraps it: a number's `` %`` (:func:`~liqcascade._prices.percent_text`'s
#: ``8.4 %``, ``10–90 %:``) belongs to it, so the cell never ends a line on ``8.4`` and
#: starts the next on ``%``.
_WORD = re.compile(r"\S+(?: %\S*)?")


def _longest_word(cells: Any, numbers_only: bool) -> int:
    longest = 0
    for cell in cells:
        text = _plain(cell)
        for word in _WORD.findall(text or ""):
            if not numbers_only or any(ch.isdigit() for ch in word):
                longest = max(longest, cell_len(word))
    return longest


def keep_numbers_whole(table: Any, width: int | None = None, *, words: bool = False) -> Any:
    """Let no number of a rich ``table`` be cut when the terminal is narrow; returns it.

    Each column's minimum width becomes its longest word holding a digit (``3,513,474``,
    ``(4,698,874``, ``12.43%``), so numbers never shrink to ``3,513…``; every column
    folds instead of ending in ``…`` and text wraps at spaces (a column made ``no_wrap``
    wraps too: rich cuts its cells, unmarked, to the column's width). Within ``width``
    (the terminal's columns) the minimum grows to the longest word of the column's
    header where that fits (the shortest growths first), so headers stay whole where
    there is room. A table that fits
    is printed exactly as before; one whose numbers cannot fit is wider than the
    terminal (which wraps its lines) rather than cut, and then every header word is
    whole too (``reserve ratio``, not ``reserv`` over ``e ratio``): the lines wrap
    already, a few cells more cut no word.

    With ``words`` (output that no screen reads: a pipe, a log) every word of every
    cell and header is kept whole, as numbers are, whatever ``width``: a table too
    wide for it is printed wider rather than cut mid-word (``hyperliquid``, not
    ``hyperliqu`` over ``id``).
    """
    numbers = [_longest_word(col._cells, not words) for col in table.columns]
    heads = [_longest_word([col.header], False) for col in table.columns]
    spare = (
        0
        if width is None
        else width
        - table._extra_width
        - sum(max(n, 1) + table._get_padding_width(i) for i, n in enumerate(numbers))
    )
    grow = [0] * len(numbers)
    wider = words or (width is not None and spare < 0)  # the numbers alone pass it
    for i in sorted(range(len(numbers)), key=lambda i: heads[i] - numbers[i]):
        deficit = heads[i] - max(numbers[i], 1)
        if 0 < deficit and (deficit <= spare or wider):  # whole words, shortest gaps first
            grow[i], spare = deficit, spare - deficit
    for col, n, g in zip(table.columns, numbers, grow, strict=True):
        if n or g:
            col.min_width = max(col.min_width or 0, max(n, 1) + g)
        col.overflow = "fold"
        col.no_wrap = False
    return table


class _Console(Console):
    """A console whose tables never cut numbers and whose text sends no terminal commands.

    Tables: :func:`keep_numbers_whole`. Text: every string it prints, and every cell,
    title or header of a table, passes through :func:`shown` (newlines kept) before
    rich lays it out, so a control character a user's string carries (an escape
    sequence in a stored symbol, a path, a file's note) prints as its escape; text
    rich builds without it (a spinner's, a progress bar's) is shown the same way as it
    is written out. Rich's own controls (colours, a live display's cursor moves) are
    untouched.
    """

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Rich's :meth:`~rich.console.Console.print`; tables as :class:`_Console` says.

        With no width to keep (:meth:`_width_unknown`: cron, a pipe or a captured
        stream with no terminal on any standard stream and no ``COLUMNS``), no word of a
        table is cut (:func:`keep_numbers_whole`'s ``words``): rich's fallback of 80
        columns cut header and cell words (``scenar`` over ``io``, ``hyperliqu`` over
        ``id``), which no reader's screen asked for; the table is wider instead, as wide
        as its rows (:meth:`_natural_width`): no cell folds over two lines either.
        """
        tables = sys.modules.get("rich.table")
        if tables is not None:
            words = None
            for obj in objects:
                if isinstance(obj, tables.Table):
                    if words is None:
                        words = "width" not in kwargs and self._width_unknown()
                    keep_numbers_whole(obj, kwargs.get("width") or self.width, words=words)
                    natural = self._natural_width(obj) if words else 0
                    if natural > self.width:  # no reader's width: whole rows, not 80 columns
                        obj.width = natural
        super().print(*objects, **kwargs)

    def _natural_width(self, table: Any) -> int:
        """``table``'s width laid out with no width limit (columns).

        With no width to keep (:meth:`_width_unknown`) rich laid tables out in 80
        columns and folded a cell over two lines (``-21.47 % …`` over ``-10.56 %``, the
        interval columns of ``cascade --fragility`` and ``solvency``): a log or a file
        wants whole rows, so such a table prints at this width instead (lines are not
        wrapped: the consoles soft-wrap).
        """
        return int(self.measure(table, options=self.options.update_width(_NATURAL_LIMIT)).maximum)

    def _width_unknown(self) -> bool:
        """Whether no width is set (``COLUMNS``, a width given) and no terminal gives one.

        Rich then falls back to 80 columns; a terminal on another standard stream
        (``liqcascade … | less``) still gives its width, and its layout, as before.
        """
        import os

        if self._width is not None or self.is_terminal:
            return False
        if os.environ.get("COLUMNS", "").isdigit():
            return False
        for fd in (0, 1, 2):
            try:
                os.get_terminal_size(fd)
            except (AttributeError, ValueError, OSError):
                continue
            return False
        return True

    def render_str(self, text: str, **kwargs: Any) -> Any:
        """Rich's :meth:`~rich.console.Console.render_str` of ``text`` shown (:func:`shown`)."""
        return super().render_str(shown(text, one_line=False), **kwargs)

    def on_broken_pipe(self) -> None:
        """The reader of stdout went away (``| head -1``): exit 1 with one line.

        As :func:`liqcascade.cli.leave` does for a flush that fails. Rich's own answer
        (its output sent to ``os.devnull``, then ``SystemExit(1)``) is kept; it printed
        nothing, so a script saw exit 1 and no reason.
        """
        from liqcascade._cli import CLOSED_PIPE, write_stderr_line

        if not self.stderr:
            write_stderr_line(CLOSED_PIPE)
        super().on_broken_pipe()

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        """The text written out; with no terminal, lines lose their trailing spaces.

        Rich pads a table's or a wrapped text's lines to the width; in a file or a pipe
        those spaces are noise (``diff``, ``grep ' $'``). A terminal's lines are kept.
        """
        from rich.segment import Segment

        text = super()._render_buffer(
            seg if seg.control else Segment(shown(seg.text, one_line=False), seg.style)
            for seg in buffer
        )
        return text if self.is_terminal else _TRAILING_SPACES.sub("\n", text)


#: The width a table is measured in when no width limits it (columns): any table fits.
_NATURAL_LIMIT = 100_000

#: Spaces at the end of a line (before its newline).
_TRAILING_SPACES = re.compile(r" +\n")

# emoji off: rich would print a user's ``:smile:`` (a symbol, a path) as an emoji, even
# with markup off
stdout = _Console(soft_wrap=True, emoji=False)
stderr = _Console(stderr=True, soft_wrap=True, emoji=False)

#: A tag as rich's markup reads it, with the backslashes before it (rich.markup's pattern).
_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def esc(value: object) -> str:
    """``value`` as text for rich markup that prints exactly as written.

    The one rule for user strings on the terminal: an asset, venue, symbol, series name,
    scenario or position name, a file or store path, a note read from a file, anything a
    user or a user's file controls, goes through ``esc`` wherever it is put into a
    string that rich reads as markup (``print`` without ``markup=False``, a table cell,
    a table title). Else rich reads ``[bold]x[/]`` in it as markup (swallowed) and
    ``x[/]`` as a broken tag (a ``MarkupError``, exit 1). A whole line with no markup of
    its own may instead be printed with ``markup=False``.

    Unlike :func:`rich.markup.escape`, a trailing backslash stays one backslash whatever
    follows it in the markup (rich doubles it, right only before a tag): it is doubled
    and followed by an empty ``[none]`` span, so it always precedes a tag.
    """
    text = _TAG.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", str(value))
    trailing = len(text) - len(text.rstrip("\\"))
    return text + "\\" * trailing + "[none][/none]" if trailing else text


@dataclass
class _State:
    verbosity: int = 0  # -1 quiet, 0 normal, 1+ verbose
    # the running command's options: Python parameter name -> flag (set by cli.main)
    flags: dict[str, str] = field(default_factory=dict)
    # library parameter name -> flag, where they differ (set by the command)
    aliases: dict[str, str] = field(default_factory=dict)
    # the running command's values: Python parameter name -> value (set by cli.main)
    params: dict[str, Any] = field(default_factory=dict)
    # the notes said once the command has run to its end (note_at_end)
    notes: list[str] = field(default_factory=list)


STATE = _State()


def flag_names(**aliases: str) -> None:
    """Declare the flags of library parameters named otherwise than the command's options.

    ``flag_names(data_file="--data", n_random="--draws")``: an
    :class:`~liqcascade.errors.InputError` about ``data_file`` prints as ``--data``.
    Parameters named like the option (``as_of`` for ``--as-of``) need nothing.
    """
    STATE.aliases.update(aliases)


_LEADING_NAME = re.compile(r"^([a-z][a-z0-9_]*)(?=[ :])")


def error_line(exc: InputError) -> str:
    """The one-line message of ``exc`` with its parameters shown as the command's flags.

    An error raised without ``param`` whose message starts with the name of one of the
    running command's parameters (``fixed_pct must be ...``) names that parameter too:
    it is shown as its flag (``--fixed-pct must be ...``). A fraction option's range is
    worded in percent when its value was typed as one
    (:func:`~liqcascade._cli._fraction_options.in_percent`). A row of a user's CSV file
    is named with its file line (:func:`liqcascade._tables.with_file_line`).
    """
    text = exc.for_flags({**STATE.flags, **STATE.aliases})
    if not exc.params and not exc.file and exc.row is None:
        text = leading_flag(text)
    if "data row " in text:  # a CSV row's file line too: data row 2 (file line 4)
        from liqcascade._tables import with_file_line

        text = with_file_line(text)
    return installed_docs(in_percent(command_hint(text)))


def leading_flag(text: str) -> str:
    """``text`` with a leading parameter name of the running command shown as its flag.

    ``on_alert exited 3`` (a library line naming the parameter) prints as ``--on-alert
    exited 3``; text that starts otherwise is returned as it is.
    """
    flags = {**STATE.flags, **STATE.aliases}
    m = _LEADING_NAME.match(text)
    if m and flags.get(m.group(1), "").startswith("-"):
        return flags[m.group(1)] + text[m.end() :]
    return text


#: A library's hint at another command: ``(`liqcascade liqmap calibrate`, asset SOL)``
#: (the library names parameters, never flags).
_HINT = re.compile(r"\(`(liqcascade [^`]+)`, ([a-z][a-z0-9_]*) ([^\s`()]+)\)")


def command_hint(text: str) -> str:
    """The library's ``(`liqcascade CMD`, param VALUE)`` hints as runnable commands.

    ``(`liqcascade liqmap calibrate`, asset SOL)`` becomes
    ``(`liqcascade liqmap calibrate --asset SOL`)``: the backticked part is what a user
    copies. The flag is the parameter's name with dashes (the commands' convention).
    """
    return _HINT.sub(lambda m: f"(`{m[1]} --{m[2].replace('_', '-')} {m[3]}`)", text)


class _HintedStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Python's last-resort handler whose lines get :func:`command_hint`'s runnable hints.

    As :data:`logging.lastResort`: warnings and above, on the current stderr, the message
    alone.

    The hint is written where the record is formatted, inside :meth:`emit`'s error
    handling: a malformed log call prints logging's ``--- Logging error ---`` report
    (:meth:`~logging.Handler.handleError`) rather than raising where it was made.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setLevel(logging.WARNING)

    def filter(self, record: logging.LogRecord) -> bool:
        """Leave out a library's ``note: …`` line with ``-q``; keep its ``warning: …`` lines.

        ``-q`` prints no notes: :func:`end_notes`' and :func:`info`'s rule, the library's too.
        Below WARNING, only numba's compile note (:data:`_COMPILE_LOGGER`) prints without
        ``-v``: a first run's minute of compiling is said, the library's other INFO lines not.
        """
        if STATE.verbosity < 0 and record.getMessage().startswith("note:"):
            return False
        if record.levelno < logging.WARNING and STATE.verbosity <= 0:
            return record.name == _COMPILE_LOGGER
        return bool(super().filter(record))

    def format(self, record: logging.LogRecord) -> str:
        """The record as the last-resort handler prints it, its hints runnable.

        A ``docs/PAGE.md`` it names reads as the installed page (:func:`installed_docs`).
        """
        return installed_docs(command_hint(super().format(record)))

    def emit(self, record: logging.LogRecord) -> None:
        """Write on the stderr of the moment (a test's or a redirected one)."""
        self.stream = sys.stderr
        super().emit(record)


#: The package's logger, whose warnings (the market's caveats) the command line prints.
_PACKAGE_LOGGER = "liqcascade"

#: The logger of numba's one compile note (``liqcascade._numba.COMPILE_MESSAGE``, INFO),
#: which the command line prints at every verbosity but ``-q``.
_COMPILE_LOGGER = "liqcascade.numba"


@contextmanager
def hinted_warnings() -> Iterator[None]:
    """While it runs, the package's log lines get the errors' runnable hints.

    The library logs its caveats and notes (``warning: ...``), which Python's last-resort
    handler prints on stderr when nothing configured logging (the command line):
    ``(`liqcascade liqmap calibrate`, asset SOL)`` printed as the library words it, where
    an error's hint reads ``(`liqcascade liqmap calibrate --asset SOL`)``. When nothing
    configured logging, a handler on the ``liqcascade`` logger prints them as the
    last-resort handler would, hints rewritten (:func:`command_hint`); it is removed on
    exit, so nothing stays on a process that ran the command line. When logging is
    configured (a host program, pytest's ``caplog``), the records go there unchanged.
    The one INFO line saying numba compiles its kernels on first use (why a first run is
    slow; nothing on a warm cache) prints unless ``-q``; with ``-v`` the library's other
    INFO lines print too.
    """
    logger = logging.getLogger(_PACKAGE_LOGGER)
    if logger.hasHandlers():
        yield
        return
    handler = _HintedStderr()
    handler.setLevel(logging.INFO)  # the filter picks which INFO lines print
    compiles = logging.getLogger(_COMPILE_LOGGER)
    level, compiles_level = logger.level, compiles.level
    if STATE.verbosity > 0:  # -v: the library's INFO lines too
        logger.setLevel(logging.INFO)
    if STATE.verbosity >= 0:  # not -q: numba's compile note
        compiles.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        compiles.setLevel(compiles_level)


@contextmanager
def config_file(path: Path) -> Iterator[None]:
    """Errors raised inside name the configuration file ``path`` (unless they already do).

    An error about a command-line option (its ``param`` is one of the command's) is
    left as it is: it is not the file's fault.
    """
    try:
        yield
    except InputError as exc:
        if any(p in STATE.flags or p in STATE.aliases for p in exc.params):
            raise
        if str(path) in str(exc) or path.name in str(exc):
            raise
        raise InputError(f"{path}: {exc}") from None


def assumptions_line(items: list[dict[str, str]] | None) -> str | None:
    """``assumptions (N; values and sources in --json): (1) A; (2) B``: a run's assumptions.

    The one line of every command whose configuration lists ``[[assumptions]]``
    (``collateral``, ``contagion``); None when there are none. Two or more are numbered:
    a name may hold a "; " of its own ("RWUSD tiers; PAXG ratio cut"), and the count
    must match what a reader counts.
    """
    if not items:
        return None
    numbered = len(items) > 1
    names = "; ".join(f"({i}) {a['what']}" if numbered else a["what"]
                      for i, a in enumerate(items, 1))  # fmt: skip
    return f"assumptions ({len(items)}; values and sources in --json): {names}"


def fail(message: str) -> NoReturn:
    """Abort the command with exit code 2 and ``error: message`` on stderr."""
    raise InputError(message)


def _as_of_asked() -> str | None:
    """The market date the running command was given (``--as-of``, as typed), or None.

    Read from the running command's values (``STATE.params``, set as it starts; none
    outside a command, as in a test calling :func:`emit` directly: not given).
    """
    asked = STATE.params.get("as_of")
    return None if asked is None else str(asked)


def note_at_end(text: str) -> None:
    """Say ``note: text`` on stderr once the command has run to its end.

    The line is printed by :func:`end_notes` (called by :func:`liqcascade.cli.main`
    when the command returned), after the command's output, whether or not stderr is
    a terminal; never after an ``error:`` line (a run that fails prints that line
    alone), never twice in one command, and not with ``-q``. ``text`` is plain text.
    """
    if text not in STATE.notes:
        STATE.notes.append(text)


def end_notes() -> None:
    """Print the notes :func:`note_at_end` kept (``note: …``, one line each), and forget them.

    Nothing with ``-q`` (``--quiet``: no progress bars or notes; warnings still print).
    """
    notes, STATE.notes = STATE.notes, []
    if STATE.verbosity < 0:
        return
    for text in notes:
        stderr.print(f"note: {text}", highlight=False, markup=False, soft_wrap=True)


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

    A result with an estimated ``market`` (its fingerprint) gets the market's age: a
    ``note:`` line on stderr when it is older than a few days
    (:func:`liqcascade._cli._market_line.age_note`, worded without a day count; printed
    after the output, in a log or a pipe as at a terminal, once per command, not after
    an error, hidden with ``-q``: :func:`note_at_end`), and ``data_age_days`` (whole
    days) in the JSON (the report's key) unless the result has one, with ``stale``
    beside it: true past :data:`liqcascade._time.STALE_DAYS` days
    (:func:`liqcascade._cli._market_line.is_stale`), what a pipeline checks.
    """
    market = result.get("market")
    if isinstance(market, dict) and market.get("close_time"):
        from liqcascade._cli import _market_line

        note = _market_line.age_note(market, asked=_as_of_asked())
        if note:
            note_at_end(note)
        if as_json:  # the age, and whether it is past the stale threshold, side by side
            days = result.get("data_age_days", _market_line.age_days(market))
            stale = result.get("stale", _market_line.is_stale(days))
            result = {**result, "data_age_days": days, "stale": stale}
    if as_json:
        from liqcascade._json import dumps

        sys.stdout.write(dumps(result) + "\n")
        sys.stdout.flush()
        return
    if render is not None:
        render(result)
        return
    from rich.table import Table

    table = Table(show_header=False, box=None)
    for k, v in result.items():
        if isinstance(v, dict | list):
            continue
        table.add_row(f"[bold]{esc(k)}[/]", _fmt(v))
    stdout.print(table)


def _fmt(v: Any) -> str:
    """A table cell of a value: numbers compact, None and non-finite floats "n/a".

    Any other value (a path, an asset, a name) as its text, escaped (:func:`esc`): the
    cell is markup.
    """
    import numpy as np

    from liqcascade._prices import fmt_or_na

    if v is None or isinstance(v, float | np.floating):
        return fmt_or_na(v, lambda x: f"{x:,.0f}" if abs(x) >= 1e5 else f"{x:.6g}")
    return esc(v)


class Advance:
    """The callable a :func:`progress` bar yields: ``advance(n)``; ``set_total(t)``."""

    def __init__(self, bar: Progress | None, task: Any = None) -> None:
        self._bar, self._task, self._started = bar, task, False

    def __call__(self, n: float = 1) -> None:
        """Advance by ``n`` (the bar appears at the first call, even ``advance(0)``)."""
        if self._bar is None:
            return
        if not self._started:
            self._bar.start()
            self._started = True
        self._bar.advance(self._task, n)

    def set_total(self, total: float) -> None:
        """Set the bar's total once it is known (e.g. the rows to insert)."""
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    def stop(self) -> None:
        """Remove the bar (if it was shown)."""
        if self._bar is not None and self._started:
            self._bar.stop()


def _plain_every(default: float = 10.0) -> float:
    """``$LIQCASCADE_PROGRESS_EVERY_S`` (seconds, ``inf`` for none), else ``default``.

    Parameters
    ----------
    default : float
        The interval without the variable, or with a value that is no positive number.
    """
    import os

    try:
        v = float(os.environ.get("LIQCASCADE_PROGRESS_EVERY_S", default))
    except ValueError:
        return default
    return v if v > 0 else default


#: Seconds between two plain progress lines (stderr no terminal), and before the first;
#: ``$LIQCASCADE_PROGRESS_EVERY_S`` sets it (``inf``: no such line; the test suite's, for
#: the commands it runs in subprocesses, whose stderr it reads whole).
PLAIN_EVERY_S = _plain_every()

#: A plain progress line, :class:`PlainAdvance`'s or the report's (:func:`section_line`):
#: what a terminal shows as a transient bar. ``tools/readme_blocks.py`` leaves these out
#: of a tour's stderr, which it quotes as a terminal shows it.
PROGRESS_LINE = re.compile(
    r"^(?:report: done: \S+ \([\d.,]+ s\)|.+: (?:done|running|[\d,]+ done|\d+ %) \([\d,]+ s\))$"
)


def section_line(sid: str, seconds: float) -> str:
    """The words of the report's status when section ``sid`` ended after ``seconds``."""
    return f"report: done: {sid} ({seconds:,.1f} s)"


class PlainAdvance(Advance):
    """:class:`Advance` writing plain lines on stderr, for a log or a pipe (no terminal).

    No bar and no terminal commands: ``DESCRIPTION: 45 % (30 s)`` when the work
    advances and :data:`PLAIN_EVERY_S` passed since the stage began or since the last
    line; ``DESCRIPTION: done (42 s)`` when a stage that lasted that long ends
    (:meth:`finish`). A stage shorter than that prints nothing, so a quick command's
    stderr stays empty and an ``error:`` line stays the only one.
    """

    def __init__(self, description: str, total: float | None = None) -> None:
        import time

        super().__init__(None)
        self._clock = time.monotonic
        self._description, self._total, self._done = description, total, 0.0
        self._start = self._last = self._clock()

    def _line(self, what: str) -> None:
        took = self._clock() - self._start
        stderr.print(
            f"{self._description}: {what} ({took:,.0f} s)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        self._last = self._clock()

    def __call__(self, n: float = 1) -> None:
        """Advance by ``n``; a line when :data:`PLAIN_EVERY_S` passed since the last."""
        self._done += n
        if self._clock() - self._last < PLAIN_EVERY_S:
            return
        if self._total:
            from liqcascade._prices import percent_text

            self._line(percent_text(min(self._done / self._total, 1.0), 0))
        else:
            self._line(f"{self._done:,.0f} done" if self._done else "running")

    def set_total(self, total: float) -> None:
        """Set the total once it is known (the lines then say the percent done)."""
        self._total = total

    def finish(self) -> None:
        """The stage ended (without an error): a last line if it lasted.

        Said when it lasted :data:`PLAIN_EVERY_S` or more, or printed a line already.
        """
        if self._clock() - self._start >= PLAIN_EVERY_S or self._last > self._start:
            self._line("done")


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Advance]:
    """A rich progress bar on stderr; yields ``advance(n)``.

    Silent with ``-q``. When stderr is not a terminal (a log, a pipe, cron), plain
    lines instead (:class:`PlainAdvance`: rate-limited, nothing for a short stage; a
    bar stopped there would leave an empty line before an ``error:`` line). On a
    terminal the bar shows at once (and, transient, leaves nothing behind).
    """
    if STATE.verbosity < 0:
        yield Advance(None)
        return
    if not stderr.is_terminal:
        plain = PlainAdvance(description, total)
        yield plain
        plain.finish()  # not after an error: its line stays the last
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("[bold blue]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
    )
    advance = Advance(bar, bar.add_task(esc(description), total=total))  # markup: a symbol
    advance(0)
    try:
        yield advance
    finally:
        advance.stop()


def error(line: str) -> None:
    r"""Print ``error: line`` on stderr as one line, every character as written.

    The one printer of the command line's ``error:`` lines. ``line`` is plain text (no
    markup: a user's ``[bold]`` prints as typed); a control character in it (a newline
    or an escape sequence in a path or an asset, a bidirectional override) prints as its
    escape (``\n``, ``\x1b``, ``\u202e``: :func:`shown`), so the line stays one line, in
    its order, and the terminal takes no command from it.
    """
    stderr.print(f"error: {shown(line)}", highlight=False, markup=False, soft_wrap=True)


def line(text: str) -> None:
    """A line of plain text on stdout (a result's line), printed as written.

    ``text`` is no markup; control characters print as escapes, as on every line of
    the consoles (:class:`_Console`).
    """
    stdout.print(text, highlight=False, markup=False, soft_wrap=True)


def info(message: str) -> None:
    """A note on stderr (hidden with ``-q``); ``message`` is plain text, printed as written."""
    if STATE.verbosity >= 0:
        stderr.print(message, markup=False)


def warn(message: str) -> None:
    """A warning on stderr (always shown); ``message`` is plain text, printed as written.

    A library hint in it reads as a runnable command (:func:`command_hint`).
    """
    stderr.print(f"[yellow]warning:[/] {esc(command_hint(message))}", highlight=False)


def parse_date(value: str | None, option: str) -> pd.Timestamp | None:
    """Parse an option's date (UTC) or fail naming the option (the library's reader)."""
    if value is None:
        return None
    from liqcascade._time import to_utc

    return to_utc(value, option)


def check_dates(**values: str | None) -> None:
    """Fail unless each given option is a readable date: ``check_dates(start=start, end=end)``.

    Parsing only (the option's text is still what the library receives); the error
    names the running command's flag of each keyword (``--start``).
    """
    for name, value in values.items():
        parse_date(value, STATE.flags.get(name, f"--{name.replace('_', '-')}"))


def parse_as_of(value: str | None, option: str = "--as-of") -> pd.Timestamp | None:
    """Parse an ``--as-of`` value (UTC); a bare date means the end of that day.

    ``--as-of 2025-07-31`` is the market as it stood at the day's last bar, the same
    for every command; a full timestamp is taken as given.
    """
    return parse_end(value, option)


def parse_end(value: str | None, option: str = "--end") -> pd.Timestamp | None:
    """Parse an inclusive end bound (UTC): a bare date is the last instant of that day.

    ``--end 2024-06-30`` holds that day's every bar (23:59:59.999999 UTC), as the
    library reads a date given to it (:func:`liqcascade._time.utc_end`);
    :func:`parse_date` alone would give the instant 00:00, the day's first bar only.
    A time (``2024-06-30T12:00``, ``...+05:00``) is taken as given.
    """
    from liqcascade._time import utc_end

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


def output_dir(path: Path, option: str = "--out", files: Collection[str] = ()) -> Path:
    """Check, before any work, that the folder ``path`` can take the command's outputs.

    Fails naming ``option`` when ``path`` is a file, lies under a file, or cannot be
    written (read-only mount, permissions); ``files`` are the names written inside it
    (existing ones must be replaceable). Nothing is created.
    """
    from liqcascade._paths import check_output_dir

    return check_output_dir(path, option, files)


def output_file(path: Path, option: str = "--out") -> Path:
    """Check, before any work, that the file ``path`` can be written, naming ``option``."""
    from liqcascade._paths import check_output_file

    return check_output_file(path, option)


def check_seed(seed: int, option: str = "--seed") -> None:
    """Fail unless ``seed`` is a non-negative integer (numpy's seeds)."""
    if seed < 0:
        fail(f"{option} must be >= 0 (got {seed})")


def parse_shock(
    text: str | float | None, option: str = "--shock", *, nonzero: bool = False
) -> float | None:
    """A shock option as a fraction: ``-0.05`` or ``-5%`` (exit 2 on anything else).

    A bare number of 1 or more is refused: ``5`` would be a +500 % move, almost surely a
    percent typed without its sign; so is a non-finite value. With ``nonzero``, 0 is
    refused too. A fall of 100 % or more (``-100%``) is refused in percent, as typed.
    ``option`` is the flag the messages name.
    """
    if text is None or isinstance(text, float | int):  # already a fraction (parsed once)
        return None if text is None else float(text)
    t = text.strip()
    try:
        v = fraction_value(t)
    except ValueError:
        fail(f"{option} must be a fraction (-0.05) or a percent (-5%) (got {text!r})")
    if not math.isfinite(v):
        fail(f"{option} must be a finite fraction (-0.05) or percent (-5%) (got {text!r})")
    if not t.endswith("%") and abs(v) >= 1:
        from liqcascade._prices import percent_text

        fail(
            f"{option} {t} as a fraction is a {percent_text(v, 0, signed=True)} move: write "
            "-0.05 or -5% for a 5 % fall, "
            "0.05 or 5% for a 5 % rise"
        )
    if v <= -1:  # a percent: worded in percent (the engine's bound reads "a fraction > -1")
        fail(f"{option} must be above -100 % (got {t})")
    if nonzero and v == 0:
        fail(f"{option} must be non-zero (a fraction of mid: -0.05 = a 5 % fall)")
    if v >= 1:  # only a percent gets here: "150%" says the rise, the library's warning doesn't
        from liqcascade.cascade import check_shock

        check_shock("shock", v, warn=False)
    return v
