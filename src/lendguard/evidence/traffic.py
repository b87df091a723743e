"""Facts about captured traffic, per endpoint: what its requests sent, how often, and when first.

Aggregating per (method, scheme, host, path) keeps the evidence of a 1 GB capture as small as that
of a 1 MB one: memory does not grow with the number of requests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from lendguard.evidence.base import Evidence


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ValueSent(_Fact):
    entity: str
    field: str  # where in the request: query.mobile, body.contacts[3].phone, header.x-device …
    value: str  # masked unless raw values were asked for


class EndpointFacts(_Fact):
    method: str
    scheme: str
    host: str
    domain: str  # registrable domain (public-suffix list)
    path: str
    requests: int  # requests to this endpoint that sent personal information
    first_index: int  # HAR entry index of the first of them
    first_time: datetime | None
    entity_counts: dict[str, int]
    examples: tuple[ValueSent, ...] = ()
    contact_people: int = 0  # most distinct phone numbers in one list of people
    call_records: int = 0
    sms_messages: int = 0
    app_packages: int = 0
    device_ids: tuple[str, ...] = ()  # kinds: IMEI, android_id, MAC
    coordinates: int = 0


class TrafficEvidence(Evidence):
    kind: Literal["traffic"] = "traffic"
    entries: int
    first_party: tuple[str, ...]
    consent_at: datetime | None = None
    consent_entry: int | None = None
    endpoints: tuple[EndpointFacts, ...] = ()
    warnings: tuple[str, ...] = ()
