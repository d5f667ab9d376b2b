"""``cascade --fragility`` says its curve pools fewer paths than the single-shock card.

A user read −9.19 % for a −5 % shock in the curve and −9.33 % from ``cascade --shock
-0.05``, with no word that the curve pools 120 paths and the card 360.
"""

from __future__ import annotations

import io

from rich.console import Console

from liqcascade._cli import _common
from liqcascade._cli.cascade_backtest import CURVE_PATHS, _render_calibrated_fragility, card_paths


def _printed(critical: dict) -> str:
    curve = [
        {"shock": -0.05, "move_median": -0.0919, "move_p10": -0.19, "move_p90": -0.05,
         "liquidated_median_usd": 19.8e6, "static_final_move": -0.09}
    ]  # fmt: skip
    buf, saved = io.StringIO(), _common.stdout
    _common.stdout = Console(file=buf, width=400)
    try:
        _render_calibrated_fragility(
            {"as_of": "2025-07-31", "curve": curve, "critical_shock": critical}
        )
    finally:
        _common.stdout = saved
    return buf.getvalue()


def test_the_table_says_its_paths_and_the_cards() -> None:
    cs = dict(critical_shock=-0.05, critical_shock_p10=-0.04, critical_shock_p90=-0.06,
              curve_crossing=-0.055, n_draws=120, curve_n_paths=120, card_n_paths=360,
              total_move=-0.1)  # fmt: skip
    out = _printed(cs)
    assert "120 pooled paths per shock" in " ".join(out.split("┏")[0].split())  # the title
    assert "each shock pools 120 paths" in out
    assert "the single-shock card (cascade --shock) pools 360" in out


def test_the_card_requests_more_paths_than_the_curve() -> None:
    assert card_paths() == 400 and CURVE_PATHS == 120
