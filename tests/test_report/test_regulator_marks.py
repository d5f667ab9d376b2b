"""A regulator's audit (trial reg28): what a card's mark says, the tail test, citing the page.

Fast checks of the rules (no report is built): the status marks of a check in sample
(F2) and of a check on another instrument (F1), the out-of-sample liquidation score
first (F3), the lower tail against its nominal share (F8), the feed scale (F11) and the
code revision and re-run command (F10).
"""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest

from liqcascade.report._section import (
    CHECK_MARKS,
    IN_SAMPLE_MARKS,
    Headline,
    mark_class,
    mark_text,
)


def _head(check: str, in_sample: bool = False, label: str = "") -> Headline:
    return Headline(
        key="k", label="l", value=0.0, text="t", interval="i", evidence="e",
        check=check, check_in_sample=in_sample, check_label=label,
    )  # fmt: skip


def test_a_check_in_sample_never_reads_passes() -> None:
    # F2: one rule for every card whose check is in sample, whatever the section
    for c in CHECK_MARKS:
        out, ins = mark_text(_head(c)), mark_text(_head(c, in_sample=True))
        assert out == CHECK_MARKS[c] and ins == IN_SAMPLE_MARKS[c]
        assert "(in sample)" in ins and "passes" not in ins
        assert mark_class(_head(c)) == c and mark_class(_head(c, in_sample=True)) == "insample"
    assert mark_text(_head("passes", True)) == "consistent with history (in sample)"
    # a card's own label wins (the contagion card, the VaR card); no check, no mark
    assert mark_text(_head("ties", label="unit long ETH ties its baseline")).startswith(
        "unit long ETH"
    )
    assert mark_text(_head("")) == "" and mark_class(_head("", in_sample=True)) == ""


def test_the_glossary_defines_every_status_mark() -> None:
    from liqcascade.report._build import GLOSSARY

    entry = dict(GLOSSARY)["Status marks (on a front-page card)"]
    for words in (*CHECK_MARKS.values(), IN_SAMPLE_MARKS["passes"]):
        assert f"'{words}':" in entry, words
    assert "validates nothing" in entry and "unit long" in entry


def _backtest(n_in: int) -> dict[str, float | int]:
    pooled = {
        "n_events": 88, "n_book_in_sample": n_in, "liq_corr": 0.40,
        "background_baseline_liq_corr": 0.04, "book_background_liq_corr": 0.34,
        "liq_within_2x_share": 0.7, "background_baseline_liq_within_2x_share": 0.4,
        "book_background_liq_within_2x_share": 0.6,
    }  # fmt: skip
    oos = pooled | {"n_events": 47, "liq_corr": 0.345, "background_baseline_liq_corr": -0.10}
    return pooled | {"metrics_book_out_of_sample": oos}  # type: ignore[dict-item]


def test_the_liquidation_score_leads_with_the_book_out_of_sample() -> None:
    from liqcascade.report._cascade_section import _goal_check, liq_baselines_text, liq_scored

    o = _backtest(41)
    text = liq_baselines_text(o)
    # F3: the 47 events with the book out of sample first, the pooled 88 after, named
    assert text.startswith("Event back-test, book out of sample (47 events, goal 0.7): ")
    assert "log-correlation 0.34 vs baselines −0.10 (background)" in text  # the minus sign
    assert text.endswith("all 88: 0.40 vs 0.04, 0.34")
    assert liq_scored(o)["n_events"] == 47 and _goal_check(o) == "fails"
    # every event out of sample: one score, no split
    whole = _backtest(0)
    assert liq_scored(whole) is whole
    assert liq_baselines_text(whole).startswith("Event back-test (88 events, goal 0.7): ")
    assert "book in sample" not in liq_baselines_text(whole)


def _two_sided_binomial(k: int, n: int, q: float) -> float:
    """The exact two-sided binomial p (outcomes no likelier than ``k``), by hand."""
    pmf = [math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(n + 1)]
    return min(1.0, sum(x for x in pmf if x <= pmf[k] * (1 + 1e-7)))


@pytest.mark.parametrize(
    ("k", "n", "said"),
    [
        (39, 280, "more than the nominal share"),  # ETH, bundled data
        (13, 59, "more than the nominal share"),  # BTC
        (30, 280, "consistent with the nominal share"),
        (15, 280, "fewer than the nominal share"),
    ],
)
def test_the_lower_tail_gets_a_binomial_verdict(k: int, n: int, said: str) -> None:
    from liqcascade.report._cascade_section import TAIL_CAVEAT, tail_verdict

    p = _two_sided_binomial(k, n, 0.10)
    text = tail_verdict(k, n, p)
    assert text.startswith(said) and "against the nominal 10 %" in text
    # F8: the excess is said with its caveat (history's falls are 5 % or more)
    assert (TAIL_CAVEAT in text) == (said == "more than the nominal share")
    assert tail_verdict(0, 0, math.nan).startswith("consistent")


def test_the_tail_test_matches_scipy() -> None:
    from scipy.stats import binomtest

    for k, n in ((39, 280), (13, 59)):
        assert math.isclose(
            binomtest(k, n, 0.10).pvalue, _two_sided_binomial(k, n, 0.10), rel_tol=1e-6
        )


def test_the_feed_scale_is_computed_not_typed() -> None:
    from liqcascade.report._format import usd
    from liqcascade.report._units import CARRY_LOWER_BOUND, carry_bound_text, market_scale_text

    share = 0.0045
    text = market_scale_text(share, 20.5e6)
    assert text.startswith("the book is 0.45 % of open interest") and "~222×" in text
    assert usd(20.5e6 / share) in text and "not identified" in text
    short = market_scale_text(share, 20.5e6, short=True)
    assert short.startswith("0.45 % of OI") and len(short) < len(text)
    assert "(0.45 % of open interest)" in carry_bound_text(share)
    assert "0.45 % of OI" in carry_bound_text(share, short=True)
    # no share: no scale, the bare words
    assert market_scale_text(math.nan, 1e6) == "" == market_scale_text(0.0, 1e6)
    assert carry_bound_text(math.nan) == CARRY_LOWER_BOUND


def test_the_revision_never_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from liqcascade.report import _cite

    rev = _cite.code_revision()
    if rev != _cite.NOT_A_CHECKOUT:  # run from a checkout: 12 hex digits, maybe "modified"
        head, *rest = rev.split(" ")
        assert len(head) == 12 and int(head, 16) >= 0 and rest in ([], ["modified"])
    # a folder outside any repository, another project's repository, no git at all
    assert _cite.code_revision(tmp_path) == _cite.NOT_A_CHECKOUT
    git = shutil.which("git")
    if git is not None:
        other = tmp_path / "other"
        other.mkdir()
        subprocess.run([git, "init", "-q", str(other)], check=True)
        (other / "pyproject.toml").write_text('[project]\nname = "other"\n')
        assert _cite.code_revision(other) == _cite.NOT_A_CHECKOUT
    monkeypatch.setattr(_cite.shutil, "which", lambda _: None)
    assert _cite.code_revision() == _cite.NOT_A_CHECKOUT


def test_the_rerun_command_carries_every_option() -> None:
    from liqcascade.report._build import _asked_sections
    from liqcascade.report._cite import reproduce_command, run_options

    full = run_options(("ETH", "BTC"), "2025-07-31", quick=False)
    assert full["mode"] == "full" and full["sections"] == "all"
    cmd = reproduce_command(full)
    assert cmd == "liqcascade report --out report --asset ETH,BTC --as-of 2025-07-31"
    some = run_options(("BTC",), "2025-06-30", quick=True, sections=["cascade", "stress"])
    assert reproduce_command(some).endswith("--quick --section cascade --section stress")
    # the sections a run asked for: every one is "all"; an ETH-only one skipped counts
    from liqcascade.report._registry import SECTIONS

    every = [s.id for s in SECTIONS]
    assert _asked_sections(every, []) is None
    assert _asked_sections(every[:-1], every[-1:]) is None
    assert _asked_sections(["stress", "cascade"], []) == ["cascade", "stress"]


def test_the_rerun_command_names_the_out_folder_and_the_store_given(monkeypatch) -> None:
    """Was ``--out report`` whatever folder was given, and no word of the store read (ops29)."""
    from liqcascade.report._cite import reproduce_command, run_options, store_named

    opts = run_options(("ETH",), "2025-08-01", quick=True)
    cmd = reproduce_command(opts, "run1/reportE", "/tmp/ops 29/store.duckdb")
    assert cmd == (
        "LIQCASCADE_STORE='/tmp/ops 29/store.duckdb' liqcascade report --out run1/reportE "
        "--asset ETH --as-of 2025-08-01 --quick"
    )
    from_store = [{"asset": "ETH", "series": "funding 4h", "source": "store (store.duckdb)"}]
    bundled = [{"asset": "ETH", "series": "ohlcv 1h", "source": "bundled (eth_1h.parquet)"}]
    monkeypatch.setenv("LIQCASCADE_STORE", "/tmp/ops29/store.duckdb")
    assert store_named(bundled + from_store) == "/tmp/ops29/store.duckdb"
    assert store_named(bundled) is None  # the store held nothing the report read
    monkeypatch.delenv("LIQCASCADE_STORE")
    assert store_named(from_store) is None  # the default store: no option named it
