"""A help that names a library registry writes it out, and says what the registry holds.

``data ingest``'s layouts and kinds, ``margin liq-price``'s venues, ``solvency``'s ADL
policies and default share of open interest are written into the CLI's help texts
rather than read from their packages, so that ``liqcascade --help`` (every command's
options) loads none of them (tests/test_cli_startup.py). Each text is checked here
against its registry: a venue, layout or policy registered without its help updated
fails here, naming the text to update.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import typer

from liqcascade.cli import app


def _layouts() -> str:
    from liqcascade.data import LAYOUTS

    return f"docs/data.md describes each): {', '.join(LAYOUTS)}.\n\n"  # a whole paragraph


def _ingest_kinds() -> str:
    from liqcascade.data import PUBLIC_KINDS

    return f"Force the kind ({', '.join(PUBLIC_KINDS)}) when the content is ambiguous."


def _export_kinds() -> str:
    from liqcascade.data import PUBLIC_KINDS

    return f"Kind: {', '.join(PUBLIC_KINDS)}."


def _venues() -> str:
    from liqcascade.margin import VENUES

    return f"Margin rules: {', '.join(VENUES)}."


def _oi_share() -> str:
    from liqcascade.market import EXCHANGE_OI_SHARE

    return (
        "Estimated market: the exchange's share of open interest, fraction or percent "
        f"(default {EXCHANGE_OI_SHARE:g}; not with --positions)."
    )


def _adl_policies() -> str:
    from liqcascade.solvency import ADL_POLICIES

    return f"{', '.join(ADL_POLICIES)} or all."


#: Each help naming a registry: the command, the option (None: the command's own help),
#: where its text is written, and the text the registry gives.
TEXTS: list[tuple[tuple[str, ...], str | None, str, Callable[[], str]]] = [
    (("data", "ingest"), None, "_cli/data.py: INGEST_HELP", _layouts),
    (("data", "ingest"), "kind", "_cli/data.py: _KINDS", _ingest_kinds),
    (("data", "export"), "kind", "_cli/data.py: _KINDS", _export_kinds),
    (("margin", "liq-price"), "venue", "_cli/margin.py: --venue", _venues),
    (("solvency",), "oi_share", "_cli/solvency.py: _OiShare", _oi_share),
    (("solvency",), "adl_policy", "_cli/solvency.py: _Policy", _adl_policies),
]


def _help(path: tuple[str, ...], param: str | None) -> str:
    """The help of the command at ``path`` (or of its option ``param``), as reflowed."""
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    if param is None:
        return str(cmd.help)
    return str(next(p for p in cmd.params if p.name == param).help)


@pytest.mark.parametrize(
    ("path", "param", "where", "registry_text"),
    TEXTS,
    ids=[" ".join(t[0]) + f" {t[1] or 'help'}" for t in TEXTS],
)
def test_a_help_says_what_its_registry_holds(
    path: tuple[str, ...], param: str | None, where: str, registry_text: Callable[[], str]
) -> None:
    text, want = _help(path, param), registry_text()
    if param is None:  # the paragraph of a command's help
        assert want in text, f"{where}: the registry now gives {want!r}"
    else:
        assert text == want, f"{where}: the registry now gives {want!r}"


def test_contributing_says_where_the_written_out_lists_are() -> None:
    """CONTRIBUTING.md's "Registries" tells a contributor to update these texts too.

    It said the CLI's help read the registries; since the help writes the lists out, a
    venue, policy or layout registered without the help updated fails here only.
    """
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "CONTRIBUTING.md").read_text(encoding="utf-8")
    text = " ".join(page.split())
    assert "tests/test_cli_help_registries.py" in text
    lists = [w for *_, w, f in TEXTS if f is not _oi_share]  # the default share is no list
    assert len(lists) == 5
    for where in lists:
        file, name = where.split(": ")
        assert f"`{name}` in `{file}`" in text, where
