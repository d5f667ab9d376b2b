"""``--asset`` of a command whose bundled scenario is ETH's (``contagion``, ``collateral``).

The option takes ETH (the default) and refuses any other asset before anything is
loaded, with the report's own words on why the scenario is ETH's
(:attr:`liqcascade.report.SectionSpec.why_eth_only`) and what to run instead.
"""

from __future__ import annotations

from typing import Annotated

import typer

from liqcascade._cli import _common

EthAsset = Annotated[
    str,
    typer.Option(
        "--asset",
        help="ETH only (the default): the bundled scenario, its preset and data are ETH's; "
        "another asset is refused, saying why.",
    ),
]


def refuse_other_asset(asset: str, command: str, instead: str) -> None:
    """Exit 2 with ``error: ...`` when ``asset`` is not ETH; nothing for ETH.

    Parameters
    ----------
    asset : str
        The ``--asset`` given (any case).
    command : str
        The command, also the id of its report section (``"contagion"``).
    instead : str
        What the user can run instead, in a few words.
    """
    if asset.strip().upper() == "ETH":
        return
    from liqcascade.report import SECTIONS

    why = next(s.why_eth_only for s in SECTIONS if s.id == command)
    _common.fail(f"--asset {asset}: {command} runs ETH's scenario only: {why}; {instead}")
