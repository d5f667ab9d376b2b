"""The 2025-10-10 crash is defined once (``liqcascade._crashes``) and read everywhere."""

from __future__ import annotations

import inspect

import pandas as pd

from liqcascade._crashes import OCT_2025


def test_the_crash_days_and_hours() -> None:
    assert OCT_2025.name == "2025-10-10"
    assert OCT_2025.days == (
        pd.Timestamp("2025-10-10", tz="UTC"),
        pd.Timestamp("2025-10-11", tz="UTC"),
    )
    assert OCT_2025.hour == pd.Timestamp("2025-10-10 21:00", tz="UTC")
    assert OCT_2025.last_calm_bar == pd.Timestamp("2025-10-10 20:00", tz="UTC")


def test_every_site_reads_the_one_definition() -> None:
    from liqcascade.collateral._haircut import smallest_haircut
    from liqcascade.collateral._loop import eth_shock_path
    from liqcascade.contagion._presets import RECORDED_SHOCK_SOURCE
    from liqcascade.protect._backtest import CRASH_ENTRIES
    from liqcascade.report._october import OCTOBER_WINDOWS
    from liqcascade.stress._scenarios import WINDOWS

    for f in (eth_shock_path, smallest_haircut):
        assert inspect.signature(f).parameters["start"].default is OCT_2025.hour
    assert RECORDED_SHOCK_SOURCE == "recorded Binance fall of 2025-10-10 21:00 UTC"
    assert CRASH_ENTRIES == (pd.Timestamp("2025-10-05", tz="UTC"), OCT_2025.last_calm_bar)
    w = WINDOWS[OCT_2025.name]
    assert (w.start, w.end) == ("2025-10-10", "2025-10-11 23:59")
    assert OCTOBER_WINDOWS["crash_hour"].definition.startswith("the 21:00 UTC bar's low")
    assert OCTOBER_WINDOWS["replay"].definition.startswith("2025-10-10 00:00 to 10-11 24:00 UTC")
