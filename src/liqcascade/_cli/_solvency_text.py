"""The text of ``liqcascade solvency``: its dollars' scale, the table's cells, its notes.

The dollar columns are in the dollars the user reads: a positions file's own (``USD``),
the estimated book's feed scale (``USD, feed scale``), or, when the fund was given in
market dollars (``--fund-scale market``), market dollars (``USD, market``: the book's
figures over ``feed_per_market_usd``, the book's share of open interest over the share
its feed's venue is taken to hold, :data:`liqcascade.market.BINANCE_BOOK_SHARE`).
"""

from __future__ import annotations

from typing import Any

from liqcascade._cli._outside import OUTSIDE, mark_outside
from liqcascade._prices import fmt_or_na, percent_label, percent_text

__all__ = [
    "BOOK_CAVEATS", "SURPLUS_NOTE", "Scale", "adl_start_line", "book_caveat", "covers_note",
    "days_cell", "flat_interval_line", "money_cells", "out_of_sample_line", "scale_of",
    "survival_line",
]  # fmt: skip

#: Under the table, once: why the fund can show money beside bad debt.
SURPLUS_NOTE = (
    "fund covers: the insurance fund pays every shortfall (no bad debt, no ADL); buffer "
    "covers: the {buffer} reserve buffer absorbs the bad debt. Shortfalls draw on the fund "
    "at the start only; surpluses and fees are credited after the cascade, so the fund can "
    "show money beside bad debt. liquidated is notional at the fill price: a deeper fall "
    "can close the same positions for fewer dollars"
)


class Scale:
    """The dollars of the dollar columns: their header's unit and the factor from the book's.

    Parameters
    ----------
    result : dict
        ``solvency``'s JSON object (its ``fund_scale`` and ``market``).
    """

    def __init__(self, result: dict[str, Any]) -> None:
        fs = result.get("fund_scale") or {}
        k = fs.get("feed_per_market_usd")
        self.market = fs.get("scale") == "market" and bool(k)
        self.per = 1.0 / float(k) if self.market and k else 1.0
        estimated = bool(result.get("market"))
        self.unit = "USD, market" if self.market else ("USD, feed scale" if estimated else "USD")
        #: The unit in a sentence: ``USD``, ``USD (feed scale)``, ``USD (market)``.
        self.words = "USD" + (f" ({self.unit[5:]})" if self.unit != "USD" else "")

    def usd(self, x: float) -> str:
        """An amount on the book's scale, in the columns' dollars: ``1,234``."""
        return f"{x * self.per:,.0f}"


def scale_of(result: dict[str, Any]) -> Scale:
    """:class:`Scale` of a ``solvency`` JSON object."""
    return Scale(result)


def _ranged(s: Scale, value: float, lo: float | None, hi: float | None) -> str:
    """``VALUE (LO … HI)`` in the columns' dollars, marked when outside its range."""
    if lo is None or hi is None:
        return s.usd(value)
    return mark_outside(
        f"{s.usd(value)} ({s.usd(lo)} … {s.usd(hi)})", value * s.per, lo * s.per, hi * s.per
    )


def money_cells(s: Scale, sc: dict[str, Any]) -> tuple[list[str], bool]:
    """A scenario's dollar cells: liquidated, shortfall, fund draw, fund left, bad debt.

    Liquidated and bad debt carry their 80 % interval where the run has one. Returns
    the cells and whether a figure is marked outside its range.
    """
    iv = sc.get("interval") or {}
    liq = _ranged(s, sc["liquidated_usd"], iv.get("liquidated_p10_usd"),
                  iv.get("liquidated_p90_usd"))  # fmt: skip
    bad = _ranged(s, sc["bad_debt_usd"], iv.get("bad_debt_p10_usd"), iv.get("bad_debt_p90_usd"))
    cells = [liq, s.usd(sc["shortfall_usd"]), s.usd(sc["fund_draw_usd"]),
             s.usd(sc["fund_before_adl_usd"]), bad]  # fmt: skip
    return cells, OUTSIDE in liq or OUTSIDE in bad


def covers_note(result: dict[str, Any]) -> str:
    """:data:`SURPLUS_NOTE` with the run's buffer."""
    return SURPLUS_NOTE.format(buffer=percent_text(result["reserve_buffer"], 0))


def adl_start_line(result: dict[str, Any]) -> str | None:
    """Where ADL starts: the fall that exhausts the fund (None: not sought, no fall run).

    ``ADL starts (the fund is exhausted) at a fall of −17.2 % (80 % over draws: −16.1 %
    … −18.4 %; bisection to 0.5 %, 5 more engine runs)``; past the deepest fall run:
    ``the fund covers every fall run, down to −30 %``, and how to search deeper.
    """
    from liqcascade.solvency import agree_text

    a = result.get("adl_start")
    if not a:
        return None
    runs = f"{a['n_runs']} more engine run{'s' if a['n_runs'] != 1 else ''}"
    if a["shock"] is None:
        return (
            f"ADL start: the fund covers every fall run, down to "
            f"{percent_text(a['deepest'], 0, signed=True)} (no deeper fall sought: a deeper "
            "--scenario, e.g. --scenario=-60%, extends the search to it)"
        )
    lo, hi = a["interval"]
    span = ""
    if result.get("liquidity") == "calibrated":
        deep = "beyond the deepest fall run" if hi is None else percent_text(hi, 1, signed=True)
        mild = percent_text(lo, 1, signed=True) if lo is not None else "?"
        span = f"; 80 % over draws: {mild} … {deep}" if mild != deep else f"; {agree_text(a)}"
    return (
        f"ADL starts (the fund is exhausted, bad debt begins) at a fall of about "
        f"{percent_text(a['shock'], 1, signed=True)} (falls only; bisection over the shock "
        f"to {percent_text(a['tolerance'], 1)}, {runs}{span})"
    )


def days_cell(row: dict[str, Any] | None) -> str:
    """A scenario's days with a 24 h fall as deep: ``6.1 % (176 of 2,902)``, or ``-``.

    The report's column (``fall_frequency``'s row: ``p``, ``k``, ``n``); a rise, or no
    hourly bars, a dash.
    """
    from liqcascade.solvency import probability_text

    if row is None:
        return "-"
    return f"{probability_text(row['p'])} ({row['k']:,} of {row['n']:,})"


def _chance(h: dict[str, Any], *, short: bool = False) -> str:
    """``p = 3.6 %, 95 % interval 2.9–4.3 %`` (short: ``p = 3.6 % (2.9–4.3 %)``)."""
    from liqcascade.solvency import chance_text

    return f"p = {chance_text(h['p'], h['interval'], short=short)}"


def _range(result: dict[str, Any], fs: dict[str, Any], day: dict[str, Any]) -> str:
    """``; the ADL start's 80 % range −10.9 % … −12.5 %: p = 4.1 % … 2.6 %`` or ``""``.

    Only where the ADL start has one (the calibrated engine's draws).
    """
    from liqcascade.solvency import probability_text

    mild, deep = day.get("range") or (None, None)
    if result.get("liquidity") != "calibrated" or not fs["adl_start"]:
        return ""
    if mild is None and deep is None:
        return ""
    a, b = fs["depth_range"]
    lo = "?" if a is None else percent_text(-a, 1, signed=True)
    hi = "beyond the falls run" if b is None else percent_text(-b, 1, signed=True)
    if lo == hi:  # every draw agrees (the ADL start's line says why): no range to print
        return ""
    return (
        f"; the ADL start's 80 % range {lo} … {hi}: p = {probability_text(mild)} … "
        f"{probability_text(deep)}"
    )


def survival_line(result: dict[str, Any]) -> str | None:
    """How often history fell as deep as the ADL start (``fund_survival``), or None.

    ``a fall this deep (−12.0 %, from a close to the lowest hourly low) within 24 h
    happened in 104 of 2,901 days before 2025-08-01 00:00 UTC: p = 3.6 %, 95 % interval
    2.9–4.3 % …``, then the ADL start's 80 % range and the other horizons; without an
    ADL start, the deepest fall run's frequency, which bounds ADL's chance from above.
    """
    fs = result.get("fund_survival")
    if not fs or not fs.get("horizons"):
        return None
    by = {h["hours"]: h for h in fs["horizons"] if h["n"]}
    day = by.get(24) or next(iter(by.values()), None)
    if day is None:
        return None
    depth = percent_text(-fs["depth"], 1, signed=True)
    before = str(fs["before"])[:16].replace("T", " ")
    head = "a fall this deep" if fs["adl_start"] else "a fall as deep as the deepest run"
    text = (
        f"{head} ({depth}, from a close to the lowest hourly low) within {day['label']} "
        f"happened in {day['k']:,} of {day['n']:,} {day['trials']} before {before} UTC: "
        f"{_chance(day)} (non-overlapping windows, one trial each){_range(result, fs, day)}"
    )
    if not fs["adl_start"]:
        text += "; the fund covered it: ADL needs a deeper fall, so its chance is lower"
    others = [
        f"{h['label']}: {h['k']:,} of {h['n']:,} {h['trials']}, {_chance(h, short=True)}"
        for h in by.values()
        if h is not day
    ]
    return text + ("; " + "; ".join(others) if others else "")


#: The baselines' names in text.
_NAMES = {"normal": "the normal", "student_t": "the Student-t"}


#: A verdict of history against a baseline, in words.
_SAID = {"beats": "beats", "loses": "loses to", "ties": "ties with"}


def _against(vs: dict[str, Any]) -> str:
    """``beats the normal, loses to the Student-t`` from ``{baseline: {verdict: …}}``."""
    return ", ".join(
        f"{_SAID.get(str(vs[b]['verdict']), 'is not scored on')} {_NAMES[b]}"
        for b in ("normal", "student_t")
    )


def out_of_sample_line(result: dict[str, Any]) -> str | None:
    """History's frequency against the baselines out of sample, rolling, per horizon, or None.

    The rolling check (``fund_survival["rolling"]``: re-estimated each quarter on an
    expanding window): per horizon the windows scored, the mean Brier score summed
    over the falls per forecast, and the verdicts of the paired differences (Brier and
    log score) at the check's level.
    """
    fs = result.get("fund_survival")
    roll = (fs or {}).get("rolling")
    if not roll or not roll["horizons"]:
        return None
    falls = "/".join(f"{100 * f:g}" for f in roll["falls"])
    parts = []
    for h in roll["horizons"]:
        b = h["brier"]
        parts.append(
            f"{h['label']} ({h['n']:,} scored): Brier history {fmt_or_na(b['history'], '.3g')}"
            f" vs normal {fmt_or_na(b['normal'], '.3g')}, Student-t "
            f"{fmt_or_na(b['student_t'], '.3g')}: history {_against(h['brier_vs'])} (by log "
            f"score {_against(h['log_score_vs'])})"
        )
    level = percent_text(roll["level"], 0)
    return (
        f"out of sample, rolling (frequency and baselines re-estimated each quarter on the "
        f"history before it, from {roll['first_origin'][:10]}, each later window scored; "
        f"falls of {falls} %; Brier summed over the falls, lower is better; verdicts by the "
        f"paired differences' {level} Diebold-Mariano interval; baselines: normal and "
        "Student-t on the hourly returns, × √hours, reflection): " + "; ".join(parts)
    )


#: The README's caveat on an asset's estimated book, said under that asset's table
#: (README, the headline table's BTC bad-debt row and "Against real Hyperliquid
#: positions"; the report's validation section gives the shares).
BOOK_CAVEATS: dict[str, str] = {
    "BTC": (
        "caveat: BTC's estimated book is far more fragile near the price than real "
        "Hyperliquid positions (README: 56 % of notional within 10 % of liquidation against "
        "9 %; the report's validation section), so its liquidations and bad debt here are "
        "likely overstated"
    ),
}


def book_caveat(result: dict[str, Any]) -> str | None:
    """:data:`BOOK_CAVEATS`' line for the estimated market's asset (None: a file, or none)."""
    market = result.get("market") or {}
    return BOOK_CAVEATS.get(str(market.get("asset", "")).upper()) if market else None


def _flat(iv: dict[str, Any]) -> bool:
    """Whether a scenario's 80 % interval has no width: every draw gave the same figures."""
    pairs = (("liquidated_p10_usd", "liquidated_p90_usd"), ("bad_debt_p10_usd", "bad_debt_p90_usd"),
             ("final_price_p10", "final_price_p90"))  # fmt: skip
    for a, b in pairs:
        lo, hi = iv.get(a), iv.get(b)
        if lo is None or hi is None or abs(float(hi) - float(lo)) > 1e-9 * max(1.0, abs(hi)):
            return False
    return True


def flat_interval_line(result: dict[str, Any]) -> str | None:
    """Say why an 80 % interval reads ``X (X … X)``: the draws agree, it is no certainty.

    On a positions file the calibrated run's interval spans the liquidity calibration's
    draws alone (no position-book draws, and the index is held at the shock); where each
    draw's depth absorbs the forced orders near the scenario's price (ETH at 2025-07-31:
    latent depth at its grid's edge in every draw), every draw closes the same positions
    at the same prices and the interval has no width. Said once under the
    table, naming the scenarios when not all of them; None when every interval has width
    (or the run has none).
    """
    scen = [s for s in result["scenarios"] if s.get("interval")]
    flat = [s for s in scen if _flat(s["interval"])]
    if not flat:
        return None
    n = max(int(s["interval"].get("n_draws") or 0) for s in flat)
    books = max(int(s["interval"].get("n_book_draws") or 1) for s in flat)
    where = (
        "in every scenario"
        if len(flat) == len(scen)
        else "in " + ", ".join(percent_label(str(s["name"])) for s in flat)
    )
    only = (
        "the liquidity calibration's alone (no position-book draws on a positions file)"
        if books <= 1
        else "the draws'"
    )
    return (
        f"80 % over the draws: {where} all {n * books} draws give the same figures (each "
        f"closes the same positions at the same prices): a zero-width interval is {only}, "
        "not a certainty; the index is held at the shock, so the path after it is not in it "
        "either"
    )
