r"""Help texts that reflow to the terminal's width: a paragraph is one line of source.

typer's ``"rich"`` markup mode keeps the single newlines of a command's second and
later paragraphs (and of the first one in a group's list of commands), and rich wraps
each of those source lines on its own: at 80 columns a 79-character docstring line ends
in an orphan word on a line of its own, and the next source line starts under it. The
rule here joins a paragraph's lines before typer sees them, once, for every command,
option and epilog (:class:`HelpGroup`, the root command's class, rewrites the whole
tree when it is built), so no docstring needs writing for one width.

What keeps its own line (:func:`reflow`):

- blank-line paragraph breaks;
- a line that starts an example (``Example:``, ``Examples:``, ``$ ``) or a list item
  (``- ``, ``* ``, ``• ``, ``1. ``, ``1) ``); the lines under a list item, indented
  or not, continue it, up to the next line that keeps its own;
- any other indented line (a table, a command laid out by hand);
- a paragraph that starts with ``\b``, click's mark for "printed as written".
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from typer.core import TyperGroup

#: A line that starts a line of its own: an example, or a list item. A mark may end the
#: line ("- " with nothing after it, kept and right-stripped to "-", is still an item:
#: reflowing a reflowed text changes nothing).
_LINE_START = re.compile(r"(Examples?:|\$( |$)|[-*•]( |$)|\d+[.)]( |$))")
#: A list item (its indented lines continue it).
_ITEM = re.compile(r"([-*•]( |$)|\d+[.)]( |$))")
#: A blank line (spaces allowed): the break between paragraphs.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def reflow(text: str) -> str:
    r"""``text`` with each paragraph's single newlines joined, its layout otherwise kept.

    Parameters
    ----------
    text : str
        A help text as written (a docstring, indented or not, or an option's ``help``).

    Returns
    -------
    str
        The text dedented (:func:`inspect.cleandoc`), its paragraphs separated by one
        blank line, each paragraph's lines joined with a space except the lines that
        keep their own (examples, list items, indented lines; the module's rule) and
        except a paragraph that starts with ``\b`` (kept as written).

    Examples
    --------
    >>> reflow("A summary.\n\n    One paragraph\n    in two lines.\n\n    Example: x --y")
    'A summary.\n\nOne paragraph in two lines.\n\nExample: x --y'
    """
    paragraphs = _PARAGRAPH_BREAK.split(inspect.cleandoc(text))
    return "\n\n".join(_reflow_paragraph(p) for p in paragraphs if p.strip())


def _reflow_paragraph(paragraph: str) -> str:
    """One paragraph's lines joined, but for the lines that keep their own."""
    if paragraph.startswith("\b"):
        return paragraph
    lines: list[str] = []
    in_item = False
    for line in paragraph.rstrip().split("\n"):
        indented = line[:1].isspace()
        if not lines or _LINE_START.match(line) or (indented and not in_item):
            lines.append(line.rstrip())
            in_item = bool(_ITEM.match(line))
        else:  # a continuation: of the paragraph, or (indented) of a list item
            lines[-1] = f"{lines[-1]} {line.strip()}"
    return "\n".join(lines)


def _reflow_option(text: str) -> str:
    """An option's help reflowed, each kept line a paragraph of its own.

    typer joins every newline of an option's paragraph and prints its paragraphs one a
    line: a line kept by :func:`reflow` is kept by being a paragraph.
    """
    if "\b" in text:
        return text
    return "\n\n".join(line for line in reflow(text).split("\n") if line.strip())


def reflow_tree(command: Any) -> None:
    """Reflow the help, short help, epilog and option help of ``command`` and below.

    Parameters
    ----------
    command : click.Command
        A command or group of the command line (typer's click objects); changed in
        place, with every subcommand.
    """
    for attr in ("help", "short_help", "epilog"):
        if getattr(command, attr, None):
            setattr(command, attr, reflow(getattr(command, attr)))
    for param in getattr(command, "params", ()):
        if getattr(param, "help", None):
            param.help = _reflow_option(param.help)
    for sub in (getattr(command, "commands", None) or {}).values():
        reflow_tree(sub)


class HelpGroup(TyperGroup):
    """The root command: its help and every subcommand's reflow (:func:`reflow_tree`).

    typer builds the subcommands before the root, so the root's constructor sees the
    whole tree; ``typer.main.get_command(app)`` returns it reflowed, the same for the
    command line and for tools that read the help texts.

    Parameters
    ----------
    **kwargs
        :class:`typer.core.TyperGroup`'s.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        reflow_tree(self)
