"""Benchmark: policies audited per second on the CAPP-130 original policies (all POL-* checks).

.venv/bin/python bench/policy.py [--limit 130]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from lendguard.engine import audit_policy  # noqa: E402
from lendguard.rulebase import load_rulebase  # noqa: E402

ORIGINALS = REPO.parent / "shared" / "datasets" / "CAPP-130" / "CAPP_130_Corpus" / "Original_policies"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=130)
    args = parser.parse_args()
    paths = sorted(ORIGINALS.glob("*.txt"))[: args.limit]
    rulebase = load_rulebase()
    audit_policy(paths[0], rulebase)  # load the router and jieba's dictionary outside the timing
    start = time.perf_counter()
    clauses = characters = 0
    for path in paths:
        report = audit_policy(path, rulebase)
        assert report.error is None, report.error
        clauses += len(report.evidence.clauses)  # type: ignore[union-attr]
        characters += len(report.evidence.text)  # type: ignore[union-attr]
    seconds = time.perf_counter() - start
    print(f"{len(paths)} CAPP-130 policies, {clauses:,} clauses, {characters / 1e6:.2f} M characters: {seconds:.1f} s")
    print(f"{len(paths) / seconds:.2f} policies/s, {clauses / seconds:,.0f} clauses/s")


if __name__ == "__main__":
    main()
