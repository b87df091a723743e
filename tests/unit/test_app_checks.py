"""Checks are pure functions: hand-made evidence, no file opened."""

from __future__ import annotations

from lendguard.engine import evaluate
from lendguard.evidence import ApkEvidence, CodeReference
from lendguard.findings import Finding, Outcome
from lendguard.rulebase import RuleBase


def _findings(evidence: ApkEvidence, rulebase: RuleBase, rule: str) -> list[Finding]:
    findings, _ = evaluate(evidence, evidence.package, rulebase, "en")
    return [f for f in findings if f.rule == rule]


def test_reference_without_the_needed_permission_is_low_confidence(
    evidence_of: dict[str, ApkEvidence], rulebase: RuleBase
) -> None:
    reference = CodeReference(
        signature="contacts-provider",
        kind="field",
        dex="classes.dex",
        member="Landroid/provider/ContactsContract$Contacts;->CONTENT_URI",
    )
    evidence = evidence_of["cleanloan"].model_copy(update={"code_refs": (reference,)})
    (finding,) = _findings(evidence, rulebase, "APP-CONTACTS-READ")
    assert finding.outcome is Outcome.fail and finding.confidence == "low"
    assert "dormant library code" in finding.why


def test_packed_app_cannot_pass_a_code_rule(evidence_of: dict[str, ApkEvidence], rulebase: RuleBase) -> None:
    evidence = evidence_of["cleanloan"].model_copy(update={"packers": ("360 加固",)})
    (finding,) = _findings(evidence, rulebase, "APP-CONTACTS-READ")
    assert finding.outcome is Outcome.inconclusive
    (manifest_rule,) = _findings(evidence, rulebase, "APP-CONTACTS-PERM")
    assert manifest_rule.outcome is Outcome.passed


def test_cleartext_default_below_target_28_is_medium_confidence(
    evidence_of: dict[str, ApkEvidence], rulebase: RuleBase
) -> None:
    clean = evidence_of["cleanloan"]
    network = clean.network.model_copy(
        update={"uses_cleartext_attribute": None, "cleartext_default": True, "config_cleartext_permitted": None}
    )
    evidence = clean.model_copy(update={"network": network, "target_sdk": 27})
    (finding,) = _findings(evidence, rulebase, "APP-CLEARTEXT")
    assert finding.outcome is Outcome.fail and finding.confidence == "medium"
    assert "targetSdk 27" in finding.quote


def test_debuggable_release_fails_backup_debug(evidence_of: dict[str, ApkEvidence], rulebase: RuleBase) -> None:
    evidence = evidence_of["cleanloan"].model_copy(update={"debuggable": True})
    (finding,) = _findings(evidence, rulebase, "APP-BACKUP-DEBUG")
    assert finding.quote == 'android:debuggable="true"'
