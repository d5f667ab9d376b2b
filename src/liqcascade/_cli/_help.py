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

Each command's Options box is laid out by :func:`print_options_panel` (in place of
typer's): an option's names are never cut, whatever the width (its ``--no-`` form under
it, in the same column), a flag shows no ``<bool>`` type, the help column takes the
rest and folds a long word (a default path) rather than cutting it, and an option the
command requires itself (named by :func:`required_options`) is marked ``[required]`` as
one click requires is. Where typer lacks the private names it uses
(:data:`OWN_OPTIONS_PANEL`: typer before 0.29), typer's own box is kept.

Help printed into a closed pipe (``liqcascade --help | head -1``) ends as any other
output does: exit 1 and one line on stderr (:func:`closed_pipe_said`).
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import typer.rich_utils as typer_rich
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup, TyperOption

from liqcascade._cli._docs import installed_docs

_F = TypeVar("_F", bound=Callable[..., Any])


def required_options(*names: str) -> Callable[[_F], _F]:
    """Mark a command's options as required in its help, though the command checks them.

    A command that names every missing option at once (``stops recommend``: "missing
    required options: --entry, --size, --leverage") cannot let click require them (click
    stops at the first); its Options box marks them ``[required]`` all the same
    (:func:`reflow_tree` reads the mark from the command's callback).

    Parameters
    ----------
    *names : str
        The options' parameter names (``"entry"``, not ``"--entry"``).

    Returns
    -------
    callable
        A decorator returning the command function unchanged but for the mark.
    """

    def mark(fn: _F) -> _F:
        fn.liqcascade_required = frozenset(names)  # type: ignore[attr-defined]
        return fn

    return mark


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

    A ``docs/PAGE.md`` they name reads as the installed page's path where the package
    ships its pages (:func:`~liqcascade._cli._docs.installed_docs`).

    Options named by :func:`required_options` on a command's function are marked
    required for :func:`print_options_panel`.

    Parameters
    ----------
    command : click.Command
        A command or group of the command line (typer's click objects); changed in
        place, with every subcommand.
    """
    for cmd in _tree(command):
        for attr in ("help", "short_help", "epilog"):
            if getattr(cmd, attr, None):
                setattr(cmd, attr, installed_docs(reflow(getattr(cmd, attr))))
        required: frozenset[str] = getattr(
            getattr(cmd, "callback", None), "liqcascade_required", frozenset()
        )
        for param in getattr(cmd, "params", ()):
            if param.name in required:
                param.liqcascade_required = True
            if getattr(param, "help", None):
                param.help = installed_docs(_reflow_option(param.help))


def _tree(command: Any) -> Iterator[Any]:
    """``command`` and every command below it."""
    yield command
    for sub in (getattr(command, "commands", None) or {}).values():
        yield from _tree(sub)


def closed_pipe_said(format_help: Callable[..., None]) -> Callable[..., None]:
    """``format_help`` (a command's help printer) saying why when stdout's reader is gone.

    typer prints help through a console of its own, not the command line's: rich answers
    the closed pipe with ``SystemExit(1)`` and no word, where every command's output
    says :data:`~liqcascade._cli.CLOSED_PIPE` (:meth:`_Console.on_broken_pipe`). The
    help says the same and keeps exit 1, rather than exit 0 in silence as ``git --help
    | head -1`` may: one rule for all output, so a ``set -o pipefail`` script that cut
    the help learns why it failed as it does for a command's output.

    Parameters
    ----------
    format_help : callable
        A click command's bound ``format_help(ctx, formatter)``.

    Returns
    -------
    callable
        The same, writing the line before rich's exit goes on.
    """

    @functools.wraps(format_help)
    def said(*args: Any, **kwargs: Any) -> None:
        from liqcascade._cli import CLOSED_PIPE, write_stderr_line

        try:
            format_help(*args, **kwargs)
        except SystemExit:  # rich's console: the only exit a help printer raises
            write_stderr_line(CLOSED_PIPE)
            raise

    return said


def _names(param: Any) -> Text:
    """An option's names, one form a line (``--whole-positions`` over ``--no-whole-...``)."""
    names = [", ".join(param.opts)]
    if param.secondary_opts:
        names.append(", ".join(param.secondary_opts))
    if getattr(param, "param_type_name", "") == "argument":
        names = [param.name.upper()]
    return typer_rich.highlighter(Text("\n".join(names), no_wrap=True, overflow="ignore"))


def _type(param: Any, ctx: Any) -> Text:
    """An option's value type (``<float>``); none for a flag (``--json``, ``--version``)."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return Text("")
    shown = param.display_type_rich(ctx=ctx) if hasattr(param, "display_type_rich") else None
    text = Text(str(shown or ""), style=typer_rich.STYLE_TYPES)
    rng = (
        param._get_number_range_help_str() if hasattr(param, "_get_number_range_help_str") else None
    )
    if rng:
        text.append(typer_rich.RANGE_STRING.format(rng))
    return typer_rich.types_highlighter(text)


def _help_cell(param: Any, ctx: Any, markup_mode: Any) -> Text:
    """An option's help, then its ``[default: ...]`` and ``[required]``, as one text."""
    items = list(
        typer_rich._get_parameter_help(param=param, ctx=ctx, markup_mode=markup_mode).renderables
    )
    if getattr(param, "liqcascade_required", False) and not param.required:
        items.append(Text(typer_rich.REQUIRED_LONG_STRING, style=typer_rich.STYLE_REQUIRED_LONG))
    text = Text(" ").join(i if isinstance(i, Text) else Text(str(i)) for i in items)
    text.overflow = "fold"
    return text


def print_options_panel(
    *, name: str, params: list[Any], ctx: Any, markup_mode: Any, console: Any
) -> None:
    """One Options (or Arguments) box of a command's help; typer's, laid out to fit.

    The names and types take their full width (never cut), the help the rest of the
    line (at least a third of it; below that the names are still whole and the help
    narrower). Arguments are as typer shows them.

    Parameters
    ----------
    name : str
        The box's title.
    params : list of click.Parameter
        Its options.
    ctx : click.Context
        The command's context.
    markup_mode : str
        typer's markup mode.
    console : rich.console.Console
        Where the help is printed.
    """
    if not params:
        return
    rows = [(_names(p), _type(p, ctx), _help_cell(p, ctx, markup_mode)) for p in params]
    name_w = max(max(len(line) for line in r[0].plain.split("\n")) for r in rows)
    type_w = max(r[1].cell_len for r in rows)
    inner = console.width - 4  # the box's borders and padding
    gaps = 2 if type_w else 1  # one space of padding each side of a column, no edges
    help_w = max(inner - name_w - type_w - 2 * gaps, inner // 3, 10)
    table = Table(show_header=False, box=None, padding=(0, 1), pad_edge=False, expand=False)
    table.add_column(no_wrap=True, width=name_w, overflow="ignore")
    if type_w:
        table.add_column(no_wrap=True, width=type_w, overflow="ignore")
    table.add_column(width=help_w, overflow="fold")
    for names, kind, help_text in rows:
        table.add_row(*((names, kind, help_text) if type_w else (names, help_text)))
    console.print(
        Panel(
            table,
            border_style=typer_rich.STYLE_OPTIONS_PANEL_BORDER,
            title=name,
            title_align=typer_rich.ALIGN_OPTIONS_PANEL,
        )
    )


#: typer's private names :func:`print_options_panel` uses. typer before 0.29 (the floor,
#: 0.15.3, among them) lacks some (``STYLE_TYPES``, ``types_highlighter``, an option's
#: ``display_type_rich``): there typer's own box stays (names may be cut at 80 columns,
#: ``[required]`` is not added), rather than a help that fails or loses its types.
_TYPER_NAMES = (
    "ALIGN_OPTIONS_PANEL",
    "RANGE_STRING",
    "REQUIRED_LONG_STRING",
    "STYLE_OPTIONS_PANEL_BORDER",
    "STYLE_REQUIRED_LONG",
    "STYLE_TYPES",
    "_get_parameter_help",
    "_print_options_panel",
    "highlighter",
    "types_highlighter",
)
#: True when this typer has them: the Options boxes are :func:`print_options_panel`'s.
OWN_OPTIONS_PANEL = all(hasattr(typer_rich, n) for n in _TYPER_NAMES) and hasattr(
    TyperOption,
    "display_type_rich",  # the type column (<float>): typer 0.29 and later
)


class HelpGroup(TyperGroup):
    """The root command: its help and every subcommand's reflow (:func:`reflow_tree`).

    Each command's help printed into a closed pipe says so (:func:`closed_pipe_said`).

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
        for cmd in _tree(self):  # help into a closed pipe says so (closed_pipe_said)
            cmd.format_help = closed_pipe_said(_with_our_panel(cmd.format_help))


def _with_our_panel(format_help: Callable[..., None]) -> Callable[..., None]:
    """``format_help`` printing its Options boxes with :func:`print_options_panel`.

    typer calls its module's ``_print_options_panel``: ours is put there for the one
    help printed and the previous one put back, so another typer app of the process (a
    notebook's, a host tool's) keeps typer's. Where this typer lacks what ours uses
    (:data:`OWN_OPTIONS_PANEL`), ``format_help`` as it is.
    """
    if not OWN_OPTIONS_PANEL:
        return format_help

    @functools.wraps(format_help)
    def ours(*args: Any, **kwargs: Any) -> None:
        before = typer_rich._print_options_panel
        typer_rich._print_options_panel = print_options_panel  # type: ignore[assignment]
        try:
            format_help(*args, **kwargs)
        finally:
            typer_rich._print_options_panel = before

    return ours
