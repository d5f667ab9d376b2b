"""Where an asset's calibrations live: the package's (ETH, BTC) and a store's own (any asset).

A calibration is one JSON document fitted from one asset's data only. The package ships
those of the bundled assets (``liqcascade/<module>/calibrated/<ASSET>.json``). A
calibration fitted from a store's data is written beside that store, in
``<store folder>/<store stem>.calibrations/<kind>/<ASSET>.json`` (for the default store
``~/.liqcascade/store.calibrations/...``), and is read before the package's, as a store's
rows are read before the bundled ones (:func:`liqcascade.data.load_series`).

Kinds (:data:`CALIBRATION_KINDS`): ``"book"``, the identified position book's
expanding-window fits (:mod:`liqcascade.positions`); ``"liquidity"``, the liquidity
response's expanding-window fits (:mod:`liqcascade.cascade`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade._paths import read_json, write_atomic
from liqcascade._time import utc_time
from liqcascade.errors import CalibrationNotFound, InputError

__all__ = [
    "CALIBRATION_KINDS",
    "CalibrationDoc",
    "calibrated_assets",
    "find_calibration",
    "in_force",
    "shipped_assets",
    "store_calibration_dir",
    "store_calibration_path",
    "write_calibration",
]

#: Calibration kind -> (package holding its shipped files, what it calibrates, the
#: command that fits one).
CALIBRATION_KINDS: dict[str, tuple[str, str, str]] = {
    "book": ("liqcascade.positions", "identified position book", "liqmap calibrate"),
    "liquidity": ("liqcascade.cascade", "liquidity response", "cascade calibrate"),
}


def _kind(kind: str) -> tuple[str, str, str]:
    try:
        return CALIBRATION_KINDS[kind]
    except KeyError:
        raise InputError(
            f"calibration kind must be one of {', '.join(CALIBRATION_KINDS)} (got {kind!r})",
            param="kind",
        ) from None


def _store_path(store: Any) -> Path | None:
    """The store file ``store`` names (None: the default store; False: none)."""
    if store is False:
        return None
    if store is None or store is True:
        from liqcascade.data import default_store_path

        return default_store_path()
    path = getattr(store, "path", store)  # a Store or a path
    return Path(path).expanduser().absolute()  # "." has no name to put a suffix beside


def store_calibration_dir(store: Any = None) -> Path | None:
    """The folder of a store's calibrations (``<stem>.calibrations`` beside it), or None.

    Parameters
    ----------
    store : str, Path, Store, bool, optional
        As in :func:`liqcascade.data.load_series`: a path or ``Store``; ``None`` (or
        ``True``) the default store; ``False`` no store (None is returned).
    """
    path = _store_path(store)
    return None if path is None else path.with_name(f"{path.stem}.calibrations")


def store_calibration_path(kind: str, asset: str, store: Any = None) -> Path | None:
    """Where a store's calibration of ``kind`` for ``asset`` is (or would be) written.

    Parameters
    ----------
    kind : {"book", "liquidity"}
        A key of :data:`CALIBRATION_KINDS`.
    asset : str
        Base asset (any case; the file name is upper case).
    store : str, Path, Store, bool, optional
        The store (see :func:`store_calibration_dir`): ``None`` the default store,
        ``False`` none.

    Returns
    -------
    pathlib.Path or None
        ``<store folder>/<store stem>.calibrations/<kind>/<ASSET>.json``; None when
        ``store`` is False.
    """
    _kind(kind)
    folder = store_calibration_dir(store)
    return None if folder is None else folder / kind / f"{asset.upper()}.json"


@dataclass(frozen=True)
class CalibrationDoc:
    """One calibration document and where it came from.

    Attributes
    ----------
    doc : dict
        The parsed JSON document.
    source : str
        ``"store:PATH"`` or ``"package:calibrated/ASSET.json"``.
    """

    doc: dict[str, Any]
    source: str


@lru_cache(maxsize=32)
def _read(path: str, mtime_ns: int) -> dict[str, Any]:
    """The parsed JSON object at ``path`` (cached per modification time)."""
    return read_json(path, "calibration file")


@lru_cache(maxsize=16)
def _shipped(kind: str, asset: str) -> dict[str, Any] | None:
    res = files(_kind(kind)[0]) / "calibrated" / f"{asset}.json"
    if not res.is_file():
        return None
    doc: dict[str, Any] = json.loads(res.read_text())
    return doc


def shipped_assets(kind: str) -> tuple[str, ...]:
    """The assets whose calibration of ``kind`` ships with the package, sorted.

    Parameters
    ----------
    kind : {"book", "liquidity"}
        A key of :data:`CALIBRATION_KINDS`.

    Returns
    -------
    tuple of str
    """
    folder = files(_kind(kind)[0]) / "calibrated"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


def calibrated_assets(kind: str, store: Any = None) -> tuple[str, ...]:
    """Every asset with a calibration of ``kind``: shipped ones first, then the store's.

    Parameters
    ----------
    kind : {"book", "liquidity"}
        A key of :data:`CALIBRATION_KINDS`.
    store : str, Path, Store, bool, optional
        The store (see :func:`store_calibration_dir`): ``None`` the default store,
        ``False`` none.

    Returns
    -------
    tuple of str
        The shipped assets (sorted), then the store's others (sorted).
    """
    out = list(shipped_assets(kind))
    folder = store_calibration_dir(store)
    if folder is not None and (folder / kind).is_dir():
        out += sorted(p.stem for p in (folder / kind).glob("*.json") if p.stem not in out)
    return tuple(out)


def find_calibration(kind: str, asset: str, store: Any = None) -> CalibrationDoc:
    """The calibration of ``kind`` for ``asset``: the store's if it has one, else the package's.

    Parameters
    ----------
    kind : {"book", "liquidity"}
    asset : str
        Base asset (any case).
    store : str, Path, Store, bool, optional
        The store whose calibrations are looked at first (see
        :func:`store_calibration_dir`).

    Raises
    ------
    CalibrationNotFound
        If neither the store nor the package has one: names ``asset`` and the assets
        that have one (the package's, and the store's own).
    InputError
        A store's calibration file that cannot be read or parsed (names the file), an
        unknown ``kind``.
    """
    _, what, command = _kind(kind)
    a = asset.upper()
    path = store_calibration_path(kind, a, store)
    if path is not None and path.is_file():
        return CalibrationDoc(_read(str(path), path.stat().st_mtime_ns), f"store:{path}")
    doc = _shipped(kind, a)
    if doc is not None:
        return CalibrationDoc(doc, f"package:calibrated/{a}.json")
    shipped = shipped_assets(kind)
    where = ""
    if path is not None:
        own = [x for x in calibrated_assets(kind, store) if x not in shipped]
        where = f" or in {path.parent} (the store's: {', '.join(own) or 'none'})"
    raise CalibrationNotFound(
        f"asset: no calibrated {what} for {a} in the package (shipped: "
        f"{', '.join(shipped)}){where}; fit one on the store's data first "
        f"(`liqcascade {command}`, asset {a})",
        param="asset",
    )


def in_force(as_ofs: Sequence[pd.Timestamp | None], when: Any) -> int:
    """Which of a document's expanding-window fits is in force at ``when``: its index.

    Parameters
    ----------
    as_ofs : sequence of Timestamp or None
        Each fit's date (tz-aware, ascending); None for a fit on no data (the prior).
    when : datetime-like
        The date (a naive one is read as UTC).

    Returns
    -------
    int
        The last fit whose date is None or at or before ``when``; 0 when none is.
    """
    t = utc_time(when)
    best = 0
    for i, a in enumerate(as_ofs):
        if a is None or a <= t:
            best = i
    return best


def write_calibration(kind: str, asset: str, doc: dict[str, Any], store: Any = None) -> Path:
    """Write ``doc`` as the store's calibration of ``kind`` for ``asset``, whole or not at all.

    Returns the path written. The folder is created if needed; a failed write leaves any
    earlier calibration as it was (:func:`liqcascade._paths.write_atomic`).

    Parameters
    ----------
    kind : {"book", "liquidity"}
        A key of :data:`CALIBRATION_KINDS`.
    asset : str
        Base asset (any case).
    doc : dict
        The JSON-ready calibration document.
    store : str, Path, Store, bool, optional
        The store (see :func:`store_calibration_dir`): ``None`` the default store,
        ``False`` none.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError
        ``store`` is False (a calibration is written beside a store).
    """
    path = store_calibration_path(kind, asset, store)
    if path is None:
        raise InputError(
            "store: a calibration is written beside a store; none given", param="store"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, json.dumps(doc, indent=1, sort_keys=False) + "\n")
