"""Benchmark: LendGuard's PII scanner vs Presidio AnalyzerEngine with pattern recognizers.

Both sides get the same labelled corpus (tests/fixtures/pii_corpus.py: lending records, logs and
notes with look-alike decoys) and, for Presidio, the same regexes and check-digit validators as
PatternRecognizers on a NoOp NLP engine (no model: none can be downloaded here). Presidio has no
context words without an NLP model, which is part of what is measured. Prints MB/s, per-entity F1
and the ratio; then rows/s of a full `lendguard scan` of a generated N-row Parquet table.

    .venv/bin/python bench/scan.py [--lines 20000] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from tests.fixtures.pii_corpus import Line, corpus  # noqa: E402

from lendguard.detect import ENTITIES, Scanner  # noqa: E402


def presidio_engine():  # type: ignore[no-untyped-def]
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    registry = RecognizerRegistry(supported_languages=["zh"])
    for spec in ENTITIES:
        validator = spec.validator

        class Recognizer(PatternRecognizer):  # type: ignore[misc]
            def validate_result(self, pattern_text: str, _check=validator) -> bool | None:  # type: ignore[no-untyped-def]
                return (
                    None
                    if _check is None
                    else bool(_check(pattern_text.translate(str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx"))))
                )

        registry.add_recognizer(
            Recognizer(
                supported_entity=spec.name,
                supported_language="zh",
                patterns=[Pattern(spec.name, spec.regex, spec.peak_score or spec.score)],
                context=list(spec.context),
            )
        )
    nlp = NoOpNlpEngine(models=[{"lang_code": "zh", "model_name": "none"}])
    nlp.load()
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["zh"])


def f1_scores(lines: list[Line], found: list[list[tuple[str, str]]]) -> dict[str, float]:
    tp, predicted, actual = Counter(), Counter(), Counter()  # type: ignore[var-annotated]
    for line, hits in zip(lines, found, strict=True):
        truth = Counter(line.truth)
        for (entity, _), count in truth.items():
            actual[entity] += count
        for key, count in Counter(hits).items():
            predicted[key[0]] += count
            tp[key[0]] += min(count, truth.get(key, 0))
    scores = {}
    for entity in actual:
        precision, recall = tp[entity] / max(predicted[entity], 1), tp[entity] / max(actual[entity], 1)
        scores[entity] = 2 * precision * recall / max(precision + recall, 1e-9)
    return scores


def run_lendguard(lines: list[Line], backend: str) -> tuple[float, list[list[tuple[str, str]]]]:
    scanner = Scanner(backend=backend)  # type: ignore[arg-type]
    text = "\n".join(line.text for line in lines)
    gc.collect()  # each side starts without the other's garbage
    start = time.perf_counter()
    found: list[list[tuple[str, str]]] = [[] for _ in lines]
    for number, match in scanner.scan_lines(text):
        found[number - 1].append((match.entity, match.value))
    return time.perf_counter() - start, found


def run_presidio(lines: list[Line]) -> tuple[float, list[list[tuple[str, str]]]]:
    engine = presidio_engine()
    gc.collect()
    start = time.perf_counter()
    found = []
    for line in lines:
        results = engine.analyze(text=line.text, language="zh", score_threshold=0.5)
        found.append([(r.entity_type, line.text[r.start : r.end]) for r in results])
    return time.perf_counter() - start, found


def log_corpus(dense: list[Line], size: int, pii_share: float, seed: int = 3) -> list[Line]:
    """Application-log lines of which `pii_share` carry PII (drawn from the dense corpus)."""
    rng = random.Random(seed)
    lines = []
    for number in range(size):
        if rng.random() < pii_share:
            lines.append(dense[rng.randrange(len(dense))])
        else:
            lines.append(
                Line(
                    f"2026-11-29 10:{number % 60:02d}:07.{number % 1000:03d} INFO  [http-nio-8080-exec-{number % 50}] "
                    f"c.l.gateway.AccessLog - GET /api/v2/loan/status?trace={rng.getrandbits(64):016x} 200 "
                    f"{rng.randint(2, 900)}ms",
                    (),
                )
            )
    return lines


def compare(name: str, lines: list[Line]) -> None:
    size_mb = sum(len(line.text.encode("utf-8")) + 1 for line in lines) / 1e6
    presidio_seconds, presidio_found = run_presidio(lines)
    presidio_f1 = f1_scores(lines, presidio_found)
    print(f"\n{name}: {len(lines):,} lines, {size_mb:.2f} MB")
    print(f"  {'engine':28} {'MB/s':>8} {'× Presidio':>11}  macro-F1")
    presidio_speed = size_mb / presidio_seconds
    print(
        f"  {'Presidio (patterns, NoOp)':28} {presidio_speed:8.2f} {1.0:10.1f}x  {sum(presidio_f1.values()) / len(presidio_f1):.3f}"
    )
    results = {}
    for backend in ("re", "hyperscan"):
        try:
            seconds, found = run_lendguard(lines, backend)
        except RuntimeError:
            continue
        speed = size_mb / seconds
        scores = f1_scores(lines, found)
        results[backend] = scores
        print(
            f"  {'LendGuard (' + backend + ')':28} {speed:8.2f} {speed / presidio_speed:10.1f}x  {sum(scores.values()) / len(scores):.3f}"
        )
    ours = results.get("hyperscan") or results["re"]
    print(f"  {'entity':16} {'LendGuard F1':>12} {'Presidio F1':>12}")
    for entity in sorted(ours):
        print(f"  {entity:16} {ours[entity]:12.3f} {presidio_f1.get(entity, 0.0):12.3f}")


def table_rows_per_second(rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from faker import Faker

    from lendguard.probes.datastore import ScanOptions, probe_datastore

    fake = Faker("zh_CN")
    fake.seed_instance(1)
    pool = {
        "name": [fake.name() for _ in range(5000)],
        "mobile": [fake.phone_number() for _ in range(5000)],
        "id_no": [fake.ssn() for _ in range(5000)],
    }
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "borrowers.parquet"
        writer = None
        for offset in range(0, rows, 100_000):
            count = min(100_000, rows - offset)
            batch = pa.table(
                {
                    "id": list(range(offset, offset + count)),
                    "real_name": [pool["name"][rng.randrange(5000)] for _ in range(count)],
                    "mobile": [pool["mobile"][rng.randrange(5000)] for _ in range(count)],
                    "id_no": [pool["id_no"][rng.randrange(5000)] for _ in range(count)],
                    "status": [rng.choice(["repaying", "overdue", "settled"]) for _ in range(count)],
                }
            )
            writer = writer or pq.ParquetWriter(path, batch.schema)
            writer.write_table(batch)
        assert writer is not None
        writer.close()
        start = time.perf_counter()
        evidence = probe_datastore(str(path), ScanOptions(full=True))
        seconds = time.perf_counter() - start
    scanned = evidence.tables[0].rows_scanned
    print(
        f"\nfull table scan: {scanned:,} rows × 5 columns in {seconds:.1f} s = {scanned / seconds:,.0f} rows/s "
        f"({scanned * 5 / seconds:,.0f} cells/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    dense = corpus(seed=17, lines=args.lines)
    compare("dense corpus (PII on 7 of 10 lines)", dense)
    compare("application log (2 % of lines carry PII)", log_corpus(dense, args.lines * 2, 0.02))
    if args.rows:
        table_rows_per_second(args.rows)


if __name__ == "__main__":
    main()
