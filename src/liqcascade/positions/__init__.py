"""Position books (explicit or estimated), stop-loss models, liquidation maps."""

from liqcascade.positions._book import BUY, LONG, SELL, SHORT, PositionBook, StopBook

__all__ = ["BUY", "LONG", "SELL", "SHORT", "PositionBook", "StopBook"]
