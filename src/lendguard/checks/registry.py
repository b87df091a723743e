"""The check registry and the context a check uses to turn a fact into a finding of its rule."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, get_type_hints

from lendguard.evidence import Evidence
from lendguard.findings import Affected, Confidence, Finding, Location, Outcome, fingerprint
from lendguard.rulebase import Language, Rule, RuleBase, Severity

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class CheckContext:
    """What a check knows besides the evidence: its rule, the target's identity and the language."""

    rule: Rule
    rulebase: RuleBase
    target: str
    file: str
    lang: Language

    def finding(
        self,
        outcome: Outcome,
        location: Location,
        quote: str,
        why: str,
        confidence: Confidence = "high",
        severity: Severity | None = None,
        affected: Affected | None = None,
    ) -> Finding:
        return Finding(
            rule=self.rule.id,
            title=self.rule.title.get(self.lang),
            outcome=outcome,
            severity=severity or self.rule.severity,
            confidence=confidence,
            target=self.target,
            location=location,
            quote=quote,
            why=why,
            basis=[str(citation) for citation in self.rule.basis],
            remedy=self.rule.remedy.get(self.lang),
            fingerprint=fingerprint(self.rule.id, self.target, location, quote),
            affected=affected,
        )

    def fail(
        self,
        location: Location,
        quote: str,
        why: str,
        confidence: Confidence = "high",
        severity: Severity | None = None,
        affected: Affected | None = None,
    ) -> Finding:
        return self.finding(Outcome.fail, location, quote, why, confidence, severity, affected)

    def at(self, **place: str | int | list[int] | None) -> Location:
        return Location(file=self.file, **place)

    def say(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def name(self, bilingual: str) -> str:
        """A name such as "个推 Getui" in the report's language: its Latin part in English, if it has one."""
        if self.lang == "zh":
            return bilingual
        latin = " ".join(part for part in bilingual.split() if not _CJK.search(part))
        return latin or bilingual

    def labels(self, keys: Iterable[str]) -> str:
        """Data kinds, rights … named in the report's language and listed with its separator."""
        return ("、" if self.lang == "zh" else ", ").join(self.rulebase.label(key, self.lang) for key in keys)


CheckFunction = Callable[[Any, CheckContext], Iterable[Finding]]


@dataclass(frozen=True)
class RegisteredCheck:
    rule_id: str
    evidence_type: type[Evidence]
    function: CheckFunction
    # Whether a clean result can be trusted when the app's code is hidden by a packer.
    needs_code: bool


_REGISTRY: dict[str, RegisteredCheck] = {}


def check(rule_id: str, *, needs_code: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register `function(evidence, ctx)` as the check of `rule_id`; the evidence type comes from
    the annotation of its first parameter."""

    def register(function: CheckFunction) -> CheckFunction:
        first = next(iter(inspect.signature(function).parameters))
        evidence_type = get_type_hints(function)[first]
        if rule_id in _REGISTRY:
            raise ValueError(f"two checks registered for {rule_id}")
        _REGISTRY[rule_id] = RegisteredCheck(rule_id, evidence_type, function, needs_code)
        return function

    return register


def registered_checks() -> dict[str, RegisteredCheck]:
    """Every check of every family module in this package, imported on first use."""
    for module in pkgutil.iter_modules(_package_path()):
        importlib.import_module(f"lendguard.checks.{module.name}")
    return dict(_REGISTRY)


def _package_path() -> list[str]:
    package = importlib.import_module("lendguard.checks")
    return list(package.__path__)
