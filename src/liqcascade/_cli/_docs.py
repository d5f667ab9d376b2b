"""Where a message's ``docs/PAGE.md`` is, for the user running the command line.

Help texts and messages name the documentation pages as the repository lays them out
(``docs/contagion.md``). The wheel ships those pages inside the package
(``liqcascade/docs/PAGE.md``, pyproject's ``force-include``), since an installed user has
no repository: when the package holds them, :func:`installed_docs` names each page by the
path of its installed copy, which the user can open. In a checkout the package holds none
and ``docs/PAGE.md`` is the repository's own folder: the text is left as written.
"""

from __future__ import annotations

import re
from pathlib import Path

#: The pages' folder inside an installed package (absent in a checkout).
PAGES_DIR = Path(__file__).resolve().parents[1] / "docs"

#: ``docs/PAGE.md`` as messages write it (not inside a longer path).
_PAGE = re.compile(r"(?<![\w/.\-])docs/([a-z0-9_]+\.md)\b")


def installed_docs(text: str) -> str:
    """``text`` with each ``docs/PAGE.md`` named by its installed copy's path, if shipped.

    Parameters
    ----------
    text : str
        A help text or a message.

    Returns
    -------
    str
        The text; ``docs/contagion.md`` reads ``/…/site-packages/liqcascade/docs/
        contagion.md`` where the package ships that page, and is kept otherwise.
    """
    if "docs/" not in text or not PAGES_DIR.is_dir():
        return text

    def path(m: re.Match[str]) -> str:
        page = PAGES_DIR / m[1]
        return str(page) if page.is_file() else m[0]

    return _PAGE.sub(path, text)
