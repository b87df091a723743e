"""Benchmark: `lendguard apk` evidence collection vs androguard AnalyzeAPK + equivalent xref lookups.

Each side runs in its own process per APK (so peak RSS is that side's alone); the figures are the
time of the analysis inside the process, without interpreter start-up. The evidence both sides find
is compared: permissions and method references must be identical. Field references are reported
separately because androguard's Analysis does not index reads of framework static fields (such as
ContactsContract...CONTENT_URI), which the dex field table shows directly.

    .venv/bin/python bench/apk.py [APK ...]   (default: shared fixtures + a synthetic 6-dex app)
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO.parent / "shared" / "fixtures" / "apk"
DEFAULT_APKS = [
    FIXTURES / "a2dp.Vol_137.apk",
    FIXTURES / "com.teleca.jamendo_35.apk",
    FIXTURES / "com.politedroid_4.apk",
]
ROUNDS = 3


def _signatures() -> tuple[list[tuple[str, tuple[str, ...]]], list[str]]:
    """(method, strings the method needs beside it) pairs and field members of the rule base."""
    from lendguard.rulebase import load_rulebase

    apis = load_rulebase().android.apis
    methods = sorted({(m, a.requires_strings) for a in apis for m in a.methods})
    return methods, sorted({f for a in apis for f in a.fields})


def worker_lendguard(path: str) -> dict[str, object]:
    from lendguard.probes.apk import probe_apk
    from lendguard.rulebase import load_rulebase

    rulebase = load_rulebase()
    start = time.perf_counter()
    for _ in range(ROUNDS):
        evidence = probe_apk(Path(path), rulebase)
    seconds = (time.perf_counter() - start) / ROUNDS
    return {
        "seconds": seconds,
        "permissions": sorted(evidence.permissions),
        "methods": sorted({r.member for r in evidence.code_refs if r.kind == "method"}),
        "fields": sorted({r.member for r in evidence.code_refs if r.kind == "field"}),
    }


def worker_androguard(path: str) -> dict[str, object]:
    from loguru import logger

    logger.remove()
    from androguard.misc import AnalyzeAPK

    methods, fields = _signatures()
    start = time.perf_counter()
    apk, _, dx = AnalyzeAPK(path)
    found_methods, found_fields = set(), set()
    for member, needed_strings in methods:
        cls, name = member.split("->")
        if needed_strings and not any(any(True for _ in dx.find_strings(f"^{re.escape(s)}$")) for s in needed_strings):
            continue
        if any(True for _ in dx.find_methods(classname=re.escape(cls), methodname=f"^{re.escape(name)}$")):
            found_methods.add(member)
    for member in fields:
        cls, name = member.split("->")
        if any(True for _ in dx.find_fields(classname=re.escape(cls), fieldname=f"^{re.escape(name)}$")):
            found_fields.add(member)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "permissions": sorted(set(apk.get_permissions())),
        "methods": sorted(found_methods),
        "fields": sorted(found_fields),
    }


def synthetic_multidex(folder: Path, copies: int = 6) -> Path:
    """A large multidex app like real lending APKs (10+ MB of dex): a2dp with its dex repeated."""
    from lendguard.probes.archive import open_apk  # reads the fixture's odd local headers as Android does

    archive = open_apk(FIXTURES / "a2dp.Vol_137.apk")
    target = folder / f"a2dp-multidex-x{copies}.apk"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in archive.names():
            out.writestr(name, archive.read(name))
        dex = archive.read("classes.dex")
        for number in range(2, copies + 1):
            out.writestr(f"classes{number}.dex", dex)
    return target


def _run(side: str, apk: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, __file__, "--worker", side, str(apk)], capture_output=True, text=True, check=True
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main(paths: list[Path]) -> None:
    print(f"{'APK':32} {'lendguard s':>12} {'MB':>6} {'androguard s':>13} {'MB':>6} {'speed-up':>9}  evidence")
    total_ours = total_theirs = 0.0
    for apk in paths:
        ours, theirs = _run("lendguard", apk), _run("androguard", apk)
        assert isinstance(ours["seconds"], float) and isinstance(theirs["seconds"], float)
        total_ours += ours["seconds"]
        total_theirs += theirs["seconds"]
        same = ours["permissions"] == theirs["permissions"] and ours["methods"] == theirs["methods"]
        extra_fields = sorted(set(ours["fields"]) - set(theirs["fields"]))  # type: ignore[call-overload]
        verdict = "identical permissions+methods" if same else "DIFFERENT"
        if extra_fields:
            verdict += f"; +{len(extra_fields)} field refs androguard's xrefs miss"
        print(
            f"{apk.name[:32]:32} {ours['seconds']:12.3f} {ours['rss_mb']:6.0f} {theirs['seconds']:13.3f} "
            f"{theirs['rss_mb']:6.0f} {theirs['seconds'] / ours['seconds']:8.1f}x  {verdict}"
        )
        if not same:
            print(
                f"  lendguard:  {ours['permissions']} {ours['methods']}\n  androguard: {theirs['permissions']} {theirs['methods']}"
            )
    print(f"{'total':32} {total_ours:12.3f} {'':6} {total_theirs:13.3f} {'':6} {total_theirs / total_ours:8.1f}x")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    if len(sys.argv) > 3 and sys.argv[1] == "--worker":
        figures = (worker_lendguard if sys.argv[2] == "lendguard" else worker_androguard)(sys.argv[3])
        figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
    else:
        with tempfile.TemporaryDirectory() as scratch:
            main([Path(p) for p in sys.argv[1:]] or [*DEFAULT_APKS, synthetic_multidex(Path(scratch))])
