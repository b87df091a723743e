"""Hostile input (issue #12): every case ends in one line on stderr and exit 2 (or an inconclusive
target), never a traceback, a hang, a huge output or lost data."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.conftest import run_cli

from lendguard.probes import ProbeError
from lendguard.probes.yamlsafe import YamlLimits, load_yaml, loads_yaml

BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
ALIAS_BOMB = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + BILLION_LAUGHS


def _one_line_exit_2(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (ALIAS_BOMB, "aliases expand beyond"),
        ("x: &x " + "[" * 20_000 + "]" * 20_000 + "\n", "nested deeper than"),
        ("[" * 20_000 + "]" * 20_000, "nested deeper than"),
        ("as_of: 2026-02-30\n", "impossible date '2026-02-30'"),
        ("n: " + "9" * 5000 + "\n", "unusable number"),
        ("a: &a [*a]\n", "aliases expand beyond"),
        ("!!python/object/apply:os.system ['true']\n", "could not determine a constructor"),
        ("a: 1\n---\nb: 2\n", "another document"),
    ],
)
def test_yaml_loader_refuses_bombs_depth_and_bad_values(text: str, problem: str) -> None:
    with pytest.raises(ProbeError, match=r"x\.yaml: ") as raised:
        loads_yaml(text, "x.yaml")
    assert problem in str(raised.value) and "\n" not in str(raised.value)


def test_yaml_loader_bounds_aliases_strings_and_size(tmp_path: Path) -> None:
    small = YamlLimits(max_bytes=1000, max_aliases=3, max_scalar=10)
    with pytest.raises(ProbeError, match="more than 3 aliases"):
        loads_yaml("a: &a 1\nb: [*a, *a, *a, *a]\n", "x", small)
    with pytest.raises(ProbeError, match="longer than 10 characters"):
        loads_yaml("a: 01234567890\n", "x", small)
    with pytest.raises(ProbeError, match="larger than 1,000 bytes"):
        loads_yaml("a: 1\n" * 300, "x", small)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * 300)
    with pytest.raises(ProbeError, match="larger than 1,000 bytes"):
        load_yaml(big, small)
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("平台: 快借".encode("gbk"))
    with pytest.raises(ProbeError, match="not UTF-8"):
        load_yaml(gbk)


def test_yaml_loader_keeps_ordinary_documents() -> None:
    document = loads_yaml("a: &a {x: 1}\nb: {<<: *a, y: 2}\nwhen: 2026-02-28\nlist: [1, 2]\n", "x")
    assert document["b"] == {"x": 1, "y": 2} and str(document["when"]) == "2026-02-28"


def test_governance_yaml_impossible_date_and_deep_sequence_exit_2(tmp_path: Path) -> None:
    for name, text in (
        ("date.yaml", "platform: x\nas_of: 2026-02-30\n"),
        ("deep.yaml", "platform: x\nas_of: 2026-01-01\nbreaches: " + "[" * 20_000 + "]" * 20_000 + "\n"),
        ("bomb.yaml", ALIAS_BOMB + "platform: *i\nas_of: 2026-01-01\n"),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        stderr = _one_line_exit_2(run_cli("org", str(path)))
        assert str(path) in stderr


def test_manifest_alias_bomb_is_refused_before_any_report(tmp_path: Path) -> None:
    manifest = tmp_path / "inspection.yaml"
    manifest.write_text(ALIAS_BOMB + "platform: *i\ntargets: {org: [governance.yaml]}\n", encoding="utf-8")
    stderr = _one_line_exit_2(run_cli("audit", str(manifest), "--output", str(tmp_path / "out")))
    assert "aliases expand beyond" in stderr and not (tmp_path / "out" / "report.html").exists()
