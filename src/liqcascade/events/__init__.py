"""liqcascade.events (see DESIGN.md)."""
