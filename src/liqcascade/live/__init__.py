"""Live use: ``liqcascade watch`` (poll venues, append to the store, advance the book, alert).

``watch --replay`` runs the same watcher over recorded data (:func:`run_replay`).
"""

from liqcascade.live._alerts import ALERT_METRICS, AlertRule, evaluate, parse_rule, rule_warnings
from liqcascade.live._poll import ClosedBars, Malformed, VenueNote, VenuePoller, order_book_depth
from liqcascade.live._replay import (
    RecordedData,
    RecordedExchange,
    ReplaySummary,
    recorded_data,
    run_replay,
)
from liqcascade.live._watch import (
    EXIT_NO_LIVE_DATA,
    Watcher,
    WatchOptions,
    WatchSummary,
    cluster_metrics,
    refresh,
    run_watch,
)

__all__ = [
    "ALERT_METRICS",
    "EXIT_NO_LIVE_DATA",
    "AlertRule",
    "ClosedBars",
    "Malformed",
    "RecordedData",
    "RecordedExchange",
    "ReplaySummary",
    "VenueNote",
    "VenuePoller",
    "WatchOptions",
    "WatchSummary",
    "Watcher",
    "cluster_metrics",
    "evaluate",
    "order_book_depth",
    "parse_rule",
    "recorded_data",
    "refresh",
    "rule_warnings",
    "run_replay",
    "run_watch",
]
