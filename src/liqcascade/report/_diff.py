"""What changed between two reports: ``liqcascade diff OLD NEW``.

Reads the ``summary.json`` of two report folders and lists what moved — the critical
shock, the liquidation clusters near the price, every headline number — which alert
thresholds the moves crossed, and, per asset both reports fingerprint, whether that
asset's data are the same (``front.fingerprints``).

A headline is the same number in both reports when its section, asset and metric are
(:func:`headline_identity`): never by its label, which may hold a figure ("ES $15,563"),
nor by its key alone, whose suffix follows the asset's place in the report. A number
that covers several assets (the stress section's ETH+BTC sample VaR, ``scope``) is
matched by those assets, so an ETH+BTC report and a BTC-only one compare it.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from liqcascade._alert_rules import RuleText, parse_rule_text, sign_warning
from liqcascade._paths import read_json
from liqcascade.errors import InputError
from liqcascade.report._format import MINUS, date_text, pct, pp, usd

__all__ = [
    "NEVER_NEGATIVE",
    "NEVER_POSITIVE",
    "Alert",
    "Change",
    "ReportDiff",
    "diff_reports",
    "headline_identity",
    "load_summary",
    "merged_label",
    "parse_alert",
    "report_assets",
    "run_warnings",
]

CLUSTER_MATCH = 0.005
"""Two clusters are the same when their prices are within 0.5 % of each other."""

MAX_ABS = 1e15
"""Largest magnitude a summary's number may have (USD, or a fraction, or a count).

No report figure comes near it: the whole crypto market is worth a few 1e12 USD, and a
fraction or a count is far smaller still. A larger number is an edited or corrupt
summary, and printed in dollars it would run to hundreds of digits.
"""


#: Headlines that are never negative (by metric, the asset's suffix removed:
#: :func:`headline_identity`), with what they are: a level alert comparing one with a
#: negative value is always or never true, and the diff warns (as ``watch`` does for its
#: figures, through the same :func:`liqcascade._alert_rules.sign_warning`).
NEVER_NEGATIVE: dict[str, str] = {
    "forced_selling_5pct": "liquidations in USD",
    "var95_30d": "a loss in USD",
    "eth_p05_30d": "a price in USD",
    "price_p05_30d": "a price in USD",
    "contagion_share": "a share of the liquidations",
    "bad_debt_worst": "a share of the liabilities",
}

#: Headlines that are never positive, with what they are: a fall the card prints as its
#: size (``critical_shock``: the card's ``5.4 %`` is -0.054 here), so a level alert copied
#: from the card (``critical_shock<6%``) is always true, and the diff warns with the rule
#: meant (``critical_shock>-6%``).
NEVER_POSITIVE: dict[str, str] = {
    "critical_shock": "a fall, signed, as its card prints it",
}


@dataclass(frozen=True)
class Alert:
    """A threshold: ``key`` moves by more than ``threshold`` (absolute, or relative).

    With ``op`` one of ``<``, ``<=``, ``>``, ``>=`` it is a level instead: the new
    report's ``key`` is ``op threshold`` (in the headline's unit; ``percent``: written
    with ``%``, already divided by 100, so for a fraction only). ``text``: the rule as
    written (:func:`parse_alert`'s; empty for one built by hand).
    """

    key: str
    threshold: float
    relative: bool = False
    op: str = "="
    percent: bool = False
    text: str = field(default="", compare=False)

    def rule_text(self) -> RuleText:
        """The rule in the shared grammar's form (its number as written: ``-5`` for ``-5%``)."""
        value = self.threshold * 100 if self.percent else self.threshold
        written = self.text or f"{self.key}{self.op}{value:g}{'%' if self.percent else ''}"
        return RuleText(self.key, self.op, value, self.percent, written)


_LEVEL_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _threshold(alert: Alert) -> str:
    """An alert's threshold as it was written (``0.005``, ``25%``, ``>-0.06``)."""
    if alert.op != "=":
        return f"{alert.op}{alert.threshold:g}"
    return f"{alert.threshold * 100:g}%" if alert.relative else f"{alert.threshold:g}"


def parse_alert(text: str) -> Alert:
    """Parse ``KEY=VALUE`` or ``KEY=VALUE%`` (relative change), or a level ``KEY OP VALUE``.

    ``KEY`` is a headline key (``critical_shock``, ``forced_selling_5pct``, …) or
    ``clusters`` (a new cluster near the price of at least VALUE USD; never relative,
    never a level). A level (``critical_shock>-0.06``, OP one of ``<``, ``<=``, ``>``,
    ``>=``; ``-6%`` is -0.06) fires when the new report's figure is OP VALUE, as
    ``watch --alert`` does on each line; the grammar is
    :func:`liqcascade._alert_rules.parse_rule_text`'s, shared with it.

    Raises
    ------
    InputError
        If the text is of neither form, or is ``clusters=VALUE%`` or a level on
        ``clusters``.
    """
    r = parse_rule_text(text)
    if r.key == "clusters" and (r.percent or not r.move):
        raise InputError(
            f"alert: clusters takes a USD amount (clusters=VALUE: a new cluster near the price "
            f"of at least VALUE USD), not a relative VALUE% or a level (got {text!r})",
            param="alert",
        )
    value = r.value / 100 if r.percent else r.value
    if r.move:
        return Alert(r.key, value, r.percent, text=r.text)
    return Alert(r.key, value, op=r.op, percent=r.percent, text=r.text)


def load_summary(folder: str | Path) -> dict[str, Any]:
    """The ``summary.json`` of a report folder.

    Parameters
    ----------
    folder : str or Path
        A report folder (``liqcascade report --out``), or the ``summary.json`` itself.

    Raises
    ------
    InputError
        If the folder or its summary is missing, unreadable or not a report summary.
    """
    path = Path(folder)
    f = path / "summary.json" if path.is_dir() else path
    if not f.is_file():
        raise InputError(f"{folder}: no summary.json (not a report folder)")
    data = read_json(f, "report summary")
    if not isinstance(data.get("front"), dict):
        raise InputError(
            f"{f}: no 'front' block: not the summary.json of a liqcascade report (the diff "
            "compares two report folders; one written before liqcascade 0.2 has none either)"
        )
    _check_front(f, data["front"])
    return data


def _is_number(x: Any) -> bool:
    """A finite int or float no larger in magnitude than :data:`MAX_ABS`."""
    return (
        isinstance(x, int | float)
        and not isinstance(x, bool)
        and math.isfinite(x)
        and abs(x) <= MAX_ABS
    )


def _is_date(text: str) -> bool:
    """True when ``text`` reads as a date or time (the way the diff prints it)."""
    try:
        date_text(text, time=True)
    except (ValueError, TypeError, OverflowError):  # pandas' parse errors are ValueErrors
        return False
    return True


def _check_front(f: Path, front: dict[str, Any]) -> None:
    """Refuse a ``front`` block whose date, headlines or clusters have the wrong shape.

    A summary edited by hand or cut short must fail as bad input (exit 2), never
    inside the comparison, where it would be an internal error (exit 1).
    """

    def bad(key: str, what: str, got: Any) -> InputError:
        return InputError(
            f"{f}: front.{key} must be {what} (got {json.dumps(got, default=str)[:60]}); "
            "is this summary.json edited or cut short?"
        )

    as_of = front.get("as_of")
    if not (isinstance(as_of, str) and _is_date(as_of)):
        raise bad("as_of", "a date such as 2025-07-31T20:00:00+00:00", as_of)
    heads = front.get("headlines")
    if heads is not None:
        if not isinstance(heads, dict):
            raise bad("headlines", "an object of headline objects", heads)
        for k, h in heads.items():
            if not isinstance(h, dict):
                raise bad(f"headlines.{k}", "an object with a 'value'", h)
            v = h.get("value")
            if v is not None and not _is_number(v):
                raise bad(f"headlines.{k}.value", "a finite number (|x| ≤ 1e15) or null", v)
            for name in ("label", "unit"):
                if name in h and not isinstance(h[name], str):
                    raise bad(f"headlines.{k}.{name}", "text", h[name])
    prints = front.get("fingerprints")
    if prints is not None and not (
        isinstance(prints, dict)
        and all(isinstance(a, str) and isinstance(fp, str) for a, fp in prints.items())
    ):
        raise bad("fingerprints", "an object of asset: fingerprint text", prints)
    clusters = front.get("clusters_near_price")
    if clusters is not None:
        if not isinstance(clusters, list):
            raise bad("clusters_near_price", "a list of cluster objects", clusters)
        for i, c in enumerate(clusters):
            if not isinstance(c, dict):
                raise bad(f"clusters_near_price[{i}]", "an object with a 'price'", c)
            p: Any = c.get("price")
            if "price" in c and not (_is_number(p) and p > 0):
                raise bad(f"clusters_near_price[{i}].price", "a number > 0 (≤ 1e15)", p)
            for name in ("distance", "notional_usd"):
                x = c.get(name)
                if x is not None and not _is_number(x):
                    what = "a finite number (|x| ≤ 1e15) or null"
                    raise bad(f"clusters_near_price[{i}].{name}", what, x)


@dataclass(frozen=True)
class Change:
    """One number that moved (or not)."""

    key: str
    label: str
    old: float | None
    new: float | None
    unit: str
    alert: bool = False

    @property
    def delta(self) -> float | None:
        """The move, new − old."""
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    def value_text(self, x: float | None, signed: bool = False) -> str:
        """A value (or, ``signed``, a move) in this headline's unit; "–" when missing."""
        if x is None:
            return "–"
        if self.unit == "usd":
            return usd(x, signed=signed)
        if self.unit == "fraction":
            return pp(x, 2) if signed else pct(x, 2)
        return (f"{x:+,.4g}" if signed else f"{x:,.4g}").replace("-", MINUS)

    def text(self) -> str:
        """``label: old → new (delta)``."""
        f = self.value_text
        flag = "  ALERT" if self.alert else ""
        d = self.delta
        return f"{self.label}: {f(self.old)} → {f(self.new)} ({f(d, True)}){flag}"


@dataclass
class ReportDiff:
    """The comparison of two reports.

    Parameters
    ----------
    old_as_of, new_as_of : str
        Each summary's ``front.as_of`` as text: the open of the open-interest bar the
        estimated market was built on (ISO, UTC).
    changes : list of Change
        Every headline of the new report (those the old one has first, then the new
        ones, each in the new report's order), old → new value in its unit; matched
        by :func:`headline_identity`, named by the new report's key.
    gone : list of Change
        The headlines only the old report has (``new`` None), in its order.
    old_assets, new_assets : list of str
        The assets each report covers (``front.assets``, else its headlines' assets).
    warnings : list of str
        What makes the comparison weaker: the reports cover different assets or may be
        in the wrong order, or a level alert cannot change (a never-negative headline,
        :data:`NEVER_NEGATIVE`, against a negative value); and what makes a move
        something else than the market's (:func:`run_warnings`): the same market date
        in both, a different mode (full, quick: and then which alerts fired across
        it), version or code revision, or a series read from another source or with
        other data.
    added : list of str
        Keys of the headlines (in ``changes``) only the new report has.
    clusters_new, clusters_gone : list of dict
        Liquidation clusters near the price (``asset``, ``price`` USD, ``distance``
        fraction of the price, ``notional_usd``) of the new report with no old cluster
        of its asset within :data:`CLUSTER_MATCH` of its price, and the old ones with no
        new match.
    alerts : list of str
        One line per alert threshold crossed.
    data : list of dict
        Per asset both reports fingerprint (``front.fingerprints``; a report written
        before it has none): ``asset``, ``old`` and ``new`` fingerprints and ``same``,
        whether the asset's data (bundled files, series, calibrations) are the same in
        both reports, in the new report's order.
    """

    old_as_of: str
    new_as_of: str
    changes: list[Change] = field(default_factory=list)
    gone: list[Change] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    old_assets: list[str] = field(default_factory=list)
    new_assets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    clusters_new: list[dict[str, Any]] = field(default_factory=list)
    clusters_gone: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    data: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fired(self) -> bool:
        """True when any alert threshold was crossed."""
        return bool(self.alerts)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``--json``)."""
        return {
            "old_as_of": self.old_as_of,
            "new_as_of": self.new_as_of,
            "old_assets": self.old_assets,
            "new_assets": self.new_assets,
            "warnings": self.warnings,
            "changes": [asdict(c) | {"delta": c.delta} for c in self.changes],
            "gone": [asdict(c) for c in self.gone],
            "added": self.added,
            "clusters_new": self.clusters_new,
            "clusters_gone": self.clusters_gone,
            "alerts": self.alerts,
            "fired": self.fired,
            "data_fingerprints": self.data,
        }

    def lines(self) -> list[str]:
        """Plain-text lines for the terminal."""
        out = [
            f"market as of {date_text(self.old_as_of, time=True)} → "
            f"{date_text(self.new_as_of, time=True)}"
        ]
        out += [_data_text(d) for d in self.data]
        added = set(self.added)
        out += [c.text() for c in self.changes if c.key not in added]
        out += [f"new: {c.label}: {c.value_text(c.new)} (not in the old report)"
                for c in self.changes if c.key in added]  # fmt: skip
        out += [f"gone: {c.label}: was {c.value_text(c.old)} (not in the new report)"
                for c in self.gone]  # fmt: skip
        for title, xs in (("new cluster", self.clusters_new), ("gone cluster", self.clusters_gone)):
            out += [
                f"{title}: {c['asset']} {usd(c['price'])} "
                f"({pct(c.get('distance'), 1, signed=True)}), {usd(c.get('notional_usd'))}"
                for c in xs
            ]
        out += [f"ALERT {a}" for a in self.alerts]
        return out


def report_assets(summary: dict[str, Any]) -> list[str]:
    """The assets a report covers: ``front.assets``, else its headlines' ``asset`` fields.

    Parameters
    ----------
    summary : dict
        A parsed ``summary.json`` (:func:`load_summary`).

    Returns
    -------
    list of str
        In the report's order (``front.assets``) or sorted; empty when it says none.
    """
    front = summary.get("front", {})
    listed = front.get("assets")
    if isinstance(listed, list) and listed and all(isinstance(a, str) for a in listed):
        return list(listed)
    heads = front.get("headlines") or {}
    return sorted({str(h["asset"]) for h in heads.values() if isinstance(h.get("asset"), str)})


def headline_identity(key: str, headline: dict[str, Any]) -> tuple[str, str, str]:
    """What a headline is, the same in every report: (section, asset or scope, metric).

    The section and the key carry the asset's suffix when it is not ETH
    (``cascade-btc``, ``critical_shock_btc``); both are taken without it. A headline with
    a ``scope`` (the assets it covers, ``"ETH+BTC"``) is that scope's, whichever asset's
    section shows it. A summary without sections or assets (hand-made) falls back on the
    key.

    Parameters
    ----------
    key : str
        The headline's key in ``front.headlines``.
    headline : dict
        The headline (``section``, ``asset``, ``scope`` as the report wrote them).

    Returns
    -------
    tuple of str
        ``(section, asset, metric)``.
    """
    asset = str(headline.get("asset") or "")
    suffix = asset.lower()
    section = str(headline.get("section") or "")
    metric = key
    if suffix and asset != "ETH":
        section = section.removesuffix(f"-{suffix}")
        metric = key.removesuffix(f"_{suffix}")
    return section, str(headline.get("scope") or asset), metric


def _match_headlines(ho: dict[str, Any], hn: dict[str, Any]) -> dict[str, str | None]:
    """Each new headline's key in the old report, or None: by :func:`headline_identity`.

    A summary written before headlines carried a ``scope`` holds its shared ETH+BTC VaR
    as its section's asset's (``var95_30d`` of ETH). So a headline without a scope and
    one with a scope, one in each report, are the same number when their section and
    metric are, the unscoped one's asset is one of the scope's, and each is the other's
    only candidate.
    """
    old_by_id = {headline_identity(k, h): k for k, h in ho.items()}
    matched = {k: old_by_id.get(headline_identity(k, h)) for k, h in hn.items()}
    left_old = [k for k in ho if k not in set(matched.values())]
    left_new = [k for k in hn if not matched[k]]

    def same(ko: str, kn: str) -> bool:
        o, n = ho[ko], hn[kn]
        if bool(o.get("scope")) == bool(n.get("scope")):
            return False
        (so, ao, mo), (sn, an, mn) = headline_identity(ko, o), headline_identity(kn, n)
        scope, asset = (an, ao) if n.get("scope") else (ao, an)
        return (so, mo) == (sn, mn) and asset in scope.split("+")

    for kn in left_new:
        olds = [ko for ko in left_old if same(ko, kn)]
        if len(olds) == 1 and [k for k in left_new if same(olds[0], k)] == [kn]:
            matched[kn] = olds[0]
    return matched


def _reversed_dates(old_as_of: str, new_as_of: str) -> str | None:
    """A warning when the new report's date is older than the old one's, else None.

    Every move is new − old as given: two reports passed in the wrong order print their
    dates backwards and every move with its sign flipped.
    """
    if not (_is_date(old_as_of) and _is_date(new_as_of)):
        return None
    import pandas as pd

    # as UTC without a zone: a date written without one is read as UTC (as printed)
    t_old, t_new = (
        t if t.tzinfo is None else t.tz_convert(None)
        for t in (pd.Timestamp(old_as_of), pd.Timestamp(new_as_of))
    )
    if not t_new < t_old:
        return None
    return (
        f"the new report ({date_text(new_as_of, time=True)}) is older than the old one "
        f"({date_text(old_as_of, time=True)}): the reports may be in the wrong order; every "
        "move below is new − old as given (swap them for the moves since the older one)"
    )


def _clusters(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The front's clusters near the price, each with its ``asset``.

    A summary written before clusters named their asset holds ETH's: its front took
    them from section ``liqmap``, ETH's (another asset's is ``liqmap-btc``).
    """
    return [
        {"asset": "ETH"} | c for c in s["front"].get("clusters_near_price") or [] if "price" in c
    ]


def _match(c: dict[str, Any], others: list[dict[str, Any]]) -> bool:
    return any(
        o["asset"] == c["asset"] and abs(o["price"] / c["price"] - 1) <= CLUSTER_MATCH
        for o in others
    )


def _crossed(ch: Change, a: Alert) -> bool:
    """True when the move of ``ch`` crosses ``a`` (or, a level, its new value is past it).

    A value that became or stopped being available (null on one side only) crosses any
    threshold: the watched figure changed in a way no threshold can bound. So does a
    relative alert on a move away from 0 (an infinite relative move); 0 → 0 does not.
    A level fires on the new value alone (none: see above).
    """
    if ch.old is None or ch.new is None:
        return (ch.old is None) != (ch.new is None)
    if a.op != "=":
        return bool(_LEVEL_OPS[a.op](ch.new, a.threshold))
    d = ch.new - ch.old
    if a.relative:
        return d != 0 if ch.old == 0 else abs(d / ch.old) > a.threshold
    return abs(d) > a.threshold


def _alert_text(ch: Change) -> str:
    """The ALERT line of a crossed headline; a value gone null or back says so."""
    if ch.new is None:
        return f"{ch.key}: no value in the new report (was {ch.value_text(ch.old)})"
    if ch.old is None:
        return f"{ch.key}: {ch.value_text(ch.new)} (no value in the old report)"
    return f"{ch.key}: {ch.text().removesuffix('  ALERT')}"


def _own_keys(alerts: Sequence[Alert], heads: dict[str, Any], assets: set[str]) -> list[Alert]:
    """Alerts on a bare key read as the one asset's headline where the reports hold one.

    A report of one asset other than ETH suffixes its headlines (``critical_shock_btc``):
    with both reports of that one asset, a bare key no headline has (``critical_shock``)
    names that asset's. Reports of several
    assets keep the rule as it was: a bare key is ETH's.
    """
    if len(assets) != 1:
        return list(alerts)
    tail = f"_{next(iter(assets)).lower()}"
    return [
        replace(a, key=a.key + tail)
        if a.key not in heads and a.key != "clusters" and a.key + tail in heads
        else a
        for a in alerts
    ]


def _alerts_by_key(alerts: Sequence[Alert], heads: dict[str, Any]) -> dict[str, Alert]:
    """Each alert by its key, checked against the two reports' ``heads`` (and clusters).

    An unknown key, a percent level on a figure that is not a fraction, or a second
    threshold on a key (it would silently replace the first) is an input error.
    """
    known = set(heads) | {"clusters"}
    units = {k: h.get("unit", "number") for k, h in heads.items()}
    for a in alerts:
        if a.key not in known:
            like = sorted(k for k in known if k.startswith(a.key + "_"))
            mean = f" (did you mean {' or '.join(like)}?)" if like else ""
            raise InputError(
                f"alert: unknown key {a.key!r}{mean}; known: {', '.join(sorted(known))}",
                param="alert",
            )
        if a.percent and a.op != "=" and units[a.key] != "fraction":
            raise InputError(
                f"alert: {a.key} is in {units[a.key]}, not a fraction: give its level without %",
                param="alert",
            )
    by_key: dict[str, Alert] = {}
    for a in alerts:
        if a.key in by_key:
            raise InputError(
                f"alert: {a.key!r} is given twice ({_threshold(by_key[a.key])} and "
                f"{_threshold(a)}): give each key one threshold"
            )
        by_key[a.key] = a
    return by_key


def _sign_warnings(alerts: Sequence[Alert], heads: dict[str, Any]) -> list[str]:
    """One line per level alert that cannot change, whichever way it is written.

    A never-negative headline against a negative value (``forced_selling_5pct>-5`` is
    always true, ``contagion_share<-1%`` never), a never-positive one against a positive
    value (``critical_shock<6%``, a fall's size with its sign left off, always): the
    rule still runs as written (:data:`NEVER_NEGATIVE`, :data:`NEVER_POSITIVE`,
    :func:`sign_warning`).
    """
    out = []
    for a in alerts:
        h = heads.get(a.key)
        metric = headline_identity(a.key, h)[2] if h is not None else ""
        w = None
        if metric in NEVER_NEGATIVE:
            w = sign_warning(a.rule_text(), a.threshold, NEVER_NEGATIVE[metric])
        elif metric in NEVER_POSITIVE:
            w = sign_warning(a.rule_text(), a.threshold, NEVER_POSITIVE[metric], positive=True)
        if w:
            out.append(w)
    return out


def _fingerprints(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """The assets both reports fingerprint, each with both fingerprints (the new order)."""
    fo, fn = (s["front"].get("fingerprints") or {} for s in (old, new))
    return [
        {"asset": a, "old": fo[a], "new": fp, "same": fo[a] == fp}
        for a, fp in fn.items()
        if a in fo
    ]


def _data_text(d: dict[str, Any]) -> str:
    """One asset's data line: the same fingerprint in both reports, or two."""
    if d["same"]:
        return f"{d['asset']} data: the same (fingerprint {d['new']})"
    return f"{d['asset']} data: changed (fingerprint {d['old']} → {d['new']})"


_FIGURE = re.compile(r"[$€]?\d[\d,]*(?:\.\d+)?")


def merged_label(old: str | None, new: str) -> str:
    """``new``, with each figure that differs from ``old``'s written ``old → new``.

    A headline's label may hold a figure of its own (the VaR's ``(ES $15,288)``): in a
    line comparing the old and new value, the label then shows both reports' figure,
    never the new one alone. Labels that differ in more than their figures (reworded)
    are the new one, as it is.

    >>> merged_label("VaR (ES $15,288)", "VaR (ES $15,292)")
    'VaR (ES $15,288 → $15,292)'
    """
    if not old or old == new or _FIGURE.sub("#", old) != _FIGURE.sub("#", new):
        return new
    olds = iter(_FIGURE.findall(old))

    def both(m: re.Match[str]) -> str:
        was = next(olds)
        return m.group(0) if was == m.group(0) else f"{was} → {m.group(0)}"

    return _FIGURE.sub(both, new)


def _field(s: dict[str, Any], key: str) -> Any:
    """A run field of a summary (``options``, ``version``, ``revision``): top level, else front."""
    v = s.get(key)
    return v if v is not None else s["front"].get(key)


def _same_date(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """A warning when both reports are of the same market bar (``front.as_of``), else None.

    Reports of different assets are not the same market whatever their dates (their
    own warning says so).
    """
    a, b = str(old["front"].get("as_of")), str(new["front"].get("as_of"))
    ao, an = set(report_assets(old)), set(report_assets(new))
    if not (_is_date(a) and _is_date(b)) or (ao and an and ao != an):
        return None
    import pandas as pd

    ta, tb = (pd.Timestamp(t) for t in (a, b))
    ta, tb = (t if t.tzinfo is None else t.tz_convert(None) for t in (ta, tb))
    if ta != tb:
        return None
    return (
        f"both reports are of the same market ({date_text(b, time=True)}): no newer data "
        "came between them (an ingest or refresh that added nothing?); a move below is not "
        "the market's"
    )


def _mode(s: dict[str, Any]) -> str | None:
    opts = _field(s, "options")
    mode = opts.get("mode") if isinstance(opts, dict) else None
    return mode if isinstance(mode, str) else None


def _run_differs(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Warnings when the reports were run in another mode, or by another version or code."""
    out = []
    mo, mn = _mode(old), _mode(new)
    if mo and mn and mo != mn:
        out.append(
            f"the reports differ in mode ({mo} → {mn}): a quick run draws fewer Monte Carlo "
            "paths on coarser grids, so a simulated figure (VaR, ES, price quantiles, the "
            "critical shock) moves with the mode alone"
        )
    code = [
        f"{what} {o} → {n}"
        for what in ("version", "revision")
        for o, n in [(_field(old, what), _field(new, what))]
        if isinstance(o, str) and isinstance(n, str) and o != n
    ]
    if code:
        out.append(
            f"the reports were made by different code ({'; '.join(code)}): a move may be "
            "the code's, not the market's"
        )
    return out


def _grows(series: str, source: str) -> bool:
    """A series whose data grow with the market date (a store's rows; not a calibration)."""
    return source.startswith("store") and not series.endswith("calibration")


def _source_changes(old: dict[str, Any], new: dict[str, Any], same_date: bool) -> str | None:
    """One warning naming each series read from another source, or with other data.

    A series both reports list (``front.sources``: asset, series, source, sha256)
    whose source differs (bundled → store, another store or calibration file), or
    whose data differ (``sha256``) where that is not the market date moving on: a
    store series under the same market date (revised or replaced rows), a calibration
    or a bundled file at any date.
    """

    def rows(s: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        src = s["front"].get("sources")
        return {
            (str(r.get("asset")), str(r.get("series"))): r
            for r in (src if isinstance(src, list) else [])
            if isinstance(r, dict)
        }

    ro, rn = rows(old), rows(new)
    out = []
    for key, n in rn.items():
        o = ro.get(key)
        if o is None:
            continue
        name = " ".join(key)
        so, sn = str(o.get("source")), str(n.get("source"))
        ho, hn = o.get("sha256"), n.get("sha256")
        if so != sn:
            out.append(f"{name} ({so} → {sn})")
        elif ho and hn and ho != hn and (same_date or not _grows(key[1], sn)):
            out.append(f"{name} (other data: sha256 {str(ho)[:12]} → {str(hn)[:12]})")
    if not out:
        return None
    return (
        f"the reports read different data sources: {'; '.join(out)}: a move may be the "
        "data's, not the market's"
    )


def run_warnings(old: dict[str, Any], new: dict[str, Any], fired: Sequence[str] = ()) -> list[str]:
    """What makes the moves between two reports something else than the market's.

    Parameters
    ----------
    old, new : dict
        Parsed ``summary.json`` files (:func:`load_summary`).
    fired : sequence of str
        The keys of the alerts that fired: named once more when the modes differ, so
        that a pager can tell a move of the mode (Monte Carlo paths) from the market's.

    Returns
    -------
    list of str
        One line each: the same market date in both reports; a different mode
        (``options.mode``), version or code revision; series read from another
        source or with other data (``front.sources``). A summary without a field (one
        written before it existed) gives no warning on it.
    """
    same = _same_date(old, new)
    out = [same] if same else []
    out += _run_differs(old, new)
    src = _source_changes(old, new, same is not None)
    out += [src] if src else []
    mo, mn = _mode(old), _mode(new)
    keys = list(dict.fromkeys(fired))
    if keys and mo and mn and mo != mn:
        out.append(
            f"alert{'s' if len(keys) > 1 else ''} {', '.join(keys)} fired across the mode "
            f"change ({mo} → {mn}): the move may be the mode's (Monte Carlo paths), not the "
            "market's"
        )
    return out


def diff_reports(
    old: dict[str, Any], new: dict[str, Any], alerts: Sequence[Alert] = ()
) -> ReportDiff:
    """Compare two report summaries.

    Parameters
    ----------
    old, new : dict
        Parsed ``summary.json`` files (see :func:`load_summary`).
    alerts : sequence of Alert
        Thresholds; an alert on a key neither report has is an input error, and an
        alert on a headline only the old report has fires (the watched figure is gone),
        as does one on a headline whose value is null in one report only.

    Returns
    -------
    ReportDiff
    """
    ho, hn = old["front"].get("headlines", {}), new["front"].get("headlines", {})
    out = ReportDiff(str(old["front"].get("as_of")), str(new["front"].get("as_of")))
    out.old_assets, out.new_assets = report_assets(old), report_assets(new)
    out.data = _fingerprints(old, new)
    alerts = _own_keys(alerts, ho | hn, set(out.old_assets) | set(out.new_assets))
    by_key = _alerts_by_key(alerts, ho | hn)
    if out.old_assets and out.new_assets and set(out.old_assets) != set(out.new_assets):
        out.warnings.append(
            f"the reports cover different assets (old: {', '.join(out.old_assets)}; new: "
            f"{', '.join(out.new_assets)}): the headlines of an asset only one covers show as "
            "new or gone, not as moves"
        )
    reversed_ = _reversed_dates(out.old_as_of, out.new_as_of)
    if reversed_:
        out.warnings.append(reversed_)
    out.warnings += _sign_warnings(alerts, ho | hn)
    matched = _match_headlines(ho, hn)
    for key in [k for k in hn if matched[k]] + [k for k in hn if not matched[k]]:
        h_new, old_key = hn[key], matched[key]
        h_old = ho[old_key] if old_key else {}
        label = merged_label(h_old.get("label"), h_new.get("label", key))
        ch = Change(key, label, h_old.get("value"), h_new.get("value"),
                    h_new.get("unit", "number"))  # fmt: skip
        watch = by_key.get(key) or (by_key.get(old_key) if old_key else None)
        if old_key and watch is not None and _crossed(ch, watch):
            ch = Change(ch.key, ch.label, ch.old, ch.new, ch.unit, alert=True)
            level = f" (level {_threshold(watch)})" if watch.op != "=" else ""
            out.alerts.append(_alert_text(ch) + level)
        out.changes.append(ch)
        if not old_key:
            out.added.append(key)
    for key in [k for k in ho if k not in set(matched.values())]:
        h_old = ho[key]
        out.gone.append(Change(key, h_old.get("label", key), h_old.get("value"), None,
                               h_old.get("unit", "number")))  # fmt: skip
        if key in by_key:  # a watched figure vanished
            was = out.gone[-1].value_text(out.gone[-1].old)
            out.alerts.append(f"{key}: not in the new report (was {was})")
    co, cn = _clusters(old), _clusters(new)
    out.clusters_new = [c for c in cn if not _match(c, co)]
    out.clusters_gone = [c for c in co if not _match(c, cn)]
    ca = by_key.get("clusters")
    if ca is not None:
        for c in out.clusters_new:
            if float(c.get("notional_usd", 0.0)) >= ca.threshold:
                out.alerts.append(f"clusters: new {c['asset']} cluster at {usd(c['price'])}, "
                                  f"{usd(c.get('notional_usd'))}")  # fmt: skip
    out.warnings += run_warnings(old, new, [a.split(":", 1)[0] for a in out.alerts])
    return out
