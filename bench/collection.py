"""Benchmark: `lendguard collection` rows/s on a generated 1,000,000-row contact log
(20,000 loans, 30 days; 4 % of calls to contacts or strangers, 2 % at night, 0.5 % abusive messages).

    .venv/bin/python bench/collection.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from lendguard.engine import audit_collection  # noqa: E402
from lendguard.rulebase import load_rulebase  # noqa: E402


def generate(folder: Path, rows: int, loans: int = 20_000) -> tuple[Path, Path]:
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
    with log.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["催收时间", "借款编号", "方式", "被叫号码", "催收员", "内容", "结果"])
        for row in range(rows):
            n = rng.randrange(loans)
            who = rng.choices([0, 1, 2, 3], weights=[96, 2, 1, 1])[0]
            number = phones[3 * n + who] if who < 3 else f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}"
            hour = rng.randrange(8, 21) if rng.random() > 0.02 else rng.choice([22, 23, 6, 7])  # 2 % at night
            moment = start + timedelta(days=rng.randrange(30), hours=hour - 8, seconds=rng.randrange(3600))
            writer.writerow(
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
    return log, loan_file


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log, loans = generate(Path(folder), args.rows)
        rulebase = load_rulebase()
        started = time.perf_counter()
        report = audit_collection(str(log), str(loans), rulebase)
        seconds = time.perf_counter() - started
        assert report.error is None, report.error
        failing = sum(1 for f in report.findings if f.outcome.value == "fail")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{args.rows:,} rows in {seconds:.1f} s = {args.rows / seconds:,.0f} rows/s; {failing:,} findings; peak RSS {rss:.0f} MB"
        )


if __name__ == "__main__":
    main()
