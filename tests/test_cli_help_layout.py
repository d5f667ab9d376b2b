"""Help reads well at any terminal width: no paragraph is broken where the text did not wrap.

Every command's ``--help`` is rendered at 60, 80 and 120 columns and cut into
paragraphs: outside the boxes, the lines between blank lines (1 space of padding each
side: ``COLUMNS - 2`` cells for the text); inside an Options/Commands box, the lines of
one option's or command's help (its column, up to the box's right padding), up to a
``[default: …]``/``[required]`` line, which typer prints as an item of its own.

A line is a **fragment** when it holds one or two words and a hard line break sits
beside it in mid-paragraph: the previous line had room for its first word (a break
before it), or it had room for the next line's first word (a break after it). Wrapping
never does either (it breaks only where the next word does not fit), so a fragment is
a source line break that rich kept: the orphan ``against`` of ``liqmap calibrate``
under a line the width cut short, before a line that started with the next source
line. A line that starts on purpose is no break to blame: an example (``Example:``,
``Examples:``, ``$ ``), a list item (``- ``, ``* ``, ``• ``, ``1. ``, ``1) ``) or an
indented line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from clihelpers import run_cli
from liqcascade._cli._help import reflow
from liqcascade.cli import app
from profiles import examples

WIDTHS = (60, 80, 120)
#: A line that starts on purpose (the module docstring's list).
_OWN_LINE = re.compile(r"(\s|Examples?:|\$ |[-*•] |\d+[.)] )")
#: typer's items after an option's help: each on a line of its own when the help wraps.
_ITEM_AFTER_HELP = re.compile(r"\[(default|required|env var)\b")


def _command_paths(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            yield from _command_paths(sub, (*path, name))


COMMANDS = list(_command_paths(typer.main.get_command(app)))


def _free_paragraphs(lines: list[str], width: int) -> Iterator[tuple[list[str], int]]:
    """The paragraphs outside the boxes, each with the cells its lines may fill."""
    block: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            block.append(line[1:].rstrip())  # one space of padding
        elif block:
            yield block, width - 2
            block = []


def _cell_paragraphs(rows: list[str]) -> Iterator[tuple[list[str], int]]:
    """The paragraphs of one box's description column (between its borders)."""
    inner = [r[1:-1] for r in rows]  # inside the borders
    more = [r for r in inner if r.strip() and r[1] == " "]  # a cell's second lines
    if not more:
        return  # every cell fits on one line: no paragraph to break
    col = min(len(r) - len(r.lstrip()) for r in more)
    room = len(inner[0]) - col - 1  # the box's right padding
    cell: list[str] = []
    for r in inner:
        text = r[col:].rstrip()
        if r[1] != " " or not text.strip() or _ITEM_AFTER_HELP.match(text.lstrip()):
            if cell:  # a new row, a blank line or typer's item: the paragraph ends
                yield cell, room
            cell = [text] if r[1] != " " else []
        else:
            cell.append(text)
    if cell:
        yield cell, room


def paragraphs(out: str, width: int) -> Iterator[tuple[list[str], int]]:
    """Every paragraph of one rendered ``--help``, with the cells its lines may fill."""
    free: list[str] = []
    box: list[str] | None = None
    for line in out.splitlines():
        if line.startswith("╭"):
            box = []
        elif line.startswith("╰") and box is not None:
            yield from _cell_paragraphs(box)
            box = None
        elif box is not None:
            box.append(line)
        else:
            free.append(line)
    yield from _free_paragraphs(free, width)


def _fits(line: str, word: str, room: int) -> bool:
    return cell_len(line) + 1 + cell_len(word) <= room


def fragments(out: str, width: int) -> list[str]:
    """The fragments of one rendered ``--help`` (the module docstring's definition)."""
    found = []
    for para, room in paragraphs(out, width):
        for i, line in enumerate(para):
            words = line.split()
            if not 1 <= len(words) <= 2 or _OWN_LINE.match(line):
                continue
            before = i > 0 and _fits(para[i - 1], words[0], room)
            after = (
                i + 1 < len(para)
                and not _OWN_LINE.match(para[i + 1])
                and bool(para[i + 1].split())
                and _fits(line, para[i + 1].split()[0], room)
            )
            if before or after:
                context = "\n".join(para[max(i - 1, 0) : i + 2])
                found.append(f"{line.strip()!r} in:\n{context}")
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_no_help_has_a_paragraph_fragment(width: int) -> None:
    assert len(COMMANDS) > 25  # every command and group was reached
    bad = []
    for path in COMMANDS:
        r = run_cli(*path, "--help", env={"COLUMNS": str(width)})
        assert r.exit_code == 0, r.stderr
        assert max(cell_len(x) for x in r.stdout.splitlines()) <= width
        bad += [f"liqcascade {' '.join(path)} --help: {f}" for f in fragments(r.stdout, width)]
    assert bad == [], "\n\n".join(bad)


# ---- the definition, on rendered text written by hand ----------------------------------

_RAGGED = """\

 Usage: liqcascade x [OPTIONS]

 sets the venue share so totals match, and reports the out-of-sample fit
 against
 |return| x open interest and the uncalibrated default.

"""


def test_the_orphan_of_a_kept_line_break_is_a_fragment() -> None:
    found = fragments(_RAGGED, 80)
    assert len(found) == 1 and found[0].startswith("'against'")


def test_a_wrapped_paragraph_and_a_wrapped_example_have_none() -> None:
    wrapped = (
        "\n Usage: liqcascade x [OPTIONS]\n\n"
        " sets the venue share so totals match, and reports the out-of-sample fit\n"
        " against |return| x open interest and the uncalibrated default. Takes a few\n"
        " minutes.\n\n"
        " Example: liqcascade liqmap calibrate --start 2024-11-13 --end 2025-05-31\n"
        " --json\n"
        " Example: liqcascade liqmap calibrate --asset SOL\n"
    )
    assert fragments(wrapped, 80) == []


def test_a_fragment_in_an_option_cell_is_found() -> None:
    box = (
        "╭─ Options ──────────────────────────────────────╮\n"
        "│ --jobs      <int>  Worker processes for the    │\n"
        "│                    refits                      │\n"
        "│                    (the same fits for any      │\n"
        "│                    value).                     │\n"
        "│                    [default: 1]                │\n"
        "│ --seed      <int>  Seed. [default: 0]          │\n"
        "╰────────────────────────────────────────────────╯\n"
    )
    flagged = [f.split(" in:")[0] for f in fragments(box, 50)]
    assert "'refits'" in flagged
    assert not any("default" in f or "Seed" in f for f in flagged)


# ---- the rule that prevents them --------------------------------------------------------


def test_reflow_joins_a_paragraph_and_keeps_examples_lists_and_layout() -> None:
    text = """Summary line.

    One paragraph
    in three
    lines.

    Example: liqcascade a --b
    --c
    Example: liqcascade d

    - an item
      that goes on
    - another
    1. numbered,
    lazily

    plain lines
        an indented layout
        kept as is

    \bkept
    as written
    """
    assert reflow(text) == (
        "Summary line.\n\n"
        "One paragraph in three lines.\n\n"
        "Example: liqcascade a --b --c\nExample: liqcascade d\n\n"
        "- an item that goes on\n- another\n1. numbered, lazily\n\n"
        "plain lines\n    an indented layout\n    kept as is\n\n"
        "\bkept\nas written"
    )


def test_the_app_renders_reflowed_texts() -> None:
    group = typer.main.get_command(app)
    cmd = group.commands["liqmap"].commands["calibrate"]  # type: ignore[attr-defined]
    assert "fit against |return|" in cmd.help
    assert "\nExample: liqcascade liqmap calibrate --asset BTC" in cmd.help


def test_a_mark_alone_on_its_line_stays_an_item_when_reflowed_again() -> None:
    # hypothesis found it: "- " kept on its line is right-stripped to "-", which the
    # second pass read as no item and joined to the line above ("Body -")
    for mark in ("-", "*", "•", "1.", "2)", "$"):
        text = f"Summary.\n\nBody\n{mark} \n{mark} \nnext"
        once = reflow(text)
        assert once == f"Summary.\n\nBody\n{mark}\n{mark} next"
        assert reflow(once) == once


_words = st.text(alphabet="abc -*1.)$:\\[]", min_size=1, max_size=8)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "  ", "    "]), _words), max_size=12))
def test_reflow_keeps_every_word_and_is_idempotent(lines: list[tuple[str, str]]) -> None:
    # shaped as a docstring: a summary, then a body whose first line is at the margin
    # (typer dedents what it prints as :func:`inspect.cleandoc` does, as reflow does)
    text = "\n".join(["Summary.", "", "Body", *(indent + words for indent, words in lines)])
    once = reflow(text)
    assert once.split() == text.split()
    assert reflow(once) == once


#: The longest unbroken word an option's help may hold: at 80 columns the help column
#: of an option table is about 44 characters wide, and rich cuts a longer word with "…".
LONGEST_WORD = 30


def test_no_option_help_holds_a_word_too_long_to_wrap() -> None:
    """`data ingest --kind`'s list (``ohlcv|open_interest|…``) was cut with "…" at 80 columns."""

    def words(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
        for p in cmd.params:
            for word in (getattr(p, "help", None) or "").split():
                yield " ".join((*path, max(p.opts, key=len))), word
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            yield from words(sub, (*path, name))

    seen = list(words(typer.main.get_command(app)))
    assert len(seen) > 1000  # every option's help was read
    long = [(where, w) for where, w in seen if len(w) > LONGEST_WORD]
    assert long == []
    out = run_cli("data", "ingest", "--help", env={"COLUMNS": "80"}).stdout
    # the list whole, wherever the option column's width breaks its lines
    text = " ".join(line.strip("│ ") for line in out.splitlines())
    assert "open_interest, funding" in " ".join(text.split()) and "…" not in out
