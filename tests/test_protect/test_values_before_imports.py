"""``stops recommend`` refuses a bad option value before the market's imports.

The required-option check ran before them, the value checks (``--side sideways``,
``--leverage -3``, ``--size nan``) only after ``liqcascade.protect`` had loaded the
market, the cascade engine and pandas (about 10 s under load): the same one-line
``error:`` and exit 2 now come from :func:`liqcascade.protect.check_position` and
:class:`~liqcascade.protect.RecommendSettings`, which load none of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from liqcascade import cli

_PROBE = """
import json, sys
from liqcascade.cli import main
rc = main(sys.argv[1:])
heavy = ("pandas", "liqcascade.market", "liqcascade.cascade", "liqcascade.positions",
         "liqcascade.margin", "liqcascade.protect._recommend")
print(json.dumps({"rc": rc, "loaded": [m for m in heavy if m in sys.modules]}), file=sys.stderr)
"""

GOOD = {"--side": "long", "--entry": "3700", "--size": "1", "--leverage": "10"}


def _run(tmp_path: Path, **bad: str) -> tuple[int, list[str], list[str]]:
    opts = {**GOOD, **{f"--{k.replace('_', '-')}": v for k, v in bad.items()}}
    args = ["stops", "recommend", *[x for kv in opts.items() for x in kv]]
    src = str(Path(cli.__file__).resolve().parents[1])  # this checkout's package first
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
        "LIQCASCADE_STORE": str(tmp_path / "none.duckdb"),
    }
    p = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = p.stderr.strip().splitlines()
    last = json.loads(lines[-1])
    return last["rc"], last["loaded"], lines[:-1]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"side": "sideways"}, "error: --side must be long or short (buy/sell) (got 'sideways')"),
        ({"leverage": "-3"}, "error: --leverage must be in [1, 125] (got -3)"),
        ({"size": "nan"}, "error: --size must be a finite number (got nan)"),
        ({"liquidity": "foo"}, "error: --liquidity must be calibrated or static (got 'foo')"),
        ({"vol_source": "foo"}, "error: --vol-source must be garch or atr (got 'foo')"),
        ({"horizon_days": "0"}, "error: --horizon-days must be an integer in [1, 365] (got 0)"),
    ],
    ids=["side", "leverage", "size", "liquidity", "vol-source", "horizon"],
)
def test_a_bad_value_is_refused_before_the_heavy_imports(
    tmp_path: Path, bad: dict[str, str], message: str
) -> None:
    rc, loaded, err = _run(tmp_path, **bad)
    assert (rc, loaded) == (2, [])
    assert err == [message]  # one line, the words the command gave after the imports


def test_the_tier_table_check_still_comes_before_the_market(tmp_path: Path) -> None:
    rc, loaded, err = _run(tmp_path, size="10000", leverage="125")
    assert rc == 2 and "liqcascade.market" not in loaded
    assert err == [
        "error: --leverage 125 is above the Binance maximum 25x for a notional of "
        "37,000,000 USD (ETH)"
    ]
