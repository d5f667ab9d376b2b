"""liqcascade.contagion (see DESIGN.md)."""
