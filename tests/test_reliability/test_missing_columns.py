"""A table missing a needed column is refused one way in every reader.

``cascade --positions`` said ``missing column(s): entry_price``; ``stress --portfolio``
said ``missing column 'entry_price'`` (one at a time) and a contagion lending
market's accounts file the same: each now lists every missing column the first way.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from liqcascade.contagion._config import FileAccounts, _accounts
from liqcascade.errors import InputError
from liqcascade.stress import Portfolio


def test_a_portfolio_lists_its_missing_columns() -> None:
    df = pd.DataFrame({"symbol": ["ETHUSDT"], "side": ["long"], "leverage": [5]})
    with pytest.raises(InputError) as e:
        Portfolio.from_frame(df, "pf.csv")
    assert str(e.value) == "pf.csv: missing column(s): size, entry_price"


def test_an_accounts_file_lists_its_missing_columns(tmp_path: Path) -> None:
    (tmp_path / "acc.csv").write_text("collateral\n1.0\n")
    market = SimpleNamespace(accounts=FileAccounts(kind="file", path="acc.csv"))
    with pytest.raises(InputError) as e:
        _accounts(market, 0, tmp_path, "c.toml")  # type: ignore[arg-type]
    assert str(e.value) == "acc.csv: missing column(s): debt_usd"
