"""The bundled Aave open-positions snapshot as lending accounts: every debt counted and priced.

The snapshot (``liqcascade.datasets``' ``aave_wbtc_collateral_open_positions``) has one
row per account, collateral list and borrowed asset: the account's BTC collateral (one
figure, ``btc_collateral_tokens``, repeated on each of its rows) and the balance of one
borrowed asset. It holds no other collateral. An account listed under both the WBTC and
the cbBTC collateral lists repeats its debt rows under each, so each (account, borrowed
asset) is taken once.

Each debt is counted in one of three legs, by what its price follows in a crash:

- **held in USD**: USD stablecoins (:data:`STABLECOINS`) at $1, and the euro stablecoins
  (:data:`EURO_COINS`) at their bundled daily USD price of the day (EURC: the EUR/USD
  rate, 1.157 on 2025-10-10);
- **with the collateral**: BTC tokens (:data:`BTC_TOKENS`), in BTC, priced at the
  collateral's own price (a WBTC debt against WBTC collateral: its health factor does not
  fall when BTC falls);
- **with ETH**: WETH, the staked ETH tokens and every other token the bundled daily prices
  cover, valued at their daily price relative to ETH's that day times ETH's hourly close,
  moving one for one with the ETH venues (assumed for the non-ETH tokens: LINK, CRV ...).

An account owing a token no bundled price covers is left out, counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from liqcascade._typing import FloatArray
from liqcascade.errors import InputError

__all__ = ["BTC_TOKENS", "EURO_COINS", "STABLECOINS", "AaveAccounts", "snapshot_accounts"]

#: USD stablecoins, counted at $1 (PAX: Paxos' USDP under its old symbol; USDG: Paxos'
#: Global Dollar; mUSD: a USD stablecoin).
STABLECOINS = ("USDC", "USDT", "DAI", "GHO", "USDS", "USDe", "PYUSD", "FRAX", "LUSD", "RLUSD",
               "USDtb", "crvUSD", "TUSD", "BUSD", "GUSD", "sUSD", "USDP", "PAX", "USDG",
               "mUSD")  # fmt: skip

#: Euro stablecoins, held at their bundled daily USD price of the day (the EUR/USD rate).
EURO_COINS = ("EURC", "EURS")

#: BTC tokens (one BTC each): a debt in them is counted in BTC and priced as the collateral.
BTC_TOKENS = ("WBTC", "cbBTC", "tBTC", "FBTC", "LBTC")

#: The tokens the bundled daily prices (``aave_wbtc_price_history``) value relative to.
_ETH = "ETH"


@dataclass(frozen=True, eq=False)
class AaveAccounts:
    """The snapshot's accounts with BTC collateral and debt, every debt counted.

    Parameters
    ----------
    account : numpy.ndarray of str
        The accounts' addresses.
    collateral : FloatArray
        BTC collateral per account, tokens (WBTC and cbBTC, the snapshot's one figure).
    debt_usd : FloatArray
        Debt held in USD per account: stablecoins at $1, euro stablecoins at the day's
        EUR/USD, USD.
    debt_collateral : FloatArray
        Debt in BTC tokens per account, tokens (priced as the collateral).
    debt_eth_usd : FloatArray
        Debt that moves with ETH per account, USD at ``priced_at``.
    priced_at : pandas.Timestamp
        The instant the debts are priced at (UTC); the daily prices are that day's.
    eth_usd : float
        ETH's price at ``priced_at``, USD.
    eur_usd : float
        EURC's daily USD price of the day (the EUR/USD rate used).
    n_unpriced : int
        Accounts left out: they owe a token no bundled price covers.
    n_listed : int
        Accounts of the version with BTC collateral and any debt, before that.
    """

    account: np.ndarray
    collateral: FloatArray
    debt_usd: FloatArray
    debt_collateral: FloatArray
    debt_eth_usd: FloatArray
    priced_at: pd.Timestamp
    eth_usd: float
    eur_usd: float
    n_unpriced: int
    n_listed: int

    def total_debt_usd(self, collateral_price: float) -> FloatArray:
        """Every account's debt in USD with BTC at ``collateral_price``.

        Parameters
        ----------
        collateral_price : float
            BTC's price, USD per token (the collateral's, and the BTC tokens owed).

        Returns
        -------
        FloatArray
            ``debt_usd + debt_collateral · collateral_price + debt_eth_usd``, USD (ETH at
            ``priced_at``: :func:`~liqcascade.contagion._lending.debt_legs_usd` at ratio 1).
        """
        from liqcascade.contagion._lending import debt_legs_usd

        return debt_legs_usd(
            self.debt_usd, self.debt_collateral, self.debt_eth_usd, collateral_price, 1.0
        )

    def counts_text(self) -> str:
        """What the accounts count, in words (the lending rules' line)."""
        return (
            f"every debt counted: USD stablecoins at $1, EURC at {self.eur_usd:.4f} USD (its "
            f"bundled daily price of {self.priced_at:%Y-%m-%d}), WBTC/cbBTC/tBTC in BTC at the "
            f"collateral's price, WETH and other tokens at ETH's close of "
            f"{self.priced_at:%Y-%m-%d %H:%M} UTC ({self.eth_usd:,.2f} USD) times their daily "
            "price relative to ETH's, moving with the ETH venues; collateral: WBTC/cbBTC only "
            "(the snapshot holds no other)"
            + (f"; {self.n_unpriced:,} accounts owing a token no bundled price covers left out"
               if self.n_unpriced else "")
        )  # fmt: skip


def _rows(version: str) -> pd.DataFrame:
    """One row per (account, borrowed asset) of ``version`` with BTC collateral and debt.

    The largest balance of a repeated row (the WBTC and cbBTC lists read moments apart:
    one account of the V3 rows differs).
    """
    import liqcascade.data as _bundled

    df = _bundled.dataset("aave_wbtc_collateral_open_positions")
    if version != "all":
        df = df[df["version"] == version]
    df = df[(df["btc_collateral_tokens"] > 0) & (df["borrow_balance_tokens"] > 0)]
    return df.groupby(["account", "borrowed_symbol"], as_index=False).agg(
        coll=("btc_collateral_tokens", "max"), tokens=("borrow_balance_tokens", "max")
    )


def _daily(at: pd.Timestamp) -> pd.Series:
    """The bundled daily USD prices of the day ``at`` falls on, by upper-case symbol."""
    import liqcascade.data as _bundled

    p = _bundled.dataset("aave_wbtc_price_history")
    day = at.tz_convert("UTC").tz_localize(None).normalize()
    row = p[p["date"] == day]
    if row.empty:
        raise InputError(
            f"no bundled daily token prices on {day:%Y-%m-%d} (they run "
            f"{p['date'].min():%Y-%m-%d} → {p['date'].max():%Y-%m-%d}): the snapshot's "
            "debts other than USD stablecoins cannot be priced then",
            param="at",
        )
    return pd.Series(row["price_usd"].to_numpy(np.float64), index=row["symbol"].str.upper())


def snapshot_accounts(version: str, at: pd.Timestamp, eth_usd: float) -> AaveAccounts:
    """The bundled snapshot's accounts with every debt counted, priced at ``at``.

    Parameters
    ----------
    version : {"V3", "V2", "all"}
        The snapshot's Aave ``version`` rows to keep; ``"all"`` keeps every row.
    at : pandas.Timestamp
        The instant the debts are priced at (UTC): the day of the bundled daily prices.
    eth_usd : float
        ETH's price at ``at``, USD (the configuration reads Binance's hourly close).

    Returns
    -------
    AaveAccounts
        Accounts with BTC collateral and debt, in the snapshot's order of addresses.

    Raises
    ------
    InputError
        No bundled daily prices on ``at``'s day.
    """
    rows = _rows(version)
    sym = rows["borrowed_symbol"].str.upper()
    daily = _daily(at)
    usd_coins = {s.upper() for s in STABLECOINS}
    btc = {s.upper() for s in BTC_TOKENS}
    eur = {s.upper() for s in EURO_COINS}
    rel_eth = (daily / daily[_ETH]).reindex(sym).to_numpy(np.float64)
    tok = rows["tokens"].to_numpy(np.float64)
    is_usd, is_btc, is_eur = sym.isin(usd_coins), sym.isin(btc), sym.isin(eur)
    on_eth = ~(is_usd | is_btc | is_eur).to_numpy()
    eur_px = daily.reindex(sym).to_numpy(np.float64)
    legs = pd.DataFrame({
        "account": rows["account"],
        "coll": rows["coll"],
        "usd": np.where(is_usd, tok, 0.0) + np.where(is_eur, tok * eur_px, 0.0),
        "btc": np.where(is_btc, tok, 0.0),
        "eth": np.where(on_eth, tok * rel_eth * eth_usd, 0.0),
    })  # fmt: skip
    legs["unpriced"] = ~np.isfinite(legs["usd"].to_numpy() + legs["eth"].to_numpy())
    acc = legs.groupby("account").agg(coll=("coll", "max"), usd=("usd", "sum"), btc=("btc", "sum"),
                                      eth=("eth", "sum"), unpriced=("unpriced", "any"))  # fmt: skip
    kept = acc[~acc["unpriced"]]
    return AaveAccounts(
        account=kept.index.to_numpy(str),
        collateral=kept["coll"].to_numpy(np.float64),
        debt_usd=kept["usd"].to_numpy(np.float64),
        debt_collateral=kept["btc"].to_numpy(np.float64),
        debt_eth_usd=kept["eth"].to_numpy(np.float64),
        priced_at=at,
        eth_usd=float(eth_usd),
        eur_usd=float(daily.get("EURC", np.nan)),
        n_unpriced=int(acc["unpriced"].sum()),
        n_listed=len(acc),
    )
