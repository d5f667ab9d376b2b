"""Where a series was read, as ``attrs["source"]`` says it, and that string read back.

:func:`~liqcascade.data.load_series` (and the book totals' and long/short readers)
write a series' source as ``"store:PATH"``, ``"bundled:NAME"``, ``"file:PATH"``, or
the store's rows first with the bundle's before them, ``"store:PATH + bundled:NAME"``.
Other records use the same form with a note after the name (a calibration's
``"store:PATH (fit 2025-03: ...)"``, ``"bundled:eth_1h (resampled to 4h)"``).
:func:`source_parts` is the one reader of that form.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["SOURCE_JOIN", "SourcePart", "source_parts"]

#: What joins the parts of one source: ``"store:PATH + bundled:NAME"``.
SOURCE_JOIN = " + "

# a join is " + " before the next part's "where:" (a path may hold " + " itself)
_JOIN = re.compile(re.escape(SOURCE_JOIN) + r"(?=\w+:)")


class SourcePart(NamedTuple):
    """One part of a source string: ``store:/x/a.duckdb (note)``.

    Parameters
    ----------
    where : str
        What was read: ``"store"``, ``"bundled"``, ``"file"``, ``"package"`` (the text
        before the first colon; the whole part when it has none).
    name : str
        The store's or file's path, the dataset's name; ``""`` when the part has no
        colon.
    note : str
        The parenthesised note that ended the part, without its parentheses, or ``""``.
    """

    where: str
    name: str
    note: str


def _split_note(text: str) -> tuple[str, str]:
    """``"a/b.json (fit 2025-03: x (y))"`` -> ``("a/b.json", "fit 2025-03: x (y)")``.

    The note is the balanced ``(...)`` that ends ``text`` after a space; a name holding
    parentheses elsewhere (``"x (copy).duckdb"``) is kept whole.
    """
    if not text.endswith(")"):
        return text, ""
    depth = 0
    for i in range(len(text) - 1, 0, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return (text[: i - 1], text[i + 1 : -1]) if text[i - 1] == " " else (text, "")
    return text, ""


def source_parts(source: str) -> list[SourcePart]:
    """The parts of a series' ``source`` string, in order (the store's before the bundle's).

    Parameters
    ----------
    source : str
        A source as :func:`~liqcascade.data.load_series` writes it in
        ``attrs["source"]``: ``"store:/x/a.duckdb + bundled:eth_1h"``,
        ``"bundled:eth_oi_4h"``, ``"store:/x/a.calibrations/book/ETH.json (fit ...)"``.

    Returns
    -------
    list of SourcePart
        ``(where, name, note)`` of each part: ``[("store", "/x/a.duckdb", ""),
        ("bundled", "eth_1h", "")]``; ``[]`` for an empty string.

    Examples
    --------
    >>> from liqcascade.data import source_parts
    >>> [p.where for p in source_parts("store:/x/a.duckdb + bundled:eth_1h")]
    ['store', 'bundled']
    >>> source_parts("bundled:eth_1h (resampled to 4h)")[0].note
    'resampled to 4h'
    """
    out = []
    for part in _JOIN.split(source) if source else []:
        where, _, rest = part.partition(":")
        name, note = _split_note(rest)
        out.append(SourcePart(where, name, note))
    return out
