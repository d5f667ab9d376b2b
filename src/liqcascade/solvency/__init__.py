"""Exchange solvency: insurance fund, reserve buffers, auto-deleveraging, proof of liabilities.

- :func:`run_solvency` stresses an :class:`Exchange` (positions, fund, buffer, fee)
  over :class:`StressScenario` shocks: bad debt, the smallest buffer that survives,
  and ADL per policy.
- :func:`allocate_adl` allocates a deficit across profitable opposite positions
  (Binance, Hyperliquid, socialised, optimal).
- :func:`fund_survival` says how often history fell as deep as the ADL start (the fall
  that exhausts the fund), per horizon, with an exact interval and out-of-sample checks
  (:func:`rolling_out_of_sample`: re-estimated each quarter on an expanding window,
  against a normal and a Student-t); :func:`fall_frequencies` the same count at any
  falls (what a fund sized for a scenario's fall is worth), :func:`horizon_windows`
  the windows they count, computed once.
- :class:`ExchangeLedger` is the mark-to-market ledger the invariants are stated on.
- :func:`run_solvency_request` runs ``liqcascade solvency``'s request on the estimated
  market; :func:`split_accounts` splits each cohort position into log-normal accounts.
- :mod:`liqcascade.solvency.pol`: proof of liabilities (Merkle sum tree).
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports

if TYPE_CHECKING:
    from liqcascade.solvency._adl import (
        ADL_POLICIES,
        ADL_POLICY_RULES,
        ADL_QUEUE_POLICIES,
        AdlPolicy,
        AdlPolicyRules,
        AdlResult,
        adl_capacity,
        adl_policy,
        adl_ranking,
        allocate_adl,
        gini,
        register_adl_policy,
    )
    from liqcascade.solvency._exchange import (
        DEFAULT_BUFFERS,
        Exchange,
        ScenarioOutcome,
        SolvencyResult,
        StressScenario,
        default_scenarios,
        october_2025_shock,
        run_solvency,
    )
    from liqcascade.solvency._fund_odds import fund_odds_of, fund_survival, fund_survival_of
    from liqcascade.solvency._ledger import ExchangeLedger
    from liqcascade.solvency._market import split_accounts
    from liqcascade.solvency._request import run_solvency_request
    from liqcascade.solvency._survival import (
        agree_text,
        chance_text,
        fall_frequencies,
        horizon_windows,
        interval_text,
        probability_text,
    )
    from liqcascade.solvency._survival_rolling import rolling_out_of_sample

# _exchange (and the positions and cascade packages under it), _adl (pandas, scipy),
# _ledger, _market and _request load on first use, so that `liqcascade.solvency.pol` (`pol build` /
# `pol verify`) starts without them
_ADL_NAMES = frozenset(
    {
        "ADL_POLICIES",
        "ADL_POLICY_RULES",
        "ADL_QUEUE_POLICIES",
        "AdlPolicy",
        "AdlPolicyRules",
        "AdlResult",
        "adl_capacity",
        "adl_policy",
        "adl_ranking",
        "allocate_adl",
        "gini",
        "register_adl_policy",
    }
)
_EXCHANGE_NAMES = frozenset(
    {
        "DEFAULT_BUFFERS",
        "Exchange",
        "ScenarioOutcome",
        "SolvencyResult",
        "StressScenario",
        "default_scenarios",
        "october_2025_shock",
        "run_solvency",
    }
)


_SURVIVAL_NAMES = frozenset(
    {
        "agree_text",
        "chance_text",
        "fall_frequencies",
        "horizon_windows",
        "interval_text",
        "probability_text",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SURVIVAL_NAMES:
        from liqcascade.solvency import _survival

        return getattr(_survival, name)
    if name in ("fund_odds_of", "fund_survival", "fund_survival_of"):
        from liqcascade.solvency import _fund_odds

        return getattr(_fund_odds, name)
    if name == "rolling_out_of_sample":
        from liqcascade.solvency._survival_rolling import rolling_out_of_sample

        return rolling_out_of_sample
    if name in _EXCHANGE_NAMES:
        from liqcascade.solvency import _exchange

        return getattr(_exchange, name)
    if name in _ADL_NAMES:
        from liqcascade.solvency import _adl

        return getattr(_adl, name)
    if name == "ExchangeLedger":
        from liqcascade.solvency._ledger import ExchangeLedger

        return ExchangeLedger
    if name == "split_accounts":
        from liqcascade.solvency._market import split_accounts

        return split_accounts
    if name == "run_solvency_request":
        from liqcascade.solvency._request import run_solvency_request

        return run_solvency_request
    raise AttributeError(f"module 'liqcascade.solvency' has no attribute {name!r}")


__all__ = [
    "ADL_POLICIES",
    "ADL_POLICY_RULES",
    "ADL_QUEUE_POLICIES",
    "DEFAULT_BUFFERS",
    "AdlPolicy",
    "AdlPolicyRules",
    "AdlResult",
    "Exchange",
    "ExchangeLedger",
    "ScenarioOutcome",
    "SolvencyResult",
    "StressScenario",
    "adl_capacity",
    "adl_policy",
    "adl_ranking",
    "agree_text",
    "allocate_adl",
    "chance_text",
    "default_scenarios",
    "fall_frequencies",
    "fund_odds_of",
    "fund_survival",
    "fund_survival_of",
    "gini",
    "horizon_windows",
    "interval_text",
    "october_2025_shock",
    "probability_text",
    "register_adl_policy",
    "rolling_out_of_sample",
    "run_solvency",
    "run_solvency_request",
    "split_accounts",
]


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
