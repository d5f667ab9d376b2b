"""Live use: ``liqcascade watch`` (poll venues, append to the store, advance the book, alert)."""

from liqcascade.live._alerts import ALERT_METRICS, AlertRule, evaluate, parse_rule
from liqcascade.live._poll import ClosedBars, Malformed, VenuePoller, order_book_depth
from liqcascade.live._watch import Watcher, WatchOptions, cluster_metrics, refresh, run_watch

__all__ = [
    "ALERT_METRICS",
    "AlertRule",
    "ClosedBars",
    "Malformed",
    "VenuePoller",
    "WatchOptions",
    "Watcher",
    "cluster_metrics",
    "evaluate",
    "order_book_depth",
    "parse_rule",
    "refresh",
    "run_watch",
]
