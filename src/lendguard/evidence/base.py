"""What every piece of evidence carries: where it came from and how it was collected."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Provenance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    sha256: str
    size: int
    tool: str
    tool_version: str
    collected_at: datetime


class Evidence(BaseModel):
    """Base of every evidence record; `kind` names the probe that made it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    provenance: Provenance
