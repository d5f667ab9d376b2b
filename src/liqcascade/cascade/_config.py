"""Settings of the cascade engine: the extensions of docs/design.md, all off by default."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from liqcascade._limits import MAX_USD, check_fraction, check_real
from liqcascade.errors import InputError

__all__ = ["CascadeConfig"]


@dataclass(frozen=True)
class CascadeConfig:
    """Extensions of the reference cascade; the defaults give docs/design.md's semantics exactly.

    Parameters
    ----------
    refill_fraction : float, default 0.0
        Market makers re-quote, between rounds, this fraction of the base quantity
        the round took, at the price the round ended on (the last level touched).
        Models providers that replenish after a sweep; the next round meets that
        liquidity first, so a down cascade ends no lower than without refill.
    withdrawal_fraction : float, default 0.0
        At the start of every round, algorithmic providers pull this fraction of
        every remaining level (quotes withdrawn under stress). The book thins as the
        cascade runs; a down cascade ends no higher than without withdrawal.
    mark_price_weight : float, default 1.0
        Liquidations trigger on a mark price ``w · price + (1 − w) · index`` instead
        of the last trade price; the index is the price right after the shock (the
        market-wide level other venues share) and does not follow this venue's own
        cascade. ``w = 1`` is the trade price. Stops always trigger on the trade price.
        A smaller ``w`` damps the cascade: fewer liquidations, a higher final price
        for a down move.
    partial_liquidation : bool, default False
        Hyperliquid's rule: a position whose notional at its liquidation price
        exceeds ``partial_threshold_usd`` is liquidated in chunks of
        ``partial_chunk`` of its size, one chunk per round (the round stands for the
        venue's cooldown between chunks), until closed or the cascade ends.
    partial_threshold_usd : float, default 100_000.0
        Notional (USD, ``size · liq_price``) above which partial liquidation applies;
        at most :data:`~liqcascade._limits.MAX_USD` (1e15).
    partial_chunk : float, default 0.2
        Chunk, fraction of the position size (the last chunk takes the rest).
    liquidation_fee : float, default 0.0
        Fee paid to the insurance fund on each liquidation, fraction of the
        liquidated notional, added to each close's result: on a close with a surplus
        it is credited with that surplus after the cascade; a close beyond bankruptcy
        has its shortfall reduced by it (shortfalls draw on the opening fund only,
        issue 17). It is charged in addition to the margin surplus; real venues take
        it out of the surplus, so this is an upper bound on fee income.
    max_rounds : int, optional
        Stop after this many rounds (default: run until nothing triggers).
    """

    refill_fraction: float = 0.0
    withdrawal_fraction: float = 0.0
    mark_price_weight: float = 1.0
    partial_liquidation: bool = False
    partial_threshold_usd: float = 100_000.0
    partial_chunk: float = 0.2
    liquidation_fee: float = 0.0
    max_rounds: int | None = None

    def __post_init__(self) -> None:
        def check(name: str, lo: float, hi: float, lo_open: bool = False) -> None:
            v = float(getattr(self, name))
            ok = math.isfinite(v) and (v > lo if lo_open else v >= lo) and v <= hi
            if not ok:
                br = "(" if lo_open else "["
                raise InputError(f"{name} must be in {br}{lo:g}, {hi:g}] (got {v})", param=name)

        check("refill_fraction", 0.0, 1.0)
        check("withdrawal_fraction", 0.0, 1.0)
        if self.withdrawal_fraction >= 1.0:
            raise InputError(
                f"withdrawal_fraction must be < 1 (got {self.withdrawal_fraction})",
                param="withdrawal_fraction",
            )
        check("mark_price_weight", 0.0, 1.0, lo_open=True)
        check("partial_chunk", 0.0, 1.0, lo_open=True)
        # [0, 1): a fee of the whole notional is no fee (Exchange and solvency share it)
        object.__setattr__(
            self, "liquidation_fee", check_fraction(self.liquidation_fee, "liquidation_fee")
        )
        check_real(  # 1e300 and text passed
            self.partial_threshold_usd, "partial_threshold_usd", least=0.0, most=MAX_USD,
            unit=" USD",
        )  # fmt: skip
        mr = self.max_rounds
        if mr is not None and (
            isinstance(mr, bool) or not isinstance(mr, numbers.Integral) or mr < 1
        ):  # NaN and inf failed in the kernel's int(), 2.5 ran 2 rounds
            raise InputError(
                f"max_rounds must be a whole number >= 1 or None (got {mr!r})", param="max_rounds"
            )
        if not isinstance(self.partial_liquidation, bool | np.bool_):  # NaN is truthy
            raise InputError(
                f"partial_liquidation must be True or False (got {self.partial_liquidation!r})",
                param="partial_liquidation",
            )

    @property
    def n_chunks(self) -> int:
        """Chunks per partially liquidated position (1 when partial liquidation is off)."""
        if not self.partial_liquidation:
            return 1
        return max(1, math.ceil(1.0 / self.partial_chunk - 1e-9))

    def chunk_fractions(self) -> list[float]:
        """Fraction of the size sold in each chunk (sums to 1)."""
        n = self.n_chunks
        if n == 1:
            return [1.0]
        return [self.partial_chunk] * (n - 1) + [1.0 - self.partial_chunk * (n - 1)]

    @property
    def is_default(self) -> bool:
        """True when every extension is off."""
        return self == CascadeConfig()
