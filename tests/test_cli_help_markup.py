"""Help texts print what they say: no bracketed word is eaten as rich markup.

The command line renders help with ``rich_markup_mode="rich"``, where ``[shock]`` is a
style tag and disappears from the printed help ("Default: the configuration's ;").
A literal bracket must be written ``\\[``.

And the files a help text sends its reader to are in a clone of the repository: the
documentation is ``docs/*.md`` and ``README.md`` (the design notes the project was
built from, ``DESIGN.md``, are not in it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.markup import render

from liqcascade.cli import app

ROOT = Path(__file__).resolve().parents[1]
#: A file of the repository named in a help text: any Markdown file, or a path under one
#: of the repository's own folders (``docs/data.md``, ``tests/data/book/``).
_REPO_FILE = re.compile(
    r"(?<![\w.~<>/-])((?:docs|tests|src|benchmarks|tools)/[\w./-]*\w|[\w./-]*\.md)\b"
)


def _texts(cmd: Any, path: str) -> Iterator[tuple[str, str]]:
    yield path, cmd.help or ""
    for attr in ("short_help", "epilog"):
        if getattr(cmd, attr, None):
            yield f"{path} ({attr})", getattr(cmd, attr)
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


def test_every_file_a_help_text_names_is_in_the_repository() -> None:
    named = [
        (where, found)
        for where, text in _texts(typer.main.get_command(app), "liqcascade")
        for found in _REPO_FILE.findall(text)
    ]
    assert ("liqcascade data ingest", "docs/data.md") in named  # the pattern finds them
    missing = [f"{where}: {found}" for where, found in named if not (ROOT / found).exists()]
    assert missing == []


def test_the_file_pattern_finds_a_missing_design_file() -> None:
    text = "Positions file (see DESIGN.md layout); rules: docs/cascade.md; OUT/report.html."
    assert _REPO_FILE.findall(text) == ["DESIGN.md", "docs/cascade.md"]
    assert not (ROOT / "DESIGN.md").exists()
