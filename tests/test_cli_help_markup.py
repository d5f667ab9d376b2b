"""Help texts print what they say: no bracketed word is eaten as rich markup.

The command line renders help with ``rich_markup_mode="rich"``, where ``[shock]`` is a
style tag and disappears from the printed help ("Default: the configuration's ;").
A literal bracket must be written ``\\[``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from rich.markup import render

from liqcascade.cli import app


def _texts(cmd: Any, path: str) -> Iterator[tuple[str, str]]:
    yield path, cmd.help or ""
    for p in cmd.params:
        yield (
            f"{path} {p.opts[0] if getattr(p, 'opts', None) else p.name}",
            getattr(p, "help", None) or "",
        )
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _texts(sub, f"{path} {name}")


def test_every_help_text_renders_as_written() -> None:
    texts = list(_texts(typer.main.get_command(app), "liqcascade"))
    assert len(texts) > 100  # every command and option was reached
    eaten = [
        f"{where}: {text!r}"
        for where, text in texts
        if render(text).plain != text.replace("\\[", "[")
    ]
    assert eaten == []


def test_the_contagion_shock_default_names_the_config_table() -> None:
    cmd = typer.main.get_command(app).commands["contagion"]  # type: ignore[attr-defined]
    shock = next(p for p in cmd.params if p.name == "shock")
    assert "the configuration's [shock];" in render(shock.help).plain
