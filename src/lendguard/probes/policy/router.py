"""The sentence-topic router: CAPP-130's 11 topics for each clause, from the shipped model.

The model (tools/train_policy_router.py) is JSON plus an .npz of float arrays loaded with
allow_pickle=False; scikit-learn's TfidfVectorizer rebuilds the features from the vocabulary.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

DATA = resources.files("lendguard.rulebase") / "data"


class TopicRouter:
    def __init__(self) -> None:
        import numpy as np  # numpy and scikit-learn load on first use, not with the CLI
        from sklearn.feature_extraction.text import TfidfVectorizer

        document = json.loads((DATA / "policy_router.json").read_text(encoding="utf-8"))
        with (DATA / "policy_router.npz").open("rb") as handle, np.load(handle, allow_pickle=False) as arrays:
            idf, self._coef, self._intercept = arrays["idf"], arrays["coef"], arrays["intercept"]
        self.labels: list[str] = [label["en"] for label in document["labels"]]
        self.metadata: dict[str, object] = document["metadata"]
        self._vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), sublinear_tf=True, vocabulary=document["vocabulary"], dtype=np.float32
        )
        self._vectorizer.idf_ = idf

    def topics(self, sentences: list[str]) -> list[tuple[str, ...]]:
        if not sentences:
            return []
        import numpy as np

        scores = self._vectorizer.transform(sentences) @ self._coef.T + self._intercept
        return [tuple(self.labels[i] for i in np.flatnonzero(row > 0)) for row in np.asarray(scores)]


@cache
def router() -> TopicRouter:
    return TopicRouter()
