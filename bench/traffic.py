"""Benchmark: `lendguard traffic` on a large generated HAR (default 200 MB), streaming.

The capture repeats realistic lending-app sessions (address-book uploads, call logs, SMS, device
ids, app lists, ordinary API calls). The audit runs in a child process per size so peak RSS is the
audit's alone; memory must stay flat as the file grows.

    .venv/bin/python bench/traffic.py [--sizes 50,200]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]


def generate(path: Path, megabytes: int) -> int:
    """Write a HAR of about `megabytes` MB by streaming sessions into it; returns the entry count."""
    from tests.fixtures import har

    sessions = [har.harvesting_app(seed=s, contacts=40) for s in range(4)] + [har.careful_app(seed=s) for s in range(4)]
    chunks = [json.dumps(entry, ensure_ascii=False) for session in sessions for entry in session["log"]["entries"]]
    target, written, count = megabytes * 1_000_000, 0, 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": [')
        while written < target:
            for chunk in chunks:
                handle.write(("," if count else "") + chunk)
                written += len(chunk) + 1
                count += 1
        handle.write("]}}")
    return count


def worker(path: str) -> None:
    from lendguard.engine import audit_traffic
    from lendguard.rulebase import load_rulebase

    rulebase = load_rulebase()
    start = time.perf_counter()
    report = audit_traffic(Path(path), rulebase, first_party=("kuaijie-loan.example.cn", "anxin.example.cn"))
    seconds = time.perf_counter() - start
    failing = len({f.rule for f in report.findings if f.outcome.value == "fail"})
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "failed_rules": failing,
                "error": report.error,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50,200", help="HAR sizes in MB")
    args = parser.parse_args()
    print(f"{'HAR size':>10} {'entries':>9} {'seconds':>8} {'MB/s':>7} {'peak RSS':>9}  failed rules")
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(folder) / f"capture-{size}.har"
            entries = generate(path, size)
            real = path.stat().st_size / 1e6
            result = subprocess.run(
                [sys.executable, __file__, "--worker", str(path)], capture_output=True, text=True, check=True
            )
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{real:8.0f}MB {entries:9,} {figures['seconds']:8.1f} {real / figures['seconds']:7.1f} "
                f"{figures['rss_mb']:7.0f}MB  {figures['failed_rules']}"
            )
            path.unlink()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        main()
