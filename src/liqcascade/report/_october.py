"""The 2025-10-10 ETH move: one place that names each window the report measures it on.

Four sections use the recorded crash of 2025-10-10, and they do not mean the same
move: the solvency scenario is the UTC day's fall (hourly bars), the stress replay
walks two days of 15-minute bars, the contagion preset re-runs the crash hour on
each venue, and the collateral loop drives its accounts along a 24-hour path of
30-minute bars. Each is a different window of the same crash, so each keeps its own
figure, but every section names its window from :data:`OCTOBER_WINDOWS` (another
asset's bars by :func:`replay_window_name` and :func:`day_window_name`, a store's by
where they were read) and :func:`october_move` computes each one from the bundled bars.

Every window lies after the bundled open interest ends (2025-07-31): in a report the
crash is a recorded path applied to the book at the market date, a named stress
scenario, never a forecast (:func:`after_note`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liqcascade._crashes import OCT_2025
from liqcascade._time import utc_time

_DAY = f"{OCT_2025.day:%Y-%m-%d}"
_HOUR = f"{OCT_2025.hour:%H:%M}"

DAY_BARS = "Binance spot"
"""The bundle's words for the hourly bars of the UTC day's window (:func:`day_window_name`)."""


@dataclass(frozen=True)
class OctoberWindow:
    """One window the report measures the 2025-10-10 move on.

    Parameters
    ----------
    key : str
        Stable name (``"day"``, ``"replay"``, ``"crash_hour"``, ``"collateral"``).
    name : str
        The window in a few words, as the report prints it.
    definition : str
        How the move is measured on it (fractions of the window's first open).
    used_by : str
        The report section that uses it.
    """

    key: str
    name: str
    definition: str
    used_by: str


OCTOBER_WINDOWS: dict[str, OctoberWindow] = {
    w.key: w
    for w in (
        OctoberWindow(
            "day",
            f"UTC day low, {DAY_BARS} hourly bars",
            f"lowest hourly low of {_DAY} 00:00-24:00 UTC / the day's first open - 1",
            f"solvency (the {OCT_2025.name} scenario); data (the daily bar's open and low)",
        ),
        OctoberWindow(
            "replay",
            "two-day replay, Bybit perpetual 15-minute bars (ETH; another asset: its hourly bars)",
            f"{_DAY} 00:00 to {OCT_2025.last_day:%m-%d} 24:00 UTC; "
            "move = last close / first open - 1, "
            "low = lowest low / first open - 1",
            "stress (recorded crashes replayed on today's book)",
        ),
        OctoberWindow(
            "crash_hour",
            f"crash hour, each venue's perpetual hourly candle of {_HOUR} UTC",
            f"the {_HOUR} UTC bar's low / its open - 1, per venue",
            "contagion (the shock on Binance and the recorded lows beside the model's)",
        ),
        OctoberWindow(
            "collateral",
            "24-hour path, Binance spot 30-minute bars",
            f"{_DAY} 12:00 to {OCT_2025.last_day:%m-%d} 12:00 UTC, "
            "each bar walked open-high-low-close",
            "collateral (the path that drives the accounts)",
        ),
    )
}
"""Every window of the 2025-10-10 move the report uses, by key."""


def replay_window_name(asset: str) -> str:
    """The 2025-10-10 replay's window as a report on ``asset`` uses it (bars named).

    ETH's replay walks Bybit's 15-minute perpetual bars; any other asset its own hourly
    bars (a store's or the bundled ones: the finer source holds ETH only), as
    :func:`liqcascade.stress.replay_bars` reads them.
    """
    a = asset.upper()
    if a == "ETH":
        return "two-day replay, Bybit perpetual 15-minute bars"
    return f"two-day replay, {a}'s hourly bars (no 15-minute source for {a})"


def day_window_name(asset: str) -> str:
    """The 2025-10-10 UTC day's window as a report on ``asset`` uses it (bars named).

    The solvency scenario reads the asset's hourly bars as the report does (the store's,
    else the bundled ones): bundled bars keep :data:`OCTOBER_WINDOWS`' words
    (``"UTC day low, Binance spot hourly bars"``), a store's are named by where they
    were read (``"UTC day low, binance-spot SOLUSDT (store) hourly bars"``).
    """
    from liqcascade.report._data import series
    from liqcascade.report._data_section import origin

    return f"UTC day low, {origin(series('ohlcv', asset, '1h'), DAY_BARS)} hourly bars"


def october_move(key: str, asset: str = "ETH") -> dict[str, float]:
    """The 2025-10-10 move of ``asset`` on the window ``key``, from the bundled bars.

    Parameters
    ----------
    key : {"day", "replay", "crash_hour"}
        A key of :data:`OCTOBER_WINDOWS` (``"collateral"`` is a path, not one move).
    asset : str, default "ETH"
        The asset (``"crash_hour"``: Binance's candle of ``asset``).

    Returns
    -------
    dict
        ``low``: the lowest price over the first open - 1 (fraction); ``move``: the
        last close over the first open - 1 (fraction); ``open``, ``min`` (USD).
    """
    from liqcascade import datasets
    from liqcascade.errors import InputError

    a = asset.upper()
    if key == "day":
        bars = datasets.load_ohlcv(a, "1h").loc[_DAY]
    elif key == "replay":
        from liqcascade.stress import replay_bars

        bars = replay_bars(OCT_2025.name, a)[0]
    elif key == "crash_hour":
        p = datasets.load("perp_1h_by_venue")
        p = p[(p.index == OCT_2025.hour) & (p["asset"] == a)]
        bars = p[p["venue"] == "binance"]
    else:
        raise InputError(f"key: no single move on window {key!r}", param="key")
    o, lo = float(bars["open"].iloc[0]), float(bars["low"].min())
    last = float(bars["close"].iloc[-1])
    return {"open": o, "min": lo, "low": lo / o - 1.0, "move": last / o - 1.0}


def after_note(as_of: Any, what: str = "The 2025-10-10 crash") -> str:
    """The sentence a section prints when it uses the crash with a book dated ``as_of``.

    Before the crash: a recorded path from after the market date, used as a named
    stress scenario, not a forecast.
    """
    if as_of is None:
        return f"{what} is a recorded path applied to the book as a named stress scenario."
    t = utc_time(as_of)
    if t < OCT_2025.day:
        return (
            f"{what} was recorded after the market date ({t:%Y-%m-%d}): it is a recorded "
            "path applied to the book at that date as a named stress scenario, not a forecast."
        )
    return f"{what} is a recorded path applied to the book as a named stress scenario."
