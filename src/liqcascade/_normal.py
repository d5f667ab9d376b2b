"""The standard normal's mean absolute value, E|z| = √(2/π): EGARCH's centring constant.

``arch`` centres EGARCH's ``|e|`` with it whatever the error distribution (its
recursions' literal 0.79788456080286535587989211 is the same double). The volatility
fits and forecasts and the stress paths read this one float; it lives at the top of the
package so that the stress kernels need not import the volatility package (and ``arch``
with it) to have it.
"""

from __future__ import annotations

import math

__all__ = ["SQRT_2_OVER_PI"]

#: E|z| for a standard normal z, √(2/π) (dimensionless).
SQRT_2_OVER_PI: float = math.sqrt(2.0 / math.pi)
