"""Every command's Options box at 80 columns: option names whole, flags untyped, required marked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from rich.cells import cell_len

from clihelpers import run_cli
from liqcascade._cli._help import OWN_OPTIONS_PANEL
from liqcascade.cli import app

pytestmark = pytest.mark.skipif(
    not OWN_OPTIONS_PANEL, reason="typer before 0.29 lacks the names our Options box uses"
)


def _paths(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            yield from _paths(sub, (*path, name))


ROOT = typer.main.get_command(app)
COMMANDS = list(_paths(ROOT))
#: An option name cut short: a flag's letters and then the ellipsis.
_CUT_NAME = re.compile(r"--[\w-]*…")


def _command(path: tuple[str, ...]) -> Any:
    cmd = ROOT
    for name in path:
        cmd = cmd.commands[name]
    return cmd


def _help(path: tuple[str, ...], width: int = 80) -> str:
    r = run_cli(*path, "--help", env={"COLUMNS": str(width)})
    assert r.exit_code == 0, (path, r.stderr)
    return r.stdout


def test_no_option_name_is_cut_at_80_columns() -> None:
    cut, missing = [], []
    for path in COMMANDS:
        out = _help(path)
        assert max(cell_len(x) for x in out.splitlines()) <= 80, path
        cut += [f"{' '.join(path)}: {m}" for m in _CUT_NAME.findall(out)]
        names = {w for line in out.splitlines() for w in re.findall(r"(?<![\w-])--[\w-]+", line)}
        for p in _command(path).params:
            missing += [f"{' '.join(path)}: {o}" for o in (*p.opts, *p.secondary_opts)
                        if o.startswith("--") and o not in names]  # fmt: skip
    assert not cut, cut
    assert not missing, missing


@pytest.mark.parametrize("path", [(), ("solvency",), ("cascade", "calibrate")], ids=str)
def test_a_flag_shows_no_bool_type(path: tuple[str, ...]) -> None:
    out = _help(path)
    assert "<bool>" not in out
    assert re.search(r"--help\s+Show this message", out)


def test_options_the_command_requires_are_marked_required() -> None:
    out = _help(("stops", "recommend"))
    for option in ("--entry", "--size", "--leverage"):
        row = out[out.index(f"│ {option} ") :]
        row = row[: re.search(r"\n│ --", row).start()]  # type: ignore[union-attr]
        assert "[required]" in row, (option, row)
    side = out[out.index("│ --side ") :].splitlines()[0]
    assert "[required]" not in side


def test_long_names_and_defaults_whole_in_solvency_and_calibrate() -> None:
    solvency = _help(("solvency",))
    assert "--accounts-per-cohort" in solvency and "--no-whole-positions" in solvency
    calibrate = _help(("cascade", "calibrate"))
    assert "--no-follow-through" in calibrate
    assert "~/.liqcascade/store.duckdb" in calibrate.replace("│", "").replace(" ", "")


def test_typers_own_panel_is_put_back_after_our_help() -> None:
    # review22: building the command line swapped our box into typer's module for the
    # whole process, so another typer app (a notebook's) printed ours too
    import typer.rich_utils as typer_rich

    from liqcascade._cli._help import print_options_panel

    before = typer_rich._print_options_panel
    assert before is not print_options_panel
    out = _help(("solvency",))
    assert "--accounts-per-cohort" in out  # our box: the name whole at 80 columns
    assert typer_rich._print_options_panel is before
