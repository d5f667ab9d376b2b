"""Arbitrage between two venues: cross the rich venue's bids with the cheap venue's asks."""

from __future__ import annotations

import math
from dataclasses import dataclass

from liqcascade._limits import check_number, check_real, percent_hint
from liqcascade.contagion._venue import VenueState
from liqcascade.errors import InputError

__all__ = ["ArbFlow", "Link", "cross_venues"]


@dataclass(frozen=True)
class Link:
    """An arbitrage link between two venues.

    Parameters
    ----------
    a, b : str
        Venue names (the link is symmetric: flow goes from the cheap to the rich one).
    cost : float, default 0.0
        Round-trip cost of the arbitrage (fees, funding, transfer), fraction of
        price in [0, 1): a unit is traded only while ``sell_price > buy_price · (1 +
        cost)`` (a venue twice another's price is no market: 1 or more is refused as a
        percent given for a fraction).
    capacity_usd : float, default inf
        Most notional (USD at the buy prices) arbitrageurs move across this pair in
        one round (balance sheet, inventory on each venue, transfer limits). 0 makes
        the venues independent.
    """

    a: str
    b: str
    cost: float = 0.0
    capacity_usd: float = math.inf

    def __post_init__(self) -> None:
        if self.a == self.b:
            raise InputError(f"link {self.a!r}-{self.b!r}: a venue cannot link to itself")
        cost = check_real(self.cost, "cost", least=0.0, label=f"link {self.a}-{self.b}: cost")
        if cost >= 1:  # a percent given for a fraction; 1e300 passed
            hint = percent_hint(cost)
            raise InputError(
                f"link {self.a}-{self.b}: cost must be a fraction in [0, 1) (got {cost:g}{hint}; "
                "capacity_usd 0 makes the venues independent)",
                param="cost",
            )
        where = f"link {self.a}-{self.b}: capacity_usd"
        cap = check_number(self.capacity_usd, "capacity_usd", where)  # text: not a number
        if not cap >= 0:  # inf allowed: no cap
            raise InputError(
                f"{where} must be >= 0 (got {self.capacity_usd})",
                param="capacity_usd",
            )
        object.__setattr__(self, "cost", cost)  # the floats: a Decimal kept failed in the sums
        object.__setattr__(self, "capacity_usd", cap)


@dataclass(frozen=True)
class ArbFlow:
    """What one crossing moved: base bought on ``buy_venue`` = base sold on ``sell_venue``.

    Attributes
    ----------
    buy_venue, sell_venue : str
        Where arbitrage bought (the cheap venue) and sold (the rich one).
    base : float
        Base-asset units moved (bought on one = sold on the other).
    buy_usd, sell_usd : float
        What the purchase cost and the sale brought, USD (level prices × units);
        ``sell_usd − buy_usd`` is the arbitrageurs' gross gain.
    """

    buy_venue: str
    sell_venue: str
    base: float
    buy_usd: float
    sell_usd: float


def cross_venues(x: VenueState, y: VenueState, cost: float, budget_usd: float) -> ArbFlow | None:
    """Close the gap between two venues by arbitrage, level by level.

    In the frame of the shock, the venue with the higher frame price ``x`` is
    traded on its cascade side (the side the cascade walks, so the arbitrage pushes
    it the way the cascade went) and the other on its re-quoted opposite side.
    For a down move that is: sell on the rich venue's bids, buy on the cheap
    venue's asks; for an up move: buy on the cheap venue's asks, sell on the rich
    venue's bids. Trading goes on while ``sell price > buy price · (1 + cost)``
    and the USD budget lasts; each venue's price becomes the last level it traded.

    Parameters
    ----------
    x, y : VenueState
        The two venues (either order); both are traded in place.
    cost : float
        Round-trip cost, a fraction of price (0.001 is 10 bp), >= 0.
    budget_usd : float
        Most notional bought this call, USD at the buy prices (the link's capacity
        left for the round); <= 0 trades nothing.

    Returns
    -------
    ArbFlow or None
        None when nothing traded.
    """
    if budget_usd <= 0:
        return None
    hi, lo = (x, y) if x.price_x >= y.price_x else (y, x)
    down = hi.dirsign > 0
    base = buy_usd = sell_usd = 0.0
    while budget_usd > 0:
        a = hi.cascade_level()
        b = lo.opp_level()
        if a is None or b is None:
            break
        pa, qa = a
        pb, qb = b
        sell_px, buy_px = (pa, pb) if down else (pb, pa)
        if not sell_px > buy_px * (1.0 + cost):
            break
        q = min(qa, qb)
        if q * buy_px > budget_usd:
            q = budget_usd / buy_px
            if q <= 0:
                break
        hi.take_cascade(q)
        lo.take_opp(q)
        base += q
        buy_usd += q * buy_px
        sell_usd += q * sell_px
        budget_usd -= q * buy_px
        if q < min(qa, qb):  # budget exhausted inside a level
            break
    if base <= 0:
        return None
    buyer, seller = (lo, hi) if down else (hi, lo)
    buyer.arb_base += base
    seller.arb_base -= base
    return ArbFlow(buyer.name, seller.name, base, buy_usd, sell_usd)
