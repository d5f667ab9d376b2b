"""The report's solvency takeaway on how likely the fall where bad debt starts is.

``survival_words`` reads the view's ``survival`` (``fund_survival``) and the cascade's
ADL start only: a stand-in view with hand figures checks the words and the verdict.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from liqcascade.report._solvency_section import survival_words


def _h(hours: int, label: str, trials: str, k: int, n: int, lo: float, hi: float) -> dict:
    return {"hours": hours, "label": label, "trials": trials, "k": k, "n": n, "p": k / n,
            "interval": [lo, hi], "range": [k / n, k / n]}  # fmt: skip


def _fs(found: bool, *, beats: bool) -> dict[str, Any]:
    brier = {"history": 0.189, "normal": 0.222, "student_t": 0.172}
    if beats:
        brier["history"] = 0.1
    return {
        "depth": 0.194 if found else 0.3,
        "adl_start": found,
        "depth_range": [0.181, 0.206] if found else [None, None],
        "before": "2025-08-01T00:00:00+00:00",
        "horizons": [
            _h(1, "1 h", "hours", 6, 69555, 3.2e-5, 1.9e-4),
            _h(24, "24 h", "days", 26, 2902, 0.0059, 0.013),
            _h(720, "30 days", "30-day periods", 31, 95, 0.23, 0.43),
        ],
        "rolling": {
            "level": 0.9,
            "horizons": [
                {
                    "hours": 24,
                    "n": 2494,
                    "first_window": "2018-10-01T00:00:00+00:00",
                    "brier": brier,
                    "brier_vs": {
                        "normal": _vs(brier["history"] - brier["normal"]),
                        "student_t": _vs(brier["history"] - brier["student_t"]),
                    },
                    "log_score_vs": {"normal": _vs(-0.07), "student_t": _vs(0.03)},
                }
            ],
        },
    }


def _vs(mean: float) -> dict[str, Any]:
    """A paired difference ±0.004 wide and its verdict (Brier: lower is better)."""
    lo, hi = mean - 0.004, mean + 0.004
    said = "beats" if hi < 0 else "loses" if lo > 0 else "ties"
    return {"mean": mean, "lo": lo, "hi": hi, "verdict": said}


def _view(fs: dict[str, Any] | None, start: Any = True) -> Any:
    adl = {"shock": -0.194, "bracket": [-0.19, -0.197], "tolerance": 0.005}
    return SimpleNamespace(survival=fs, cascade=SimpleNamespace(adl_start=adl if start else {}))


def test_the_words_carry_the_count_the_interval_and_the_losing_verdict() -> None:
    text = survival_words(_view(_fs(True, beats=False)))
    assert text.startswith(
        "Bad debt (ADL, with no fund) starts at a fall of about −19.4 % (80 % over draws: "
        "−18.1 % … −20.6 %). A fall that deep, from a close to the lowest hourly low, came "
        "within 24 h in 26 of 2,902 days (0.90 %, 95 % interval 0.59–1.3 %) before 2025-08-01;"
    )
    assert "within 1 h in 6 of 69,555 hours (0.0086 %, 95 % interval 0.0032–0.019 %)" in text
    assert "within 30 days in 31 of 95 30-day periods (33 %, 95 % interval 23–43 %)" in text
    assert (
        "Out of sample, re-estimated each quarter on the history before it (2,494 days scored "
        "from 2018-10, falls of 5–30 %), history's 24 h frequency loses to the Student-t "
        "baseline: Brier 0.189 against normal 0.222 and Student-t 0.172 (lower is better; "
        "difference +0.017, 90 % +0.013 … +0.021)"
    ) in text
    assert text.endswith("by the log score it beats the normal and loses to the Student-t.")


def test_a_range_the_draws_agree_on_is_said_as_one_figure() -> None:
    fs = _fs(True, beats=False)
    fs["depth"], fs["depth_range"] = 0.0109, [0.0109, 0.0109]
    v = _view(fs)
    v.cascade.adl_start.update(bracket=[-0.009375, -0.0125])
    text = survival_words(v)
    assert "−1.1 % … −1.1 %" not in text
    assert text.startswith(
        "Bad debt (ADL, with no fund) starts at a fall of about −1.1 % (no 80 % range over "
        "draws: at so small a fall the draws agree, the 10th- and 90th-percentile bad debt "
        "start within the same 0.5 % search step as the central figure, between −0.9 % and "
        "−1.2 %)."
    )


def test_a_winning_history_and_no_adl_start() -> None:
    text = survival_words(_view(_fs(False, beats=True)))
    assert text.startswith(
        "No scenario fall leaves bad debt, down to −30.0 %; ADL needs a deeper one."
    )
    assert "history's 24 h frequency beats the Student-t baseline: Brier 0.1 against" in text
    assert survival_words(_view(None)) == ""
