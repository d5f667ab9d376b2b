"""Out-of-range ``--as-of``: the value as typed and the series that limits it (review 14)."""

from __future__ import annotations

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade._time import resolve_as_of
from liqcascade.errors import InputError
from liqcascade.market import MarketSpec, estimated_market


def test_before_the_open_interest_names_it_and_echoes_the_date() -> None:
    with pytest.raises(InputError) as e:
        estimated_market(MarketSpec("ETH", "2017-09-01", store=False))
    msg = str(e.value)
    assert msg.startswith("as_of 2017-09-01: the ETH open interest starts 2024-11-22 20:00 UTC")
    assert "the estimated market needs it" in msg and "2017-09-02" not in msg
    assert e.value.param == "as_of"


@pytest.mark.parametrize("cmd", [["liqmap"], ["cascade", "--asset", "BTC", "--shock", "-0.05"]])
def test_the_commands_print_the_date_as_typed(cmd: list[str]) -> None:
    asset = "BTC" if "BTC" in cmd else "ETH"
    r = run_cli(*cmd, "--as-of", "2017-09-01")
    assert r.exit_code == 2
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith(f"error: --as-of 2017-09-01: the {asset} open interest starts 2024-11-")
    r = run_cli(*cmd, "--as-of", "2026-01-15T06:30")
    assert r.exit_code == 2
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith(
        f"error: --as-of 2026-01-15T06:30: the {asset} open interest ends 2025-08-01 00:00 UTC"
    )
    assert "no data there" not in line  # prices run further: only the open interest ends


def test_resolve_as_of_names_the_series_given() -> None:
    idx = pd.date_range("2025-07-01", periods=12, freq="4h", tz="UTC")
    with pytest.raises(InputError, match=r"^as_of 2025-06-30: the SOL totals start 2025-07-01"):
        resolve_as_of("2025-06-30", idx, series="the SOL totals")
    ts = pd.Timestamp("2025-08-01 12:00", tz="UTC")
    with pytest.raises(
        InputError, match=r"^at 2025-08-01T12:00:00\+00:00: the series ends .*; x\): give"
    ):
        resolve_as_of(ts, idx, option="at", purpose="x")
    # one microsecond after the last close is outside; the close itself is inside
    last_close = idx[-1] + pd.Timedelta(hours=4)
    assert resolve_as_of(last_close, idx) == idx[-1]
    with pytest.raises(InputError, match=r"the series ends .*: give an earlier date"):
        resolve_as_of(last_close + pd.Timedelta(microseconds=2), idx)
