"""The names a reader sees for the library's keys: models, policies, distributions, metrics.

The library and summary.json keep their keys (``gjr``, ``vol-declustered``,
``share_25x``); the page's tables, legends and prose name each thing as a name is
written (GJR, Volatility-scaled, share at 25× or more). One table per kind, one lookup.
"""

from __future__ import annotations

__all__ = ["display_name"]

_NAMES: dict[str, dict[str, str]] = {
    "model": {"garch": "GARCH", "gjr": "GJR", "egarch": "EGARCH", "figarch": "FIGARCH"},
    "dist": {"t": "Student-t", "skewt": "skewed Student-t", "normal": "normal", "ged": "GED"},
    "adl": {
        "binance": "Binance",
        "hyperliquid": "Hyperliquid",
        "socialized": "Socialized",
        "optimal": "Optimal",
    },
    "stop": {
        "fixed": "Fixed 5 %",
        "vol": "Volatility-scaled",
        "vol-declustered": "Volatility-scaled, de-clustered",
    },
    "asset": {"USDE": "USDe", "WBETH": "wBETH"},
    "venue": {
        "binance": "Binance",
        "bybit": "Bybit",
        "hyperliquid": "Hyperliquid",
        "lighter": "Lighter",
    },
    "baseline": {"empirical": "Empirical", "trigger": "Trigger", "expanding": "Expanding"},
    "metric": {
        "leverage_ratio": "leverage ratio",
        "mean_leverage": "mean leverage",
        "share_25x": "share at 25× or more",
        "stop_density": "stop density",
        "liq_hhi": "liquidation HHI",
    },
}
"""Per kind, the library's key → the name the page prints."""


def display_name(kind: str, key: object) -> str:
    """The page's name of ``key`` (a library key of ``kind``), or ``key`` as it is.

    Parameters
    ----------
    kind : {"model", "dist", "adl", "stop", "asset", "venue", "baseline", "metric"}
        What the key names: a volatility model, its error distribution, an ADL policy,
        a stop policy, a collateral asset, a contagion venue, a baseline of the cascade's
        event back-test, a transparency metric.
    key : str
        The library's key; a suffix after the key (``"binance (whole positions)"``)
        is kept.

    >>> display_name("model", "egarch"), display_name("adl", "binance (whole positions)")
    ('EGARCH', 'Binance (whole positions)')
    >>> display_name("stop", "vol"), display_name("metric", "share_25x")
    ('Volatility-scaled', 'share at 25× or more')
    """
    text = str(key)
    names = _NAMES[kind]
    head, sep, tail = text.partition(" (")
    return names.get(head, head) + sep + tail if head in names else text
