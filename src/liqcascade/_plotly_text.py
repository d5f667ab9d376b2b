"""User strings in plotly figure text: shown as written, never read as plotly's tags.

Plotly reads a subset of HTML in the text it draws (trace names, titles, axis titles,
annotations, hover text, category tick labels): ``<b>``, ``<i>``, ``<br>``, ``<sub>``,
``<span style=...>``, ``<a href=...>``. An asset, venue, symbol or scenario name a user
controls goes through :func:`plain` wherever it is put into such text, so ``<B>X</B>``
shows as typed (not bold) and ``<a href=...>`` makes no link; plotly decodes the
entities back into the characters. Hover and text templates also expand ``%{...}``
(``%{y}`` becomes the point's value): :func:`plain` writes ``%`` as ``&#37;``, which no
template reads and plotly draws as ``%``.
"""

from __future__ import annotations

import re

__all__ = ["plain", "text_of"]

_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "%": "&#37;"})


def plain(value: object) -> str:
    """``value`` as plotly figure text that shows exactly as written.

    ``&``, ``<``, ``>`` and ``%`` become ``&amp;``, ``&lt;``, ``&gt;`` and ``&#37;``,
    which plotly draws as the characters (once: ``&amp;lt;`` shows as ``&lt;``). The
    ``%`` is for hover and text templates, which expand ``%{...}``: a user's ``%{y}``
    put into a template through :func:`plain` shows as typed, not as the point's value.

    Parameters
    ----------
    value : object
        The user's string (or anything whose ``str`` is shown).

    Returns
    -------
    str
        The text for a figure's name, title, annotation or label.
    """
    return str(value).translate(_ENTITIES)


#: The entities plotly decodes in its text (svg_text_utils' entityToUnicode, and numbers).
_NAMED = {"mu": "μ", "amp": "&", "lt": "<", "gt": ">", "nbsp": "\u00a0", "times": "×",
          "plusmn": "±", "deg": "°"}  # fmt: skip
_ENTITY = re.compile(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);")


def _decoded(m: re.Match[str]) -> str:
    name = m.group(1)
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
        return chr(code) if 0 < code < 0x110000 else m.group(0)
    return _NAMED.get(name, m.group(0))


def text_of(figure_text: str) -> str:
    """The characters plotly shows for ``figure_text``'s entities (the inverse of :func:`plain`).

    For figure text shown outside plotly (the report's caption of a figure's title).
    One pass, as plotly's: ``&amp;lt;`` is ``&lt;``. Tags are left as they are.

    Parameters
    ----------
    figure_text : str
        A figure's title, name or label as plotly reads it.

    Returns
    -------
    str
        The text plotly shows, as plain characters.
    """
    return _ENTITY.sub(_decoded, figure_text)
