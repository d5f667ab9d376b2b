r"""Text for a terminal or a log: control characters shown as their escapes.

The one rule for the terminal's safety, shared by the command line's consoles and
``error:`` lines (:mod:`liqcascade._cli._common`), the library's own default log lines
(``run_watch`` without a ``log``) and the ``-v`` traceback: a C0 or C1 control
character, DEL or a bidirectional override or isolate (an escape sequence in a path, a
stored symbol, an exception's message) becomes the text of its escape.
"""

from __future__ import annotations

import re

__all__ = ["shown"]

#: The characters of a line a terminal may act on or that reorder it: C0, DEL and C1
#: controls (a newline, an escape sequence, ``\x9b`` the 8-bit CSI) and Unicode's
#: bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
#: which show a path's text in another order than the one it has.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: The same but the newline: the control characters of a line of ordinary output.
_CONTROL_IN_LINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    c = m.group(0)
    return _NAMED.get(c, f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def shown(text: str, *, one_line: bool = True) -> str:
    r"""``text`` with each control character shown as its escape: what a terminal may print.

    The one rule for the terminal's safety: a C0 or C1 control character, DEL or a
    bidirectional override or isolate in ``text`` (an escape sequence in a path, a
    stored symbol, a file's note) becomes the text of its escape (``\x1b``, ``\x9b``,
    ``\u202e``; ``\n``, ``\r``, ``\t`` by name), so the terminal takes no command from
    it and shows the text in its order. With ``one_line`` (the ``error:`` lines) a
    newline is shown as ``\n`` too; else it stays a line break. The result holds no
    new ``[`` and no backslash before one: it may be shown as rich markup as well.

    Parameters
    ----------
    text : str
        The text to print.
    one_line : bool, default True
        Show a newline as ``\n`` too (the line stays one).

    Returns
    -------
    str
    """
    return (_CONTROL if one_line else _CONTROL_IN_LINES).sub(_escape, text)
