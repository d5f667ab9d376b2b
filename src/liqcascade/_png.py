"""PNG export of plotly figures: kaleido, offline, one browser for several figures.

plotly's ``write_image`` renders through kaleido 1.x, whose one-shot calls
(``calc_fig_sync``) start a headless Chrome for each figure: several seconds each on an
idle machine, far more under load. A ``kaleido.Kaleido`` session opens a page that loads
plotly.js and kaleido's own script (``kaleido_scopes.js``) once and renders figure after
figure in it (the first render also waits for plotly.js; each later one takes a fraction
of a second). Under CPU load a fresh tab's wait can end on the blank tab's own late load
event, before the page's scripts ran; the render then fails with ``ReferenceError:
kaleido_scopes is not defined`` (seen once in the test suite on a loaded machine). The
failure is immediate (kaleido's 90-s render timeout is not what fails).

:func:`render_pngs` and :func:`write_pngs` (and :func:`render_png`, :func:`write_png`,
their one-figure cases) therefore:

- render every figure of one call in one browser session, with kaleido directly and
  without MathJax: kaleido's default page otherwise requests MathJax from a CDN in its
  ``<head>`` (a network request, blocking the scripts after it, for figures that use no
  LaTeX); plotly.js is the copy inside the plotly package, so the page reads local
  files only;
- retry a failed render in a fresh browser (``attempts`` renders of each figure in all,
  with a short pause; the figures after it are rendered in that new browser), except
  when no Chrome is found, which no retry mends;
- write the files atomically, all of them or none (temporary files, then renames), so
  a failed export leaves no partial PNG;
- raise :class:`PngExportError` (a ``RuntimeError`` whose message starts "PNG export
  failed") naming the attempts, kaleido's version and the last error when every attempt
  at a figure failed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from liqcascade._paths import write_all_atomic

__all__ = ["PngExportError", "render_png", "render_pngs", "write_png", "write_pngs"]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
"""The eight bytes every PNG file starts with."""


class PngExportError(RuntimeError):
    """A figure could not be rendered to PNG (kaleido or its Chrome missing or failing)."""


def _kaleido_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kaleido")
    except PackageNotFoundError:  # not installed: the import below says so
        return "not installed"


def _kaleido_options() -> dict[str, Any]:
    """``kaleido.Kaleido``'s options: no MathJax; the plotly.js the user chose, if any."""
    kopts: dict[str, Any] = {"mathjax": False}
    try:  # a plotly.js the user chose for plotly's own export (pio.defaults.plotlyjs)
        import plotly.io as pio

        if getattr(pio.defaults, "plotlyjs", None):
            kopts["plotlyjs"] = pio.defaults.plotlyjs
    except ImportError:  # pragma: no cover - plotly is a dependency
        pass
    return kopts


def _in_own_loop(make: Any) -> Any:
    """``asyncio.run(make())`` in a thread of its own, whatever loop the caller runs.

    A caller inside an event loop (a notebook) cannot ``asyncio.run``; kaleido's own
    sync calls run their loop in a thread the same way.
    """
    import asyncio

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=run, name="liqcascade-png")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def render_pngs(figs: Sequence[Any], *, width: int, height: int, attempts: int = 3) -> list[bytes]:
    """Render several figures to PNG bytes in one browser, retrying a failed render.

    Parameters
    ----------
    figs : sequence of plotly.graph_objects.Figure or dict
        The figures, rendered in this order.
    width, height : int
        Image size of each, pixels.
    attempts : int, default 3
        Renders of each figure tried in all: after a failure the browser is closed and
        a fresh one renders that figure and the ones after it, 0.5 s, then 1 s, ...
        later.

    Returns
    -------
    list of bytes
        Each figure's PNG file bytes, in the order of ``figs``.

    Raises
    ------
    PngExportError
        When kaleido is not installed, no Chrome is found, or every attempt at one
        figure failed.
    """
    try:
        import kaleido
        from kaleido.errors import ChromeNotFoundError
    except ImportError as exc:
        raise PngExportError(f"PNG export failed: it needs the kaleido package ({exc})") from None
    specs = [fig if isinstance(fig, dict) else fig.to_dict() for fig in figs]
    opts = {"format": "png", "width": int(width), "height": int(height), "scale": 1}
    kopts = _kaleido_options()
    tries = max(1, int(attempts))
    done: list[bytes] = []
    failed = 0  # failed renders of the next figure to render, figs[len(done)]

    async def session() -> None:
        async with kaleido.Kaleido(n=1, **kopts) as browser:
            while len(done) < len(specs):
                data = bytes(await browser.calc_fig(specs[len(done)], opts=dict(opts)))
                if not data.startswith(PNG_MAGIC):
                    raise PngExportError(f"kaleido returned {len(data)} bytes that are not a PNG")
                done.append(data)

    while len(done) < len(specs):
        if failed:
            time.sleep(0.5 * failed)
        before = len(done)
        try:
            _in_own_loop(session)
        except ChromeNotFoundError:
            raise PngExportError(
                "PNG export failed: kaleido found no Chrome/Chromium; install one "
                "(plotly_get_chrome) or set BROWSER_PATH, e.g. /usr/bin/chromium"
            ) from None
        except Exception as exc:  # a misfired browser or render: a fresh browser
            if len(done) == len(specs):  # every figure rendered; the browser's exit failed
                break
            failed = 1 if len(done) > before else failed + 1
            if failed >= tries:
                raise PngExportError(
                    f"PNG export failed {tries} times with kaleido {_kaleido_version()} "
                    f"(last: {type(exc).__name__}: {exc}); plotly's image export needs "
                    "kaleido and a Chrome/Chromium (set BROWSER_PATH, e.g. /usr/bin/chromium)"
                ) from None
    return done


def render_png(fig: Any, *, width: int, height: int, attempts: int = 3) -> bytes:
    """Render ``fig`` to PNG bytes with kaleido, retrying a failed render.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure or dict
        The figure.
    width, height : int
        Image size, pixels.
    attempts : int, default 3
        Renders tried in all, each in a fresh browser, 0.5 s then 1 s apart.

    Returns
    -------
    bytes
        The PNG file's bytes.

    Raises
    ------
    PngExportError
        When kaleido is not installed, no Chrome is found, or every attempt failed.
    """
    return render_pngs([fig], width=width, height=height, attempts=attempts)[0]


def write_pngs(
    figs: Mapping[Path, Any] | Mapping[str, Any],
    *,
    width: int,
    height: int,
    attempts: int = 3,
) -> list[Path]:
    """Write each figure as a PNG file, all rendered in one browser, all written or none.

    Parameters
    ----------
    figs : mapping of str or Path to plotly.graph_objects.Figure or dict
        Each file to write (its folder must exist) and its figure.
    width, height : int
        Image size of each, pixels.
    attempts : int, default 3
        Renders of each figure tried before :class:`PngExportError` is raised (see
        :func:`render_pngs`); nothing is written then.

    Returns
    -------
    list of Path
        The files written, in the order of ``figs``.
    """
    paths = [Path(p) for p in figs]
    data = render_pngs(list(figs.values()), width=width, height=height, attempts=attempts)
    write_all_atomic(dict(zip(paths, data, strict=True)))
    return paths


def write_png(fig: Any, path: str | Path, *, width: int, height: int, attempts: int = 3) -> Path:
    """Write ``fig`` as a PNG file at ``path`` (atomically; see :func:`render_pngs`).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure or dict
        The figure.
    path : str or Path
        The file to write; its folder must exist.
    width, height : int
        Image size, pixels.
    attempts : int, default 3
        Renders tried in all before :class:`PngExportError` is raised.

    Returns
    -------
    Path
        ``path``.
    """
    return write_pngs({Path(path): fig}, width=width, height=height, attempts=attempts)[0]
