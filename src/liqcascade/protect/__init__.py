"""liqcascade.protect (see DESIGN.md)."""
