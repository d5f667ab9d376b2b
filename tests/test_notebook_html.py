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


def _book(n: int, symbol: str = "ETHUSDT"):  # type: ignore[no-untyped-def]
    from liqcascade.positions import PositionBook

    rng = np.random.default_rng(n)
    side = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    entry = rng.uniform(1500.0, 2500.0, n)
    lev = rng.choice([5.0, 10.0, 20.0], n)
    liq = entry * (1 - side * 0.9 / lev)
    return PositionBook(
        side, rng.uniform(0.1, 10.0, n), entry, entry / lev, liq, entry * (1 - side / lev),
        symbol=symbol,
    )  # fmt: skip


def test_a_position_books_repr_is_one_short_line_of_its_totals() -> None:
    """A notebook printed every array of the book (57k characters for 629 positions)."""
    book = _book(5000)
    text = repr(book)
    assert len(text) < 300 and "\n" not in text
    long_usd = float((book.size * book.entry_price)[book.side == 1].sum())
    assert "5,000 positions" in text and f"{long_usd:,.0f} USD long" in text
    page = _parsed(dataclasses.replace(book, symbol=HOSTILE)._repr_html_())
    assert "img" not in page.tags and "table" in page.tags
    assert f"PositionBook ({HOSTILE}, binance)" in "".join(page.text)
    assert "5,000" in page.text  # n_positions as a count, not 5000.0


def test_market_and_stress_market_reprs_are_short() -> None:
    """MarketState (123k characters) and StressMarket (129k) printed their arrays."""
    from liqcascade import stress
    from liqcascade.market import MarketSpec, estimated_market

    st = estimated_market(MarketSpec("ETH", "2025-07-31"))
    m = stress.stress_market(state=st)
    for obj, name in ((st, "MarketState"), (m, "StressMarket")):
        text = repr(obj)
        assert text.startswith(f"{name}(ETH") and len(text) < 400 and "\n" not in text, text
        assert "2025-07-31 20:00 UTC" in text and f"{len(st.positions):,} positions" in text
        page = _parsed(obj._repr_html_())
        assert "table" in page.tags and name in "".join(page.text)
    assert f"mid {st.mid:,.2f} USD" in repr(st)
    assert f"ETH {st.mid:,.2f}" in repr(m)
