"""liqcascade.solvency (see DESIGN.md)."""
