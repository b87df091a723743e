"""The finding: one judgement of one rule about one place, in the stable shape every report uses."""

from __future__ import annotations

import hashlib
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SerializerFunctionWrapHandler, model_serializer

from lendguard.rulebase import Severity

Confidence = Literal["high", "medium", "low"]


class Outcome(StrEnum):
    fail = "fail"
    passed = "pass"
    not_applicable = "not_applicable"
    inconclusive = "inconclusive"


class Location(BaseModel):
    """Where the finding was made: the file, then the most precise place inside it that applies.
    Places that do not apply are left out of the JSON (report schema 1.1; 1.0 wrote them as null)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    entry: str | None = Field(default=None, description="file inside an archive (APK entry)")
    dex: str | None = None
    member: str | None = Field(default=None, description="class and member, Lpkg/Cls;->name")
    permission: str | None = None
    component: str | None = None
    attribute: str | None = None
    url: str | None = None
    sdk: str | None = None
    table: str | None = None
    column: str | None = None
    path: str | None = Field(default=None, description="file inside a scanned directory")
    line: int | None = Field(default=None, description="1-based line of the first occurrence")
    entity: str | None = None
    start: int | None = Field(default=None, description="character offset where the quoted text starts")
    end: int | None = Field(default=None, description="character offset where the quoted text ends")
    section: str | None = Field(default=None, description="heading of the policy section")
    request: int | None = Field(default=None, description="0-based index of the HAR entry (the first, if several)")
    time: str | None = Field(default=None, description="when the request was sent")
    method: str | None = None
    host: str | None = None
    row: int | None = Field(default=None, description="1-based data row of a log (header excluded)")
    rows: list[int] | None = Field(default=None, description="all data rows the finding is about")
    loan: str | None = None

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}

    def key(self) -> str:
        """What identifies the place independently of the file's path and of line moves."""
        parts = (
            self.entry,
            self.member,
            self.permission,
            self.component,
            self.attribute,
            self.url,
            self.sdk,
            self.table,
            self.column,
            self.path,
            self.entity,
            self.method,
            self.host,
            self.loan,
        )
        return "|".join(part or "" for part in parts)


class Waiver(BaseModel):
    """Why a failure is accepted: the waiver file's entry that applies to it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(description="1-based position of the entry in the waiver file")
    reason: str
    approved_by: str
    expires: date


AffectedKind = Literal["contacts", "data_subjects", "call_records", "messages", "third_parties", "people_contacted"]


class Affected(BaseModel):
    """How many people (or records about people) a finding concerns, where the evidence counts them:
    numbers of an uploaded address book, rows of plaintext IDs, third persons called."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: AffectedKind
    count: int = Field(ge=0)
    at_least: bool = Field(default=False, description="counted in a sample: the store holds at least this many")


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    title: str
    outcome: Outcome
    severity: Severity
    confidence: Confidence
    target: str
    location: Location
    quote: str = Field(description="short excerpt of the evidence; personal values are masked")
    why: str
    basis: list[str]
    remedy: str
    fingerprint: str
    waived: bool = False
    waiver: Waiver | None = None
    affected: Affected | None = Field(default=None, description="people concerned, where the evidence counts them")
    # The quote as the English report words it, where the report's own language words it otherwise:
    # fingerprints are taken from it, so that a waiver or baseline holds in either language.
    _neutral_quote: str | None = PrivateAttr(default=None)

    @model_serializer(mode="wrap")
    def _without_unknown_count(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # left out when not counted, so a report signed before counts existed keeps its canonical form
        data: dict[str, Any] = handler(self)
        if data.get("affected") is None:
            data.pop("affected", None)
        return data

    @property
    def neutral_quote(self) -> str:
        """The language-independent form of the quote, the one its fingerprint is taken from."""
        return self.quote if self._neutral_quote is None else self._neutral_quote

    def worded_as(self, english: Finding) -> Finding:
        """This finding with the fingerprint of the same finding in an English report."""
        copy = self.model_copy(update={"fingerprint": english.fingerprint})
        if english.quote != self.quote:
            copy._neutral_quote = english.quote
        return copy

    @property
    def is_failure(self) -> bool:
        return self.outcome is Outcome.fail


def fingerprint(rule: str, target: str, location: Location, quote: str) -> str:
    """Stable across runs, file moves and line moves: rule + target identity + place + quote."""
    digest = hashlib.sha256("\x1f".join((rule, target, location.key(), quote)).encode("utf-8"))
    return digest.hexdigest()[:24]
