"""A positions file's run names its asset: the JSON's ``asset`` and the 2025-10-10 line.

Trial 35: on an ETHUSDT export the line under the table read "crash 2025-10-10 here:
…, the book's asset -21.4 %": a file's JSON carried no asset to name (the estimated
market's has ``market.asset``).
"""

from __future__ import annotations

import json
from pathlib import Path

from clihelpers import run_cli


def test_an_eth_file_and_a_btc_file_name_their_own_fall(tmp_path: Path) -> None:
    eth = tmp_path / "eth.csv"
    eth.write_text("symbol,side,size,entry_price,leverage\nETHUSDT,long,1,3700,10\n")
    btc = tmp_path / "btc.csv"
    btc.write_text("symbol,side,size,entry_price,leverage\nBTCUSDT,long,1,115000,10\n")
    for f, mid, asset, fall in ((eth, "3698.39", "ETH", "-21.4 %"),
                                (btc, "115764", "BTC", "-16.2 %")):  # fmt: skip
        args = ("solvency", "--positions", str(f), "--mid", mid, "--scenario", "2025-10-10")
        out = json.loads(run_cli(*args, "--json").stdout)
        assert out["asset"] == asset and "market" not in out
        r = run_cli(*args)
        assert r.exit_code == 0, r.stderr
        line = next(x for x in r.stdout.splitlines() if x.startswith("crash 2025-10-10 here"))
        assert f"UTC, {asset} {fall} (the day's lowest low" in line
        assert "the book's asset" not in line
