"""Helpers to read one part of a built report page.

Import as ``from pages import section_html`` (``tests/`` is on pytest's pythonpath).
"""

from __future__ import annotations

from html import unescape

__all__ = ["section_html"]


def section_html(html: str, sid: str, *, text: bool = False) -> str:
    """The HTML of the page's section ``sid`` only (``"support"``, ``"support-btc"``).

    A page of two assets holds each per-asset section twice (ETH's ``sid``, BTC's
    ``sid-btc``): an assertion meant for one asset's section reads that section alone, so
    the other asset's cannot satisfy it.

    Parameters
    ----------
    html : str
        The whole page (report.html).
    sid : str
        The section's id.
    text : bool, default False
        Unescape the entities (``&amp;`` → ``&``, ``&nbsp;`` → NBSP).

    Returns
    -------
    str
        From the section's opening tag to its ``</section>``; an assertion error names
        the section when the page has none.
    """
    parts = html.split(f'<section id="{sid}"')
    assert len(parts) == 2, f"{len(parts) - 1} sections with id {sid!r} on the page"
    sec = parts[1].split("</section>")[0]
    return unescape(sec) if text else sec
