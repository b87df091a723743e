"""Real APKs from androguard's test data and the apps built from smali: the evidence is right."""

from __future__ import annotations

from lendguard.engine import TargetReport
from lendguard.evidence import ApkEvidence
from lendguard.findings import Outcome


def test_a2dp_permissions_and_code_references(evidence_of: dict[str, ApkEvidence]) -> None:
    a2dp = evidence_of["a2dp"]
    for permission in ("READ_CONTACTS", "RECEIVE_SMS", "ACCESS_FINE_LOCATION", "READ_PHONE_STATE"):
        assert a2dp.has_permission(permission), permission
    members = {r.member for r in a2dp.code_refs}
    assert "Landroid/provider/ContactsContract$PhoneLookup;->CONTENT_FILTER_URI" in members
    assert "Landroid/content/pm/PackageManager;->getInstalledApplications" in members
    assert a2dp.target_sdk == 25


def test_test_debug_asks_for_nothing(reports: dict[str, TargetReport]) -> None:
    failing = {f.rule for f in reports["test-debug"].findings if f.outcome is Outcome.fail}
    assert not failing & {"APP-CONTACTS-PERM", "APP-CALLLOG", "APP-SMS", "APP-LOCATION", "APP-DEVICE-ID"}


def test_multidex_code_is_scanned(evidence_of: dict[str, ApkEvidence]) -> None:
    loan = evidence_of["loanapp"]
    assert loan.dex_files == ("classes.dex", "classes2.dex")
    contacts = [r for r in loan.code_refs if r.signature == "contacts-provider"]
    assert contacts and {r.dex for r in contacts} == {"classes2.dex"}


def test_keyevent_device_id_is_not_telephony(evidence_of: dict[str, ApkEvidence]) -> None:
    # The clean app calls KeyEvent.getDeviceId: class and member are matched together.
    assert not [r for r in evidence_of["cleanloan"].code_refs if r.signature == "telephony-device-id"]


def test_policy_file_and_url_evidence_is_kept_for_the_policy_probe(evidence_of: dict[str, ApkEvidence]) -> None:
    loan = evidence_of["loanapp"]
    policy = loan.policy_files[0]
    assert policy.entry == "assets/privacy_policy.html"
    assert "注册即视为同意" in policy.text
    assert "https://www.kuaijie-loan.example.cn/privacy.html" in loan.policy_urls


def test_network_security_config_is_resolved(evidence_of: dict[str, ApkEvidence]) -> None:
    loan, clean = evidence_of["loanapp"].network, evidence_of["cleanloan"].network
    assert loan.config_entry == "res/xml/network_security_config.xml"
    assert loan.cleartext_domains == ("api.kuaijie-loan.example.cn",)
    assert clean.config_cleartext_permitted is False


def test_scraping_sdk_is_raised_to_high(reports: dict[str, TargetReport]) -> None:
    sdk = {f.location.sdk: f.severity.value for f in reports["loanapp"].findings if f.rule == "APP-SDK-DATA"}
    assert sdk == {"同盾设备指纹 Tongdun": "high", "个推 Getui": "medium"}
