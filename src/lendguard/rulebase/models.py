"""Pydantic models of the rule base: every record the loader reads is one of these."""

from __future__ import annotations

from enum import StrEnum
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


class RuleBase(_Record):
    version: str
    rules: dict[str, Rule]
    provisions: dict[str, Provision]
    sdks: tuple[SdkSignature, ...]
    android: AndroidKnowledge
    datastore: DataStoreKnowledge

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]
