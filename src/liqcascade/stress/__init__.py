"""liqcascade.stress (see DESIGN.md)."""
