"""The report's protect section picks ``stop_price`` as ``liqcascade stops recommend`` does.

The section's own back-test (a later start for BTC, 60 random entries in a quick run)
drew a different crowd verdict than the command's default back-test on BTC's market of
2025-07-31 ("ties" against "not supported"): the report recommended the moved stop, the
command the raw one, for the same position and market. The choice now comes from the
command's back-test (:func:`liqcascade.protect.declustering_backtest` at the market's
close) in both.
"""

from __future__ import annotations

import pytest

from liqcascade.protect import declustering_backtest, recommend_stop
from liqcascade.report._protect_section import (
    LEVERAGE,
    compute,
    position_size,
    stop_choice_backtest,
    stop_choice_verdict,
)
from liqcascade.report._section import ReportContext


@pytest.mark.parametrize("asset", ["BTC"])
def test_the_sections_stop_is_the_commands(asset: str) -> None:
    ctx = ReportContext(True, asset)
    v = compute(ctx)
    state = ctx.market
    cb = declustering_backtest(asset, state.close_time or state.as_of)
    cli, reach = cb["verdict"], cb["move_reach"]
    assert stop_choice_verdict(asset, state) == cli
    assert stop_choice_backtest(asset, state) == (cli, reach)  # the reach too (trader34 F3)
    for r in (v.long, v.short):
        assert r.crowd_verdict == cli
        # the command's call: the same position, the same verdict, its default levels
        cmd = recommend_stop(r.side, r.entry, position_size(asset, r.entry), LEVERAGE,
                             state=state, crowd_verdict=cli, crowd_reach=reach)  # fmt: skip
        assert r.stop_choice == cmd.stop_choice
        assert r.stop_price == pytest.approx(cmd.stop_price, rel=1e-9)
        assert r.moved_stop_price == (
            None if cmd.moved_stop_price is None else pytest.approx(cmd.moved_stop_price)
        )


def test_a_kept_stop_names_the_commands_back_test() -> None:
    from types import SimpleNamespace

    from liqcascade.report._protect_section import _moved_text

    kept = SimpleNamespace(
        expected_slippage=0.00001, raw_expected_slippage=0.00001, stop_price=109_503.0,
        raw_stop_price=109_503.0, entry=115_764.0, moved_stop_price=109_009.0,
        crowd_verdict="not supported", side="long", moved_crowd_side="beyond",
    )  # fmt: skip
    text = _moved_text(kept)
    assert text.startswith("kept in the crowd at the volatility stop")
    assert "$109,009" in text and "`liqcascade stops recommend`'s back-test" in text
    assert text.endswith("not supported: worse beyond the noise")
    # on which side of the crowd the level out of it lies, in the command's words
    assert (
        "$109,009 (beyond the crowd, further from the price: the crowd's orders fire first "
        "and their selling can carry price through this stop), is not recommended" in text
    )
    short = SimpleNamespace(**{**vars(kept), "side": "short", "moved_crowd_side": "before"})
    assert (
        "(before the crowd, nearer the price: it fires before the crowd's orders)"
        in _moved_text(short)
    )
