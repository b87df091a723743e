"""Every unusable input ends in one line naming the file and the problem, exit 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tests.conftest import APK_FIXTURES

from lendguard.probes import ProbeError
from lendguard.probes.apk import probe_apk
from lendguard.rulebase import RuleBase


def _manifest(built_apks: dict[str, Path]) -> bytes:
    with zipfile.ZipFile(built_apks["cleanloan"]) as archive:
        return archive.read("AndroidManifest.xml")


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory, built_apks: dict[str, Path]) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    cases: dict[str, Path] = {}

    cases["empty"] = folder / "empty.apk"
    cases["empty"].write_bytes(b"")

    cases["not_zip"] = folder / "not_zip.apk"
    cases["not_zip"].write_bytes(b"This is a text file pretending to be an APK.\n" * 50)

    raw = built_apks["loanapp"].read_bytes()
    cases["truncated"] = folder / "truncated.apk"
    cases["truncated"].write_bytes(raw[: len(raw) // 2])

    cases["no_manifest"] = folder / "no_manifest.apk"
    with zipfile.ZipFile(cases["no_manifest"], "w") as archive:
        archive.writestr("classes.dex", b"dex\n035\0")

    cases["tampered_manifest"] = folder / "tampered_manifest.apk"
    with zipfile.ZipFile(cases["tampered_manifest"], "w") as archive:
        archive.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00garbage, not a binary manifest" * 20)

    cases["zip_bomb"] = folder / "zip_bomb.apk"
    with zipfile.ZipFile(cases["zip_bomb"], "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("AndroidManifest.xml", _manifest(built_apks))
        with archive.open("assets/bomb.bin", "w") as bomb:
            chunk = b"\0" * (1 << 20)
            for _ in range(150):
                bomb.write(chunk)

    cases["directory"] = folder / "folder.apk"
    cases["directory"].mkdir()
    cases["missing"] = folder / "missing.apk"
    return cases


EXPECTED = {
    "empty": "empty file",
    "not_zip": "no readable ZIP central directory",
    "truncated": "no readable ZIP central directory",
    "no_manifest": "no AndroidManifest.xml",
    "tampered_manifest": "AndroidManifest.xml cannot be parsed",
    "zip_bomb": "zip bomb",
    "directory": "is a directory",
    "missing": "no such file",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_probe_refuses_with_a_named_problem(case: str, bad_inputs: dict[str, Path], rulebase: RuleBase) -> None:
    with pytest.raises(ProbeError) as raised:
        probe_apk(bad_inputs[case], rulebase)
    message = str(raised.value)
    assert message.startswith(str(bad_inputs[case]))
    assert EXPECTED[case] in message
    assert "\n" not in message


@pytest.mark.parametrize("case", ["not_zip", "zip_bomb", "directory"])
def test_cli_prints_one_line_and_exits_2(case: str, bad_inputs: dict[str, Path]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lendguard", "apk", str(bad_inputs[case])], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"lendguard: error: {bad_inputs[case]}: ")
    assert "Traceback" not in result.stderr + result.stdout


def test_one_bad_file_does_not_stop_the_batch(bad_inputs: dict[str, Path], built_apks: dict[str, Path]) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lendguard",
            "apk",
            str(built_apks["loanapp"]),
            str(bad_inputs["not_zip"]),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    documents = result.stdout.strip().splitlines()
    assert len(documents) == 2
    assert '"identity": "com.example.kuaijie"' in documents[0].replace('":"', '": "')
    assert '"outcome":"inconclusive"' in documents[1].replace('": "', '":"')


@pytest.mark.parametrize(
    "name",
    [
        "eocd_at_offset_1026.apk",
        "minimal_SIZE_ExtraField.apk",
        "minimal_zero_sized_end_ns.apk",
        "truncated-cd.apk",
    ],
)
def test_tampered_but_installable_archives_are_still_audited(name: str, rulebase: RuleBase) -> None:
    # Android installs these apkInspector cases; an auditor must read them as Android does.
    evidence = probe_apk(APK_FIXTURES / "malformed" / name, rulebase)
    assert evidence.package
