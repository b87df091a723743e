"""Facts about a privacy policy: its text, its clauses with offsets and headings, and their topics."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from lendguard.evidence.apk import ApkEvidence
from lendguard.evidence.base import Evidence


class Clause(BaseModel):
    """One sentence or list item; `start`/`end` are character offsets into the policy text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    start: int
    end: int
    heading: str
    text: str
    topics: tuple[str, ...] = ()


class PolicyEvidence(Evidence):
    kind: Literal["policy"] = "policy"
    source_kind: Literal["txt", "html", "pdf", "apk"]
    entry: str | None = None  # the file inside an APK the policy came from
    text: str
    clauses: tuple[Clause, ...]


class PlatformEvidence(Evidence):
    """Evidence of one platform seen from several sides, for the X-* consistency checks."""

    kind: Literal["platform"] = "platform"
    policy: PolicyEvidence
    apk: ApkEvidence | None = None
