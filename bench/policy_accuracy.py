"""Benchmark: how often the POL-* checks agree with a reader of real policies (issue #13).

The evaluation set is tests/policy_eval/annotations.yaml: CAPP-130 policies (read from ../shared),
each rule labelled fire / quiet / unclear by reading the policy against spec/RULES.md. Unclear
labels are left out. Prints per-rule precision, recall and agreement, and the overall agreement.

.venv/bin/python bench/policy_accuracy.py [--split dev|test|all] [--misses] [--markdown]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from lendguard.engine import audit_policy  # noqa: E402
from lendguard.findings import Outcome  # noqa: E402
from lendguard.rulebase import RuleBase, load_rulebase  # noqa: E402

ANNOTATIONS = REPO / "tests" / "policy_eval" / "annotations.yaml"
ORIGINALS = REPO.parent / "shared" / "datasets" / "CAPP-130" / "CAPP_130_Corpus" / "Original_policies"
LABELS = ("fire", "quiet", "unclear")


@dataclass(frozen=True)
class Label:
    policy: str
    rule: str
    label: str
    quote: str
    note: str
    split: str


@dataclass
class RuleScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def agreement(self) -> float:
        return (self.tp + self.tn) / self.decided if self.decided else 1.0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def load_labels(path: Path = ANNOTATIONS) -> list[Label]:
    """Every (policy, rule) label; ValueError on a malformed entry."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    labels = []
    for policy, entry in document["policies"].items():
        for rule, value in entry["labels"].items():
            label, quote, *note = value
            if label not in LABELS:
                raise ValueError(f"{policy} {rule}: label {label!r} is not one of {LABELS}")
            labels.append(Label(policy, rule, label, quote, note[0] if note else "", entry["split"]))
    return labels


def quote_in_text(quote: str, text: str) -> bool:
    """Each "…"-separated fragment of the quote occurs in the text (whitespace ignored)."""
    flat = re.sub(r"\s", "", text)
    return all(re.sub(r"\s", "", fragment) in flat for fragment in quote.split("…") if fragment)


def fired_rules(policy: str, rulebase: RuleBase) -> dict[str, list[str]]:
    """Rule -> quotes of its failing findings on one CAPP-130 policy."""
    report = audit_policy(ORIGINALS / policy, rulebase)
    if report.error is not None:
        raise RuntimeError(f"{policy}: {report.error}")
    fired: dict[str, list[str]] = {}
    for finding in report.findings:
        if finding.outcome is Outcome.fail:
            fired.setdefault(finding.rule, []).append(finding.quote)
    return fired


def score(labels: Iterable[Label], fired: dict[str, dict[str, list[str]]]) -> dict[str, RuleScore]:
    scores: dict[str, RuleScore] = {}
    for item in labels:
        if item.label == "unclear":
            continue
        rule = scores.setdefault(item.rule, RuleScore())
        quotes = fired[item.policy].get(item.rule, [])
        expected, got = item.label == "fire", bool(quotes)
        if expected and got:
            rule.tp += 1
        elif expected:
            rule.fn += 1
            rule.misses.append(f"missed  {item.policy}: {item.quote or item.note}")
        elif got:
            rule.fp += 1
            rule.misses.append(f"false   {item.policy}: {quotes[0]}")
        else:
            rule.tn += 1
    return scores


def overall(scores: dict[str, RuleScore]) -> tuple[int, int]:
    """(agreeing, decided) over every rule."""
    return sum(s.tp + s.tn for s in scores.values()), sum(s.decided for s in scores.values())


def evaluate(split: str = "all", rulebase: RuleBase | None = None) -> dict[str, RuleScore]:
    labels = [item for item in load_labels() if split in ("all", item.split)]
    rulebase = rulebase or load_rulebase()
    fired = {policy: fired_rules(policy, rulebase) for policy in sorted({item.policy for item in labels})}
    return score(labels, fired)


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table(scores: dict[str, RuleScore], markdown: bool) -> list[str]:
    head = ("rule", "decided", "fire", "TP", "FP", "FN", "precision", "recall", "agreement")
    rows = [
        (
            rule,
            str(s.decided),
            str(s.tp + s.fn),
            str(s.tp),
            str(s.fp),
            str(s.fn),
            _figure(s.precision),
            _figure(s.recall),
            f"{s.agreement:.2f}",
        )
        for rule, s in sorted(scores.items())
    ]
    if markdown:
        return [
            "| " + " | ".join(head) + " |",
            "|" + "---|" * len(head),
            *("| " + " | ".join(row) + " |" for row in rows),
        ]
    return [f"{row[0]:<24}" + "".join(f"{cell:>10}" for cell in row[1:]) for row in (head, *rows)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--misses", action="store_true", help="print every disagreement")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    labels = load_labels()
    policies = {item.policy for item in labels if args.split in ("all", item.split)}
    scores = evaluate(args.split)
    print(f"{len(policies)} CAPP-130 policies ({args.split}), {sum(s.decided for s in scores.values())} decided labels")
    print("\n".join(table(scores, args.markdown)))
    agreeing, decided = overall(scores)
    print(f"overall agreement: {agreeing}/{decided} = {agreeing / decided:.3f}")
    if args.misses:
        for rule, s in sorted(scores.items()):
            for line in s.misses:
                print(f"{rule:<24} {line}")


if __name__ == "__main__":
    main()
