"""Benchmark: `lendguard scan` against Presidio, whole-process, on the same files; then memory.

Two corpora are generated in a temporary folder (never in the repository) from the labelled corpus
(tests/fixtures/pii_corpus.py: lending records with IDs, phones, cards, names and look-alike decoys):

- dense records: every line a lending record or note, 7 of 10 carrying personal information;
- sparse log: an application access log where 2 % of the lines carry a record.

Each side runs as a fresh process on the same file, as a user runs it: `lendguard scan FILE --format
jsonl` (every value written out), and a Python process running Presidio's AnalyzerEngine with the same
entities (LendGuard's regexes and check-digit validators as PatternRecognizers on a NoOp NLP engine;
no model can be downloaded here) over each line, every result written out as JSON. Wall time, CPU
time and peak RSS come from /usr/bin/time. Presidio is slow, so by default it runs on the first
--presidio-mb of each file and its time for the whole file is extrapolated: start-up (a run on an
empty file) plus the measured time per MB (it analyses line by line, so its time is linear).

Every measured run is repeated --repeats times, on both sides alike, and the best (least) wall and CPU
time is kept: on a shared machine one run can be slowed by others, never sped up.

A first, unmeasured `lendguard scan` leaves Python's bytecode and hyperscan's compiled databases on
disk, as after a user's first run. Each lendguard run is repeated on the file's first tenth: the difference in CPU time is the engine's
speed per core with start-up excluded (the figure the sparse-log target of 150 MB/s is about).

Then the memory check: `lendguard scan` of a --log-mb log and a full scan of a --rows-row Parquet
table, each also at a tenth of that size, peak RSS printed for each (the target is flat memory,
< 300 MiB); the two logs' difference in CPU time gives the per-core figure again, from seconds of
work rather than the fraction of one.

    .venv/bin/python bench/scan.py [--mb 100] [--presidio-mb 4] [--log-mb 1000] [--rows 10000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from tests.fixtures.pii_corpus import corpus  # noqa: E402

LENDGUARD = [sys.executable, "-m", "lendguard"]
PRESIDIO = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[2])
    from bench.presidio_engine import presidio_engine

    engine = presidio_engine()
    out = sys.stdout
    with open(sys.argv[1], encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            for r in engine.analyze(text=line.rstrip("\\n"), language="zh", score_threshold=0.5):
                out.write(json.dumps({"entity": r.entity_type, "line": number, "start": r.start,
                    "end": r.end, "score": r.score, "value": line[r.start:r.end]}, ensure_ascii=False) + "\\n")
    """
)


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mib: float


REPEATS = 3  # --repeats: each measured run's best of this many


def best(command: list[str], folder: Path) -> Run:
    """The least wall and CPU time (and the largest peak) of REPEATS runs of `command`."""
    runs = [measure(command, folder) for _ in range(REPEATS)]
    return Run(min(run.wall for run in runs), min(run.cpu for run in runs), max(run.peak_mib for run in runs))


def measure(command: list[str], folder: Path) -> Run:
    """Run to completion with output discarded; wall, CPU (user+sys) seconds and peak RSS."""
    stats = folder / "time.txt"
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}:{REPO}"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # start-up as a user's: bytecode cached after the first run
    done = subprocess.run(
        ["/usr/bin/time", "-o", str(stats), "-f", "%e %U %S %M", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode not in (0, 1):  # 1: lendguard found something to fail on
        raise SystemExit(f"{command[:4]} failed ({done.returncode}): {done.stderr[-500:]}")
    wall, user, system, peak_kib = stats.read_text().split()[-4:]
    return Run(float(wall), float(user) + float(system), int(peak_kib) / 1024)


def _records(seed: int) -> list[str]:
    return [line.text for line in corpus(seed=seed, lines=20_000)]


def write_dense(path: Path, megabytes: float) -> float:
    """Lending records until the file holds `megabytes` MB (the 20,000 generated lines, reshuffled)."""
    rng, lines, size = random.Random(1), _records(17), 0
    with path.open("w", encoding="utf-8") as handle:
        while size < megabytes * 1e6:
            rng.shuffle(lines)
            block = "\n".join(lines) + "\n"
            handle.write(block)
            size += len(block.encode("utf-8"))
    return size / 1e6


def write_log(path: Path, megabytes: float, pii_share: float = 0.02) -> float:
    """An access log, `pii_share` of whose lines carry a lending record."""
    rng, records, size, number = random.Random(3), _records(19), 0, 0
    with path.open("w", encoding="utf-8") as handle:
        while size < megabytes * 1e6:
            block = []
            for _ in range(10_000):
                number += 1
                stamp = f"2026-11-29 10:{number % 60:02d}:{number % 59:02d}.{number % 1000:03d}"
                if rng.random() < pii_share:
                    block.append(f"{stamp} INFO  [loan-worker-{number % 8}] c.l.loan.Apply - {rng.choice(records)}")
                else:
                    block.append(
                        f"{stamp} INFO  [http-nio-8080-exec-{number % 50}] c.l.gateway.AccessLog - GET "
                        f"/api/v2/loan/status?trace={rng.getrandbits(64):016x} 200 {rng.randint(2, 900)}ms"
                    )
            text = "\n".join(block) + "\n"
            handle.write(text)
            size += len(text.encode("utf-8"))
    return size / 1e6


def head_of(path: Path, megabytes: float, target: Path) -> float:
    """The first whole lines of `path` up to `megabytes` MB."""
    with path.open("rb") as source:
        data = source.read(int(megabytes * 1e6))
    data = data[: data.rfind(b"\n") + 1]
    target.write_bytes(data)
    return len(data) / 1e6


def presidio_estimate(path: Path, size_mb: float, sample_mb: float, folder: Path) -> tuple[Run, str]:
    script = folder / "presidio_scan.py"
    script.write_text(PRESIDIO, encoding="utf-8")
    if sample_mb >= size_mb:
        return best([sys.executable, str(script), str(path), str(REPO)], folder), "measured"
    empty, sample = folder / "empty.txt", folder / "sample.txt"
    empty.write_text("", encoding="utf-8")
    sampled = head_of(path, sample_mb, sample)
    start = best([sys.executable, str(script), str(empty), str(REPO)], folder)
    run = best([sys.executable, str(script), str(sample), str(REPO)], folder)
    scale = size_mb / sampled
    wall = start.wall + (run.wall - start.wall) * scale
    cpu = start.cpu + (run.cpu - start.cpu) * scale
    return Run(wall, cpu, run.peak_mib), f"start-up + {sampled:.1f} MB measured, × {scale:.1f}"


RATIO_TARGET = 30  # issue #15: ≥ 30× Presidio, whole-process, on both corpora
LOG_PER_CORE_TARGET = 150  # issue #15: ≥ 150 MB/s per core on sparse logs


def compare(name: str, path: Path, size_mb: float, presidio_mb: float, folder: Path, per_core_target: float = 0) -> Run:
    command = [*LENDGUARD, "scan", "--format", "jsonl", "--fail-on", "none"]
    ours = best([*command, str(path)], folder)
    # The engine's own speed, start-up excluded: the same command on a tenth of the file, and the
    # difference in CPU time per MB between the two runs.
    head = folder / "head.txt"
    head_mb = head_of(path, size_mb / 10, head)
    small = best([*command, str(head)], folder)
    head.unlink()
    theirs, how = presidio_estimate(path, size_mb, presidio_mb, folder)
    print(f"\n{name}: {size_mb:.0f} MB")
    print(f"  {'engine':24} {'wall s':>8} {'MB/s':>8} {'CPU s':>8} {'MB/CPU-s':>9} {'peak MiB':>9}")
    for label, run in (("lendguard scan", ours), ("Presidio (patterns)", theirs)):
        print(
            f"  {label:24} {run.wall:8.1f} {size_mb / run.wall:8.2f} {run.cpu:8.1f} "
            f"{size_mb / run.cpu:9.2f} {run.peak_mib:9.0f}"
        )
    print(f"  Presidio: {how}; each run the best of {REPEATS}")
    wall_ratio, cpu_ratio = theirs.wall / ours.wall, theirs.cpu / ours.cpu
    print(f"  ratio (whole-process wall): {wall_ratio:.1f}x; per CPU second: {cpu_ratio:.1f}x")
    print(f"  target ≥ {RATIO_TARGET:.0f}x Presidio: {_met(min(wall_ratio, cpu_ratio) >= RATIO_TARGET)}")
    engine = (size_mb - head_mb) / max(ours.cpu - small.cpu, 1e-9)
    print(
        f"  lendguard per core, start-up excluded: {engine:.1f} MB per CPU-second "
        f"({head_mb:.0f} MB run: {small.cpu:.1f} CPU s, {small.peak_mib:.0f} MiB peak)"
    )
    if per_core_target:
        print(f"  target ≥ {per_core_target:.0f} MB per CPU-second: {_met(engine >= per_core_target)}")
    return ours


def _met(met: bool) -> str:
    return "met" if met else "NOT met"


def write_table(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = _records(23)
    rng = random.Random(1)
    mobiles = [f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}" for _ in range(5000)]
    writer = None
    for offset in range(0, rows, 500_000):
        count = min(500_000, rows - offset)
        batch = pa.table(
            {
                "id": pa.array(range(offset, offset + count), type=pa.int64()),
                "user_id": pa.array([str(rng.randrange(rows // 3 + 1)) for _ in range(count)]),
                "mobile": pa.array([mobiles[rng.randrange(5000)] for _ in range(count)]),
                "remark": pa.array([records[rng.randrange(len(records))] for _ in range(count)]),
                "status": pa.array([rng.choice(["repaying", "overdue", "settled"]) for _ in range(count)]),
            }
        )
        writer = writer or pq.ParquetWriter(path, batch.schema)
        writer.write_table(batch)
    assert writer is not None
    writer.close()


TARGET_MIB = 300  # peak RSS target of issue #15, for the 1 GB log and the 10 M-row table
FLAT = 1.1  # "flat": the peak at the full size is within 10 % of the peak at a tenth of it


def verdict(peaks: list[float]) -> str:
    """Whether peaks measured at a tenth of the size and at the size meet the target."""
    under = all(peak < TARGET_MIB for peak in peaks)
    flat = len(peaks) < 2 or peaks[-1] <= peaks[0] * FLAT
    met = "met" if under and flat else "NOT met"
    return f"target (< {TARGET_MIB} MiB, flat within {FLAT - 1:.0%}): {met} — peaks {' → '.join(f'{p:.0f}' for p in peaks)} MiB"


def memory(log_mb: float, rows: int, folder: Path) -> None:
    """Peak RSS of `lendguard scan` on a log and a Parquet table, each at a tenth of the size and
    at the size: flat memory means the two peaks are alike."""
    print("\nmemory (peak RSS of the whole process; target < 300 MiB, flat in the input size)")
    peaks: list[float] = []
    sizes_cpus: list[tuple[float, float]] = []
    for megabytes in (log_mb / 10, log_mb) if log_mb else ():
        log = folder / "big.log"
        size = write_log(log, megabytes)
        run = measure([*LENDGUARD, "scan", str(log), "--format", "json", "--fail-on", "none"], folder)
        print(
            f"  log {size:,.0f} MB: {run.peak_mib:.0f} MiB peak, {run.wall:.0f} s ({size / run.wall:.1f} MB/s), "
            f"{run.cpu:.1f} CPU s"
        )
        peaks.append(run.peak_mib)
        sizes_cpus.append((size, run.cpu))
        log.unlink()
    if peaks:
        print(f"  log {verdict(peaks)}")
    if len(sizes_cpus) == 2:  # the per-core figure from seconds of work, not the fraction of one of the speed run
        (small, small_cpu), (large, large_cpu) = sizes_cpus
        engine = (large - small) / max(large_cpu - small_cpu, 1e-9)
        print(
            f"  log per core, start-up excluded (--format json): {engine:.1f} MB per CPU-second; "
            f"target ≥ {LOG_PER_CORE_TARGET:.0f}: {_met(engine >= LOG_PER_CORE_TARGET)}"
        )
    peaks = []
    for count in (rows // 10, rows) if rows else ():
        table = folder / "loans.parquet"
        write_table(table, count)
        run = measure([*LENDGUARD, "scan", str(table), "--full", "--format", "json", "--fail-on", "none"], folder)
        print(
            f"  table {count:,} rows × 5 columns: {run.peak_mib:.0f} MiB peak, {run.wall:.0f} s "
            f"({count / run.wall:,.0f} rows/s)"
        )
        peaks.append(run.peak_mib)
        table.unlink()
    if peaks:
        print(f"  table {verdict(peaks)}")


def _load() -> str:
    return Path("/proc/loadavg").read_text(encoding="ascii").split()[0]


def main() -> None:
    global REPEATS  # one setting for every measurement of the run
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=100, help="size of each corpus (0: memory check only)")
    parser.add_argument("--presidio-mb", type=float, default=4, help="Presidio runs on this much of each file")
    parser.add_argument("--log-mb", type=float, default=1000, help="size of the log for the memory check (0: skip)")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the table for the memory check (0: skip)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per measurement, the best kept")
    args = parser.parse_args()
    REPEATS = max(1, args.repeats)
    print(f"load average at start: {_load()} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="lendguard-bench-") as name:
        folder = Path(name)
        dense, log = folder / "records.txt", folder / "app.log"
        # One run first, as after installing: Python's bytecode and hyperscan's compiled databases
        # (detect/hyperscan_cache) are on disk from then on, as for every later run of a user's.
        warm = folder / "warm.txt"
        warm.write_text("\n".join(_records(5)[:200]) + "\n", encoding="utf-8")
        measure([*LENDGUARD, "scan", "--format", "jsonl", "--fail-on", "none", str(warm)], folder)
        if args.mb:
            size = write_dense(dense, args.mb)
            compare("dense records (7 of 10 lines carry PII)", dense, size, args.presidio_mb, folder)
            dense.unlink()
            compare(
                "sparse log (2 % of lines carry PII)",
                log,
                write_log(log, args.mb),
                args.presidio_mb,
                folder,
                LOG_PER_CORE_TARGET,
            )
            log.unlink()
        memory(args.log_mb, args.rows, folder)
    print(f"\nload average at end: {_load()} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
