"""The rule base's parsed-YAML cache: the same rule base as parsing, and never a stale file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lendguard.rulebase import load_rulebase, parsed_cache
from lendguard.rulebase import loader as loader_module


def _stored(folder: Path) -> list[Path]:
    return sorted(folder.glob("rulebase-*.json"))


def _fresh_rulebase() -> Any:
    load_rulebase.cache_clear()
    try:
        return load_rulebase()
    finally:
        load_rulebase.cache_clear()


def _counting(calls: list[str]) -> Any:
    def parse(text: str) -> Any:
        calls.append(text)
        return loader_module._yaml(text)

    return parse


def test_the_cached_rule_base_is_the_parsed_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", "off")
    parsed = _fresh_rulebase()
    assert not _stored(tmp_path)
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    assert _fresh_rulebase() == parsed  # parsed, then stored
    assert len(_stored(tmp_path)) >= 8  # one entry per YAML file

    def refused(text: str) -> Any:
        raise AssertionError("parsed although the file was cached")

    monkeypatch.setattr(loader_module, "_yaml", refused)
    assert _fresh_rulebase() == parsed


def test_a_changed_file_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    calls: list[str] = []
    parse = _counting(calls)
    assert parsed_cache.parsed("rules.yaml", "version: 1\n", parse) == {"version": 1}
    assert parsed_cache.parsed("rules.yaml", "version: 1\n", parse) == {"version": 1}
    assert parsed_cache.parsed("rules.yaml", "version: 2\n", parse) == {"version": 2}
    assert parsed_cache.parsed("other.yaml", "version: 1\n", parse) == {"version": 1}
    assert calls == ["version: 1\n", "version: 2\n", "version: 1\n"]


def test_a_damaged_entry_is_parsed_again_and_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    text = "rules: [a, b]\n"
    assert parsed_cache.parsed("rules.yaml", text, loader_module._yaml) == {"rules": ["a", "b"]}
    [entry] = _stored(tmp_path)
    good = entry.read_bytes()
    forged = good.replace(b'"a"', b'"x"')  # the digest no longer matches the body
    for damage in (good[: len(good) // 2], forged, b"", b"\xff" * 80):
        entry.write_bytes(damage)
        calls: list[str] = []
        assert parsed_cache.parsed("rules.yaml", text, _counting(calls)) == {"rules": ["a", "b"]}
        assert calls == [text] and entry.read_bytes() == good


def test_a_document_json_cannot_hold_exactly_is_never_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    for text, document in (("day: 2026-12-03\n", {"day": date(2026, 12, 3)}), ("1: one\n", {1: "one"})):
        assert parsed_cache.parsed("x.yaml", text, loader_module._yaml) == document
    assert not _stored(tmp_path)
    assert parsed_cache.parsed("x.yaml", "a: 1.0\nb: true\n", loader_module._yaml) == {"a": 1.0, "b": True}
    assert len(_stored(tmp_path)) == 1
    cached = parsed_cache.parsed("x.yaml", "a: 1.0\nb: true\n", loader_module._yaml)
    assert [type(value) for value in cached.values()] == [float, bool]


def test_an_unwritable_folder_parses_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(blocker / "cache"))
    assert parsed_cache.parsed("x.yaml", "a: 1\n", loader_module._yaml) == {"a": 1}


def test_invalid_yaml_is_a_rule_base_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    with pytest.raises(loader_module.RuleBaseError, match="rule base data is invalid"):
        parsed_cache.parsed("x.yaml", "a: [1\n", loader_module._yaml)
    assert not _stored(tmp_path)
