"""LendGuard's Chinese entities as Presidio recognizers (optional extra: `pip install lendguard[presidio]`).

Each recognizer runs LendGuard's scanner for its entity, so Presidio users get the check-digit
validators, explicit CJK-safe boundaries and character-window context that Presidio's own pattern
recognizers lack without a Chinese NLP model:

    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from lendguard.detect.presidio import lendguard_recognizers
    registry = RecognizerRegistry(supported_languages=["zh"])
    for recognizer in lendguard_recognizers():
        registry.add_recognizer(recognizer)
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from lendguard.detect.entities import ENTITIES, EntitySpec
from lendguard.detect.scanner import DEFAULT_THRESHOLD, Scanner


class LendGuardRecognizer(EntityRecognizer):
    """One LendGuard entity, detected by LendGuard's scanner inside Presidio's AnalyzerEngine."""

    def __init__(self, spec: EntitySpec, language: str = "zh", threshold: float = DEFAULT_THRESHOLD) -> None:
        self._scanner = Scanner([spec], threshold=threshold, backend="re")
        super().__init__(supported_entities=[spec.name], supported_language=language, name=f"LendGuard{spec.name}")

    def load(self) -> None:
        """Nothing to load: the specs are compiled in the constructor."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        return [
            RecognizerResult(entity_type=m.entity, start=m.start, end=m.end, score=m.score)
            for m in self._scanner.scan(text)
            if not entities or m.entity in entities
        ]


def lendguard_recognizers(language: str = "zh", threshold: float = DEFAULT_THRESHOLD) -> list[LendGuardRecognizer]:
    return [LendGuardRecognizer(spec, language, threshold) for spec in ENTITIES]
