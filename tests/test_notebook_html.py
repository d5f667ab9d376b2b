"""A result's notebook view (``_repr_html_``) shows a user's names as text.

Venue names of a contagion configuration, a tier table's symbol and source, and a stop
recommendation's summary went into the HTML as written: a name like ``<img src=x
onerror=...>`` was markup in the notebook page, and ``a<b`` cut the row short.
"""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import numpy as np

from liqcascade.contagion import Link, simulate_contagion
from liqcascade.margin import load_tiers
from reference.contagion_cases import random_venue

HOSTILE = "<img src=x onerror=alert(1)>&b"


class _Text(HTMLParser):
    """The page's text and its tags, as a browser parses them."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parsed(page: str) -> _Text:
    p = _Text()
    p.feed(page)
    p.close()
    return p


def test_contagion_venue_names_are_text() -> None:
    rng = np.random.default_rng(2)
    vs = [random_venue(n, 2000.0, rng) for n in (HOSTILE, "b")]
    r = simulate_contagion(vs, [Link(HOSTILE, "b")], shock_venue=HOSTILE, shock=-0.05)
    page = _parsed(r._repr_html_())
    assert "img" not in page.tags
    assert sum(HOSTILE in t for t in page.text) == 2  # the shock's venue and its row


def test_a_tier_tables_symbol_and_source_are_text() -> None:
    t = dataclasses.replace(load_tiers("ETHUSDT"), symbol=HOSTILE, source="a<b")
    page = _parsed(t._repr_html_())
    assert "img" not in page.tags
    assert f"TierTable {HOSTILE}" in "".join(page.text) and "(a<b)" in "".join(page.text)
