"""Every queued section that reads the estimated market is named in READS_MARKET.

With two lanes, the markets (and their book draws) of the READS_MARKET sections' assets
are built once, before the fork; a queued section that reads ``ctx.market`` but is not
named builds its own in the forked lane (perf16: `--section solvency`, whose book share
and bad-debt interval read the market, did).
"""

from __future__ import annotations

import importlib
import inspect

from liqcascade.report._registry import SECTIONS
from liqcascade.report._run import MARKET_LANE, READS_MARKET

#: How a section module reads the market: the context's attribute, or the report's
#: book-share helper (liqcascade.report._units.book_share) that reads it.
READS = ("ctx.market", "book_share(ctx")


def test_sections_that_read_the_market_are_named() -> None:
    reading = {
        s.id
        for s in SECTIONS
        if any(r in inspect.getsource(importlib.import_module(s.module)) for r in READS)
    }
    assert {"stress", "protect", "contagion", "solvency", "cascade", "liqmap"} <= reading
    assert reading - MARKET_LANE <= READS_MARKET
    assert READS_MARKET <= reading  # no section named that does not read it
