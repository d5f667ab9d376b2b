"""PNG export of a plotly figure: kaleido, offline, retried once the browser misfires.

plotly's ``write_image`` renders through kaleido 1.x, which starts a headless Chrome for
each call, opens a page that loads plotly.js and kaleido's own script
(``kaleido_scopes.js``), waits for the page's load event and then calls
``kaleido_scopes.plotly(...)`` in the page. Under CPU load the tab's wait can end on
the blank tab's own late load event, before the page's scripts ran; the call then fails
with ``ReferenceError: kaleido_scopes is not defined`` (seen once in the test suite on a
loaded machine). Nothing is shared between calls (each has its own browser and event
loop), and kaleido's 90-s render timeout is not what fails: the failure is immediate.

:func:`write_png` therefore:

- renders with kaleido directly, without MathJax: kaleido's default page otherwise
  requests MathJax from a CDN in its ``<head>`` (a network request, blocking the
  scripts after it, for figures that use no LaTeX); plotly.js is the copy inside the
  plotly package, so the page reads local files only;
- retries a failed render in a fresh browser (``attempts`` in all, with a short pause),
  except when no Chrome is found, which no retry mends;
- writes the file atomically (a temporary file, then a rename), so a failed export
  leaves no partial PNG;
- raises :class:`PngExportError` (a ``RuntimeError`` whose message starts "PNG export
  failed") naming the attempts, kaleido's version and the last error when every attempt
  failed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from liqcascade._paths import write_atomic

__all__ = ["PngExportError", "render_png", "write_png"]

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
    try:
        import kaleido
        from kaleido.errors import ChromeNotFoundError
    except ImportError as exc:
        raise PngExportError(f"PNG export failed: it needs the kaleido package ({exc})") from None
    spec = fig if isinstance(fig, dict) else fig.to_dict()
    opts = {"format": "png", "width": int(width), "height": int(height), "scale": 1}
    kopts: dict[str, Any] = {"mathjax": False}
    try:  # a plotly.js the user chose for plotly's own export (pio.defaults.plotlyjs)
        import plotly.io as pio

        if getattr(pio.defaults, "plotlyjs", None):
            kopts["plotlyjs"] = pio.defaults.plotlyjs
    except ImportError:  # pragma: no cover - plotly is a dependency
        pass
    last: BaseException | None = None
    for k in range(max(1, int(attempts))):
        if k:
            time.sleep(0.5 * k)
        try:
            out = kaleido.calc_fig_sync(spec, opts=opts, kopts=kopts)
        except ChromeNotFoundError:
            raise PngExportError(
                "PNG export failed: kaleido found no Chrome/Chromium; install one "
                "(plotly_get_chrome) or set BROWSER_PATH, e.g. /usr/bin/chromium"
            ) from None
        except Exception as exc:  # a misfired browser start: try a fresh one
            last = exc
            continue
        data = bytes(out)
        if data.startswith(PNG_MAGIC):
            return data
        last = PngExportError(f"kaleido returned {len(data)} bytes that are not a PNG")
    raise PngExportError(
        f"PNG export failed {max(1, int(attempts))} times with kaleido {_kaleido_version()} "
        f"(last: {type(last).__name__}: {last}); plotly's image export needs kaleido and a "
        "Chrome/Chromium (set BROWSER_PATH, e.g. /usr/bin/chromium)"
    )


def write_png(fig: Any, path: str | Path, *, width: int, height: int, attempts: int = 3) -> Path:
    """Write ``fig`` as a PNG file at ``path`` (atomically; see :func:`render_png`).

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
    return write_atomic(path, render_png(fig, width=width, height=height, attempts=attempts))
