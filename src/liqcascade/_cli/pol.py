"""CLI commands: ``liqcascade pol build / prove / verify`` (proof of liabilities)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade._cli._fraction_options import FRACTION

pol_app = typer.Typer(
    help=(
        "Proof of liabilities: a Merkle sum tree over user balances, inclusion proofs, "
        "verification.\n\nExample: liqcascade pol build users.csv --out tree"
    ),
    no_args_is_help=True,
)


_Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace the tree --out holds (a new root and new salts: proofs issued against "
        "the old root stop verifying).",
    ),
]


@pol_app.command("build")
def build(
    users_csv: Annotated[
        Path,
        typer.Argument(help="CSV with header user,balance (balances: integers, smallest unit)."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory to write the tree to.")],
    reserves: Annotated[
        str | None,
        typer.Option(
            metavar="INTEGER",
            help="Reserves held, same unit as balances: adds the reserve ratio.",
        ),
    ] = None,
    reserve_buffer: Annotated[
        float | None,
        typer.Option(
            help="Required extra reserves, fraction of liabilities (0.06, the default) or percent "
            "(6%); "
            "needs --reserves."
        ),
        FRACTION,
    ] = None,
    force: _Force = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Build the Merkle sum tree of USERS_CSV into --out; print root, total and count.

    --out must be a new or empty folder; one that holds a tree is refused unless
    --force. The tree is built in a temporary directory beside --out and replaces it
    only when complete and checked (a refused or failed build leaves it as it was);
    private/ (balances and salts) is readable by the owner only.

    Example: liqcascade pol build users.csv --out tree --json
    """
    from liqcascade.solvency import _pol_io
    from liqcascade.solvency.pol import build_tree_from, read_users

    # every check before any work: options, input file, output directory
    held = _amount_option(reserves, "--reserves")
    reserve_buffer = _buffer_option(reserve_buffer, held)
    _common.existing_file(users_csv, "USERS_CSV")
    if not force and out.is_dir() and _pol_io.is_tree_dir(out):
        _common.fail(
            f"--out: {out} already holds a proof-of-liabilities tree{_root_of(out)}, and "
            "proofs are issued against its root: give another folder, or --force to "
            "replace it"
        )
    with _pol_io.TreeStage(out, "out") as stage:
        table = read_users(users_csv)
        with _common.progress(f"hashing {table.n:,} users"):
            tree = build_tree_from(table)
        tree.save(out, stage=stage)  # outside the bar: an error here prints one line
    result = _build_summary(tree, out, held, reserve_buffer)
    _common.emit(result, as_json, _render_build)


def _buffer_option(reserve_buffer: float | None, held: int | None) -> float:
    """``--reserve-buffer`` checked (a fraction in [0, 1), needs ``--reserves``); default 0.06."""
    import math

    if reserve_buffer is not None and held is None:
        _common.fail("--reserve-buffer needs --reserves (the buffer is checked against them)")
    reserve_buffer = 0.06 if reserve_buffer is None else reserve_buffer
    if not (math.isfinite(reserve_buffer) and reserve_buffer >= 0):
        _common.fail(f"--reserve-buffer must be a finite number >= 0 (got {reserve_buffer})")
    if reserve_buffer >= 1:  # a percentage given for a fraction
        _common.fail(f"--reserve-buffer must be a fraction in [0, 1) (got {reserve_buffer:g}; "
                     f"for {reserve_buffer:g} % give {reserve_buffer / 100:g})")  # fmt: skip
    return reserve_buffer


def _root_of(tree: Path) -> str:
    """`` (root 1a2b3c4d…)`` of the tree in ``tree`` (its manifest's), or ``""``."""
    import json

    try:
        root = json.loads((tree / "manifest.json").read_text())["root"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    return f" (root {str(root)[:16]}…)" if isinstance(root, str) and root else ""


@pol_app.command("prove")
def prove(
    tree: Annotated[Path, typer.Option("--tree", help="Tree directory written by `pol build`.")],
    user: Annotated[str, typer.Option("--user", help="User id.")],
    out: Annotated[Path, typer.Option("--out", help="Proof file to write (JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Write USER's inclusion proof to --out (mode 0600: it holds the user's salt).

    Example: liqcascade pol prove --tree tree --user alice --out alice.json
    """
    from liqcascade.solvency import _pol_io
    from liqcascade.solvency.pol import load_tree

    target = _pol_io.check_out_file(out, "out")  # before any work
    t = load_tree(tree, option="tree")
    proof = t.prove(user)
    _pol_io.write_private_file(target, proof.to_json().encode("utf-8"))
    _common.emit(
        {
            "user": proof.user,
            "balance": proof.balance,
            "root": proof.root,
            "total_liabilities": proof.total_liabilities,
            "out": str(out),
        },
        as_json,
    )


@pol_app.command("verify")
def verify(
    proof_file: Annotated[Path, typer.Argument(help="Proof JSON written by `pol prove`.")],
    root: Annotated[str, typer.Option("--root", help="Published root hash (hex).")],
    total: Annotated[
        str | None,
        typer.Option(
            "--total", metavar="INTEGER", help="Published total liabilities (smallest unit)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Verify a proof against the published root (and total). Exit 0 valid, 3 invalid.

    Example: liqcascade pol verify alice.json --root 3f5a… --json
    """
    from liqcascade.solvency.pol import read_proof, verify_proof

    published = _amount_option(total, "--total")
    _common.existing_file(proof_file, "PROOF")
    d = read_proof(proof_file)
    res = verify_proof(d, root, published, source=str(proof_file))
    _common.emit(res.to_dict(), as_json, lambda r: _render_verify(r, published is not None))
    if not res.valid:
        raise typer.Exit(3)


def _amount_option(value: str | None, option: str) -> int | None:
    """An amount option (smallest unit) as an int in [0, 2**128 - 1]; exit 2 naming it.

    Read here, not by typer: a number of thousands of digits is past Python's limit on
    converting text to int (typer's message named no rule); it is refused by its count of
    digits before any conversion. Leading zeros are the number they spell, as in the
    users file; ``_`` separators are accepted as Python reads them.
    """
    if value is None:
        return None
    from liqcascade.solvency.pol import MAX_SUM

    text = value.strip().replace("_", "")
    sign = text[:1] if text[:1] in "+-" else ""
    digits = text[len(sign) :].lstrip("0") or "0"
    if not (text[len(sign) :].isascii() and text[len(sign) :].isdigit()):
        shown = value if len(value) <= 40 else value[:40] + "…"
        _common.fail(f"{option} must be a whole number in the smallest unit (got {shown!r})")
    if sign == "-" and digits != "0":  # an amount is never negative
        shown = value.strip() if len(digits) <= 40 else f"a {len(digits):,}-digit negative number"
        _common.fail(f"{option} must be >= 0 (got {shown})")
    if len(digits) > len(str(MAX_SUM)) or int(digits) > MAX_SUM:
        shown = digits if len(digits) <= 40 else f"a {len(digits):,}-digit number"
        _common.fail(f"{option} must be between 0 and 2**128 - 1 (got {shown})")
    return int(digits)


def register(app: typer.Typer) -> None:
    """Register ``pol`` on the root app."""
    app.add_typer(pol_app, name="pol")


def _build_summary(
    tree: Any, out: Path, reserves: int | None, reserve_buffer: float
) -> dict[str, Any]:
    """What ``pol build`` prints: root, total, count, and the reserve ratio if given."""
    from liqcascade._prices import is_finite
    from liqcascade.solvency.pol import FORMAT, reserve_ratio

    result: dict[str, Any] = {
        "root": tree.root,
        "total_liabilities": tree.total_liabilities,
        "n_users": tree.n_users,
        "depth": tree.depth,
        "format": FORMAT,
        "out": str(out),
    }
    if reserves is not None:
        rr = reserve_ratio(reserves, tree.total_liabilities, reserve_buffer)
        result.update(
            {
                "reserves": reserves,
                # no liabilities (every balance 0): +inf or NaN (0/0), neither a ratio: null
                "reserve_ratio": rr.ratio if is_finite(rr.ratio) else None,
                "reserve_buffer": reserve_buffer,
                "meets_buffer": rr.meets_buffer,
            }
        )
    return result


def _rows(rows: list[tuple[str, str]]) -> None:
    """``key  value`` rows, as :func:`_common.emit` prints a result without a renderer.

    The values are markup: a user's text in them escaped (:func:`_common.esc`).
    """
    from rich.table import Table

    table = Table(show_header=False, box=None)
    for k, v in rows:
        table.add_row(f"[bold]{k}[/]", v)
    _common.stdout.print(table)


def _render_build(r: dict[str, Any]) -> None:
    """``pol build``'s rows; a reserve ratio without liabilities reads n/a, not inf."""
    rows = []
    for k, v in r.items():
        if k == "reserve_ratio" and v is None:
            rows.append((k, "n/a (no liabilities: every balance is 0)"))
        else:
            rows.append((k, _common._fmt(v)))
    _rows(rows)


def _render_verify(r: dict[str, Any], total_given: bool) -> None:
    """``pol verify``'s rows: on success what was checked (not an empty reason)."""
    rows = [(k, _common.esc(r[k])) for k in ("valid", "user", "balance", "total_liabilities")]
    if r["valid"]:
        what = "the recomputed root matches --root"
        what += (
            " and the recomputed total matches --total"
            if total_given
            else "; the published total was not checked (no --total)"
        )
        rows.append(("checked", what))
    else:
        rows.append(("reason", _common.esc(r["reason"])))
    _rows(rows)
