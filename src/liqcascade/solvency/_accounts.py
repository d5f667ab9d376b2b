"""Accounts holding several positions: what ``run_solvency`` does not net, said once.

``run_solvency`` prices every position as an isolated one: its own margin, its own
liquidation and bankruptcy prices. A cross (unified) account holding a long and a
short is one margin on a venue, liquidated when its equity falls below its
maintenance margin; here each leg is liquidated alone, so a hedged account's losing
leg is liquidated and its shortfall counted although the account as a whole may be
sound. The engine does not net such accounts; :func:`shared_accounts` finds them so
the run warns (and ADL, :func:`~liqcascade.solvency.run_solvency`, never haircuts an
account to pay its own shortfall), and :func:`shared_exposure` says how much of the book
that concerns: the notional the accounts hold, its share of the book, the part that is a
long against a short in the same account, and per scenario what their positions make of
the liquidations and the shortfall (:func:`shared_in_run`).

Why not net them: the margin package prices a cross account holding one position
(:func:`liqcascade.margin.binance_cross_liq_price`), not several (docs/margin.md), and
the engines trigger positions one by one at their own liquidation prices; netting an
account means a liquidation price of the account (its wallet, its legs' maintenance on
the tier of each), closing the legs together and booking one shortfall, in the path,
static and calibrated engines alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from liqcascade._prices import count_text, percent_text, price_decimals
from liqcascade.positions import PositionBook

__all__ = [
    "SHOWN",
    "SharedExposure",
    "account_labels",
    "shared_accounts",
    "shared_accounts_text",
    "shared_exposure",
    "shared_in_run",
    "warn_shared_accounts",
]

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
    order = np.argsort(acc, kind="stable")  # each account's rows together, in file order
    ids, start, counts = np.unique(acc[order], return_index=True, return_counts=True)
    out: dict[int, list[int]] = {}
    for a, i, k in zip(ids.tolist(), start.tolist(), counts.tolist(), strict=True):
        if k > 1:
            out[a] = (order[i : i + k] + 1).tolist()
    return out


def account_labels(positions: PositionBook, file: str | None) -> dict[int, str]:
    """The file's own account ids, keyed by the book's integer accounts.

    :func:`liqcascade.positions.read_positions` numbers string ids (``acct0021``) in order
    of appearance, so a book's ``account`` 0 is no name its user knows: the warning and
    the JSON name each account as its file does.

    Parameters
    ----------
    positions : PositionBook
        The book read from ``file`` (one position per data row, in file order).
    file : str, optional
        The positions file; None (a book built in Python): no labels.

    Returns
    -------
    dict of int to str
        Account → the ``account`` cell of its first row, stripped; empty without a file,
        an ``account`` column, or a file whose rows are not the book's one for one.
    """
    if file is None:
        return {}
    from liqcascade._tables import read_user_table
    from liqcascade.errors import InputError

    try:
        df = read_user_table(file)
    except InputError:  # read once already; a file changed since is named by its numbers
        return {}
    acc = np.asarray(positions.account, dtype=np.int64)
    if "account" not in df.columns or len(df) != acc.size:
        return {}
    raw = df["account"].astype("string").str.strip().to_numpy(dtype=object)
    ids, first = np.unique(acc, return_index=True)
    return {int(a): str(raw[i]) for a, i in zip(ids, first, strict=True)}


@dataclass
class SharedExposure:
    """How much of the book the accounts holding several positions hold, at one price.

    Attributes
    ----------
    price : float
        The price the notionals are taken at (the run's price before the shock), USD.
    n_accounts : int
        Accounts holding several positions.
    n_hedged : int
        Of them, the accounts holding both a long and a short.
    notional_usd : float
        Σ ``size × price`` of the positions in those accounts, USD.
    book_notional_usd : float
        Σ ``size × price`` of every position, USD.
    offset_notional_usd : float
        The notional that is a long against a short in the same account, both legs:
        Σ over accounts of ``2 × min(long size, short size) × price``, USD. Its price risk
        cancels inside the account, which a netted (cross) account would not liquidate
        on a move; priced position by position, its losing legs are liquidated.
    scenarios : dict of str to dict
        Per scenario (:func:`shared_in_run`): ``liquidated_usd`` and ``shortfall_usd``
        of the positions in those accounts, USD.
    """

    price: float
    n_accounts: int
    n_hedged: int
    notional_usd: float
    book_notional_usd: float
    offset_notional_usd: float
    scenarios: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def share_of_book(self) -> float:
        """:attr:`notional_usd` as a fraction of :attr:`book_notional_usd` (0 for none)."""
        return self.notional_usd / self.book_notional_usd if self.book_notional_usd > 0 else 0.0

    @property
    def offset_share_of_book(self) -> float:
        """:attr:`offset_notional_usd` as a fraction of the book's notional."""
        b = self.book_notional_usd
        return self.offset_notional_usd / b if b > 0 else 0.0

    def text(self) -> str:
        """``their positions hold 73,968 USD notional at 3,698.39 (50.0 % of the book's …``.

        The price to at least two decimals (more for a price below 1, as the prices
        elsewhere); USD notionals whole; shares to a tenth of a percent.
        """
        head = (
            f"their positions hold {self.notional_usd:,.0f} USD notional at "
            f"{self.price:,.{max(2, price_decimals(self.price))}f} "
            f"({percent_text(self.share_of_book)} of the book's {self.book_notional_usd:,.0f} USD)"
        )
        if not self.n_hedged:
            return head + ", none of it a long against a short in the same account"
        return (
            f"{head}, of which {self.offset_notional_usd:,.0f} USD "
            f"({percent_text(self.offset_share_of_book)} of the book, in "
            f"{count_text(self.n_hedged, 'account')}) is a long against a short in the same "
            "account: a hedge whose price risk cancels in a netted account"
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON's ``shared_accounts_exposure``: the fields and the two shares."""
        return {
            "price": self.price,
            "n_accounts": self.n_accounts,
            "n_hedged": self.n_hedged,
            "notional_usd": self.notional_usd,
            "book_notional_usd": self.book_notional_usd,
            "share_of_book": self.share_of_book,
            "offset_notional_usd": self.offset_notional_usd,
            "offset_share_of_book": self.offset_share_of_book,
            "scenarios": self.scenarios,
        }


def shared_exposure(positions: PositionBook, price: float) -> SharedExposure:
    """The notional of the accounts holding several positions, at ``price``.

    Parameters
    ----------
    positions : PositionBook
        The exchange's positions (one contract).
    price : float
        The price the notionals are taken at, USD (the run's price before the shock).

    Returns
    -------
    SharedExposure
        Zero notionals when every account holds one position.
    """
    acc = np.asarray(positions.account, dtype=np.int64)
    size = np.asarray(positions.size, dtype=np.float64)
    long = np.asarray(positions.is_long, dtype=bool)
    ids, inverse, counts = np.unique(acc, return_inverse=True, return_counts=True)
    shared = counts[inverse] > 1
    long_size = np.bincount(inverse, weights=np.where(long, size, 0.0), minlength=len(ids))
    short_size = np.bincount(inverse, weights=np.where(long, 0.0, size), minlength=len(ids))
    offset = 2.0 * np.minimum(long_size, short_size)
    return SharedExposure(
        price=float(price),
        n_accounts=int((counts > 1).sum()),
        n_hedged=int((offset > 0).sum()),
        notional_usd=float(size[shared].sum() * price),
        book_notional_usd=float(size.sum() * price),
        offset_notional_usd=float(offset.sum() * price),
    )


def shared_in_run(
    positions: PositionBook, mask: np.ndarray, fill: np.ndarray, down: bool, fee: float
) -> dict[str, float]:
    """What the positions of shared accounts make of one scenario's liquidations.

    The run's own accounting (docs/design.md, "Accounting"), restricted to the positions
    in accounts holding several positions: each liquidated one gives ``(fill −
    bankruptcy) · size`` (a short: ``(bankruptcy − fill) · size``) plus its fee; its
    shortfall is what that leaves below zero. Netting those accounts could change these
    figures (a hedged leg would not be closed alone).

    Parameters
    ----------
    positions : PositionBook
        The exchange's positions.
    mask : array of bool
        The positions the scenario liquidated.
    fill : array of float
        Each position's close price, USD.
    down : bool
        Whether the scenario's shock is a fall (longs liquidated).
    fee : float
        Liquidation fee, fraction of the closed notional.

    Returns
    -------
    dict
        ``liquidated_usd`` (Σ ``size × fill``) and ``shortfall_usd``, USD.
    """
    acc = np.asarray(positions.account, dtype=np.int64)
    _, inverse, counts = np.unique(acc, return_inverse=True, return_counts=True)
    hit = np.asarray(mask, dtype=bool) & (counts[inverse] > 1)
    size, fill_ = positions.size[hit], np.asarray(fill, dtype=np.float64)[hit]
    bk = positions.bankruptcy_price[hit]
    c = ((fill_ - bk) if down else (bk - fill_)) * size + fee * size * fill_
    return {
        "liquidated_usd": float((size * fill_).sum()),
        "shortfall_usd": float((-c[c < 0]).sum()),
    }


def shared_accounts_text(
    shared: dict[int, list[int]],
    file: str | None,
    exposure: SharedExposure | None = None,
    labels: dict[int, str] | None = None,
) -> str:
    """The warning's text (without ``warning:``): the file, the accounts and their rows.

    Parameters
    ----------
    shared : dict of int to list of int
        :func:`shared_accounts`' result, not empty.
    file : str, optional
        The positions file (None: a book built in Python, its positions named).
    exposure : SharedExposure, optional
        The accounts' notional and its share of the book (:func:`shared_exposure`),
        said after the rows.
    labels : dict of int to str, optional
        The file's own account ids (:func:`account_labels`): an account is named by its
        id there, else by the book's number.
    """
    where = f"{file}: " if file else ""
    names = labels or {}
    unit = "rows" if file else "positions"
    items = [
        f"account {names.get(a, a)} ({unit} {', '.join(str(r) for r in rows)})"
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
        "account to pay its own shortfall" + ("" if exposure is None else f"; {exposure.text()}")
    )


def warn_shared_accounts(
    positions: PositionBook,
    file: str | None,
    price: float | None = None,
    labels: dict[int, str] | None = None,
) -> dict[int, list[int]]:
    """Log the ``warning:`` of :func:`shared_accounts_text` when any account is shared.

    Parameters
    ----------
    positions : PositionBook
        The exchange's positions.
    file : str, optional
        The file they were read from.
    price : float, optional
        The run's price before the shock, USD: the warning then says the accounts'
        notional at it and its share of the book (:func:`shared_exposure`).
    labels : dict of int to str, optional
        The file's own account ids (:func:`account_labels`), to name the accounts by.

    Returns
    -------
    dict of int to list of int
        :func:`shared_accounts`' result.
    """
    shared = shared_accounts(positions)
    if shared:
        exposure = None if price is None else shared_exposure(positions, price)
        _LOG.warning("warning: %s", shared_accounts_text(shared, file, exposure, labels))
    return shared
