"""Train the privacy-policy sentence-topic router on CAPP-130 and ship it in a safe format.

    python tools/train_policy_router.py ../shared/datasets/CAPP-130 src/lendguard/rulebase/data

Character 1-3-gram TF-IDF + one logistic regression per topic (CAPP-130's 11 topic labels). The
model is written as JSON (vocabulary, labels, metadata) and an .npz of plain float arrays, loaded
with allow_pickle=False: nothing executable is ever unpickled. Data: CAPP-130 (EnlightenedAI,
code MIT / data CC BY 4.0 per its README; Apache-2.0 per shared/README.md), @5aa710b1.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

MAX_FEATURES = 30_000


def load_split(root: Path, split: str) -> tuple[list[str], np.ndarray]:
    path = root / "CAPP_130_Corpus" / "Subdataset" / "Extraction" / "topic_identification_dataset" / f"{split}.txt"
    texts, labels = [], []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        if "\t" not in line:
            continue
        text, label = line.rsplit("\t", 1)
        texts.append(text)
        labels.append(ast.literal_eval(label))
    return texts, np.array(labels, dtype=np.int8)


def label_names(root: Path) -> list[dict[str, str]]:
    raw = json.loads(
        (root / "CAPP_130_Corpus" / "Annotation" / "label_explanation.json").read_text(encoding="utf-8-sig")
    )
    return [{"zh": item["label_chinese_name"], "en": item["label_english_name"]} for item in raw]


def main() -> None:
    root, target = Path(sys.argv[1]), Path(sys.argv[2])
    train_x, train_y = load_split(root, "train")
    test_x, test_y = load_split(root, "test")
    vectorizer = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), max_features=MAX_FEATURES, sublinear_tf=True, dtype=np.float32
    )
    features = vectorizer.fit_transform(train_x)
    coefficients, intercepts = [], []
    for topic in range(train_y.shape[1]):
        model = LogisticRegression(C=8.0, max_iter=2000, class_weight="balanced")
        model.fit(features, train_y[:, topic])
        coefficients.append(model.coef_[0].astype(np.float32))
        intercepts.append(float(model.intercept_[0]))
    coef = np.vstack(coefficients)
    scores = vectorizer.transform(test_x) @ coef.T + np.array(intercepts)
    predicted = (scores > 0).astype(np.int8)
    names = label_names(root)[: train_y.shape[1]]
    per_topic = f1_score(test_y, predicted, average=None, zero_division=0)
    metadata = {
        "source": "CAPP-130 topic_identification_dataset @5aa710b1 (EnlightenedAI/CAPP-130)",
        "features": "TF-IDF of character 1-3-grams, sublinear tf",
        "test_micro_f1": round(float(f1_score(test_y, predicted, average="micro")), 4),
        "test_macro_f1": round(float(f1_score(test_y, predicted, average="macro", zero_division=0)), 4),
        "test_f1_per_topic": {n["en"]: round(float(f), 4) for n, f in zip(names, per_topic, strict=True)},
    }
    vocabulary = {term: int(index) for term, index in vectorizer.vocabulary_.items()}
    (target / "policy_router.json").write_text(
        json.dumps({"labels": names, "vocabulary": vocabulary, "metadata": metadata}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    np.savez_compressed(
        target / "policy_router.npz",
        idf=vectorizer.idf_.astype(np.float32),
        coef=coef,
        intercept=np.array(intercepts, dtype=np.float32),
    )
    print(json.dumps(metadata, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
