"""The documentation pages the command line names ship in the wheel, named by their path.

Help texts and messages said ``docs/contagion.md`` (the ``--config`` format), which an
installed user, with no repository, could not open. The wheel now carries the pages
(pyproject's ``force-include``, ``liqcascade/docs/PAGE.md``) and the command line names
the installed copy (:func:`liqcascade._cli._docs.installed_docs`).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade._cli import _docs

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "liqcascade"
_NAMED = re.compile(r"(?<![\w/.\-])docs/([a-z0-9_]+\.md)\b")


def _shipped() -> dict[str, str]:
    """pyproject's ``force-include`` of the wheel: repository path -> path in the wheel."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]


def _user_strings() -> dict[str, set[str]]:
    """Each page a user-facing string names -> where: string literals that are not a
    docstring (a command's docstring is its help: those of ``_cli`` count too)."""
    named: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    docstrings.add(id(first.value))
        cli = "_cli" in path.parts
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if id(node) in docstrings and not (cli and node.col_offset > 0):
                continue  # a module's or library function's docstring: for developers
            for page in _NAMED.findall(node.value):
                named.setdefault(page, set()).add(f"{path.relative_to(SRC)}:{node.lineno}")
    return named


def test_every_page_a_message_names_is_in_the_wheel() -> None:
    shipped = _shipped()
    named = _user_strings()
    assert len(named) >= 8  # the scan sees the help texts and messages
    missing = {p: sorted(w) for p, w in named.items()
               if shipped.get(f"docs/{p}") != f"liqcascade/docs/{p}"}  # fmt: skip
    assert missing == {}
    for src in shipped:
        assert (ROOT / src).is_file(), src


def test_every_user_page_ships() -> None:
    """A new page ships too (docs/img's pictures do not: 4 MB nobody's message names)."""
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert set(_shipped()) == pages


def test_an_installed_package_names_the_page_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "TOML configuration (docs/contagion.md); see docs/nothere.md, mydocs/contagion.md"
    assert _docs.installed_docs(text) == text  # a checkout: the repository's docs/
    pages = tmp_path / "liqcascade" / "docs"
    pages.mkdir(parents=True)
    (pages / "contagion.md").write_text("# Contagion\n")
    monkeypatch.setattr(_docs, "PAGES_DIR", pages)
    assert _docs.installed_docs(text) == (
        f"TOML configuration ({pages / 'contagion.md'}); see docs/nothere.md, mydocs/contagion.md"
    )
    r = run_cli("contagion", "--help")
    assert r.exit_code == 0
    flat = "".join(r.stdout.replace("│", " ").split())  # the help's box folds the path
    assert "".join(str(pages / "contagion.md").split()) in flat
    assert "(docs/contagion.md)" not in r.stdout
