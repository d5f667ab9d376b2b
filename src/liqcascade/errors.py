"""Exceptions shared by every layer.

Domain code raises :class:`InputError` for anything a user can fix (a malformed
file, a bad option value, an impossible range). The command line turns it into
exit code 2 and one line ``error: <message>`` on stderr, so the message must name
the file, row, column or parameter at fault, e.g. ``"positions.csv: data row 3: size
must be > 0 (got -1)"``; every file's row is named by :func:`row_ref`.

The library names its own parameters, not command-line flags: ``InputError("as_of
must be ...", param="as_of")``. The command line maps each named parameter to the
flag that set it (``--as-of``) when it prints the error (:meth:`InputError.for_flags`),
so a library caller reads ``as_of must be ...`` and a CLI user ``--as-of must be ...``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence


def row_ref(row: int, line: int | None = None) -> str:
    """How messages name a row of a user's file: ``"data row 4"``, the 4th row after the header.

    Rows count from 1; blank lines are not counted; in a file without a header the first
    line is data row 1. Every reader (``data ingest``, positions, stops, stress
    portfolios, order books, tier tables, proof-of-liabilities files) names rows so. A CSV
    row's file line, where known, follows: ``"data row 4 (file line 6)"`` (the line an
    editor shows, counted from 1, blank lines and the header included; a row whose
    quoted field holds a line break starts there).

    Parameters
    ----------
    row : int
        1-based data row.
    line : int, optional
        1-based line of the file where the row starts.

    Returns
    -------
    str
        ``"data row N"`` or ``"data row N (file line M)"``.
    """
    return f"data row {row}" if line is None else f"data row {row} (file line {line})"


class LiqcascadeError(Exception):
    """Base class of the package's own errors."""


def _name_pattern(name: str) -> re.Pattern[str]:
    """``name`` as a whole word: not inside a longer identifier or a flag."""
    return re.compile(rf"(?<![\w\-.]){re.escape(name)}(?![\w\-]|\.\w)")


def _names(message: str, name: str) -> bool:
    """Whether ``message`` names ``name``: as a word, or as a field of its owner.

    ``PositionBook.size[1] must be ...`` names ``size``; the command line does not
    show a qualified name as a flag (:meth:`InputError.for_flags` replaces words only).
    """
    if _name_pattern(name).search(message):
        return True
    return re.search(rf"\b[A-Za-z_]\w*\.{re.escape(name)}(?![\w\-]|\.\w)", message) is not None


class InputError(LiqcascadeError, ValueError):
    """Bad input that the user can fix: file, row, column or parameter named in the message.

    Parameters
    ----------
    message : str
        What is wrong, naming where. With ``param``, the message names the parameter
        by its library name as a word (``"as_of must be ..."``) or as a field of its
        owner (``"PositionBook.size[1] must be ..."``); if it does not, the names are
        prefixed (``"as_of: ..."``).
    file : str, optional
        The file at fault; when given and not already in ``message`` it is prefixed.
    row : int, optional
        1-based data row (header excluded) at fault; prefixed like ``file``, as
        ``data row N`` (:func:`row_ref`).
    line : int, optional
        1-based file line where ``row`` starts (a CSV's), shown after it:
        ``data row N (file line M)``.
    param : str or sequence of str, optional
        The library parameter(s) at fault (``"as_of"``, or ``("start", "end")``): the
        command line shows each as the flag that set it.

    Attributes
    ----------
    params : tuple of str
        The parameters named (empty when none was given).
    param : str or None
        The first of them.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        param: str | Sequence[str] | None = None,
        line: int | None = None,
    ) -> None:
        params = (param,) if isinstance(param, str) else tuple(param or ())
        body = message
        if params and not any(_names(body, p) for p in params):
            body = f"{'/'.join(params)}: {body}"
        prefix = ""
        if file is not None and not message.startswith(str(file)):
            prefix += f"{file}: "
        if row is not None and not message.startswith(row_ref(row)):
            prefix += f"{row_ref(row, line)}: "
        super().__init__(prefix + body)
        self.file = file
        self.row = row
        self.params: tuple[str, ...] = params
        self.param: str | None = params[0] if params else None
        self._prefix = prefix
        self._body = body

    def for_flags(self, flags: Mapping[str, str]) -> str:
        """The message with each named parameter shown as its flag.

        Parameters
        ----------
        flags : mapping of str to str
            Library parameter name -> flag (``{"as_of": "--as-of"}``). The first
            mention of each parameter is replaced; parameters without a flag keep
            their library name.

        Returns
        -------
        str
            The message; unchanged when the error names no parameter (messages that
            already name a flag, ``"--x must ..."``, keep working as they are).
        """
        body = self._body
        for name in self.params:
            flag = flags.get(name)
            if flag:
                body = _name_pattern(name).sub(flag, body, count=1)
        return self._prefix + body


class CalibrationNotFound(InputError):
    """No calibration of a kind for an asset, in the store or the package.

    The one error of :func:`liqcascade._calibrations.find_calibration` a caller may read
    as "this asset has none"; every other :class:`InputError` it raises (a calibration
    file that cannot be read or parsed, an unknown kind) is the user's to see.

    Parameters
    ----------
    message, file, row, param, line
        As :class:`InputError`.
    """


class VenueUnreachable(InputError):
    """A venue did not answer: network errors or rate limits past the retries.

    Not the input's fault (the same command may succeed later), so the command line
    exits 4, as ``watch`` does when no venue answered, not 2. An
    :class:`InputError` still, for callers that treat any refused fetch alike (the
    live poller counts it as a failed interval).

    Parameters
    ----------
    message, file, row, param, line
        As :class:`InputError`.
    """


class StoreBusy(InputError):
    """Another process held the store open (DuckDB's lock) for longer than the wait.

    Not the input's fault (the same command may succeed once that process is done), so
    the command line exits 5, not 2, and a pipeline can retry on that code. An
    :class:`InputError` still, for callers that treat any refused store alike.

    Parameters
    ----------
    message, file, row, param
        As :class:`InputError`.
    pid : int, optional
        The holder's process id, when DuckDB's message names it.
    waited_s : float, default 0.0
        The wait that ran out (seconds, ``$LIQCASCADE_STORE_WAIT_S`` or the caller's).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        param: str | Sequence[str] | None = None,
        pid: int | None = None,
        waited_s: float = 0.0,
    ) -> None:
        super().__init__(message, file=file, row=row, param=param)
        self.pid = pid
        self.waited_s = waited_s
