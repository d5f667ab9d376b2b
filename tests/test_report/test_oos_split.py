"""The report's back-test evidence says which events had an in-sample position book
(review finding F1) and gives the score of the events with both fits out of sample."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from liqcascade.cascade import beta_assumed_text
from liqcascade.cascade._clock import backtest_score
from liqcascade.cascade._scores import move_verdicts
from liqcascade.report._cascade_section import _oos_text


def _text(o: dict[str, Any], short: bool = False) -> str:
    return _oos_text(SimpleNamespace(oos=o), short=short)  # type: ignore[arg-type]


@pytest.mark.parametrize(("asset", "n_in", "n_out"), [("ETH", 50, 75), ("BTC", 41, 47)])
def test_the_back_test_names_its_in_sample_events(asset: str, n_in: int, n_out: int) -> None:
    o = backtest_score(asset, False)
    assert o is not None
    t = " ".join(_text(o).split())
    assert f"position book in sample for the {n_in} before 2025-03" in t
    card = " ".join(_text(o, short=True).split())  # the front page's shorter words
    assert f"book in sample for {n_in} before 2025-03" in card
    m = o["metrics_book_out_of_sample"]
    assert f"{n_out} with both out of sample: {m['move_mae_pp']:.2f} vs" in card
    # each verdict is the paired interval's (move_verdicts), whatever the data say
    tag = {"beats": "beaten", "loses": "model loses", "ties": "tie"}
    whole = move_verdicts(o)
    subs = move_verdicts(m)
    # the strict subset is judged against its strongest baseline (the lowest error)
    best = min(subs, key=lambda b: m[f"{b}_baseline_move_mae_pp"])
    sub = subs[best]
    assert f"(Empirical: {tag[str(whole['empirical'])]})" in card
    assert "(Trigger: beaten)" in card and whole["trigger"] == "beats"
    assert card.endswith(
        f"vs {m[f'{best}_baseline_move_mae_pp']:.2f} ({best.capitalize()}, the strongest: "
        f"{tag[str(sub)]})"
    )
    assert "), out of sample" not in t and "events 2024-11 → 2025-07, out of" not in t
    assert m["n_events"] == n_out == o["n_events"] - n_in
    assert f"both out of sample ({n_out} events): {m['move_mae_pp']:.2f} pp" in t
    # the strict subset's own verdict against its strongest baseline, named first
    word = {"beats": "beats it", "loses": "loses to it", "ties": "ties"}[str(sub)]
    assert (
        f"both out of sample ({n_out} events): {m['move_mae_pp']:.2f} pp vs "
        f"{m[f'{best}_baseline_move_mae_pp']:.2f} pp ({best.capitalize()}, the strongest), {word}"
    ) in t
    # then the window's triggers that could not be scored, by reason: the open interest
    # starts 2024-11-23, so the triggers of 2024-11-01 → 22 are counted, not dropped
    k = int(o["n_skipped"]["no open interest"])
    assert k > 0 and "events 2024-11-23 → 2025-07" in t
    # the events on the assumed depth exponent (a look-ahead) are said before them
    beta = beta_assumed_text(o["n_beta_assumed"], o["n_events"])
    assert beta.startswith(f"{o['n_beta_assumed']} of {o['n_events']} events use the assumed")
    assert t.endswith(
        f"(Trigger), beats it; {beta}; {k} triggers of the window are not scored (no open "
        f"interest: {k})"
    )


def test_without_in_sample_events_it_is_plainly_out_of_sample() -> None:
    o = backtest_score("ETH", False)
    assert o is not None
    clean = {k: v for k, v in o.items() if not k.startswith(("n_book", "metrics_book"))}
    t = _text(clean)
    assert "(out of sample): error" in t and "both out of sample" not in t
