"""Pydantic models of the rule base: every record the loader reads is one of these."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["zh", "en"]


class Severity(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe: critical=4 … info=0."""
        return len(_SEVERITY_ORDER) - 1 - _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = list(Severity)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Record):
    zh: str
    en: str

    def get(self, lang: Language) -> str:
        return self.zh if lang == "zh" else self.en


class Citation(_Record):
    """A pointer into the law data: a provision id, optionally pinned to one of its items."""

    provision: str
    item: str | None = None

    @classmethod
    def parse(cls, value: str) -> Citation:
        provision, _, item = value.partition(":")
        return cls(provision=provision, item=item or None)

    def __str__(self) -> str:
        return f"{self.provision}({self.item})" if self.item else self.provision


class Provision(_Record):
    id: str
    title: str
    section: str
    text: str = ""
    gist: str = ""


class Rule(_Record):
    id: str = Field(pattern=r"^(APP|POL|NET|DATA|COL|ORG|X)-[A-Z0-9]+(-[A-Z0-9]+)*$")
    title: Text
    trigger: Text = Field(description="what makes the check fire, in one sentence")
    severity: Severity
    escalated_severity: Severity | None = None
    escalation: Text | None = None
    basis: tuple[Citation, ...] = Field(min_length=1)
    remedy: Text

    @property
    def area(self) -> str:
        """The rule family: APP, POL, NET, DATA, COL, ORG or X."""
        return self.id.split("-", 1)[0]


class SdkSignature(_Record):
    id: str
    name: str
    vendor: str = ""
    category: str
    data: tuple[str, ...] = ()
    scraping: bool = False
    class_prefixes: tuple[str, ...] = ()
    native_libs: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    url_markers: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    source: str = "lendguard"


class PermissionSpec(_Record):
    rule: str
    data: str


class ApiSignature(_Record):
    id: str
    rule: str | None
    data: str
    permissions: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    strings: tuple[str, ...] = ()
    requires_strings: tuple[str, ...] = ()


class NecessaryScope(_Record):
    basis: str
    data: tuple[str, ...]


class PolicyMarkers(_Record):
    file_patterns: tuple[str, ...]
    file_extensions: tuple[str, ...]
    url_words: tuple[str, ...]


class AndroidKnowledge(_Record):
    necessary_scope: dict[str, NecessaryScope]
    permissions: dict[str, PermissionSpec]
    apis: tuple[ApiSignature, ...]
    cleartext_ignored_hosts: frozenset[str]
    policy: PolicyMarkers


class ContactsThresholds(_Record):
    min_rows_per_owner: float
    min_phones_in_value: int


class DataStoreKnowledge(_Record):
    plaintext_rules: dict[str, str]
    default_plaintext_rule: str
    low_entropy_entities: frozenset[str]
    contacts: ContactsThresholds

    def plaintext_rule(self, entity: str) -> str:
        return self.plaintext_rules.get(entity, self.default_plaintext_rule)


class PolicyLexicon(_Record):
    """Words and patterns the POL-* checks read policies with (rulebase/data/policy_lexicon.yaml)."""

    negations: tuple[str, ...]
    negation_breaks: tuple[str, ...]
    collect_verbs: tuple[str, ...]
    ask_verbs: tuple[str, ...]
    data_terms: dict[str, tuple[str, ...]]
    emergency: tuple[str, ...]
    contact_people: tuple[str, ...]
    collection_use: tuple[str, ...]
    open_ended: tuple[str, ...]
    third_party_verbs: tuple[str, ...]
    vague_recipients: tuple[str, ...]
    separate_consent: tuple[str, ...]
    purpose_markers: tuple[str, ...]
    retention: tuple[str, ...]
    rights: dict[str, tuple[str, ...]]
    complaint: tuple[str, ...]
    complaint_channels: tuple[str, ...]
    processor: tuple[str, ...]
    named_recipient: tuple[str, ...]
    processor_contact: tuple[str, ...]
    deemed_consent: tuple[str, ...]
    bundled: tuple[str, ...]
    necessary_terms: tuple[str, ...]
    sensitive: tuple[str, ...]
    necessity_statement: tuple[str, ...]
    overbroad_use: tuple[str, ...]
    marketing_opt_out: tuple[str, ...]
    breach: tuple[str, ...]
    notify: tuple[str, ...]
    unilateral_change: tuple[str, ...]
    minors: tuple[str, ...]
    cross_border: tuple[str, ...]
    cross_border_details: tuple[str, ...]
    response_time: tuple[str, ...]
    sdk_list: tuple[str, ...]
    sdk_details: tuple[str, ...]
    mandatory: tuple[str, ...]
    # Reading by meaning (issue #13): scopes, who acts, promise and condition, contexts.
    conditions: tuple[str, ...]
    service_records: tuple[str, ...]
    sms_channel: tuple[str, ...]
    contacts_picker: tuple[str, ...]
    contact_person: tuple[str, ...]
    address_book_context: tuple[str, ...]
    credit_context: tuple[str, ...]
    pi_nouns: tuple[str, ...]
    definition_markers: tuple[str, ...]
    third_party_obtains: tuple[str, ...]
    third_party_not: tuple[str, ...]
    consent_gate: tuple[str, ...]
    discretion: tuple[str, ...]
    recipient_promise: tuple[str, ...]
    retention_verbs: tuple[str, ...]
    rights_excluded: tuple[str, ...]
    concrete_channels: tuple[str, ...]
    contact_invitations: tuple[str, ...]
    explicit_consent: tuple[str, ...]
    bundle_limits: tuple[str, ...]
    bundle_whole: tuple[str, ...]
    necessary_markers: tuple[str, ...]
    marketing: tuple[str, ...]
    marketing_verbs: tuple[str, ...]
    consent_request: tuple[str, ...]
    notify_you: tuple[str, ...]
    policy_words: tuple[str, ...]
    change_posting: tuple[str, ...]
    change_notice: tuple[str, ...]
    cross_border_move: tuple[str, ...]
    cross_border_verbs: tuple[str, ...]
    cross_border_not: tuple[str, ...]
    response_verbs: tuple[str, ...]
    response_max_days: int
    sdk_named: tuple[str, ...]
    sdk_generic: tuple[str, ...]
    optional_markers: tuple[str, ...]


class QuietHours(_Record):
    start: str
    end: str


class Deadlines(_Record):
    requests_working_days: int
    complaints_working_days: int
    incident_report_hours: float
    breach_notice_hours: float
    officer_report_working_days: int
    officer_threshold_persons: int
    mlps_minimum_level: int


class CollectionKnowledge(_Record):
    timezone: str
    quiet_hours: QuietHours
    max_effective_calls_per_debtor_day: int
    max_attempts_per_number_day: int
    log_columns: dict[str, tuple[str, ...]]
    loan_columns: dict[str, tuple[str, ...]]
    connected_results: tuple[str, ...]
    unanswered_results: tuple[str, ...]
    debt_terms: tuple[str, ...]
    relay_only: tuple[str, ...]
    refusal_terms: tuple[str, ...]
    abuse_terms: tuple[str, ...]
    impersonation: tuple[str, ...]
    deadlines: Deadlines


class Band(_Record):
    grade: str
    min_score: float
    meaning: Text


class ComplaintSignal(_Record):
    window_days: int
    threshold: int
    due_within_days: int


class GradingScheme(_Record):
    version: str
    areas: dict[str, str]
    area_titles: dict[str, Text]
    area_weights: dict[str, float]
    severity_points: dict[Severity, float]
    bands: tuple[Band, ...]
    critical_cap: str
    min_coverage: float
    certifiable_grades: tuple[str, ...]
    # Areas without which a platform is never certifiable, whatever its score.
    mandatory_areas: tuple[str, ...] = ()
    inspection_interval_days: dict[str, int]
    complaint_signal: ComplaintSignal


class RuleBase(_Record):
    version: str
    rules: dict[str, Rule]
    provisions: dict[str, Provision]
    sdks: tuple[SdkSignature, ...]
    android: AndroidKnowledge
    datastore: DataStoreKnowledge
    policy: PolicyLexicon
    collection: CollectionKnowledge
    grading: GradingScheme
    labels: dict[str, Text] = Field(default_factory=dict, description="names of identifiers in explanations")

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    @cached_property
    def authored_texts(self) -> frozenset[str]:
        """Every string of the rules, provisions and labels: text the catalogue itself wrote (titles,
        remedies, the law's words), which the report masker can leave as it is."""
        found: set[str] = set()
        pending: list[object] = [self.model_dump(include={"rules", "provisions", "labels"})]
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                found.add(item)
            elif isinstance(item, dict):
                pending.extend(item.values())
            elif isinstance(item, list | tuple):
                pending.extend(item)
        return frozenset(found)

    def label(self, key: str, lang: Language) -> str:
        """The name of a data kind, SDK category, right … in the report's language (the key if unnamed)."""
        text = self.labels.get(key)
        return text.get(lang) if text else key
