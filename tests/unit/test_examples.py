"""The example platform: the tracked APK is what its smali sources build, so `make demo` keeps it."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO
from tools.same_zip import same


def test_tracked_example_apk_matches_its_sources(built_apks: dict[str, Path]) -> None:
    assert same(built_apks["loanapp"], REPO / "examples" / "loanapp.apk"), (
        "examples/loanapp.apk is stale: run `make examples/loanapp.apk` and commit it"
    )


def test_same_zip_compares_contents_not_timestamps(built_apks: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy.apk"
    shutil.copy(built_apks["loanapp"], copy)
    assert same(built_apks["loanapp"], copy)
    assert not same(built_apks["loanapp"], built_apks["cleanloan"])
    assert not same(built_apks["loanapp"], tmp_path / "missing.apk")
