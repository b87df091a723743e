"""Benchmark: `lendguard collection` rows/s and peak memory on generated contact logs of two sizes
(20,000 loans, 30 days; 4 % of calls to contacts or strangers, 2 % at night, 0.5 % abusive messages),
each time-ordered (as a log is written: one pass) and shuffled (sorted on disk first). Each audit runs
in a fresh process, so its peak RSS is its own; memory is flat when the two sizes' peaks are alike.

    .venv/bin/python bench/collection.py [--rows 200000 1000000]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from lendguard.engine import audit_collection  # noqa: E402
from lendguard.rulebase import load_rulebase  # noqa: E402


def generate(folder: Path, rows: int, loans: int = 20_000, ordered: bool = False) -> tuple[Path, Path]:
    """The log in the order its rows were drawn (times at random), or sorted by time (`ordered`)."""
    rng = random.Random(7)
    phones = [f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}" for _ in range(loans * 3)]
    loan_file, log = folder / "loans.csv", folder / "log.csv"
    with loan_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["loan_id", "borrower_phone", "emergency_contacts"])
        for n in range(loans):
            writer.writerow([f"L{n}", phones[3 * n], json.dumps([phones[3 * n + 1], phones[3 * n + 2]])])
    start = datetime(2026, 11, 1, 8, 0)
    benign = ["提醒还款", "", "您的借款已逾期，请尽快还款", "已承诺周五还款"]
    drawn = []
    for row in range(rows):
        n = rng.randrange(loans)
        who = rng.choices([0, 1, 2, 3], weights=[96, 2, 1, 1])[0]
        number = phones[3 * n + who] if who < 3 else f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}"
        hour = rng.randrange(8, 21) if rng.random() > 0.02 else rng.choice([22, 23, 6, 7])  # 2 % at night
        moment = start + timedelta(days=rng.randrange(30), hours=hour - 8, seconds=rng.randrange(3600))
        drawn.append(
            [
                moment.strftime("%Y-%m-%d %H:%M:%S"),
                f"L{n}",
                rng.choice(["电话", "短信"]),
                number,
                f"A{row % 40}",
                rng.choice(benign) if rng.random() > 0.005 else "再不还钱就曝光你",
                rng.choice(["接通", "未接通", ""]),
            ]
        )
    if ordered:
        drawn.sort(key=lambda r: r[0])
    with log.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["催收时间", "借款编号", "方式", "被叫号码", "催收员", "内容", "结果"])
        writer.writerows(drawn)
    return log, loan_file


def peak_rss_mib() -> float:
    """This process's peak RSS since it started its program: VmHWM belongs to the address space that
    exec made, while ru_maxrss would also count the benchmark parent the child was forked from."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(log: str, loans: str) -> None:
    """One audit in this process; prints its figures as JSON for the parent."""
    rulebase = load_rulebase()
    started = time.perf_counter()
    report = audit_collection(log, loans, rulebase)
    seconds = time.perf_counter() - started
    assert report.error is None, report.error
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mib": peak_rss_mib(),
                "failing": sum(1 for f in report.findings if f.outcome.value == "fail"),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--measure", nargs=2, metavar=("LOG", "LOANS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    print(f"{'rows':>10}  {'log order':<12} {'seconds':>8} {'rows/s':>9} {'peak RSS':>10} {'failing':>8}")
    peaks = []
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            for ordered in (True, False):
                place = Path(folder) / f"{rows}-{ordered}"
                place.mkdir()
                log, loans = generate(place, rows, ordered=ordered)
                done = subprocess.run(
                    [sys.executable, __file__, "--measure", str(log), str(loans)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                peaks.append(figures["rss_mib"])
                order = "time-ordered" if ordered else "shuffled"
                print(
                    f"{rows:>10,}  {order:<12} {figures['seconds']:>8.1f} {rows / figures['seconds']:>9,.0f}"
                    f" {figures['rss_mib']:>6.0f} MiB {figures['failing']:>8,}"
                )
                log.unlink()
    print(f"peak RSS from {min(peaks):.0f} to {max(peaks):.0f} MiB over {min(args.rows):,}-{max(args.rows):,} rows")


if __name__ == "__main__":
    main()
