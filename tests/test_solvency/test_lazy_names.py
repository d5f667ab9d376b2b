"""``liqcascade.solvency`` loads its submodules lazily from name lists: they must stay
equal to the submodules' ``__all__`` (and to the static imports that type checkers read)."""

from __future__ import annotations

import ast
import inspect

import liqcascade.solvency as solvency
from liqcascade.solvency import _adl, _exchange, _ledger

#: The names the package also exports from its request modules (not their whole __all__).
SINGLES = {
    "liqcascade.solvency._market": {"split_accounts"},
    "liqcascade.solvency._request": {"run_solvency_request"},
    "liqcascade.solvency._survival": {
        "agree_text",
        "chance_text",
        "fall_frequencies",
        "horizon_windows",
        "interval_text",
        "probability_text",
    },
    "liqcascade.solvency._fund_odds": {"fund_odds_of", "fund_survival", "fund_survival_of"},
    "liqcascade.solvency._survival_rolling": {"rolling_out_of_sample"},
}


def test_the_lazy_name_lists_are_the_submodules_all() -> None:
    assert solvency._ADL_NAMES == set(_adl.__all__)
    assert solvency._EXCHANGE_NAMES == set(_exchange.__all__)
    every = solvency._ADL_NAMES | solvency._EXCHANGE_NAMES | set(_ledger.__all__)
    assert set(solvency.__all__) == every | set().union(*SINGLES.values())
    for name in solvency.__all__:  # each one resolves, to the submodule's object
        assert getattr(solvency, name) is not None


def test_the_type_checking_imports_name_the_same() -> None:
    tree = ast.parse(inspect.getsource(solvency))
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
    )
    by_module = {
        n.module: {a.name for a in n.names} for n in block.body if isinstance(n, ast.ImportFrom)
    }
    assert by_module == {
        "liqcascade.solvency._adl": set(_adl.__all__),
        "liqcascade.solvency._exchange": set(_exchange.__all__),
        "liqcascade.solvency._ledger": set(_ledger.__all__),
        **SINGLES,
    }
