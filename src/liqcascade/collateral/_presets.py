"""Bundled collateral presets (``presets/*.toml``)."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any

from liqcascade.errors import InputError

__all__ = ["PRESETS", "preset_config"]

#: Preset name -> one-line description.
PRESETS: dict[str, str] = {
    "oct-2025": "Binance-like unified margin on 2025-10-10: USDe, wBETH, RWUSD, PAXG collateral",
}


def preset_config(name: str) -> dict[str, Any]:
    """The parsed TOML of a bundled preset.

    Parameters
    ----------
    name : str
        A key of :data:`PRESETS` (``"oct-2025"``).

    Returns
    -------
    dict
        The TOML tables, unchecked (:func:`~liqcascade.collateral.build_setup` checks them).

    Raises
    ------
    InputError
        For an unknown name (``param="preset"``).
    """
    if name not in PRESETS:
        raise InputError(
            f"preset must be one of {', '.join(PRESETS)} (got {name!r})", param="preset"
        )
    text = (files("liqcascade.collateral") / "presets" / f"{name}.toml").read_text()
    return tomllib.loads(text)
