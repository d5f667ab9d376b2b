from __future__ import annotations

import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.volatility import log_returns


@pytest.fixture(scope="session")
def eth_close() -> pd.Series:
    return datasets.load_ohlcv("ETH", "1d")["close"]


@pytest.fixture(scope="session")
def eth_returns_2022_2025(eth_close: pd.Series) -> pd.Series:
    return log_returns(eth_close, "2022-01-01", "2025-12-31")
