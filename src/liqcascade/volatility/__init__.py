"""liqcascade.volatility (see DESIGN.md)."""
