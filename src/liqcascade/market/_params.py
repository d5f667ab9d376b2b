"""The calibrated constants of the market, in one place, read from their calibration files.

- the depth exponent β per asset: ``liqcascade/book/depth_calibration.json``
  (:func:`liqcascade.book.depth_beta`);
- the position-estimation parameters: ``liqcascade/positions/calibrated_params.json``
  (:func:`liqcascade.positions.load_calibrated`);
- how the estimated book and the all-venue depth are sized to one venue (the venue's
  share of open interest and depth, the solvency exchange's default share):
  ``liqcascade/market/market_params.json`` (this module).

No other module copies these numbers: they import them from here or from
:mod:`liqcascade.book`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

__all__ = [
    "BINANCE_BOOK_SHARE",
    "EXCHANGE_OI_SHARE",
    "MARKET_PARAMS_FILE",
    "market_params",
]

#: The file of the venue-sizing constants, shipped beside this module.
MARKET_PARAMS_FILE: str = "market_params.json"


@lru_cache(maxsize=1)
def _text() -> str:
    return (files("liqcascade.market") / MARKET_PARAMS_FILE).read_text()


def market_params() -> dict[str, Any]:
    """The shipped venue-sizing constants: value, meaning and source of each."""
    return dict(json.loads(_text()))


#: Share of the aggregated (all-venue) open interest and order-book depth held by the
#: venue the position estimate is calibrated to (Binance): 0.25. The cascade runs the
#: estimated book through this share of the aggregated depth.
BINANCE_BOOK_SHARE: float = float(market_params()["book_share"]["value"])

#: Default share of aggregated open interest of the exchange ``liqcascade solvency``
#: stresses: 0.2.
EXCHANGE_OI_SHARE: float = float(market_params()["exchange_oi_share"]["value"])
