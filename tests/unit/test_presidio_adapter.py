"""Presidio users can run LendGuard's Chinese entities inside AnalyzerEngine."""

from __future__ import annotations

import pytest

presidio_analyzer = pytest.importorskip("presidio_analyzer", reason="presidio is an optional extra")

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry  # noqa: E402
from presidio_analyzer.nlp_engine import NoOpNlpEngine  # noqa: E402

from lendguard.detect.presidio import lendguard_recognizers  # noqa: E402


def test_analyzer_engine_finds_chinese_entities_with_lendguard_recognizers() -> None:
    registry = RecognizerRegistry(supported_languages=["zh"])
    for recognizer in lendguard_recognizers():
        registry.add_recognizer(recognizer)
    nlp = NoOpNlpEngine(models=[{"lang_code": "zh", "model_name": "none"}])
    nlp.load()
    engine = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["zh"])
    text = "借款人王小明，卡号6222021234567890128，手机13812345678，邮箱wxm@163.com"
    found = {(r.entity_type, text[r.start : r.end]) for r in engine.analyze(text=text, language="zh")}
    assert found == {
        ("PERSON", "王小明"),
        ("CN_BANK_CARD", "6222021234567890128"),
        ("CN_MOBILE", "13812345678"),
        ("EMAIL_ADDRESS", "wxm@163.com"),
    }
