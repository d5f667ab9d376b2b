"""Exceptions shared by every layer.

Domain code raises :class:`InputError` for anything a user can fix (a malformed
file, a bad option value, an impossible range). The command line turns it into
exit code 2 and one line ``error: <message>`` on stderr, so the message must name
the file, row, column or option at fault, e.g. ``"positions.csv: row 3: size must
be > 0 (got -1)"``.
"""

from __future__ import annotations


class LiqcascadeError(Exception):
    """Base class of the package's own errors."""


class InputError(LiqcascadeError, ValueError):
    """Bad input that the user can fix: file, row, column or option named in the message.

    Parameters
    ----------
    message : str
        What is wrong, naming where.
    file : str, optional
        The file at fault; when given and not already in ``message`` it is prefixed.
    row : int, optional
        1-based data row (header excluded) at fault; prefixed like ``file``.
    """

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None) -> None:
        prefix = ""
        if file is not None and not message.startswith(str(file)):
            prefix += f"{file}: "
        if row is not None and not message.startswith("row "):
            prefix += f"row {row}: "
        super().__init__(prefix + message)
        self.file = file
        self.row = row
