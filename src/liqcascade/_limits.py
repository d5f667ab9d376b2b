"""Resource limits checked before work starts: memory estimates and value ranges.

A request whose sizes or counts imply more memory than the machine has is refused
*before* anything is allocated, with :class:`~liqcascade.errors.InputError` (exit 2 on
the command line) naming the option, the estimate and what the machine has::

    --paths 100000000 needs about 32 GB of memory (estimate x1.5 safety margin);
    this machine has 23 GB available: at most about 71,000,000 fit

The estimates are per-item byte counts of the arrays each computation holds at its
peak (measured with ``tracemalloc`` / peak RSS on the bundled data, then rounded up;
see the constants below), times :data:`SAFETY`. The memory available is the smallest
of ``MemAvailable`` (``/proc/meminfo``), the cgroup limit left (``memory.max`` minus
``memory.current``), ``psutil`` when installed, ``os.sysconf``, and
``$LIQCASCADE_MEMORY_LIMIT`` (bytes, or a size like ``8GB``; a cap for shared hosts
and tests). When none can be read, no check is made.
"""

from __future__ import annotations

import decimal
import math
import numbers
import os
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from liqcascade.errors import InputError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "BOOK_LEVEL_BYTES",
    "CONTAGION_LEVEL_BYTES",
    "MAX_HORIZON_DAYS",
    "MAX_USD",
    "PARSE_BYTES_PER_BYTE",
    "SAFETY",
    "SPLIT_ACCOUNT_BYTES",
    "available_memory",
    "check_count",
    "check_fraction",
    "check_insurance_fund",
    "check_level",
    "check_memory",
    "check_number",
    "check_real",
    "check_seed",
    "check_usd_amounts",
    "check_whole",
    "format_bytes",
    "percent_hint",
    "real_array",
    "real_number",
    "stress_path_bytes",
    "widen",
]

#: Estimates are multiplied by this before they are compared with the memory available.
SAFETY = 1.5

#: Longest horizon, days, of a daily model's forecast or paths (the stop back-test and
#: recommendation, the stress Monte Carlo): a year. Past it a daily volatility scaled by
#: √horizon, or a GARCH forecast summed over it, is the unconditional variance times the
#: days, not a forecast.
MAX_HORIZON_DAYS = 365
#: Largest amount, USD, a position's notional or margin may hold: no position, account
#: or book comes near it (the whole crypto market is worth a few 1e12 USD). Past it the
#: sums, squares and products of amounts downstream run towards float overflow
#: (``PositionBook.scaled(1e300)`` gave infinite notionals).
MAX_USD = 1e15
#: ``OrderBook.parametric``: bytes per level (both sides, with the temporaries), measured
#: 83 B with ``tracemalloc`` at 10^6 levels.
BOOK_LEVEL_BYTES = 96
#: A contagion venue's parametric book through the whole simulation: bytes per
#: ``n_levels`` (both sides), measured 110 B/level of peak RSS (2 venues x 2·10^6 levels).
CONTAGION_LEVEL_BYTES = 128
#: ``solvency.split_accounts``: bytes per account before the dust filter (weights, index,
#: sizes, the filter and the new book's columns; peak RSS grew 32 B per account
#: from 4.3 to 21.7 million accounts, the kept accounts' cascade on top).
SPLIT_ACCOUNT_BYTES = 100
#: Reading a file: bytes of memory per byte of (decompressed) data — the raw bytes,
#: pandas' parse and the canonical frame with its copies (peak RSS grew 4.3 B per byte
#: reading a 20 MB OHLCV CSV).
PARSE_BYTES_PER_BYTE = 6

_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def stress_path_bytes(n_assets: int, n_positions: int = 0) -> int:
    """Bytes per Monte Carlo path of the stress runner at its peak.

    Per path and asset 5 float64 outcomes (final, low, high, liquidated long and short),
    held twice while the chunks are stacked; per position two booleans (liquidated,
    stopped); and about nine float64 per path for the P&L, the loss, the quantile copies
    and the portfolio evaluation's temporaries.

    Parameters
    ----------
    n_assets : int
        Assets of the portfolio (at least 1 is counted).
    n_positions : int, default 0
        Positions of the portfolio.

    Returns
    -------
    int
        Bytes per path.
    """
    return 8 * (10 * max(1, int(n_assets)) + 9) + 2 * max(0, int(n_positions))


def _parse_size(text: str) -> int | None:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", text.upper())
    if m is None:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def _meminfo_available() -> int | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    m = re.search(r"^MemAvailable:\s+(\d+)\s*kB", text, re.MULTILINE)
    return int(m.group(1)) * 1024 if m else None


def _cgroup_available() -> int | None:
    base = Path("/sys/fs/cgroup")
    try:
        limit = (base / "memory.max").read_text().strip()
        if limit == "max":
            return None
        current = int((base / "memory.current").read_text().strip())
        return max(0, int(limit) - current)
    except (OSError, ValueError):
        return None


def _psutil_available() -> int | None:
    try:
        import psutil
    except ImportError:
        return None
    try:
        return int(psutil.virtual_memory().available)
    except (OSError, RuntimeError, AttributeError):  # platform quirks (a bug still raises)
        return None


def _sysconf_available() -> int | None:
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return int(pages) * int(size) if pages > 0 and size > 0 else None


def available_memory() -> int | None:
    """Bytes of memory this process can still use (``None`` when nothing can be read).

    The smallest of ``$LIQCASCADE_MEMORY_LIMIT``, the cgroup limit left and the host's
    available memory (``/proc/meminfo``, else ``psutil``, else ``os.sysconf``).

    Raises
    ------
    InputError
        ``$LIQCASCADE_MEMORY_LIMIT`` is set but not a size like ``8GB`` or ``500000000``.
    """
    found: list[int] = []
    env = os.environ.get("LIQCASCADE_MEMORY_LIMIT")
    if env is not None and env.strip():
        v = _parse_size(env)
        if v is None or v <= 0:
            raise InputError(
                f"LIQCASCADE_MEMORY_LIMIT must be a size like 8GB or a number of bytes "
                f"(got {env!r})"
            )
        found.append(v)
    host = _meminfo_available() or _psutil_available() or _sysconf_available()
    for v in (host, _cgroup_available()):
        if v is not None:
            found.append(v)
    return min(found) if found else None


def format_bytes(n: float) -> str:
    """``3.2e10 -> "30 GB"`` (binary units, 2 significant digits below 10).

    Parameters
    ----------
    n : float
        A size, bytes.

    Returns
    -------
    str
        The size in B, KB, MB, GB or TB (powers of 1,024).
    """
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            x = n / size
            return f"{x:.1f} {unit}" if x < 10 else f"{x:,.0f} {unit}"
    return f"{int(n)} B"


def check_memory(need_bytes: float, what: str, *, hint: str = "", param: str | None = None) -> None:
    """Refuse a request needing more memory than the machine has.

    Parameters
    ----------
    need_bytes : float
        Estimated peak bytes of the request (before the safety margin).
    what : str
        The request as the user wrote it, e.g. ``"--paths 100000000"`` or
        ``"data.csv.gz"``; the message starts with it.
    hint : str, optional
        Appended after the figures (e.g. how many fit).
    param : str, optional
        The library parameter ``what`` names (the error's ``param``: the command line
        shows it as its flag).

    Raises
    ------
    InputError
        ``"WHAT needs about N GB of memory (...); this machine has M GB available"``.
    """
    avail = available_memory()
    need = float(need_bytes) * SAFETY
    if avail is None or need <= avail:
        return
    raise InputError(
        f"{what} needs about {format_bytes(need)} of memory (estimate x{SAFETY:g} safety "
        f"margin); this machine has {format_bytes(avail)} available{hint}",
        param=param,
    )


def check_count(
    option: str, value: int | float, bytes_each: float, *, fixed: float = 0.0, what: str = ""
) -> None:
    """Refuse a count (paths, levels, accounts) whose arrays would not fit in memory.

    Parameters
    ----------
    option : str
        The parameter (``"n_paths"``: the error's ``param``, shown by the command line as
        its flag) or the key as the user wrote it (``"venues[0].book.n_levels"``).
    value : int or float
        The count given.
    bytes_each : float
        Estimated peak bytes per unit of ``value``.
    fixed : float, default 0
        Bytes needed whatever the count.
    what : str, optional
        Overrides ``"OPTION VALUE"`` at the start of the message.

    Raises
    ------
    InputError
        Naming the option, the estimate, the memory available and how many would fit.
    """
    avail = available_memory()
    need = fixed + float(value) * bytes_each
    if avail is None or need * SAFETY <= avail:
        return
    fit = max(0, math.floor((avail / SAFETY - fixed) / bytes_each)) if bytes_each > 0 else 0
    shown = f"{value:g}" if isinstance(value, float) else f"{value}"
    hint = f": at most about {_round_down(fit):,} fit"
    param = option if option.isidentifier() and not what else None
    check_memory(need, what or f"{option} {shown}", hint=hint, param=param)


def _round_down(n: int) -> int:
    """Round down to 2 significant digits (a limit to quote, not a figure to rely on)."""
    if n < 100:
        return n
    p = 10 ** (len(str(n)) - 2)
    return (n // p) * p


def check_seed(seed: int, option: str = "seed") -> int:
    """A random seed: an integer >= 0 (numpy's seeds), or :class:`InputError` naming it.

    ``option`` is the parameter's name (default ``"seed"``): the error carries it as
    ``param`` for the command line to show as its flag. A name starting with ``-`` (a
    flag, from the command line itself) is only named in the message.

    Parameters
    ----------
    seed : int
        The seed (a bool is refused).
    option : str, default "seed"
        The parameter's name, or a command-line flag.

    Returns
    -------
    int

    Raises
    ------
    InputError
        If ``seed`` is not a whole number >= 0.
    """
    param = None if option.startswith("-") else option
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InputError(f"{option} must be a whole number >= 0 (got {seed!r})", param=param)
    if seed < 0:
        raise InputError(f"{option} must be >= 0 (got {seed})", param=param)
    return int(seed)


def real_number(value: Any) -> float | None:
    """``value`` as a float when it is one real number, else None.

    A Python or numpy integer or float, a :class:`~fractions.Fraction`, a
    :class:`~decimal.Decimal` (what a ledger holds; a signalling NaN is not a number),
    or a zero-dimensional numpy array of one (what ``np.asarray(price)`` gives), is a
    number; a bool, text, bytes, None, a longer array or anything else is not. Whether it
    is finite, or in range, is the caller's rule. A float narrower than 64 bits (numpy's
    float32, float16) is read as the shortest decimal it prints as (:func:`widen`).

    Parameters
    ----------
    value : Any
        The value given.

    Returns
    -------
    float or None
    """
    if isinstance(value, bool):
        return None
    dtype: Any = getattr(value, "dtype", None)
    narrow = getattr(dtype, "kind", "") == "f" and getattr(dtype, "itemsize", 8) < 8
    if narrow and getattr(value, "shape", None) == ():
        return float(str(value))  # float32 -0.05 is -0.05, not -0.05000000074505806
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, decimal.Decimal):  # not a numbers.Real, but a number
        return None if value.is_snan() else float(value)
    # a 0-d array (numpy's bool_ has kind "b")
    if getattr(value, "shape", None) == () and getattr(dtype, "kind", "") in ("f", "i", "u"):
        return float(value)
    return None


def check_number(value: Any, name: str, label: str | None = None) -> float:
    """``value`` as a float if one real number, else ``"LABEL must be a number (got …)"``.

    What is not one (:func:`real_number`: text such as ``"5e6"``, bytes, a bool, None)
    is told it is not a number, shown by its repr, rather than given a range it might
    seem to miss; an array or Series, even of one value, is refused as one (the rule
    wherever a scalar is read: its one value is never taken silently); whether the
    number is in range is the caller's rule.

    Parameters
    ----------
    value, name, label
        As :func:`check_real`'s: the value given, the parameter's name (the error's
        ``param``) and how the message names it (default ``name``).

    Returns
    -------
    float
        ``value`` as a float, unchecked for range (NaN and inf included).

    Raises
    ------
    InputError
        ``param=name``: not one real number.
    """
    v = real_number(value)
    ndim = getattr(value, "ndim", None)  # np.array([-0.08]), a Series: its value not taken
    if v is None and isinstance(ndim, int) and ndim > 0:
        raise InputError(
            f"{label or name} must be one number, not an array "
            f"(got {type(value).__name__} of shape {value.shape}): give its value",
            param=name,
        )
    if v is None:
        raise InputError(f"{label or name} must be a number (got {value!r})", param=name)
    return v


def check_real(
    value: Any,
    name: str,
    *,
    least: float,
    strict: bool = False,
    most: float = math.inf,
    unit: str = "",
    label: str | None = None,
) -> float:
    """``value`` as a finite float in range, or InputError naming ``name`` (its ``param``).

    The scalar twin of :func:`real_array`: a value that is not one real number (text,
    bytes, a bool, None: :func:`check_number`) is ``"LABEL must be a number (got
    'VALUE')"`` (its repr: text shows as text); one not finite or below ``least`` is
    ``"LABEL must be >= LEAST (got VALUE)"``; one above ``most`` is ``"LABEL must be at
    most MOST UNIT (got VALUE)"``.

    Parameters
    ----------
    value : Any
        The value given.
    name : str
        The parameter's name, for the error's ``param`` (and its message, without
        ``label``).
    least : float
        The smallest value allowed.
    strict : bool, default False
        Refuse ``least`` itself (``> least``).
    most : float, default inf
        The largest value allowed (:data:`MAX_USD` for an amount).
    unit : str, optional
        After ``most`` in the error (``" USD"``).
    label : str, optional
        How the message names the value (``"FillModel.beta"``; default ``name``).

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    InputError
        ``param=name``: not one real number, not finite, below ``least`` or above ``most``.
    """
    label = label or name
    v = check_number(value, name, label)
    if not (math.isfinite(v) and (v > least if strict else v >= least)):
        rule = f"{'>' if strict else '>='} {least:g}"
        raise InputError(f"{label} must be {rule} (got {value})", param=name)
    if v > most:
        raise InputError(f"{label} must be at most {most:g}{unit} (got {v:g})", param=name)
    return v


def percent_hint(
    value: float,
    least: float = 1.0,
    base: float = 0.0,
    *,
    most: float = 100.0,
    signed: bool = False,
) -> str:
    """``"; for 6 % give 0.06"``: the hint beside a fraction that reads as a percent.

    The one wording of it (a value of ``least`` to ``most`` given where a fraction is
    read); empty for a value that cannot be a percent (below ``least``, or ``most`` and
    more).

    Parameters
    ----------
    value : float
        The value given.
    least : float, default 1.0
        The smallest value read as a percent (where a fraction's range ends: 0.2 for an
        hourly volatility, 0.6 of which is 0.6 %).
    base : float, default 0.0
        Added to the fraction: 1 for a multiplier (a liquidation bonus of 5 meant as
        5 %: ``"; for 5 % give 1.05"``).
    most : float, default 100.0
        Where the percents end, excluded: 500 for a ratio near 1 (a uniMMR threshold of
        105 meant as 1.05).
    signed : bool, default False
        A signed fraction (a price move): a negative value is read by its size too
        (``-6``: ``"; for -6 % give -0.06"``).

    Returns
    -------
    str
        The hint, starting ``"; "``, or ``""``.
    """
    size = abs(value) if signed else value
    return f"; for {value:g} % give {base + value / 100:g}" if least <= size < most else ""


def check_fraction(value: Any, name: str, *, most: float = 1.0, label: str | None = None) -> float:
    """A fraction >= 0 and below ``most``, else InputError; a percent given is told so.

    :func:`check_real` with ``least=0``; a value at or above ``most`` is ``"LABEL must
    be a fraction in [0, MOST) (got 6; for 6 % give 0.06)"`` (:func:`percent_hint`).

    Parameters
    ----------
    value : Any
        The value given.
    name : str
        The parameter's name (the error's ``param``).
    most : float, default 1.0
        The bound, excluded: past it the value can only be a percent (a volatility of
        0.6 an hour).
    label : str, optional
        How the message names the value (default ``name``).

    Returns
    -------
    float

    Raises
    ------
    InputError
        ``param=name``: not a number, not finite, below 0, or at or above ``most``.
    """
    v = check_real(value, name, least=0.0, label=label)
    if v >= most:
        raise InputError(
            f"{label or name} must be a fraction in [0, {most:g}) "
            f"(got {v:g}{percent_hint(v, most)})",
            param=name,
        )
    return v


def check_usd_amounts(
    amount: np.ndarray, label: str, param: str | tuple[str, ...], *, index_one: bool = False
) -> None:
    """Refuse an amount past :data:`MAX_USD` (a notional ``size x price``, a margin).

    The one rule of the margin formulas, the Aave maths and the position and stop books:
    an amount computed from checked, finite inputs (1e300 x 2 is finite) is past any
    market above :data:`MAX_USD` (1e300 came back as a price of 2e300). NaN is refused
    too (it cannot come from finite inputs).

    Parameters
    ----------
    amount : numpy.ndarray
        The amounts, USD, any shape.
    label : str
        Names them: a format of ``{i}``, the index in brackets (``"size{i} x
        entry_price{i}"`` reads ``size[2] x entry_price[2]`` in an array, ``size[1, 0]
        x ...`` in a table, ``size x entry_price`` for one amount).
    param : str or tuple of str
        The error's ``param``: the inputs the amount is made of.
    index_one : bool, default False
        Name the index of a single amount too (``[0]``): a book names its positions.

    Raises
    ------
    InputError
        ``LABEL must be at most 1e+15 USD (got X)``, at the first amount past it.
    """
    import numpy as np  # not at import: the CLI's start-up reads this module

    bad = np.argwhere(~(amount <= MAX_USD))
    if bad.size:
        i = tuple(int(k) for k in bad[0])
        where = f"[{', '.join(map(str, i))}]" if index_one or amount.size > 1 else ""
        raise InputError(
            f"{label.format(i=where)} must be at most {MAX_USD:.0e} USD (got {amount[i]:g})",
            param=param,
        )


def check_insurance_fund(value: Any, label: str = "insurance_fund") -> float:
    """An insurance fund: a finite number >= 0 USD, at most 1e15; the one check of it.

    Every place a fund comes in applies it (a cascade's entry points, before a NaN fund
    flows through the kernels' sums into ``bad_debt_usd`` and ``insurance_fund_end``;
    :class:`~liqcascade.solvency.Exchange`, the solvency ledger, a contagion venue and
    its configuration; ``cascade``'s request), so each words it alike.

    Parameters
    ----------
    value : Any
        Fund, USD.
    label : str, default "insurance_fund"
        How the message names it (``"venue 'a': insurance_fund"``); its ``param`` stays
        ``insurance_fund``.

    Returns
    -------
    float
        The fund, USD.

    Raises
    ------
    InputError
        ``param="insurance_fund"``: not a number (text such as ``"5e6"`` was read as one,
        a bool as 1 or 0), not finite, below 0 or past 1e15 USD (:data:`MAX_USD`: 1e300
        ran).
    """
    return check_real(value, "insurance_fund", least=0.0, most=MAX_USD, unit=" USD", label=label)


def check_level(level: float, name: str = "level") -> float:
    """A confidence level: a finite fraction strictly between 0 and 1 (0.99, not 99).

    Parameters
    ----------
    level : float
        The level.
    name : str, default "level"
        The parameter's name, for the error and its ``param``.

    Returns
    -------
    float

    Raises
    ------
    InputError
        If ``level`` is not a number in (0, 1).
    """
    try:
        v = float(level)
        got = f"{v:g}"
    except (TypeError, ValueError):
        v, got = math.nan, repr(level)
    if isinstance(level, bool) or not 0.0 < v < 1.0:  # NaN fails too
        raise InputError(f"{name} must be a fraction in (0, 1), e.g. 0.99 (got {got})", param=name)
    return v


def check_whole(value: int, name: str, least: int = 1, *, label: str | None = None) -> int:
    """A count: a whole number (not a bool, not a float) >= ``least``, or InputError.

    Parameters
    ----------
    value : int
        The count (paths, bars, lags, resamples).
    name : str
        The parameter's name, for the error and its ``param``.
    least : int, default 1
        The smallest count allowed.
    label : str, optional
        How the message names the value (``"FillModel.swing_days"``; default ``name``).

    Returns
    -------
    int

    Raises
    ------
    InputError
        ``"NAME must be a whole number >= LEAST (got VALUE)"``: a float such as 2.5 or
        NaN, a bool, text, or a count below ``least``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise InputError(
            f"{label or name} must be a whole number >= {least} (got {value!r})", param=name
        )
    return int(value)


def real_array(
    values: Any,
    name: str,
    *,
    finite: bool = True,
    nan: bool = True,
    least: float | None = None,
    strict: bool = False,
    most: float | None = None,
    most_usd: float | None = None,
    valid: Any = None,
    shape: Literal["1d", "any", "flat"] = "1d",
    cast: bool = False,
    empty: str | None = None,
    rule: str | None = None,
    numbers: str | None = None,
    label: str | None = None,
    fault: Callable[[str, float], str] | None = None,
) -> np.ndarray:
    """``values`` as a float64 array, or InputError naming ``name``.

    Text, a complex number, a bool or anything else that is not a real number is
    refused (numpy cast text that looks like a number and raised its own ValueError on
    the rest); an array of objects is read when each is a real number. By default a
    scalar or a table of more than one dimension is refused; so is a non-finite entry
    when ``finite``, one below ``least`` (or at it, ``strict``), one above ``most``, one
    where ``valid`` is False, and one above ``most_usd``.

    Parameters
    ----------
    values : array-like
        The values (any one unit).
    name : str
        The parameter's name, for the error and its ``param``.
    finite : bool, default True
        Refuse NaN and ±inf.
    nan : bool, default True
        Without ``finite``, let NaN pass (False: refuse NaN, let ±inf pass).
    least : float, optional
        The smallest value allowed (``0.0`` for amounts).
    strict : bool, default False
        Refuse ``least`` itself (``> least``).
    most : float, optional
        The largest value allowed, checked with the rule (``<= most``).
    most_usd : float, optional
        The largest amount allowed, USD (:data:`MAX_USD` for amounts), checked once
        every entry meets the rule (``"at most 1e+15 USD"``).
    valid : array of bool, optional
        Entries allowed besides the rule (a mask of the values' shape, e.g. a side in
        {-1, 1}); ``rule`` then says what it requires.
    shape : {"1d", "any", "flat"}, default "1d"
        One dimension required; any shape, a scalar included, kept (an entry at fault
        is named by all its indices, ``name[1, 0]``); or any shape read flat.
    cast : bool, default False
        Take what numpy casts to float64 (text that reads as a number, bools, None as
        NaN) instead of refusing all but numbers.
    empty : str, optional
        Refuse an empty array: ``"NAME is empty: EMPTY"``.
    rule : str, optional
        What an entry must be, in the error (default from ``finite`` and ``least``:
        ``"finite and >= 0"``).
    numbers : str, optional
        The error on values that are not numbers, a format of ``name``, ``values`` and
        (without ``cast``) ``i`` and ``value``, the flat index and the text of the
        first entry that is not a real number (default ``"{name} must be a
        one-dimensional array of numbers (got ...)"``, also where a format naming an
        entry has none to name: values numpy cannot read, a wrong shape).
    label : str, optional
        How the messages name the values (``"PositionBook.size"``; default ``name``,
        which stays the error's ``param``).
    fault : callable, optional
        The error on an entry at fault, from its index as text (``"[1, 0]"``, ``""``
        for a scalar) and its value; replaces ``"LABEL[i] must be RULE (got v)"``.

    Returns
    -------
    numpy.ndarray
        float64: one-dimensional, or of the shape given (``shape="any"``); float32 and
        float16 entries read as the decimals they print as (:func:`widen`).

    Raises
    ------
    InputError
        ``param=name``, naming the first entry at fault.
    """
    import numpy as np  # not at import: the CLI's start-up reads this module

    label = label or name
    try:
        raw = np.asarray(values)  # numpy's own dtype: a complex one is refused below
        if cast and raw.dtype.kind != "c":  # text, bools, None as NaN: numpy's cast
            raw = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):  # text numpy cannot cast, ragged lists
        raw = None
    first = None  # the first entry that is not a real number (flat index)
    if raw is not None and raw.dtype.kind == "O":
        first = next((k for k, v in enumerate(raw.ravel()) if real_number(v) is None), None)
        if first is None:  # real numbers (or none), as objects
            raw = raw.astype(np.float64)
    elif raw is not None and raw.dtype.kind not in "iuf":
        first = 0 if raw.size else None
    if raw is None or (shape == "1d" and raw.ndim != 1) or raw.dtype.kind not in "iuf":
        if numbers is not None and (first is not None or not _names_entry(numbers)):
            value = "" if raw is None or first is None else str(raw.ravel()[first])
            msg = numbers.format(name=label, values=values, i=first or 0, value=value)
            raise InputError(msg, param=name)
        if raw is None:
            what = "values numpy cannot read as an array"
        else:
            what = f"shape {raw.shape}" if raw.ndim != 1 else f"{raw.dtype} values"
        raise InputError(
            f"{label} must be a one-dimensional array of numbers (got {what})", param=name
        )
    arr = widen(raw)
    if shape == "flat":
        arr = arr.ravel()
    if empty is not None and arr.size == 0:
        raise InputError(f"{label} is empty: {empty}", param=name)
    ok = _entries_ok(arr, finite=finite, nan=nan, least=least, strict=strict, most=most)
    if valid is not None:
        ok = ok & np.asarray(valid, dtype=bool)
    if rule is None:
        rule = "finite" if finite else "a number"
        if least is not None:
            rule += f" and {'>' if strict else '>='} {least:g}"
        if most is not None:
            rule += f" and <= {most:g}"
    if ok.all() and most_usd is not None:
        ok, rule = ~(arr > most_usd), f"at most {most_usd:.0e} USD"
    if not ok.all():
        i = tuple(int(k) for k in np.argwhere(~ok)[0])
        where = f"[{', '.join(map(str, i))}]" if i else ""
        if fault is not None:
            raise InputError(fault(where, arr[i]), param=name)
        raise InputError(f"{label}{where} must be {rule} (got {arr[i]:g})", param=name)
    return arr


def widen(values: Any) -> np.ndarray:
    """``values`` as float64; a narrower float read as the shortest decimal it prints as.

    A float32 is not the decimal it was written as: ``np.float32(-0.05)`` is
    -0.05000000074505806, and a shock, a size or a liquidation price that far off moved a
    cascade by one book level (109,049.76 against 109,064.23 for -5 % of a BTC book).
    Its shortest decimal (numpy's ``str``: ``"-0.05"``) is what was meant to float32's
    7 digits, and read as float64 it is the float64 of the same decimal. float64 and
    integers are cast as they are.

    Parameters
    ----------
    values : array-like of numbers
        Real numbers (numpy's float, integer or unsigned dtypes).

    Returns
    -------
    numpy.ndarray
        float64, of ``values``' shape.
    """
    import numpy as np

    raw = np.asarray(values)
    if raw.dtype.kind == "f" and raw.dtype.itemsize < 8:
        return np.asarray(raw.astype(str), dtype=np.float64)
    return np.asarray(raw, dtype=np.float64)


def _names_entry(fmt: str) -> bool:
    """Whether the format ``fmt`` names an entry (``{i}`` or ``{value}``)."""
    return any(f in ("i", "value") for _, f, _, _ in string.Formatter().parse(fmt))


def _entries_ok(
    arr: np.ndarray,
    *,
    finite: bool,
    nan: bool,
    least: float | None,
    strict: bool,
    most: float | None,
) -> np.ndarray:
    """The mask of :func:`real_array`'s rule: finite (or not NaN), above ``least``."""
    import numpy as np

    if finite:
        ok = np.isfinite(arr)
    else:
        ok = np.ones(arr.shape, dtype=bool) if nan else ~np.isnan(arr)
    if least is not None:
        ok = ok & ((arr > least) if strict else (arr >= least))
    if most is not None:
        ok = ok & (arr <= most)
    return ok
