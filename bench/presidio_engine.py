"""Presidio's AnalyzerEngine with pattern recognizers for LendGuard's entities — the same regexes,
validators, scores and context words — and the NoOp NLP engine (no model can be downloaded here):
the comparison the scan benchmarks make."""

from __future__ import annotations

from typing import Any

WIDE = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def presidio_engine() -> Any:
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    from lendguard.detect import ENTITIES

    registry = RecognizerRegistry(supported_languages=["zh"])
    for spec in ENTITIES:

        class Recognizer(PatternRecognizer):
            def validate_result(self, pattern_text: str, _check: Any = spec.validator) -> bool | None:
                return None if _check is None else bool(_check(pattern_text.translate(WIDE)))

        registry.add_recognizer(
            Recognizer(
                supported_entity=spec.name,
                supported_language="zh",
                patterns=[Pattern(spec.name, spec.regex, spec.peak_score or spec.score)],
                context=list(spec.context),
            )
        )
    nlp = NoOpNlpEngine(models=[{"lang_code": "zh", "model_name": "none"}])
    nlp.load()
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["zh"])
