"""``_paths.read_json``: one message per way a user's JSON file can be wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqcascade._paths import read_json, read_utf8
from liqcascade.errors import InputError


def test_an_object_is_read(tmp_path: Path) -> None:
    f = tmp_path / "ok.json"
    f.write_text(json.dumps({"a": 1, "b": [1, 2]}), encoding="utf-8")
    assert read_json(f) == {"a": 1, "b": [1, 2]}
    assert read_json(str(f), "calibration file", max_bytes=1000) == {"a": 1, "b": [1, 2]}


def test_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "none.json"
    with pytest.raises(InputError, match=r"^.*none\.json: no such file$"):
        read_json(f)
    with pytest.raises(InputError, match=r"none\.json: no such file$"):
        read_json(f, max_bytes=10)


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r": is a folder, not a calibration file$"):
        read_json(tmp_path, "calibration file")
    with pytest.raises(InputError, match=r": is a folder, not a proof$"):
        read_json(tmp_path, "proof", max_bytes=10)


def test_not_utf8(tmp_path: Path) -> None:
    f = tmp_path / "latin1.json"
    f.write_bytes('{"note": "café"}'.encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.json: not a JSON file \(not UTF-8 text: "):
        read_json(f)
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_utf8(f)


def test_not_json_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('{\n  "a": 1,\n  "b": \n}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.json: not valid JSON \(Expecting value, line 4\)$"):
        read_json(f)


def test_nested_too_deeply_or_huge_integers(tmp_path: Path) -> None:
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputError, match=r"deep\.json: not valid JSON \(nested too deeply\)$"):
        read_json(f)
    f.write_text('{"n": ' + "9" * 5000 + "}", encoding="utf-8")
    with pytest.raises(InputError, match=r"deep\.json: not valid JSON \(.*digits"):
        read_json(f)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("[1, 2]", "a list"), ('"x"', "a string"), ("3.5", "a number"), ("null", "null")],
)
def test_not_an_object(tmp_path: Path, text: str, kind: str) -> None:
    f = tmp_path / "list.json"
    f.write_text(text, encoding="utf-8")
    want = rf"list\.json: a proof must be a JSON object \(\{{\.\.\.\}}\), not {kind}$"
    with pytest.raises(InputError, match=want):
        read_json(f, "proof")


def test_too_big_is_refused_before_reading(tmp_path: Path) -> None:
    f = tmp_path / "big.json"
    f.write_bytes(b'{"x": "' + b"\xff" * 2000 + b'"}')  # not UTF-8: the size is said first
    want = r"big\.json: 2,009 bytes; a proof is at most 1,000 bytes$"
    with pytest.raises(InputError, match=want):
        read_json(f, "proof", max_bytes=1000)
    f.write_text('{"x": 1}', encoding="utf-8")
    assert read_json(f, "proof", max_bytes=8) == {"x": 1}  # exactly the cap is accepted
