"""The leverage effect: do falls raise volatility more than rises? A verdict with numbers."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

from scipy import stats

from liqcascade._limits import check_level, real_number
from liqcascade.errors import InputError

Verdict = Literal["significant", "inverted", "not significant"]

LEVERAGE_SIGN: dict[str, int] = {"gjr": 1, "egarch": -1}
"""Sign of ``gamma[1]`` meaning "falls raise volatility more" in ``arch``'s conventions.

GJR: ``γ ε² 1[ε<0]`` adds variance after falls, so the leverage effect is ``γ > 0``.
EGARCH: ``γ e`` enters ``ln σ²``; a fall (``e < 0``) raises it when ``γ < 0``.
"""


def leverage_verdict(gamma: float, pvalue: float, model: str, level: float = 0.05) -> Verdict:
    """Plain verdict on the leverage effect from a model's ``gamma[1]``.

    Parameters
    ----------
    gamma : float
        The estimated ``gamma[1]`` (``arch`` convention).
    pvalue : float
        Its two-sided p-value.
    model : {"gjr", "egarch"}
        Which model ``gamma`` comes from (they have opposite signs for the same effect).
    level : float, default 0.05
        Test size (fraction).

    Returns
    -------
    str
        ``"significant"`` — falls raise volatility significantly more than rises;
        ``"inverted"`` — significantly the other way (rises raise it more);
        ``"not significant"`` — no asymmetry detectable at ``level`` (also for a NaN
        ``gamma`` or ``pvalue``: a fit without standard errors).

    Raises
    ------
    InputError
        ``model`` not ``"gjr"``/``"egarch"`` (``param="model"``; was a ValueError),
        ``level`` not a fraction in (0, 1) (NaN made every gamma "significant"), or a
        ``pvalue`` outside [0, 1] (``param="pvalue"``).
    """
    if model not in LEVERAGE_SIGN:
        raise InputError(f"model must be 'gjr' or 'egarch' (got {model!r})", param="model")
    level = check_level(level)
    p = real_number(pvalue)
    if p is None or not (math.isnan(p) or 0.0 <= p <= 1.0):
        raise InputError(f"pvalue must be in [0, 1] or NaN (got {pvalue!r})", param="pvalue")
    if real_number(gamma) is None:
        raise InputError(f"gamma must be a number (got {gamma!r})", param="gamma")
    if not (math.isfinite(gamma) and math.isfinite(pvalue)) or pvalue >= level or gamma == 0:
        return "not significant"
    return "significant" if gamma * LEVERAGE_SIGN[model] > 0 else "inverted"


@dataclass(frozen=True)
class LeverageEstimate:
    """A model's asymmetry coefficient with its Wald confidence interval and verdict.

    Parameters
    ----------
    model : str
        ``"gjr"`` or ``"egarch"``.
    dist : str
        Error distribution of the fit.
    gamma, std_err, pvalue : float
        ``gamma[1]`` as ``arch`` estimates it (robust standard error, normal p-value).
    ci_low, ci_high : float
        ``gamma ± z·std_err`` at the confidence level (default 95 %).
    verdict : str
        See :func:`leverage_verdict`.
    """

    model: str
    dist: str
    gamma: float
    std_err: float
    pvalue: float
    ci_low: float
    ci_high: float
    verdict: Verdict

    @classmethod
    def from_values(
        cls, model: str, dist: str, gamma: float, std_err: float, pvalue: float, level: float = 0.05
    ) -> LeverageEstimate:
        """Build the estimate, interval and verdict from ``arch``'s numbers.

        Parameters
        ----------
        model : {"gjr", "egarch"}
            The model ``gamma`` comes from.
        dist : str
            Error distribution of the fit.
        gamma : float
            ``gamma[1]``, dimensionless.
        std_err : float
            Its standard error.
        pvalue : float
            Its two-sided p-value.
        level : float, default 0.05
            Test size, fraction: the interval is at ``1 - level`` confidence (95 %) and the
            verdict tests at ``level``.

        Returns
        -------
        LeverageEstimate
        """
        z = float(stats.norm.ppf(1 - level / 2))
        return cls(
            model=model,
            dist=dist,
            gamma=float(gamma),
            std_err=float(std_err),
            pvalue=float(pvalue),
            ci_low=float(gamma - z * std_err),
            ci_high=float(gamma + z * std_err),
            verdict=leverage_verdict(gamma, pvalue, model, level),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields."""
        return asdict(self)
