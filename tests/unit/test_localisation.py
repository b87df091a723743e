"""Localisation both ways: the whole example inspection in English holds no Chinese outside evidence
quotes and law text, and in Chinese no English words outside identifiers."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import REPO
from tests.fixtures import demo_platform

from lendguard.engine import run_inspection
from lendguard.reports.inspection import InspectionDocument, build_inspection
from lendguard.reports.markdown import render_markdown
from lendguard.rulebase import Language, RuleBase

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")
# An English word: three or more letters, lower case after the first, not inside an identifier
# (file names, paths, class names, permissions, URLs, snake_case or camelCase keys, SDK names).
WORD = re.compile(r"(?<![\w./$:\-@#%=<\"'「])[A-Za-z][a-z]{2,}(?![\w./$:\-@(>=\"'])")
# Proper nouns that name a product, vendor or API in both languages.
NAMES = {"Getui", "Tongdun", "Retriever", "User", "Consent", "API", "LendGuard", "Android", "App"}


@pytest.fixture(scope="module")
def inspections(
    tmp_path_factory: pytest.TempPathFactory, built_apks: dict[str, Path], rulebase: RuleBase
) -> dict[Language, InspectionDocument]:
    folder = tmp_path_factory.mktemp("l10n")
    for name in ("inspection.yaml", "governance.yaml"):
        shutil.copy(REPO / "examples" / name, folder)
    shutil.copy(built_apks["loanapp"], folder / "loanapp.apk")
    demo_platform.main(folder / "generated")
    return {
        lang: build_inspection(run_inspection(folder / "inspection.yaml", rulebase, lang), rulebase, lang)
        for lang in ("zh", "en")
    }


def _prose(document: InspectionDocument) -> Iterator[tuple[str, str]]:
    """Every sentence the report writes in its own voice (not evidence quotes, paths or law text)."""
    grade = document.grade
    yield "grade.meaning", grade.meaning
    yield from (("grade.explanation", line) for line in grade.explanation)
    yield from (("area.title", area.title) for area in grade.areas)
    for target in document.targets:
        yield from (("warning", warning) for warning in target.warnings)
        yield from (("not_evaluated.title", n.title) for n in target.not_evaluated)
        for finding in target.findings:
            for field in ("title", "why", "remedy"):
                yield f"{finding.rule}.{field}", getattr(finding, field)


COMMAND = re.compile(r"\blendguard [a-z-]+")


def _english_words(text: str, identifiers: frozenset[str] = frozenset()) -> list[str]:
    return [w for w in WORD.findall(COMMAND.sub("", text)) if not w.isupper() and w not in NAMES | identifiers]


def _identifiers(document: InspectionDocument) -> frozenset[str]:
    """Words the evidence itself contains (column names, hosts …): identifiers, whatever the language."""
    texts = [
        f.quote + " " + " ".join(map(str, f.location.model_dump().values()))
        for t in document.targets
        for f in t.findings
    ]
    return frozenset(re.findall(r"[A-Za-z]+", " ".join(texts)))


def test_english_report_has_no_chinese(inspections: dict[Language, InspectionDocument]) -> None:
    found = [(where, text) for where, text in _prose(inspections["en"]) if CJK.search(text)]
    assert found == []


def test_chinese_report_has_no_english_words(inspections: dict[Language, InspectionDocument]) -> None:
    known = _identifiers(inspections["zh"])
    found = [
        (where, words, text) for where, text in _prose(inspections["zh"]) if (words := _english_words(text, known))
    ]
    assert found == []


def test_markdown_interface_words_follow_the_language(
    inspections: dict[Language, InspectionDocument], rulebase: RuleBase
) -> None:
    english = render_markdown(inspections["en"], rulebase)
    headings = [line for line in english.splitlines() if line.startswith(("#", "|---", "**", "_"))]
    assert headings and not [line for line in headings if CJK.search(line.replace(inspections["en"].platform, ""))]


def test_the_checks_catch_what_they_should() -> None:
    assert _english_words("明文存储 rows 3597（deadline 2026-01-01）") == ["rows", "deadline"]
    assert (
        _english_words("代码引用 Landroid/provider/ContactsContract;->CONTENT_URI 与 READ_SMS、network_security_config")
        == []
    )
    assert CJK.search("a 较大 incident")
