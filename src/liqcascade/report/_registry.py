"""The registry of report sections.

Each section is registered once; the report, the CLI and the docs list them from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from liqcascade.report._section import ReportContext, Section

__all__ = ["SECTIONS", "SectionSpec", "get_section", "section_ids"]


@dataclass(frozen=True)
class SectionSpec:
    """One registered section.

    Parameters
    ----------
    id : str
        Anchor and summary.json key.
    title : str
        Heading, in the menu and the docs.
    module : str
        Module holding the builder (imported when the section runs).
    builder : str, default "section"
        Name of the builder, ``builder(ctx: ReportContext) -> Section``.
    summary : str
        One line for the docs: what the section answers.
    menu : str
        Short label of the menu.
    scope : {"asset", "all", "ETH"}
        ``"asset"``: run once per asset of the report (ids ``liqmap``, ``liqmap-btc``);
        ``"all"``: one run that covers every asset itself; ``"ETH"``: ETH only (the
        data or the scenario exist for ETH alone; the section says so).
    why_eth_only : str
        For an ETH-only section, one line on why it has no BTC block (shown in the
        section and on the front page).
    first_asset : bool, default False
        An ETH-only section that runs for the report's first asset when ETH is not
        asked (its parts read any asset's series: a store asset's report gets them).
    """

    id: str
    title: str
    module: str
    summary: str
    menu: str = ""
    builder: str = "section"
    scope: str = "ETH"
    why_eth_only: str = ""
    first_asset: bool = False

    def load(self) -> Callable[[ReportContext], Section]:
        """The builder function."""
        fn: Callable[[ReportContext], Section] = getattr(
            importlib.import_module(self.module), self.builder
        )
        return fn


_P = "liqcascade.report."

SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "data",
        "The data",
        _P + "_data_section",
        "What was measured, where and when.",
        menu="Data",
        why_eth_only="one provenance table lists every bundled file (BTC's included) and "
        "where each asset's series were read; its charts show ETH's series",
        first_asset=True,
    ),
    SectionSpec(
        "liqmap",
        "Where liquidations and stops cluster",
        _P + "_liqmap_section",
        "The liquidation map of the estimated book, its clusters, the $4,000 level.",
        menu="Liq. map",
        scope="asset",
    ),
    SectionSpec(
        "validation",
        "Are liquidation estimates any good?",
        _P + "_validation_section",
        "The estimated book against recorded liquidations, out of sample, against baselines.",
        menu="Validation",
        scope="all",
    ),
    SectionSpec(
        "cascade",
        "What a 5 % fall does now",
        _P + "_cascade_section",
        "The cascade on today's estimated market: critical shock, liquidity sensitivity.",
        menu="Cascade",
        scope="asset",
    ),
    SectionSpec(
        "volatility",
        "Volatility clustering and the leverage effect",
        _P + "_volatility_section",
        "Do large moves cluster, and do falls raise volatility more than rises?",
        menu="Volatility",
        scope="asset",
    ),
    SectionSpec(
        "support",
        "Support tests: what follows them",
        _P + "_support_section",
        "What follows a test of support, against every day and random levels.",
        menu="Support",
        scope="asset",
    ),
    SectionSpec(
        "stress",
        "Stress tests: crash replays and Monte Carlo",
        _P + "_stress_section",
        "30-day VaR and ES of a sample portfolio, with and without the cascade.",
        menu="Stress",
        scope="asset",
    ),
    SectionSpec(
        "solvency",
        "Can the buffer absorb it?",
        _P + "_solvency_section",
        "Bad debt of a venue against 6 / 10 / 14 % reserve buffers; ADL policies.",
        menu="Solvency",
        scope="asset",
    ),
    SectionSpec(
        "contagion",
        "Contagion: 2025-10-10 across venues and into Aave",
        _P + "_contagion_section",
        "The crash replayed across venues and a DeFi lending market.",
        menu="Contagion",
        why_eth_only="the 2025-10-10 contagion preset is an ETH scenario: ETH perpetual venues "
        "(their crash-hour candles, ETH's estimated book and liquidity calibration, its recorded "
        "lows) and the bundled Aave lending data, a WBTC/cbBTC-collateral market priced off those "
        "ETH venues through a BTC/ETH beta; no preset of BTC venues is bundled, so a report "
        "without ETH has no contagion replay",
    ),
    SectionSpec(
        "collateral",
        "Collateral priced on its own book: 2025-10-10",
        _P + "_collateral_section",
        "The collateral loop, counterfactual pricing, the smallest haircut per asset.",
        menu="Collateral",
        why_eth_only="the 2025-10-10 collateral preset is an ETH scenario (the ETH venues "
        "and USDe's own book); no preset for another asset is bundled",
    ),
    SectionSpec(
        "protect",
        "Placing stops that don't join the stampede",
        _P + "_protect_section",
        "Stop recommendations and the back-test of stop policies.",
        menu="Stops",
        scope="asset",
    ),
    SectionSpec(
        "transparency",
        "Do leverage and stop density warn of cascades?",
        _P + "_transparency_section",
        "Transparency metrics as early warnings of liquidation days.",
        menu="Warnings",
        scope="asset",
    ),
)
"""Every section, in report order."""


def section_ids() -> tuple[str, ...]:
    """The registered section ids, in report order."""
    return tuple(s.id for s in SECTIONS)


def get_section(sid: str) -> SectionSpec:
    """The registered section ``sid``.

    Raises
    ------
    liqcascade.errors.InputError
        If no section has that id.
    """
    for s in SECTIONS:
        if s.id == sid:
            return s
    from liqcascade.errors import InputError

    raise InputError(
        f"sections: unknown section {sid!r}; known: {', '.join(section_ids())}",
        param="sections",
    )
