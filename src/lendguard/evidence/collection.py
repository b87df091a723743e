"""Facts from a debt-collection contact log joined with the loans' borrower and contact numbers.

Only the attempts a COL-* rule can be about are kept, each for its reasons (`Reason`), plus the loan-days over the frequency limits. Each reason itemises its first `limit`
attempts in time order and counts the rest (`totals`, `omitted`), so a log of any size gives evidence
of bounded size. Numbers and content are masked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lendguard.evidence.base import Evidence

Role = Literal["borrower", "emergency_contact", "third_party", "unknown_loan"]
Reason = Literal[
    "other_party",  # any call to anyone but the borrower (what the log says of contacts, itemised)
    "third_party",  # a call to neither the borrower nor a registered contact
    "quiet_hours",
    "abusive_content",  # threats, insults, impersonation (any call)
    "debt_content",  # the debt named to anyone but the borrower
    "refusal_content",  # anyone but the borrower refusing further contact
    "after_refusal",  # a call to a number that refused earlier
    "contact_reached",  # an emergency contact called on a day the borrower was reached
    "untimed",  # a call to anyone but the borrower whose time is unread (it may follow a refusal)
]


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Attempt(_Fact):
    row: int  # 1-based data row (header excluded)
    loan: str
    time: datetime | None
    role: Role
    number: str  # masked
    number_key: str  # keyed digest, to follow one number across rows without showing it
    channel: str
    connected: bool | None
    content: str  # masked
    quiet_hours: bool
    borrower_reached_that_day: bool = False


class BusyDay(_Fact):
    loan: str
    day: date
    effective_calls: int  # connected calls to the borrower
    most_attempts_one_number: int
    number: str  # masked: the number with the most attempts
    rows: tuple[int, ...]


class CollectionEvidence(Evidence):
    kind: Literal["collection"] = "collection"
    rows: int
    loans: int
    attempts: tuple[Attempt, ...] = ()  # in row order
    busy_days: tuple[BusyDay, ...] = ()  # in the order of their first row
    limit: int = 1000  # attempts itemised per reason, and busy days itemised
    totals: dict[Reason, int] = Field(default_factory=dict)  # attempts of each reason in the whole log
    omitted: dict[Reason, int] = Field(
        default_factory=dict
    )  # of them, counted but not itemised (reasons with none left out)
    busy_days_total: int = 0
    untimed_rows: int = 0  # rows whose time is empty or could not be read
    untimed_examples: tuple[int, ...] = ()  # the first of them (1-based data rows)
    warnings: tuple[str, ...] = ()


class Breach(_Fact):
    id: str
    discovered: datetime
    severity: str = "一般"
    reported_to_authority: datetime | None = None
    individuals_notified: datetime | None = None


class Request(_Fact):
    id: str
    type: str = ""
    received: date
    answered: date | None = None


class Complaint(_Fact):
    id: str
    received: date
    resolved: date | None = None


class Officer(_Fact):
    name: str
    contact: str = ""
    appointed: date | None = None
    reported_to_cac: date | None = None


class Assessment(_Fact):
    subject: str
    date: date


class OrgEvidence(Evidence):
    """A platform's governance records, as the regulator holds them (lendguard org FILE.yaml)."""

    kind: Literal["org"] = "org"
    platform: str
    as_of: date
    persons_processed: int = 0
    threshold_reached: date | None = None
    processes_sensitive: bool = False
    provides_to_third_parties: bool = False
    officer: Officer | None = None
    impact_assessments: tuple[Assessment, ...] = ()
    mlps_level: int | None = None
    breaches: tuple[Breach, ...] = ()
    requests: tuple[Request, ...] = ()
    complaints: tuple[Complaint, ...] = ()
