"""Accounts holding several positions: what ``run_solvency`` does not net, said once.

``run_solvency`` prices every position as an isolated one: its own margin, its own
liquidation and bankruptcy prices. A cross (unified) account holding a long and a
short is one margin on a venue, liquidated when its equity falls below its
maintenance margin; here each leg is liquidated alone, so a hedged account's losing
leg is liquidated and its shortfall counted although the account as a whole may be
sound. The engine does not net such accounts; :func:`shared_accounts` finds them so
the run warns (and ADL, :func:`~liqcascade.solvency.run_solvency`, never haircuts an
account to pay its own shortfall).
"""

from __future__ import annotations

import logging

import numpy as np

from liqcascade.positions import PositionBook

__all__ = ["SHOWN", "shared_accounts", "shared_accounts_text", "warn_shared_accounts"]

_LOG = logging.getLogger("liqcascade.solvency")

#: Accounts a warning names before ``…`` (the JSON lists them all).
SHOWN = 5


def shared_accounts(positions: PositionBook) -> dict[int, list[int]]:
    """The accounts that hold more than one position, and their rows.

    Parameters
    ----------
    positions : PositionBook
        The exchange's positions (``account`` per position).

    Returns
    -------
    dict of int to list of int
        Account id → the 1-based rows of its positions (row ``i + 1`` is position
        ``i``: a file's data rows, the header not counted), in account order; empty
        when every account holds one position.
    """
    acc = np.asarray(positions.account, dtype=np.int64)
    ids, counts = np.unique(acc, return_counts=True)
    out: dict[int, list[int]] = {}
    for a in ids[counts > 1]:
        out[int(a)] = [int(i) + 1 for i in np.flatnonzero(acc == a)]
    return out


def shared_accounts_text(shared: dict[int, list[int]], file: str | None) -> str:
    """The warning's text (without ``warning:``): the file, the accounts and their rows.

    Parameters
    ----------
    shared : dict of int to list of int
        :func:`shared_accounts`' result, not empty.
    file : str, optional
        The positions file (None: a book built in Python, its positions named).
    """
    where = f"{file}: " if file else ""
    unit = "rows" if file else "positions"
    items = [
        f"account {a} ({unit} {', '.join(str(r) for r in rows)})"
        for a, rows in list(shared.items())[:SHOWN]
    ]
    more = f" and {len(shared) - SHOWN} more" if len(shared) > SHOWN else ""
    n = len(shared)
    return (
        f"{where}{n} account{'s' if n > 1 else ''} hold{'' if n > 1 else 's'} several "
        f"positions, {'; '.join(items)}{more}: each position is priced as an isolated "
        "one, on its own margin (cross or unified margin is not netted), so a hedged "
        "account's losing leg is liquidated and its shortfall counted: for such accounts "
        "the bad debt is an upper bound (pooled margin absorbs more of an account's own "
        "losses) and the liquidations differ from a netted account's; ADL haircuts no "
        "account to pay its own shortfall"
    )


def warn_shared_accounts(positions: PositionBook, file: str | None) -> dict[int, list[int]]:
    """Log the ``warning:`` of :func:`shared_accounts_text` when any account is shared.

    Parameters
    ----------
    positions : PositionBook
        The exchange's positions.
    file : str, optional
        The file they were read from.

    Returns
    -------
    dict of int to list of int
        :func:`shared_accounts`' result.
    """
    shared = shared_accounts(positions)
    if shared:
        _LOG.warning("warning: %s", shared_accounts_text(shared, file))
    return shared
