"""liqcascade.book (see DESIGN.md)."""
