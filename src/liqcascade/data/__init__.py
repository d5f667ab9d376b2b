"""liqcascade.data (see DESIGN.md)."""
