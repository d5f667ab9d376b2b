"""liqcascade.cascade (see DESIGN.md)."""
