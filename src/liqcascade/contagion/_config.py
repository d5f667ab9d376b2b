"""The TOML configuration of a multi-venue cascade: read with ``tomllib``, validated by pydantic.

The format is documented in ``docs/contagion.md``. Errors name the file and the
key (``config.toml: links[0].to: unknown venue 'okx'``) and are raised as
:class:`liqcascade.errors.InputError`.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from liqcascade._limits import CONTAGION_LEVEL_BYTES as LEVEL_BYTES
from liqcascade._limits import check_count, check_insurance_fund, percent_hint
from liqcascade._paths import resolve_config_path
from liqcascade._tables import check_columns, columns_seen, read_user_table
from liqcascade._time import to_utc
from liqcascade._typed_numbers import number_refusal
from liqcascade.book import beta_for, depth_calibration
from liqcascade.cascade import CascadeConfig
from liqcascade.contagion._arbitrage import Link
from liqcascade.contagion._lending import (
    LendingMarket,
    Oracle,
    check_beta,
    check_deviation,
    rate_refusal,
)
from liqcascade.contagion._snapshot import AaveAccounts, snapshot_accounts
from liqcascade.contagion._venue import Venue
from liqcascade.errors import InputError, row_ref
from liqcascade.market import BINANCE_BOOK_SHARE, book_units, market_times

__all__ = [
    "ContagionSetup",
    "build_setup",
    "crash_beta",
    "load_config",
    "parse_config",
]

PRESETS_DIR = Path(__file__).resolve().parent / "presets"

Pos = Annotated[float, Field(gt=0)]
NonNeg = Annotated[float, Field(ge=0)]


class _M(BaseModel):
    # every number finite (NaN / inf refused naming the key), except capacity_usd's inf;
    # strict: a number written as text (fraction = "-0.06") or a bool is refused, where the
    # lax mode cast it (an integer is still taken for a float)
    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, allow_inf_nan=False, strict=True
    )


#: pydantic's error types of a value of the wrong type where a number belongs -> our words.
_NOT_A_NUMBER = {"float_type": "must be a number", "int_type": "must be a whole number"}


def _default_book_beta(asset: str) -> tuple[float, str]:
    """The depth exponent of a parametric book that gives no ``beta``, and whose it is.

    The asset's calibrated futures β (:func:`liqcascade.book.beta_for` without totals:
    the shipped full-period value, as the estimated market reads it at the bundle's end;
    ETH 0.73, BTC 0.79); an asset without one (a store's) gets the assumed β, the
    median of the shipped assets', and the note says so.

    Parameters
    ----------
    asset : str
        ``[simulation] asset`` (upper case).

    Returns
    -------
    (float, str)
        β (dimensionless) and the note the command prints beside the venue.
    """
    beta = beta_for(asset)[0]
    table = depth_calibration()["depth_beta"]
    if asset in table:
        period = table[asset].get("period", "")
        whose = f"{asset}'s futures beta fitted on its bundled book totals {period} (whole period"
    else:
        shipped = ", ".join(f"{a} {float(v['beta']):.2f}" for a, v in table.items())
        whose = f"the median of the shipped assets' futures betas ({shipped}; none for {asset}"
    return beta, f"{beta:.2f}: the default depth exponent, {whose}; give book.beta to change it)"


class ParametricBook(_M):
    kind: Literal["parametric"]
    d1_usd_bid: Pos
    d1_usd_ask: Pos | None = None
    #: None: the ``[simulation] asset``'s calibrated β (:func:`_default_book_beta`).
    beta: Pos | None = None
    n_levels: Annotated[int, Field(gt=0)] = 2000
    max_distance: Annotated[float, Field(gt=0, lt=1)] = 0.25


class FileBook(_M):
    kind: Literal["file"]
    path: str


class BundledBook(_M):
    kind: Literal["bundled"]
    as_of: str | None = None


class FilePositions(_M):
    kind: Literal["file"]
    path: str
    margin_rules: Literal["binance", "bybit", "hyperliquid"] = "binance"
    stops: str | None = None


class BundledPositions(_M):
    kind: Literal["bundled"]
    as_of: str | None = None
    stops: bool = True
    margin_rules: Literal["binance", "bybit", "hyperliquid"] = "binance"


class VenueModel(_M):
    name: Annotated[str, Field(min_length=1)]
    mid: Pos | None = None
    mid_at: str | None = None
    data_venue: str | None = None
    share: Pos | Literal["volume"] = BINANCE_BOOK_SHARE
    insurance_fund: float = 0.0
    refill_fraction: Annotated[float, Field(ge=0, le=1)] = 0.0
    liquidation_fee: Annotated[float, Field(ge=0, le=1)] = 0.0
    book: ParametricBook | FileBook | BundledBook = Field(discriminator="kind")
    positions: FilePositions | BundledPositions = Field(discriminator="kind")

    @field_validator("insurance_fund", mode="before")
    @classmethod
    def _a_fund(cls, fund: Any) -> float:
        """The fund, checked as every insurance fund is (:func:`check_insurance_fund`).

        ``-1`` and ``nan`` are refused in the words every insurance fund is refused in
        (the single-venue cascade's fund included), not pydantic's.
        """
        try:
            return check_insurance_fund(fund)
        except InputError as exc:
            raise ValueError(str(exc)) from None


class LinkModel(_M):
    from_: str = Field(alias="from")
    to: str
    cost: NonNeg = 0.0
    capacity_usd: Annotated[float, Field(ge=0, allow_inf_nan=True)] = math.inf  # inf: no cap


def _as_value_error(check: Any, value: Any) -> Any:
    """``check(value)``, its InputError raised as the ValueError a pydantic validator gives."""
    try:
        return check(value)
    except InputError as exc:
        raise ValueError(str(exc)) from None


class OracleModel(_M):
    sources: list[str] = Field(min_length=1)
    deviation: float = 0.005
    heartbeat: Annotated[int, Field(ge=0)] = 0
    aggregate: Literal["mean", "median"] = "mean"

    @field_validator("deviation")
    @classmethod
    def _a_deviation(cls, d: float) -> float:
        """A fraction in ``[0, DEVIATION_MAX)``; ``0.5`` (meant 0.5 %) is told so."""
        return float(_as_value_error(lambda x: check_deviation(x, "deviation"), d))


#: An account's debt columns (a table's keys, a file's columns), LendingMarket's legs:
#: USD held (stablecoins at $1), tokens of the collateral's own asset (priced as the
#: collateral), USD at the start price that moves one for one with the oracle's source
#: venues (WETH on ETH venues). A missing one is 0; at least one is given.
DEBT_LEGS: tuple[str, ...] = ("debt_usd", "debt_collateral", "debt_source_usd")

#: A lending export's columns that the model would read wrongly by leaving them out: a
#: per-account threshold or bonus (e-mode) is not read, a market has one of each.
_PER_ACCOUNT_RULES = frozenset(
    {"liquidation_threshold", "liq_threshold", "lt", "liquidation_bonus", "liq_bonus", "bonus",
     "emode", "e_mode", "emode_category", "e_mode_category", "emode_category_id",
     "e_mode_category_id"}
)  # fmt: skip


class TableAccounts(_M):
    kind: Literal["table"]
    collateral: list[NonNeg]
    debt_usd: list[NonNeg] | None = None
    debt_collateral: list[NonNeg] | None = None
    debt_source_usd: list[NonNeg] | None = None


class FileAccounts(_M):
    kind: Literal["file"]
    path: str


class SnapshotAccounts(_M):
    kind: Literal["aave_wbtc_snapshot"]
    version: Literal["V2", "V3", "all"] = "V3"


class LendingModel(_M):
    name: Annotated[str, Field(min_length=1)]
    collateral: str = "WETH"
    chain: str = "ethereum"
    liq_threshold: float | None = None
    liq_bonus: float | None = None
    collateral_price: Pos | None = None
    collateral_price_at: str | None = None
    beta: float | Literal["from_data"] = 1.0
    beta_window: list[str] | None = None
    beta_method: Literal["move", "ols"] = "move"
    oracle: OracleModel
    sell_to: str = "dex"
    dex_depth_usd: Pos = 50e6
    protocol_fee: Annotated[float, Field(ge=0, le=1)] = 0.0
    accounts: TableAccounts | FileAccounts | SnapshotAccounts = Field(discriminator="kind")
    drop_initially_liquidatable: bool = True
    #: Refused with the reason (pydantic's "Extra inputs are not permitted" said nothing).
    ltv: Any = None

    @field_validator("ltv")
    @classmethod
    def _no_ltv(cls, v: Any) -> None:
        """``ltv`` is the borrowing limit: no liquidation reads it, so it is refused, saying so."""
        raise ValueError(
            "ltv is not used: liquidations depend on the liquidation threshold "
            "(liq_threshold), not the loan-to-value, which only limits new borrowing"
        )

    @field_validator("liq_threshold", "liq_bonus")
    @classmethod
    def _a_rate(cls, v: float | None, info: ValidationInfo) -> float | None:
        """LT a fraction in (0, 1), the bonus a multiplier in [1, 2); a percent is told so.

        ``liq_threshold = 80`` and ``liq_bonus = 5`` (percents: 80 %, 5 %) are refused
        with the fraction or multiplier to give (:func:`rate_refusal`).
        """
        why = None if v is None else rate_refusal(str(info.field_name), v)
        if why is not None:
            raise ValueError(why)
        return v

    @field_validator("beta")
    @classmethod
    def _a_beta(cls, b: float | str) -> float | str:
        """A given beta in ``(0, BETA_MAX]`` (:func:`check_beta`)."""
        return b if isinstance(b, str) else float(_as_value_error(check_beta, b))


class ShockModel(_M):
    venue: str
    scope: Literal["venue", "market"] = "venue"
    fraction: float | None = None
    price: Pos | None = None
    sell_usd: NonNeg | None = None
    buy_usd: NonNeg | None = None

    @field_validator("fraction")
    @classmethod
    def _a_fraction(cls, f: float | None) -> float | None:
        """A non-zero fraction in (-1, 1); a percent given, a fall or a rise, is told so.

        ``fraction = -6`` (a percent written as a number) is refused with the shared
        hint (:func:`~liqcascade._limits.percent_hint`), which reads ``-6`` as -6 % and
        ``5`` as 5 %, a fall or a rise.
        """
        if f is not None and not (-1 < f < 1 and f != 0):  # as cascade's --shock reads one
            raise ValueError(
                f"fraction must be a non-zero fraction in (-1, 1) (got {f:g}"
                f"{percent_hint(f, signed=True)}; -0.05 is a 5 % fall)"
            )
        return f


class SimulationModel(_M):
    max_rounds: Annotated[int, Field(ge=1)] = 500
    liquidity: Literal["calibrated", "static"] = "calibrated"
    #: The asset whose liquidity calibration the calibrated response takes, and whose
    #: depth exponent a parametric book without ``beta`` takes.
    asset: str = "ETH"

    @field_validator("asset")
    @classmethod
    def _an_asset(cls, a: str) -> str:
        """A base asset's name (``"BTC"``) with a liquidity calibration, upper case.

        Blank or not a name is refused; so is an asset neither the package nor the
        default store has a liquidity calibration for, naming those that have one, when
        the file is read rather than when the run loads the calibration.
        """
        from liqcascade._calibrations import calibrated_assets

        a = a.strip().upper()
        if not a.isalnum():
            raise ValueError(f"must be a base asset's name, as ETH or BTC (got {a!r})")
        known = calibrated_assets("liquidity")
        if a not in known:
            raise ValueError(
                f"no liquidity calibration for {a} (calibrated: {', '.join(known)}): give one "
                "of them, or fit one on a store's data first (liqcascade cascade calibrate)"
            )
        return a


class AssumptionModel(_M):
    """One ``[[assumptions]]`` table: what is assumed (or calibrated), its value, its source."""

    what: Annotated[str, Field(min_length=1)]
    value: str = ""
    source: str = ""


class ConfigModel(_M):
    simulation: SimulationModel = SimulationModel()
    shock: ShockModel
    venues: list[VenueModel] = Field(min_length=1)
    links: list[LinkModel] = []
    lending: list[LendingModel] = []
    assumptions: list[AssumptionModel] = []


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in (
            "parametric",
            "file",
            "bundled",
            "table",
            "aave_wbtc_snapshot",
            "float",
            "constrained-float",
        ):
            continue  # the union's tag pydantic inserts
        else:
            out += ("." if out else "") + ("from" if part == "from_" else str(part))
    return out


#: Why a key a lending analyst reaches for is not one: what the model does instead.
_NOT_A_KEY = {
    "close_factor": "the liquidations follow Aave v3.3's close factor (50 % of the debt; "
    "all of it at HF <= 0.95 or under $2,000 of collateral or debt), which is not a parameter",
    "method": 'how the oracle reads its sources is aggregate = "mean" (the default) or "median"',
    "emode": "one liq_threshold and liq_bonus per market: put the accounts of an e-mode in a "
    "[[lending]] table of their own with the e-mode's liq_threshold and liq_bonus",
}
_NOT_A_KEY["e_mode"] = _NOT_A_KEY["emode_category"] = _NOT_A_KEY["emode"]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models a field's annotation holds (through lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in get_args(annotation) for m in _models_in(a)]


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the table holding ``loc``'s last key takes, in the model's order."""
    models: list[type[BaseModel]] = [ConfigModel]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        tagged = [
            m for m in models if part in get_args(m.model_fields.get("kind", Field()).annotation)
        ]
        if tagged:  # a discriminated union's tag ("file"): that member
            models = tagged
            continue
        field = next((m.model_fields[part] for m in models if part in m.model_fields), None)
        if field is None:
            return []
        models = _models_in(field.annotation)
    if len(models) != 1:
        return []
    return [f.alias or k for k, f in models[0].model_fields.items() if k != "ltv"]


def _unknown_key(loc: tuple[Any, ...]) -> str:
    """``unknown key`` with what the table takes, and why a sought-after key is not one."""
    key = str(loc[-1])
    known = _known_keys(loc)
    why = _NOT_A_KEY.get(key)
    return (
        "unknown key"
        + (f": {why}" if why else "")
        + (f" (known: {', '.join(known)})" if known else "")
    )


def _number_text(value: Any, key: str) -> str:
    """``(got '82.5%'; for 82.5 % give 0.825)`` for a percent written as text.

    Any other value reads ``(got …)``. A bonus is a multiplier: ``"5%"`` gives 1.05.
    """
    got = f"got {value!r}"
    m = (
        re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*%\s*", value)
        if isinstance(value, str)
        else None
    )
    if m:
        pct = float(m.group(1))
        give = 1 + pct / 100 if key == "liq_bonus" else pct / 100
        got += f"; for {pct:g} % give {give:g}"
    return f"({got})"


def parse_config(data: dict[str, Any], where: str = "config") -> ConfigModel:
    """Validate a parsed TOML document; errors name ``where`` and the key.

    Parameters
    ----------
    data : dict
        The parsed TOML document (``tomllib.loads``); shock fractions are fractions
        (-0.05 for a 5 % fall), prices and amounts USD.
    where : str, default "config"
        What the document is (a file name), the prefix of error messages.

    Returns
    -------
    ConfigModel

    Raises
    ------
    InputError
        ``"WHERE: key: what is wrong"``.
    """
    try:
        cfg = ConfigModel.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "missing parameter"
        elif err["type"] in _NOT_A_NUMBER:  # text ("5e6") or a bool where a number belongs
            msg = f"{_NOT_A_NUMBER[err['type']]} {_number_text(err['input'], str(err['loc'][-1]))}"
        elif err["type"] == "extra_forbidden":  # pydantic: "Extra inputs are not permitted"
            msg = _unknown_key(tuple(err["loc"]))
        elif err["type"] == "value_error":  # a validator's own words, without pydantic's prefix
            # nor the key a second time ("insurance_fund must be ..." after its key)
            msg = str(err["ctx"]["error"]).removeprefix(f"{err['loc'][-1]} ")
        raise InputError(f"{where}: {_loc(tuple(err['loc']))}: {msg}") from None
    names = [v.name for v in cfg.venues]
    for i, n in enumerate(names):
        if n in names[:i]:
            raise InputError(f"{where}: venues[{i}].name: repeated venue {n!r}")
    known = set(names)

    def need(key: str, v: str) -> None:
        if v not in known:
            raise InputError(f"{where}: {key}: unknown venue {v!r}")

    need("shock.venue", cfg.shock.venue)
    for i, ln in enumerate(cfg.links):
        need(f"links[{i}].from", ln.from_)
        need(f"links[{i}].to", ln.to)
        if ln.from_ == ln.to:
            raise InputError(f"{where}: links[{i}].to: a venue cannot link to itself")
    for i, m in enumerate(cfg.lending):
        for j, s in enumerate(m.oracle.sources):
            need(f"lending[{i}].oracle.sources[{j}]", s)
        if m.sell_to != "dex":
            need(f"lending[{i}].sell_to", m.sell_to)
        if m.collateral_price is None and m.collateral_price_at is None:
            raise InputError(
                f"{where}: lending[{i}].collateral_price: missing parameter"
                " (or give collateral_price_at)"
            )
        if m.beta == "from_data" and not m.beta_window:
            raise InputError(f"{where}: lending[{i}].beta_window: missing parameter")
    given = [k for k in ("fraction", "price", "sell_usd", "buy_usd")
             if getattr(cfg.shock, k) is not None]  # fmt: skip
    if len(given) != 1:
        raise InputError(
            f"{where}: shock: give exactly one of fraction, price, sell_usd, buy_usd"
            f" (got {', '.join(given) or 'none'})"
        )
    if cfg.shock.scope == "market" and given[0] in ("sell_usd", "buy_usd"):
        raise InputError(
            f"{where}: shock.scope market is a price move on every venue: give fraction or "
            f"price (got {given[0]})"
        )
    for i, v in enumerate(cfg.venues):
        if v.mid is None and v.mid_at is None and v.book.kind != "file":
            raise InputError(f"{where}: venues[{i}].mid: missing parameter (or give mid_at)")
        _one_asset(cfg.simulation.asset, v, f"{where}: venues[{i}]")
        if isinstance(v.book, ParametricBook):  # memory, before anything is built
            check_count(f"{where}: venues[{i}].book.n_levels", v.book.n_levels, LEVEL_BYTES)
    return cfg


def _one_asset(asset: str, v: VenueModel, key: str) -> None:
    """Refuse another asset's calibration on a venue built from the bundled ETH data.

    The bundled books, positions, ``mid_at`` closes and ``share = "volume"`` are ETH's:
    ``[simulation] asset = "BTC"`` gave BTC's liquidity response on ETH's books, ETH
    positions and ETH prices, a world of neither asset, without a word.
    """
    if asset == "ETH":
        return
    eth = [k for k, on in (("book", v.book.kind == "bundled"),
                           ("positions", v.positions.kind == "bundled"),
                           ("mid_at", v.mid_at is not None), ("share", v.share == "volume"))
           if on]  # fmt: skip
    if eth:
        raise InputError(
            f"{key}.{eth[0]}: simulation.asset is {asset}, but the bundled books, positions, "
            f"mid_at closes and volume shares are ETH only ({', '.join(eth)} read them here): "
            f'for a {asset} world give book kind = "parametric" or "file", positions '
            'kind = "file", mid in USD and a numeric share'
        )


def load_config(path: str | Path) -> ConfigModel:
    """Read and validate a TOML configuration file.

    Parameters
    ----------
    path : str or pathlib.Path
        The UTF-8 TOML file (with or without a byte-order mark); relative paths inside it
        are resolved from its folder.

    Returns
    -------
    ConfigModel

    Raises
    ------
    InputError
        Missing, unreadable or invalid file (the message names the file and key).
    """
    from liqcascade._paths import read_utf8

    p = Path(path)
    text = read_utf8(p, "TOML text file")  # missing, a folder, unreadable, not UTF-8
    try:  # a byte-order mark (Windows Notepad's UTF-8) is no TOML statement: skipped
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{p.name}: not valid TOML ({e})") from None
    cfg = parse_config(data, p.name)
    object.__setattr__(cfg, "_base_dir", p.resolve().parent)
    return cfg


# ---- building the objects ---------------------------------------------------------------
@dataclass
class ContagionSetup:
    """Everything :func:`simulate_contagion` needs, built from a configuration.

    Attributes
    ----------
    venues : list of Venue
        The venues with their books, positions and stops (prices USD).
    links : list of Link
        Arbitrage links.
    lending : list of LendingMarket
        Lending markets.
    shock_venue : str
        The venue the shock hits.
    shock : dict of str to float
        One keyword of :func:`simulate_contagion`: ``shock`` (fraction),
        ``shock_price`` (USD), ``shock_sell_usd`` or ``shock_buy_usd`` (USD).
    max_rounds : int
        Round limit of the loop.
    notes : dict
        Where the built values came from (per venue: share, mid, the estimated
        positions' market as ``positions_as_of`` (its bar's close, the instant it is
        known), ``positions_bar_open`` and ``positions_bar_close``
        (:func:`liqcascade.market.market_times`);
        per lending market: threshold, bonus, price, beta and its source, accounts).
    liquidity : {"static", "calibrated"}, default "static"
        The configuration's liquidity model.
    liquidity_as_of : pandas.Timestamp, optional
        The latest venue ``mid_at`` (UTC): the calibration is fitted on events
        before it; None when no venue gives one.
    asset : str, default "ETH"
        The asset of the liquidity calibration and of the parametric books' default
        depth exponent (``[simulation] asset``).
    scope : {"venue", "market"}, default "venue"
        Where the first shock lands (``[shock] scope``; see
        :data:`liqcascade.contagion._engine.SCOPES`).
    assumptions : tuple of dict
        ``what``, ``value``, ``source`` of each ``[[assumptions]]`` table, then one per
        lending market's oracle (:func:`oracle_assumption`).
    """

    venues: list[Venue]
    links: list[Link]
    lending: list[LendingMarket]
    shock_venue: str
    shock: dict[str, float]
    max_rounds: int
    notes: dict[str, Any] = field(default_factory=dict)
    liquidity: str = "static"
    liquidity_as_of: pd.Timestamp | None = None
    scope: str = "venue"
    asset: str = "ETH"
    assumptions: tuple[dict[str, str], ...] = ()

    @property
    def feed_per_market_usd(self) -> dict[str, float]:
        """Each venue whose positions are the estimated book: its feed dollars per market dollar.

        The estimated book's liquidations are in its liquidation feed's dollars
        (:attr:`liqcascade.market.BookUnits.feed_per_market_usd` of the market it was
        read from: ETH at 2025-07-31 about 0.018); a venue of a positions file, and every
        lending market, is in real dollars and is not named. NaN when the market has no
        open interest to set the scale.

        Returns
        -------
        dict of str to float
            Venue name -> book (feed) dollars per market dollar (fraction).
        """
        return {
            n: float(v["feed_per_market_usd"])
            for n, v in self.notes.get("venues", {}).items()
            if v.get("feed_per_market_usd") is not None
        }


def oracle_assumption(m: LendingMarket) -> dict[str, str]:
    """What a lending market's oracle assumes: Chainlink-like parameters, unchecked.

    Parameters
    ----------
    m : LendingMarket
        The market (its oracle's sources, deviation and heartbeat in rounds).

    Returns
    -------
    dict
        ``what``, ``value``, ``source`` (the ``[[assumptions]]`` keys).
    """
    o = m.oracle
    beat = f"every {o.heartbeat} rounds" if o.heartbeat else "none"
    return {
        "what": f"{m.name} oracle (assumed, Chainlink-like)",
        "value": f"the {o.aggregate} of {', '.join(o.sources)}'s prices, pushed at once (no "
        f"latency) on a "
        f"{100 * o.deviation:g} % deviation; heartbeat {beat}; the collateral moves beta x it; "
        "the DEX the liquidators sell into does not feed it",
        "source": "assumed from public Chainlink feed parameters; not checked against the "
        "bundled Chainlink ETH/USD series (liqcascade.datasets) nor its push frequency",
    }


def _bar(venue: str, asset: str, at: pd.Timestamp, key: str) -> pd.Series:
    import liqcascade.data as _bundled

    every = _bundled.dataset("perp_1h_by_venue")
    p = every[(every["venue"] == venue) & (every["asset"] == asset)]
    if p.empty:  # the venue's own name, not a bundled venue: say which are and how to pick one
        known = ", ".join(sorted(every.loc[every["asset"] == asset, "venue"].unique()))
        raise InputError(
            f"{key}: no bundled {asset} hourly bars of a venue named {venue!r} (bundled: "
            f"{known}); give data_venue = one of them, or mid = the price in USD"
        )
    if at not in p.index:
        lo, hi = p.index.min(), p.index.max()
        raise InputError(
            f"{key}: no bundled {venue} {asset} hourly bar at {at:%Y-%m-%d %H:%M} UTC (its bars "
            f"run {lo:%Y-%m-%d %H:%M} → {hi:%Y-%m-%d %H:%M}, on the hour)"
        )
    row: pd.Series = p.loc[at]  # type: ignore[assignment]
    return row


def _volume_share(venue: str, at: pd.Timestamp, days: int = 30) -> float:
    import liqcascade.data as _bundled

    p = _bundled.dataset("perp_1h_by_venue")
    w = p[(p.index >= at - pd.Timedelta(days=days)) & (p.index <= at) & (p["asset"] == "ETH")]
    usd = (w["volume"] * w["close"]).groupby(w["venue"]).sum()
    if venue not in usd or "binance" not in usd:
        raise InputError(f"share 'volume': no bundled {venue} volume before {at}")
    return float(usd[venue] / usd["binance"])


def _market_state(
    as_of: str | None, cache: dict[Any, Any], by: pd.Timestamp | None = None, by_key: str = ""
) -> Any:
    """The estimated ETH market of ``as_of``; without one, the last the data hold by ``by``.

    ``by`` is the instant the venue's mid is read (its ``mid_at`` bar's close): a
    store whose open interest runs past it must not give the replay a later book
    (the book after the crash it replays). Without ``as_of`` and ``by``: the last market.
    ``by_key`` names ``mid_at`` in the error when no open-interest bar closed by ``by``.
    """
    from liqcascade.market import MARKET_BAR, MarketSpec, load_market_inputs, market_from_inputs

    key = ("ms", as_of, by)
    if key not in cache:
        inputs = load_market_inputs("ETH")
        when: Any = as_of
        if as_of is None and by is not None:  # the bars closed by ``by``, at most the last
            oi = pd.DatetimeIndex(inputs.open_interest.index)
            if by < oi[0] + MARKET_BAR:
                raise InputError(
                    f"{by_key} {by - pd.Timedelta(hours=1):%Y-%m-%d %H:%M} UTC: the ETH open "
                    f"interest starts {oi[0]:%Y-%m-%d %H:%M} UTC (a bundled book or positions "
                    "without as_of is the estimated market closed by mid_at's close): give a "
                    "later mid_at"
                )
            when = min(by, oi[-1] + MARKET_BAR)
        cache[key] = market_from_inputs(MarketSpec("ETH", when, depth_scale=1.0), inputs)
    return cache[key]


def _rebase(ms: Any, mid: float, scale: float) -> tuple[Any, Any]:
    from liqcascade.positions import PositionBook, StopBook

    f = mid / ms.mid
    p = ms.positions
    pos = PositionBook(p.side, p.size * scale, p.entry_price * f, p.margin * f * scale,
                       p.liq_price * f, p.bankruptcy_price * f, venue=p.venue,
                       symbol=p.symbol, cross=p.cross)  # fmt: skip
    s = ms.stops
    stops = StopBook(s.side, s.trigger * f, s.size * scale)
    return pos, stops


def reprice(pos: Any, rules: str) -> Any:
    """The (Binance-priced) estimated book on another venue: its liquidation prices, its margin.

    The estimated book is identified by where its positions liquidate (one position per
    bin of liquidation price the walk kept, :func:`liqcascade.positions.book_from_grid`);
    the margin is derived. So a venue's copy keeps each liquidation price and takes the
    margin the venue's rules need to liquidate there, and its bankruptcy price from that
    margin. A venue's own maintenance rate never moves a position towards the mid: with
    the margin kept instead, Hyperliquid's 2 % maintenance left 4.9 % of the venue's
    long notional within 0.5 % of liquidation at the start (the Binance book: none).

    ``"binance"`` returns the book unchanged. ``"bybit"``: isolated, MMR 0.5 %
    (:func:`liqcascade.margin.bybit_liq_price`), initial margin
    ``s·(EP − LP)·size + EP·size·MMR``, at least the initial margin at Bybit's
    :data:`~liqcascade.margin.BYBIT_MAX_LEVERAGE` (100x: a position levered beyond it
    cannot exist there, its liquidation price moves away from the entry, as on
    Hyperliquid). ``"hyperliquid"``: maintenance half the initial
    margin at ETH's 25x max leverage (:func:`liqcascade.margin.hyperliquid_liq_price`),
    margin ``size·EP·l + s·(EP − LP)·size·(1 − l·s)``, ``l = 1/50``; a position that
    would be levered beyond 25x cannot exist there: its margin is raised to the 25x
    initial margin, which moves its liquidation price away from the entry (never
    towards the mid).
    """
    from liqcascade.margin import (
        BYBIT_DEFAULT_MMR,
        BYBIT_MAX_LEVERAGE,
        bybit_liq_price,
        hyperliquid_liq_price,
        hyperliquid_max_leverage,
    )
    from liqcascade.positions import PositionBook

    if rules == "binance" or len(pos) == 0:
        return pos
    s, q, ep = pos.side.astype(np.float64), pos.size, pos.entry_price
    gap = s * (ep - pos.liq_price) * q  # USD between entry and liquidation, > 0 on its side
    if rules == "hyperliquid":
        lev_max = hyperliquid_max_leverage("ETH")
        ell = 1.0 / (2.0 * lev_max)
        margin = q * ep * ell + gap * (1.0 - ell * s)
        margin = np.maximum(margin, q * ep / lev_max)
        r = hyperliquid_liq_price(pos.side, q, ep, margin, "ETH")
    else:
        margin = np.maximum(gap + q * ep * BYBIT_DEFAULT_MMR, q * ep / BYBIT_MAX_LEVERAGE)
        r = bybit_liq_price(pos.side, q, ep, margin)
    liq = np.where(pos.side == 1, np.maximum(r.liq_price, 0.0), r.liq_price)
    return PositionBook(pos.side, q, ep, margin, liq, r.bankruptcy_price,
                        venue=rules, symbol=pos.symbol, cross=pos.cross)  # fmt: skip


def _unread_column(col: str) -> str | None:
    """Why an accounts file's column ``col`` (normalised) would be misread if left out.

    A debt column other than :data:`DEBT_LEGS` (``debt_weth``, ``debt_usdc``) was left out
    without a word: the accounts' health factors then counted only part of their debt.
    A per-account threshold or e-mode column was left out too, each account then taking
    the market's threshold. ``None``: the column carries nothing the model reads (an
    address, the export's health factor), and is left out.
    """
    if col in DEBT_LEGS:
        return None
    if col.startswith(("debt", "borrow")):
        return (
            f"column {col!r} is not read: give each account's debt in debt_usd (USD held: "
            "stablecoins at $1), debt_collateral (tokens of the market's collateral, priced "
            "as it) or debt_source_usd (USD at the start price, moving one for "
            "one with the oracle's source venues: WETH on ETH venues), adding up an "
            "account's debts of each kind"
        )
    if col in _PER_ACCOUNT_RULES:
        return (
            f"column {col!r} is not read: a lending market has one liq_threshold and one "
            "liq_bonus (its [[lending]] table's, else the bundled reserve's); put the "
            "accounts under other rules (an e-mode's) in a [[lending]] table of their own "
            "with its liq_threshold and liq_bonus, and leave the column out"
        )
    return None


def _account_legs(m: LendingModel, i: int, base: Path, where: str) -> dict[str, np.ndarray]:
    """A table's or a file's accounts: ``collateral`` (tokens) and every debt leg.

    Returns
    -------
    dict of str to array of float
        ``collateral`` (tokens) and the :data:`DEBT_LEGS` (``debt_usd`` and
        ``debt_source_usd`` USD, ``debt_collateral`` tokens), one value per account, a
        leg not given all 0.
    """
    a = m.accounts
    key = f"{where}: lending[{i}].accounts"
    if isinstance(a, TableAccounts):
        given = {k: getattr(a, k) for k in DEBT_LEGS if getattr(a, k) is not None}
        if not given:
            raise InputError(f"{key}: no debt: give debt_usd (or debt_collateral, "
                             "debt_source_usd), one value per account")  # fmt: skip
        for k, v in given.items():
            if len(v) != len(a.collateral):
                raise InputError(f"{key}: collateral and {k} differ in length "
                                 f"({len(a.collateral)} and {len(v)} accounts)")  # fmt: skip
        coll = np.array(a.collateral, float)
        return {"collateral": coll} | {
            k: np.array(given[k], float) if k in given else np.zeros_like(coll) for k in DEBT_LEGS
        }
    if isinstance(a, FileAccounts):
        path = resolve_config_path(base, a.path, f"{key}.path")
        df = read_user_table(path)  # CSV or Parquet (by suffix), as a positions file
        debt = [] if any(k in df.columns for k in DEBT_LEGS) else ["debt_usd"]
        check_columns(  # what it saw, and what each column holds
            df.columns,
            ["collateral", *debt],
            path.name,
            then="collateral in the collateral's tokens and the debt in debt_usd (USD), "
            "debt_collateral or debt_source_usd (docs/contagion.md)",
        )
        for col in df.columns:
            why = _unread_column(str(col))
            if why is not None:
                raise InputError(f"{path.name}: {why} ({columns_seen(df.columns)})")
        if len(df) == 0:
            raise InputError(f"{path.name}: no accounts (a header and no data rows)")
        cols = {}
        for col in ("collateral", *DEBT_LEGS):
            if col not in df.columns:
                cols[col] = np.zeros(len(df))
                continue
            # a value that is not a number ("160,000" quoted with a thousands separator, a
            # blank) is named with the row, not compared with 0 as text
            v = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
            bad = ~np.isfinite(v) | (v < 0)
            if bad.any():
                i = int(np.argmax(bad))
                row = row_ref(i + 1)
                if np.isfinite(v[i]):
                    raise InputError(f"{path.name}: {row}: {col} must be >= 0")
                raw = df[col].iloc[i]
                got = "a blank" if pd.isna(raw) else repr(str(raw))
                fix = None if pd.isna(raw) else number_refusal(str(raw), percent=None)
                raise InputError(  # "160,000": write 160000 (no thousands separators)
                    f"{path.name}: {row}: {col} must be a number >= 0 (got {got})"
                    + (f": {fix}" if fix else "")
                )
            cols[col] = v
        return cols
    raise AssertionError(a)  # the snapshot's are _snapshot_legs'


def _snapshot_legs(m: LendingModel, key: str, asset: str) -> tuple[dict[str, Any], AaveAccounts]:
    """The bundled snapshot's accounts as a lending market's legs, priced at its date.

    Parameters
    ----------
    m : LendingModel
        The ``[[lending]]`` table (its accounts the snapshot); its ``collateral_price_at``
        is the instant the debts are priced at.
    key : str
        The table's place in the file, the messages' prefix.
    asset : str
        ``[simulation] asset``: the debt that moves with ETH moves with the venues only
        when they are ETH's; on other venues it is held at its start value in USD.

    Returns
    -------
    (dict, AaveAccounts)
        ``collateral`` (tokens), ``debt_usd`` (USD), ``debt_collateral`` (tokens) and
        ``debt_source_usd`` (USD at the start) per account, and the snapshot's accounts.
    """
    assert isinstance(m.accounts, SnapshotAccounts)
    where = f"{key}.collateral_price_at"
    if m.collateral_price_at is None:
        raise InputError(
            f"{where}: missing parameter: the snapshot's debts other than USD stablecoins "
            "(EURC, WETH, WBTC ...) are priced at it (collateral_price may still set the "
            "collateral's price)"
        )
    at = to_utc(m.collateral_price_at, where)
    eth = float(_bar("binance", "ETH", at, where)["close"])
    try:
        snap = snapshot_accounts(m.accounts.version, at, eth)
    except InputError as e:
        raise InputError(f"{where}: {e}") from None
    legs = {"collateral": snap.collateral, "debt_usd": snap.debt_usd,
            "debt_collateral": snap.debt_collateral,
            "debt_source_usd": snap.debt_eth_usd}  # fmt: skip
    if asset != "ETH":  # the venues are not ETH's: ETH's debt held at its start value
        legs["debt_usd"] = snap.debt_usd + snap.debt_eth_usd
        legs["debt_source_usd"] = np.zeros_like(snap.debt_eth_usd)
    return legs, snap


def crash_beta(window: list[str]) -> float:
    """BTC's relative move over ETH's in the window (hourly open → lowest low), bundled Binance.

    Parameters
    ----------
    window : list of str
        The first and last hourly bar labels (open times, UTC; naive read as UTC):
        the move is from the first bar's open to the lowest low of the bars from the
        first to the last, both included.

    Returns
    -------
    float
        BTC's fractional move divided by ETH's (dimensionless).
    """
    start, end = to_utc(window[0], "beta_window[0]"), to_utc(window[-1], "beta_window[1]")
    out = []
    for asset in ("BTC", "ETH"):
        o = float(_bar("binance", asset, start, "beta_window")["open"])
        lows = [float(_bar("binance", asset, t, "beta_window")["low"])
                for t in pd.date_range(start, end, freq="1h")]  # fmt: skip
        out.append(min(lows) / o - 1.0)
    return out[0] / out[1]


def hourly_beta(window: list[str]) -> tuple[float, int]:
    """OLS beta of BTC's hourly log moves on ETH's in the window, bundled Binance closes.

    ``window``: the first and last hourly bar (labels, UTC) whose closes are read; the
    moves are close-to-close between consecutive bars of the window. Returns the beta
    and the number of moves (at least 24).
    """
    import liqcascade.data as _bundled

    start, end = to_utc(window[0], "beta_window[0]"), to_utc(window[-1], "beta_window[1]")
    if end <= start:
        raise InputError(f"beta_window: the end {end} must be after the start {start}")
    p = _bundled.dataset("perp_1h_by_venue")
    p = p[(p["venue"] == "binance") & (p.index >= start) & (p.index <= end)]
    closes = {a: p[p["asset"] == a]["close"] for a in ("BTC", "ETH")}
    both = pd.concat(closes, axis=1).dropna()
    r = both.apply(np.log).diff().dropna()
    if len(r) < 24:
        raise InputError(
            f"beta_window: {len(r)} hourly BTC/ETH moves in the bundled Binance candles "
            f"between {start} and {end} (need >= 24)"
        )
    x, y = r["ETH"].to_numpy(float), r["BTC"].to_numpy(float)
    x0 = x - x.mean()
    return float((x0 * (y - y.mean())).sum() / (x0 * x0).sum()), len(r)


def _beta(m: LendingModel) -> tuple[float, str]:
    """The lending market's BTC/ETH beta and where it came from."""
    if m.beta != "from_data":
        return float(m.beta), "given"
    w = m.beta_window or []
    if m.beta_method == "ols":
        b, n = hourly_beta(w)
        return b, f"OLS of {n} hourly BTC/ETH moves, Binance, {w[0]} → {w[-1]}"
    return crash_beta(w), f"BTC/ETH open → low ratio, Binance, {w[0]} → {w[-1]}"


def _check_collateral_price(
    price: float, sources: list[str], venues: list[Venue], key: str
) -> None:
    """Refuse a lending market's ETH collateral price 10x from its oracle venues' mid.

    The same unit check as positions against a venue's mid
    (:data:`liqcascade.positions._files.PRICE_SCALE`): a price in cents or thousands
    would make every account look safe (or bankrupt) before the shock.
    """
    from liqcascade.positions import off_scale as _off_scale
    from liqcascade.positions import unit_error as _unit_error

    mids = [v.book.mid for v in venues if v.name in sources]
    if not mids:
        return
    mid = float(np.mean(mids))
    if bool(_off_scale(np.asarray([price]), np.asarray([mid]))[0]):
        msg = _unit_error("collateral_price", float(price), mid, "its oracle venues' mean mid")
        raise InputError(f"{key}.{msg}")


#: The bundled Aave v3 reserves a bundled close prices (``collateral_price_at``): symbol ->
#: the series, one unit of the reserve per unit of it: Binance's hourly ETH and BTC
#: perpetual closes, and USDe's own one-minute USDe/USDT bars (its peg, ``usde_1m``).
#: Any other reserve (a stablecoin, a staked or wrapped token whose ratio to its
#: underlying is not bundled) needs ``collateral_price``: a reserve is never priced by
#: another asset's close.
RESERVE_CLOSES: dict[str, str] = {"WETH": "ETH", "WBTC": "BTC", "CBBTC": "BTC", "USDE": "USDE"}

#: Lending collateral that is BTC (upper-case symbols): the bundled reserves
#: :data:`RESERVE_CLOSES` prices by BTC's close, BTC itself and the other wrapped or
#: bridged BTC tokens. On the ETH venues its beta is the BTC/ETH one (``beta =
#: "from_data"``); the command line names the beta by it.
BTC_COLLATERAL: frozenset[str] = frozenset(
    {s for s, close in RESERVE_CLOSES.items() if close == "BTC"} | {"BTC", "TBTC", "LBTC"}
)


def _bars_around(index: pd.Index, at: pd.Timestamp) -> str:
    """Where one-minute bars are around ``at``, which has none: their span and the gap.

    Parameters
    ----------
    index : pandas.Index
        The bars' open times (UTC timestamps), sorted.
    at : pandas.Timestamp
        The time without a bar, UTC.

    Returns
    -------
    str
        ``"its bars run A → B"``, then ``", with C → D missing"`` (C the minute after the
        last bar before ``at``, D the first bar after it) when ``at`` falls inside the span.
    """
    lo, hi = index.min(), index.max()
    out = f"its bars run {lo:%Y-%m-%d %H:%M} → {hi:%Y-%m-%d %H:%M}"
    if not lo < at < hi:
        return out
    k = int(index.searchsorted(at))  # the first bar after at (at itself has none)
    gap_lo, gap_hi = index[k - 1] + pd.Timedelta(minutes=1), index[k]
    if gap_lo >= gap_hi:  # between two adjacent bars: not on the minute
        return out + ", one a minute, on the minute"
    return out + f", with {gap_lo:%Y-%m-%d %H:%M} → {gap_hi:%Y-%m-%d %H:%M} missing"


def _reserve_close(symbol: str, at: pd.Timestamp, key: str) -> float:
    """The bundled close pricing the Aave reserve ``symbol`` at ``at`` (USD per token).

    Parameters
    ----------
    symbol : str
        The snapshot's reserve symbol (``"WBTC"``).
    at : pandas.Timestamp
        ``collateral_price_at``, UTC.
    key : str
        The lending table's place in the file, the messages' prefix.

    Returns
    -------
    float
        USD per token: the hourly ETH or BTC close at ``at``, or USDe's one-minute close.

    Raises
    ------
    InputError
        A reserve of :data:`RESERVE_CLOSES`' none, or no bar at ``at`` (naming the span).
    """
    import liqcascade.data as _bundled

    series = RESERVE_CLOSES.get(symbol.upper())
    where = f"{key}.collateral_price_at"
    if series is None:
        known = ", ".join(f"{k} ({v}'s)" for k, v in RESERVE_CLOSES.items())
        raise InputError(
            f"{where}: no bundled close prices the reserve {symbol} (bundled: {known}): give "
            "collateral_price (USD per token)"
        )
    if series != "USDE":
        return float(_bar("binance", series, at, where)["close"])
    bars = _bundled.dataset("usde_1m")
    if at not in bars.index:
        raise InputError(
            f"{where}: no bundled USDe/USDT one-minute bar at {at:%Y-%m-%d %H:%M} UTC "
            f"({_bars_around(bars.index, at)}); give collateral_price (USD per token)"
        )
    return float(bars["close"].to_numpy(np.float64)[bars.index.get_loc(at)])


def _health(coll: np.ndarray, debt: np.ndarray, price: float, lt: float) -> np.ndarray:
    """Aave health factors ``coll · price · lt / debt`` (inf without debt), dimensionless.

    ``coll`` in tokens, ``debt`` in USD, ``price`` the collateral price (USD per token),
    ``lt`` the liquidation threshold (fraction).
    """
    with np.errstate(divide="ignore"):
        return np.where(debt > 0, coll * price * lt / np.where(debt > 0, debt, 1), np.inf)


def _rules_source(m: LendingModel, symbol: str | None) -> str:
    """Where a lending market's liquidation threshold and bonus came from, for the output."""
    given = [k for k in ("liq_threshold", "liq_bonus") if getattr(m, k) is not None]
    if symbol is None or len(given) == 2:
        return "given"
    reserve = f"the bundled Aave v3 reserve {symbol} on {m.chain}, 2025-10-23"
    return f"{given[0]} given, the other from {reserve}" if given else reserve


def _reserve_rates(m: LendingModel, key: str) -> tuple[float, float, str | None]:
    """A lending market's liquidation threshold and bonus, and its bundled reserve's symbol.

    The bundled Aave v3 snapshot (:func:`liqcascade.margin.aave_reserve`) gives both,
    each overridden by the key given. A reserve the snapshot lacks (an Aave Horizon RWA
    asset such as USTB, a new listing) runs on the two given, its symbol None; without
    both it is refused, naming what to give.

    Parameters
    ----------
    m : LendingModel
        The ``[[lending]]`` table.
    key : str
        The table's place in the file (``"c.toml: lending[0]"``), the messages' prefix.

    Returns
    -------
    (float, float, str or None)
        Liquidation threshold (fraction), liquidation bonus (multiplier, 1.05 = 5 %) and
        the snapshot's symbol (None for a reserve it lacks).
    """
    from liqcascade.margin import aave_reserve

    lt, bonus = m.liq_threshold, m.liq_bonus
    try:
        res = aave_reserve(m.collateral, m.chain)
    except InputError as e:
        if lt is not None and bonus is not None:
            return lt, bonus, None
        missing = " and ".join(k for k, v in (("liq_threshold", lt), ("liq_bonus", bonus))
                               if v is None)  # fmt: skip
        raise InputError(
            f"{key}.collateral: {e} (bundled Aave v3 snapshot, 2025-10-23): give {missing} "
            "to use it (liq_threshold a fraction, liq_bonus a multiplier: 88 % and 3 % are "
            "0.88 and 1.03; Aave Horizon's RWA reserves are in "
            "liqcascade.datasets.load_aave_horizon_params(), in percent)"
        ) from None
    return (res.liquidation_threshold if lt is None else lt,
            res.liquidation_bonus if bonus is None else bonus, res.symbol)  # fmt: skip


def build_setup(
    cfg: ConfigModel, where: str = "config", cache: dict[Any, Any] | None = None
) -> ContagionSetup:
    """Build venues, links and lending markets from a validated configuration.

    Parameters
    ----------
    cfg : ConfigModel
        A validated configuration (:func:`parse_config`, :func:`load_config`).
    where : str, default "config"
        What the configuration is (a file name), the prefix of error messages.
    cache : dict, optional
        Estimated markets by as-of date, shared between calls (filled in place) so
        venues and runs that use the same date estimate it once.

    Returns
    -------
    ContagionSetup

    Raises
    ------
    InputError
        A value the data cannot supply (a missing bar, a price 10x from the venues'
        mid, an unreadable file); the message names the key.
    """
    from liqcascade.book import OrderBook
    from liqcascade.positions import read_positions, read_stops

    cache = {} if cache is None else cache
    base: Path = getattr(cfg, "_base_dir", Path.cwd())
    notes: dict[str, Any] = {"venues": {}}
    venues: list[Venue] = []
    for i, v in enumerate(cfg.venues):
        key = f"{where}: venues[{i}]"
        mid = v.mid
        # the mid's instant (its hourly bar's close): the estimated market is read by then
        by = to_utc(v.mid_at, f"{key}.mid_at") + pd.Timedelta(hours=1) if v.mid_at else None
        if mid is None and v.mid_at is not None:
            mid = float(_bar(v.data_venue or v.name, "ETH", to_utc(v.mid_at, f"{key}.mid_at"),
                             f"{key}.mid_at")["close"])  # fmt: skip
        share = v.share
        if share == "volume":
            at = to_utc(v.mid_at or "", f"{key}.mid_at") if v.mid_at else None
            if at is None:
                raise InputError(f"{key}.share: 'volume' needs mid_at")
            share = BINANCE_BOOK_SHARE * _volume_share(v.data_venue or v.name, at)
        share_f = float(share)
        if isinstance(v.book, ParametricBook):
            assert mid is not None
            b = v.book
            beta = b.beta
            if beta is None:  # the asset's own calibrated exponent: say whose it is
                beta, whose = _default_book_beta(cfg.simulation.asset)
                notes["venues"].setdefault(v.name, {})["book_beta"] = whose
            book = OrderBook.parametric(mid, b.d1_usd_bid, b.d1_usd_ask, beta=beta,
                                        n_levels=b.n_levels,
                                        max_distance=b.max_distance)  # fmt: skip
        elif isinstance(v.book, FileBook):
            book = OrderBook.from_file(resolve_config_path(base, v.book.path, f"{key}.book.path"),
                                       mid=mid)  # fmt: skip
            mid = book.mid
        else:
            assert mid is not None
            ms = _market_state(v.book.as_of, cache, by, f"{key}.mid_at")
            book = ms.recentred_book(mid, scale=share_f)
        if isinstance(v.positions, FilePositions):
            f_pos = resolve_config_path(base, v.positions.path, f"{key}.positions.path")
            ref, ref_name = book.mid, f"{key}'s mid"  # 10x away from it: a unit error
            pos = read_positions(f_pos, venue=v.positions.margin_rules, reference_price=ref,
                                 reference=ref_name)  # fmt: skip
            stops = (read_stops(resolve_config_path(base, v.positions.stops,
                                                    f"{key}.positions.stops"),
                                reference_price=ref, reference=ref_name)
                     if v.positions.stops else None)  # fmt: skip
        else:
            ms = _market_state(v.positions.as_of, cache, by, f"{key}.mid_at")
            assert mid is not None
            pos, st = _rebase(ms, mid, share_f / BINANCE_BOOK_SHARE)
            pos = reprice(pos, v.positions.margin_rules)
            stops = st if v.positions.stops else None
            units = book_units(ms)
            notes["venues"].setdefault(v.name, {}).update(
                {**{f"positions_{k}": t for k, t in market_times(ms, iso=True).items()},
                 "share": share_f, "mid": mid,
                 "feed_per_market_usd": math.nan if units is None else units.feed_per_market_usd,
                 "margin_rules": v.positions.margin_rules})  # fmt: skip
        venues.append(Venue(v.name, book, pos, stops, v.insurance_fund,
                            CascadeConfig(refill_fraction=v.refill_fraction,
                                          liquidation_fee=v.liquidation_fee)))  # fmt: skip
    links = [Link(ln.from_, ln.to, ln.cost, ln.capacity_usd) for ln in cfg.links]
    lending: list[LendingMarket] = []
    for i, m in enumerate(cfg.lending):
        key = f"{where}: lending[{i}]"
        lt, bonus, symbol = _reserve_rates(m, key)
        price = m.collateral_price
        if price is None:
            if symbol is None:
                raise InputError(f"{key}.collateral_price: {m.collateral!r} is not in the bundled "
                                 "Aave v3 snapshot, so no bundled close prices it: give "
                                 "collateral_price (USD)")  # fmt: skip
            price = _reserve_close(symbol, to_utc(m.collateral_price_at or "", key), key)
        if symbol is not None and RESERVE_CLOSES.get(symbol.upper()) == "ETH":  # the venues' ETH
            _check_collateral_price(price, m.oracle.sources, venues, key)
        beta, beta_source = _beta(m)
        if m.beta == "from_data":  # a given beta was checked when the file was read
            check_beta(beta, f"{key}.beta (from_data: {beta_source})")
        snap = None
        if isinstance(m.accounts, SnapshotAccounts):  # every debt, each leg priced
            legs, snap = _snapshot_legs(m, key, cfg.simulation.asset)
        else:
            legs = _account_legs(m, i, base, where)
        coll = legs["collateral"]
        # every leg's USD at the start price: the debt the drop and the notes read
        debt = (legs["debt_usd"] + legs.get("debt_collateral", 0.0) * price
                + legs.get("debt_source_usd", 0.0))  # fmt: skip
        n_dropped = n_by_lt = 0
        own = lt
        ids = np.arange(1, coll.size + 1)  # each account's data row in its table or file
        if m.drop_initially_liquidatable:
            # accounts already below HF 1 before the shock hold collateral the data do not
            # show (other assets) or are stale: they are not part of the crash
            keep = _health(coll, debt, price, lt) >= 1.0
            n_dropped = int((~keep).sum())
            if symbol is not None and m.liq_threshold is not None:
                # a threshold below the reserve's puts accounts below HF 1 that are above it
                # at the reserve's own: the drop removes the very accounts the lower
                # threshold liquidates, which the output says
                own = _reserve_rates(m.model_copy(update={"liq_threshold": None}), key)[0]
                n_by_lt = int((~keep & (_health(coll, debt, price, own) >= 1.0)).sum())
            legs = {k: v[keep] for k, v in legs.items()}
            coll, debt, ids = coll[keep], debt[keep], ids[keep]
        try:  # the market's own rules (LT x bonus <= 1), named by the file's key
            lending.append(LendingMarket(m.name, coll, legs["debt_usd"], lt, bonus,
                                         Oracle(tuple(m.oracle.sources), m.oracle.deviation,
                                                m.oracle.heartbeat, m.oracle.aggregate),
                                         collateral_price=price, beta=beta, sell_to=m.sell_to,
                                         dex_depth_usd=m.dex_depth_usd,
                                         protocol_fee=m.protocol_fee,
                                         n_dropped_initially_liquidatable=n_dropped,
                                         debt_collateral=legs.get("debt_collateral"),
                                         debt_source_usd=legs.get("debt_source_usd"),
                                         account_ids=ids))  # fmt: skip
        except InputError as e:
            why = str(e).removeprefix(f"lending {m.name!r}: ")
            raise InputError(f"{key}{f'.{e.param}' if e.param else ''}: {why}") from None
        notes[m.name] = {"collateral": m.collateral,
                         "liq_threshold": lt, "liq_bonus": bonus, "collateral_price": price,
                         "rules_source": _rules_source(m, symbol),
                         "beta": beta, "beta_source": beta_source,
                         "n_accounts": int(coll.size),
                         "n_dropped_initially_liquidatable": n_dropped,
                         "n_dropped_only_at_given_lt": n_by_lt, "reserve_liq_threshold": own,
                         "snapshot_priced_at": (m.collateral_price_at
                                                if isinstance(m.accounts, SnapshotAccounts)
                                                and m.collateral_price is None else None),
                         "collateral_usd": float(coll.sum() * price),
                         "debt_usd": float(debt.sum()),
                         **({} if snap is None else {"snapshot_counts": snap.counts_text(),
                                                     "n_unpriced": snap.n_unpriced})}  # fmt: skip
    s = cfg.shock
    shock: dict[str, float] = {}
    if s.fraction is not None:
        shock["shock"] = s.fraction
    elif s.price is not None:
        shock["shock_price"] = s.price
    elif s.sell_usd is not None:
        shock["shock_sell_usd"] = s.sell_usd
    else:
        assert s.buy_usd is not None
        shock["shock_buy_usd"] = s.buy_usd
    mids = [to_utc(v.mid_at, f"venues[{i}].mid_at") for i, v in enumerate(cfg.venues) if v.mid_at]
    told = tuple(a.model_dump() for a in cfg.assumptions)
    return ContagionSetup(venues, links, lending, s.venue, shock, cfg.simulation.max_rounds, notes,
                          cfg.simulation.liquidity, max(mids) if mids else None,
                          s.scope, cfg.simulation.asset,
                          told + tuple(oracle_assumption(m) for m in lending))  # fmt: skip
