"""The long/short-ratio layouts: CoinGlass's, the wide frame, Binance's API fractions.

CoinGlass names its columns ``<measure>_long_percent``, ``<measure>_short_percent`` and
``<measure>_long_short_ratio`` (measure ``global_account``, ``top_account`` or
``top_position``; one measure a file); the wide frame of
:func:`liqcascade.data.load_series` has one ``<measure>_long_pct`` column per measure;
Binance's API returns fractions and does not say which measure a file holds. Their rules
are rows of :data:`liqcascade.data._layouts.REGISTRY`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from liqcascade.data._columns import num
from liqcascade.data._kinds import LONG_SHORT_MEASURES
from liqcascade.data._layout import Build, Layout, Probe
from liqcascade.data._validate import RATIO_TOLERANCE
from liqcascade.errors import InputError

__all__ = [
    "FRACTION_SUM_TOLERANCE",
    "binance_long_short",
    "check_measure",
    "coinglass_long_short",
    "is_coinglass_long_short",
    "is_long_short_wide",
    "long_short_wide",
]

_LS = "_ls|"  # prefix of the per-measure columns a long/short layout builds
_COINGLASS = ("_long_percent", "_short_percent")
_WIDE = ("_long_pct", "_short_pct")


def _measures(probe: Probe, long_sx: str) -> list[str]:
    cols = list(probe.df.columns)
    return [c[: -len(long_sx)] for c in cols if c.endswith(long_sx) and c != long_sx]


def is_coinglass_long_short(probe: Probe) -> bool:
    """Whether the file has a ``<measure>_long_percent`` column (CoinGlass's layout)."""
    return bool(_measures(probe, _COINGLASS[0]))


def is_long_short_wide(probe: Probe) -> bool:
    """Whether the file has a ``<measure>_long_pct`` column (the wide frame)."""
    return bool(_measures(probe, _WIDE[0]))


def coinglass_long_short(probe: Probe) -> Layout:
    """CoinGlass's long/short file: one row per (time, measure) of its measures."""
    return _per_measure("coinglass-long-short", _measures(probe, _COINGLASS[0]), *_COINGLASS)


def long_short_wide(probe: Probe) -> Layout:
    """The wide frame ``load_series("long_short")`` returns, written to a file."""
    return _per_measure("long-short-wide", _measures(probe, _WIDE[0]), *_WIDE)


def _per_measure(name: str, measures: list[str], long_sx: str, short_sx: str) -> Layout:
    return Layout(name, "long_short", _long_short_build(measures, long_sx, short_sx), reshape=_rows)


def _long_short_build(measures: list[str], long_sx: str, short_sx: str) -> Build:
    """Per-measure columns (``_ls|<measure>|<value>``) of a long/short layout."""

    def build(d: pd.DataFrame) -> dict[str, pd.Series]:
        out: dict[str, pd.Series] = {}
        for m in measures:
            raw = d[m + long_sx]
            text = raw.astype("string").str.strip()
            out[f"{_LS}{m}|present"] = (raw.notna() & (text != "")).astype(bool)
            out[f"{_LS}{m}|long_pct"] = num(d, m + long_sx)
            if m + short_sx in d.columns:
                out[f"{_LS}{m}|short_pct"] = num(d, m + short_sx)
            if m + "_long_short_ratio" in d.columns:
                out[f"{_LS}{m}|long_short_ratio"] = num(d, m + "_long_short_ratio")
        return out

    return build


def _rows(raw: pd.DataFrame, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One row per (time, measure) from the per-measure columns of a long/short layout.

    A file of one measure keeps every row (an empty cell is then refused by validation,
    naming the row); in a file of several measures an empty cell means that measure has
    no value at that time, and gives no row. A value column is kept only when every
    measure of the file has it.
    """
    parts: dict[str, dict[str, str]] = {}
    for c in frame.columns:
        if c.startswith(_LS):
            _, m, v = c.split("|")
            parts.setdefault(m, {})[v] = c
    base = frame.drop(columns=[c for c in frame.columns if c.startswith(_LS)])
    shared = set.intersection(*(set(v) for v in parts.values())) - {"present"}
    several = len(parts) > 1
    out = []
    for m, cols in parts.items():
        names = [v for v in ("long_pct", "short_pct", "long_short_ratio") if v in shared]
        part = base.assign(measure=m, **{v: frame[cols[v]] for v in names})
        if several:
            part = part[frame[cols["present"]].to_numpy(dtype=bool)]
        out.append(part)
    rows = pd.concat(out, ignore_index=True)
    return rows.sort_values("_row", kind="stable").reset_index(drop=True), []


# -- Binance's API fractions ----------------------------------------------------------------
#: File-name words naming each measure of Binance's long/short ratio endpoints (the name
#: lower-cased, anything not a letter or digit removed).
_BINANCE_LS_NAMES: dict[str, tuple[str, ...]] = {
    "global_account": ("globallongshortaccountratio", "globalaccount"),
    "top_account": ("toplongshortaccountratio", "topaccount"),
    "top_position": ("toplongshortpositionratio", "topposition"),
}
#: How far longAccount + shortAccount may be from 1 (the percent rule's 0.5 / 100).
FRACTION_SUM_TOLERANCE = 0.005


def check_measure(measure: str) -> str:
    """The canonical name of a long/short ``measure``, or :class:`InputError`."""
    m = measure.strip().lower().replace("-", "_")
    if m not in LONG_SHORT_MEASURES:
        raise InputError(
            f"measure must be one of {', '.join(LONG_SHORT_MEASURES)} (got {measure!r})",
            param="measure",
        )
    return m


def _measure_from_name(name: str) -> str | None:
    flat = re.sub(r"[^a-z0-9]", "", Path(name).name.lower())
    found = [m for m, words in _BINANCE_LS_NAMES.items() if any(w in flat for w in words)]
    if len(found) > 1:
        raise InputError(
            f"measure: the file name names {' and '.join(found)}; give the measure",
            file=name,
            param="measure",
        )
    return found[0] if found else None


def binance_long_short(probe: Probe) -> Layout:
    """Binance's API long/short ratios: fractions, one measure a file (not said in it).

    ``/futures/data/globalLongShortAccountRatio``, ``topLongShortAccountRatio`` and
    ``topLongShortPositionRatio`` (USD-M) return ``symbol, longShortRatio, longAccount,
    shortAccount, timestamp`` (ms) for all three; COIN-M's position endpoint returns
    ``pair, longShortRatio, longPosition, shortPosition, timestamp``. The measure is the
    probe's, else the one the file name names (account columns), else refused; COIN-M's
    position columns mean ``top_position``.
    """
    cols = probe.columns
    if {"long_account", "short_account"} <= cols:
        long_c, short_c = "long_account", "short_account"
        m = probe.measure or _measure_from_name(probe.name)
    else:
        long_c, short_c = "long_position", "short_position"
        m = probe.measure or "top_position"
    if m is None:
        raise InputError(
            "a Binance long/short ratio file (longShortRatio, longAccount, shortAccount) "
            "does not say which ratio it holds: give measure (global_account, top_account "
            "or top_position), or keep the endpoint's name in the file name "
            "(globalLongShortAccountRatio, topLongShortAccountRatio, "
            "topLongShortPositionRatio)",
            file=probe.name,
            param="measure",
        )
    chosen = m

    def build(d: pd.DataFrame) -> dict[str, pd.Series]:
        return {
            "measure": pd.Series(chosen, index=d.index, dtype=object),
            "long_pct": num(d, long_c) * 100.0,
            "short_pct": num(d, short_c) * 100.0,
            "long_short_ratio": num(d, "long_short_ratio"),
        }

    return Layout(
        "binance-long-short",
        "long_short",
        build,
        time="timestamp" if "timestamp" in cols else None,
        venue="binance",
        notes=(
            f"Binance long/short fractions stored as percent ({long_c} x 100 = long_pct) "
            f"under measure {chosen}",
        ),
        check=_check_fractions,
        takes_measure=True,
    )


def _check_fractions(raw: pd.DataFrame, name: str) -> None:
    """Binance's fractions: in [0, 1], long + short = 1, the ratio = long / short.

    Each rule names the first data row breaking it; an empty cell is left to
    :func:`~liqcascade.data.validate` (refused, or dropped with ``drop_missing``).
    """
    long_c = "long_account" if "long_account" in raw.columns else "long_position"
    short_c = "short_account" if "short_account" in raw.columns else "short_position"
    lo = num(raw, long_c).to_numpy()
    sh = num(raw, short_c).to_numpy()
    ratio = num(raw, "long_short_ratio").to_numpy()
    problems: list[tuple[int, str]] = []  # (0-based row, message)
    with np.errstate(invalid="ignore", divide="ignore"):
        for c, v in ((long_c, lo), (short_c, sh)):
            bad = np.flatnonzero(np.isinf(v) | (v < 0) | (v > 1))
            if bad.size:
                i = int(bad[0])
                problems.append((i, f"{c} must be a fraction in [0, 1] (got {v[i]:g}; Binance "
                                    "gives fractions, a file of percentages is CoinGlass's "
                                    "layout)"))  # fmt: skip
        total = lo + sh
        bad = np.flatnonzero(np.abs(total - 1.0) > FRACTION_SUM_TOLERANCE)
        if bad.size:
            i = int(bad[0])
            problems.append((i, f"{long_c} {lo[i]:g} + {short_c} {sh[i]:g} = {total[i]:g}, "
                                "not 1"))  # fmt: skip
        implied = lo / sh
        off = np.abs(ratio - implied) > np.maximum(RATIO_TOLERANCE, 0.02 * implied)
        bad = np.flatnonzero(off & np.isfinite(implied))
        if bad.size:
            i = int(bad[0])
            problems.append((i, f"long_short_ratio {ratio[i]:g} does not match "
                                f"{long_c} / {short_c} = {implied[i]:.4g}"))  # fmt: skip
    if problems:
        i, msg = min(problems, key=lambda p: p[0])
        raise InputError(msg, file=name, row=i + 1)
