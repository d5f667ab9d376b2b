"""liqcascade.margin (see DESIGN.md)."""
