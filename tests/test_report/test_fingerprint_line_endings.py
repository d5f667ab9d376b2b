"""The bundle's digest, which every data fingerprint starts from, ignores line endings.

A Windows checkout (git's ``core.autocrlf``) writes the bundle's CSV and JSON files with
CRLF endings: hashed as bytes, the same data gave another fingerprint, and ``liqcascade
diff`` said "changed". Binary files (parquet) are hashed as they are.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from liqcascade.report._build import _bundled_digest, tree_digest


def _tree(root: Path, eol: bytes, parquet: bytes = b"PAR1\r\n\x00") -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "a.csv").write_bytes(eol.join([b"time,close", b"1,2.5", b""]))
    (root / "sub" / "b.json").write_bytes(eol.join([b"{", b'  "x": 1', b"}", b""]))
    (root / "c.parquet").write_bytes(parquet)
    return root


def test_crlf_text_files_hash_as_lf_and_binary_bytes_count(tmp_path: Path) -> None:
    lf = tree_digest(_tree(tmp_path / "lf", b"\n"))
    assert tree_digest(_tree(tmp_path / "crlf", b"\r\n")) == lf
    # a binary file's bytes are its content: a CR in it is data
    assert tree_digest(_tree(tmp_path / "bin", b"\n", parquet=b"PAR1\n\x00")) != lf
    # content and names still count
    other = _tree(tmp_path / "other", b"\n")
    (other / "a.csv").write_bytes(b"time,close\n1,2.6\n")
    assert tree_digest(other) != lf


def test_the_bundle_digest_is_unchanged_on_lf_files() -> None:
    """The bundle's text files hold no CR: the digest is the bytes' own (fingerprints as before)."""
    from importlib.resources import files

    root = files("liqcascade.data.bundled") / "_files"
    h = hashlib.sha256()
    stack = [root]
    while stack:
        for f in sorted(stack.pop().iterdir(), key=lambda p: p.name, reverse=True):
            if f.is_dir():
                stack.append(f)
            elif f.is_file():
                h.update(f.name.encode())
                h.update(f.read_bytes())
    assert _bundled_digest() == h.hexdigest()
