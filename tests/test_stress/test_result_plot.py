"""The stress loss figure shows the losses, not an axis stretched by rare gains (review14 16)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from liqcascade.stress import StressResult


def _result() -> StressResult:
    rng = np.random.default_rng(0)
    n = 20_000
    # a 20×-levered long: the loss is capped at the margin (15,000), the gain is not
    loss = np.minimum(rng.standard_t(3, n) * 8_000 - 3_000, 15_000.0)
    loss[:20] = -350_000.0  # the rare huge gains that set the old axis
    return StressResult(
        scenario="montecarlo", label="30 days", seed=0, pnl=-loss,
        liquidated=np.zeros((n, 1), bool), stopped=np.zeros((n, 1), bool),
        market_liq_usd=rng.lognormal(17, 0.4, n), final_price={"ETH": np.ones(n)},
        portfolio=cast(Any, None), prices={"ETH": 1.0},
    )  # fmt: skip


def test_loss_histogram_keeps_the_central_paths_and_labels_its_axes() -> None:
    r = _result()
    fig = r.plot()
    x = np.asarray(fig.data[0].x)
    lo, hi = np.quantile(r.loss, [0.005, 0.995])
    assert lo <= x.min() and x.max() <= hi
    # at most 0.5 % cut at each end (the paths at the margin cap tie with the top quantile)
    assert 0.99 * r.n_paths - 2 <= x.size <= r.n_paths - 100
    assert x.min() > -350_000  # the 20 huge gains are not drawn
    assert fig.layout.yaxis.title.text == "paths"
    assert fig.layout.xaxis.title.text == "negative: a gain; paths 0.5–99.5 % shown"
    assert fig.layout.xaxis2.title.text == "paths 0.5–99.5 % shown"
    var = [a for a in fig.layout.annotations if str(a.text).startswith("VaR")]
    assert [a.text for a in var] == ["VaR 95 %", "VaR 99 %"]  # percent_text's
    # the two labels are staggered: one above the other, on either side of its line
    assert var[0].yshift != var[1].yshift and var[0].xanchor != var[1].xanchor
