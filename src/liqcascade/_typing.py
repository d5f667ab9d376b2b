"""Type aliases shared across the package."""

from __future__ import annotations

from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Int8Array: TypeAlias = npt.NDArray[np.int8]

Side = Literal["long", "short"]
Venue = Literal["binance", "bybit", "hyperliquid"]
Interval = Literal["1m", "5m", "15m", "30m", "1h", "4h", "8h", "1d"]
