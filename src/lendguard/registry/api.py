"""The JSON API (/api/v1): thin handlers over the service modules; every response model masks PI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lendguard.registry import breaches, certificates, complaints, inspections, jobs, platforms, rectification, signers
from lendguard.registry.app import api_principal, db, registry_of
from lendguard.registry.audit import verify_chain
from lendguard.registry.auth import Principal, Role
from lendguard.registry.errors import InvalidError, ServiceError, require
from lendguard.registry.models import (
    AuditJob,
    BreachNotice,
    Certificate,
    Complaint,
    Inspection,
    Platform,
    TrustedSigner,
)
from lendguard.registry.schedule import Due, schedule, today
from lendguard.registry.security import client_of

router = APIRouter(prefix="/api/v1")
DB = Annotated[Session, Depends(db)]
Who = Annotated[Principal, Depends(api_principal)]
MAX_UPLOAD = 250 * 1024 * 1024
RowId = Annotated[int, PathParam(ge=1, le=2_147_483_647, description="record id")]
Number = Annotated[str, PathParam(max_length=40)]


class PlatformIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    uscc: str = Field(min_length=1, max_length=40, description="unified social credit code (统一社会信用代码)")
    apps: list[str] = Field(default=[], max_length=50, description="Android package names")
    domains: list[str] = Field(default=[], max_length=50)


class PlatformOut(BaseModel):
    id: int
    name: str
    uscc: str
    apps: list[str]
    domains: list[str]

    @classmethod
    def of(cls, p: Platform) -> PlatformOut:
        return cls(id=p.id, name=p.name, uscc=p.uscc, apps=p.apps, domains=p.domains)


class DueOut(BaseModel):
    platform_id: int
    due: date
    reason: str
    last_grade: str | None
    complaints_in_window: int
    overdue: bool

    @classmethod
    def of(cls, d: Due, on: date) -> DueOut:
        return cls(
            platform_id=d.platform_id,
            due=d.due,
            reason=d.reason,
            last_grade=d.last_grade,
            complaints_in_window=d.complaints_in_window,
            overdue=d.overdue(on),
        )


class InspectionOut(BaseModel):
    id: int
    platform_id: int
    generated_at: datetime
    uploaded_at: datetime
    uploaded_by: str
    grade: str
    score: float
    certifiable: bool
    coverage: float
    failed_rules: list[str]
    signer: str
    report_sha256: str

    @classmethod
    def of(cls, i: Inspection) -> InspectionOut:
        return cls(
            id=i.id,
            platform_id=i.platform_id,
            generated_at=i.generated_at,
            uploaded_at=i.uploaded_at,
            uploaded_by=i.uploaded_by,
            grade=i.grade,
            score=i.score,
            certifiable=i.certifiable,
            coverage=i.coverage,
            failed_rules=i.failed_rules,
            signer=i.signer,
            report_sha256=i.report_sha256,
        )


class FindingOut(BaseModel):
    rule: str
    title: str
    severity: str
    fingerprint: str
    quote: str


class DiffOut(BaseModel):
    previous: int | None
    grade_before: str | None = None
    grade_after: str | None = None
    score_before: float | None = None
    score_after: float | None = None
    fixed: list[FindingOut] = []
    new: list[FindingOut] = []
    persisting: list[FindingOut] = []


class CertificateOut(BaseModel):
    number: str
    platform: str
    uscc: str
    grade: str
    scope: dict[str, Any]
    issued_at: datetime
    valid_until: date
    status: str
    status_reason: str
    status_changed_at: datetime
    report_sha256: str
    signer: str
    signer_name: str | None = Field(description="the trusted signer's registered name; null: no longer trusted")
    report_url: str

    @classmethod
    def of(cls, session: Session, c: Certificate) -> CertificateOut:
        inspection = session.get(Inspection, c.inspection_id)
        assert inspection is not None
        status = certificates.public_status(c, today())
        return cls(
            number=c.number,
            platform=c.platform.name,
            uscc=c.platform.uscc,
            grade=c.grade,
            scope=c.scope,
            issued_at=c.issued_at,
            valid_until=c.valid_until,
            status=status.status,
            status_reason=status.reason,
            status_changed_at=c.status_changed_at,
            report_sha256=inspection.report_sha256,
            signer=inspection.signer,
            signer_name=signers.name_of(session, inspection.signer),
            report_url=f"/api/v1/certificates/{c.number}/report",
        )


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ComplaintIn(BaseModel):
    platform: str = Field(min_length=1, max_length=200, description="registered name or id of the platform")
    text: str = Field(min_length=1, max_length=complaints.MAX_TEXT, description="what happened")
    phone: str = Field(min_length=1, max_length=20, description="the complainant's mobile number")
    id_number: str = Field(default="", max_length=20, description="the complainant's resident ID (optional)")
    category: str | None = Field(default=None, max_length=40)


class ComplaintReceipt(BaseModel):
    reference: str
    status: str
    deadline: date


class ComplaintOut(BaseModel):
    reference: str
    platform_id: int
    received_at: datetime
    category: str | None
    rules: list[str]
    text: str = Field(description="masked")
    phone: str = Field(description="masked")
    id_number: str = Field(description="masked")
    status: str
    deadline: date
    overdue: bool
    triage_note: str
    response: str

    @classmethod
    def of(cls, c: Complaint, on: date) -> ComplaintOut:
        return cls(
            reference=c.reference,
            platform_id=c.platform_id,
            received_at=c.received_at,
            category=c.category,
            rules=c.rules,
            text=c.text_masked,
            phone=c.phone_masked,
            id_number=c.id_number_masked,
            status=c.status,
            deadline=c.deadline,
            overdue=complaints.is_overdue(c, on),
            triage_note=c.triage_note,
            response=c.response,
        )


class StatusIn(BaseModel):
    status: Literal["triaged", "rejected", "forwarded", "answered", "closed"]
    note: str = Field(default="", max_length=4000)
    category: str | None = Field(default=None, max_length=40)


class RevealedOut(BaseModel):
    text: str
    phone: str
    id_number: str


class RectificationIn(BaseModel):
    working_days: int = Field(default=rectification.DEFAULT_WORKING_DAYS, ge=1, le=120)


class ItemOut(BaseModel):
    id: int
    rule: str
    title: str
    quote: str
    status: str
    answer: str


class NoticeOut(BaseModel):
    id: int
    platform_id: int
    inspection_id: int
    issued_at: datetime
    deadline: date
    status: str
    overdue: bool
    items: list[ItemOut]

    @classmethod
    def of(cls, view: rectification.NoticeView) -> NoticeOut:
        n = view.notice
        return cls(
            id=n.id,
            platform_id=n.platform_id,
            inspection_id=n.inspection_id,
            issued_at=n.issued_at,
            deadline=n.deadline,
            status=n.status,
            overdue=view.overdue,
            items=[
                ItemOut(id=i.id, rule=i.rule, title=i.title, quote=i.quote, status=i.status, answer=i.answer)
                for i in n.items
            ],
        )


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=4000)


class BreachIn(BaseModel):
    discovered_at: datetime
    severity: str = Field(default="一般", max_length=20)
    categories: list[str] = Field(default=[], max_length=30)
    people_affected: int = Field(ge=0, le=2_000_000_000)
    measures: str = Field(default="", max_length=4000)
    individuals_notified_at: datetime | None = None


class BreachOut(BaseModel):
    reference: str
    platform_id: int
    discovered_at: datetime
    filed_at: datetime
    individuals_notified_at: datetime | None
    severity: str
    categories: list[str]
    people_affected: int
    measures: str
    status: str
    report_by: datetime
    notify_by: datetime
    late: bool

    @classmethod
    def of(cls, b: BreachNotice) -> BreachOut:
        d = breaches.deadlines(b, datetime.now(b.filed_at.tzinfo))
        return cls(
            reference=b.reference,
            platform_id=b.platform_id,
            discovered_at=b.discovered_at,
            filed_at=b.filed_at,
            individuals_notified_at=b.individuals_notified_at,
            severity=b.severity,
            categories=b.categories,
            people_affected=b.people_affected,
            measures=b.measures,
            status=b.status,
            report_by=d.report_by,
            notify_by=d.notify_by,
            late=d.late,
        )


class NotifiedIn(BaseModel):
    at: datetime


class DecisionIn(BaseModel):
    status: Literal["confirmed", "dismissed"]


class JobOut(BaseModel):
    id: int
    platform_id: int
    submitted_by: str
    submitted_at: datetime
    bundle_name: str
    bundle_sha256: str
    status: str = Field(description="queued | running | done | failed")
    reason: str = Field(description="why a failed job failed")
    started_at: datetime | None
    finished_at: datetime | None
    inspection_id: int | None
    status_url: str

    @classmethod
    def of(cls, j: AuditJob) -> JobOut:
        return cls(
            id=j.id,
            platform_id=j.platform_id,
            submitted_by=j.submitted_by,
            submitted_at=j.submitted_at,
            bundle_name=j.bundle_name,
            bundle_sha256=j.bundle_sha256,
            status=j.status,
            reason=j.reason,
            started_at=j.started_at,
            finished_at=j.finished_at,
            inspection_id=j.inspection_id,
            status_url=f"/api/v1/jobs/{j.id}",
        )


class SignerIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    public_key: str = Field(
        min_length=1, max_length=1000, description="PEM (the signer's FILE.pub) or base64 of the raw Ed25519 key"
    )


class SignerOut(BaseModel):
    id: int
    name: str
    public_key: str
    added_by: str
    added_at: datetime

    @classmethod
    def of(cls, s: TrustedSigner) -> SignerOut:
        return cls(id=s.id, name=s.name, public_key=s.public_key, added_by=s.added_by, added_at=s.added_at)


class LogCheck(BaseModel):
    entries: int
    problems: list[str]


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/platforms", status_code=201)
def add_platform(body: PlatformIn, session: DB, who: Who) -> PlatformOut:
    return PlatformOut.of(platforms.add_platform(session, who, body.name, body.uscc, body.apps, body.domains))


@router.get("/platforms")
def list_platforms(session: DB, who: Who) -> list[PlatformOut]:
    return [PlatformOut.of(p) for p in platforms.list_platforms(session, who)]


@router.get("/platforms/{platform_id}")
def get_platform(platform_id: RowId, session: DB, who: Who) -> PlatformOut:
    return PlatformOut.of(platforms.get_platform(session, who, platform_id))


@router.post("/platforms/{platform_id}/inspections", status_code=201)
async def upload_inspection(
    platform_id: RowId,
    session: DB,
    who: Who,
    report: Annotated[UploadFile, File(description="the signed report.json")],
    evidence: Annotated[UploadFile | None, File(description="zip of the evidence files the report lists")] = None,
) -> InspectionOut:
    require(who, Role.regulator, Role.auditor)
    data = await report.read(MAX_UPLOAD + 1)
    bundle = await evidence.read(MAX_UPLOAD + 1) if evidence is not None else None
    if len(data) > MAX_UPLOAD or (bundle is not None and len(bundle) > MAX_UPLOAD):
        raise InvalidError("upload too large")
    return InspectionOut.of(inspections.upload(session, who, platform_id, data, bundle))


@router.post("/platforms/{platform_id}/bundles", status_code=202)
async def upload_bundle(
    platform_id: RowId,
    request: Request,
    session: DB,
    who: Who,
    bundle: Annotated[UploadFile, File(description="zip or tar: inspection.yaml and every file it names")],
    lang: Annotated[Literal["zh", "en"], Form()] = "zh",
) -> JobOut:
    """Queue an inspection bundle for the background worker; poll the job's status_url."""
    require(who, Role.regulator, Role.auditor)
    data = await bundle.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidError("upload too large")
    registry = registry_of(request)
    if registry.own_signer is None:
        raise ServiceError("this registry has no signing key: bundles cannot be audited here", 503)
    job = await run_in_threadpool(jobs.submit, session, who, platform_id, data, bundle.filename or "", lang)
    out = JobOut.of(job)
    session.commit()  # before the worker is woken: it must find the job
    registry.poke_worker()
    return out


@router.get("/jobs")
def list_jobs(
    session: DB, who: Who, status: Annotated[Literal["queued", "running", "done", "failed"] | None, Query()] = None
) -> list[JobOut]:
    return [JobOut.of(j) for j in jobs.list_jobs(session, who, status)]


@router.get("/jobs/{job_id}")
def get_job(job_id: RowId, session: DB, who: Who) -> JobOut:
    return JobOut.of(jobs.get_job(session, who, job_id))


@router.get("/jobs/{job_id}/evidence", response_class=Response)
def job_evidence(job_id: RowId, session: DB, who: Who) -> Response:
    """The files a done job was audited from (zip): its report verifies against them."""
    return Response(jobs.evidence_of(session, who, job_id), media_type="application/zip")


@router.get("/signers")
def list_signers(session: DB, who: Who) -> list[SignerOut]:
    return [SignerOut.of(s) for s in signers.list_signers(session, who)]


@router.post("/signers", status_code=201)
def add_signer(body: SignerIn, session: DB, who: Who) -> SignerOut:
    return SignerOut.of(signers.add_signer(session, who, body.name, body.public_key))


@router.delete("/signers/{signer_id}")
def remove_signer(signer_id: RowId, request: Request, session: DB, who: Who) -> SignerOut:
    removed = signers.remove_signer(session, who, str(signer_id), registry_of(request).own_signer)
    return SignerOut.of(removed)


@router.get("/platforms/{platform_id}/inspections")
def inspection_history(platform_id: RowId, session: DB, who: Who) -> list[InspectionOut]:
    return [InspectionOut.of(i) for i in inspections.history(session, who, platform_id)]


@router.get("/platforms/{platform_id}/certificates")
def platform_certificates(platform_id: RowId, session: DB, who: Who) -> list[CertificateOut]:
    return [CertificateOut.of(session, c) for c in certificates.for_platform(session, who, platform_id)]


@router.get("/platforms/{platform_id}/due")
def platform_due(platform_id: RowId, request: Request, session: DB, who: Who) -> DueOut:
    platforms.get_platform(session, who, platform_id)
    on = today()
    return DueOut.of(schedule(session, registry_of(request).rulebase, on, [platform_id])[0], on)


@router.get("/inspections/{inspection_id}")
def get_inspection(inspection_id: RowId, session: DB, who: Who) -> InspectionOut:
    return InspectionOut.of(inspections.get_inspection(session, who, inspection_id))


@router.get("/inspections/{inspection_id}/findings")
def inspection_findings(inspection_id: RowId, session: DB, who: Who) -> list[FindingOut]:
    document = inspections.document_of(inspections.get_inspection(session, who, inspection_id))
    return [_finding(f) for t in document.targets for f in t.failures()]


def _finding(f: Any) -> FindingOut:
    return FindingOut(rule=f.rule, title=f.title, severity=str(f.severity), fingerprint=f.fingerprint, quote=f.quote)


@router.get("/inspections/{inspection_id}/diff")
def inspection_diff(inspection_id: RowId, session: DB, who: Who) -> DiffOut:
    inspection = inspections.get_inspection(session, who, inspection_id)
    comparison = inspections.diff_to_previous(session, who, inspection_id)
    if comparison is None:
        return DiffOut(previous=None)
    before = inspections.previous(session, inspection)
    return DiffOut(
        previous=before.id if before else None,
        grade_before=comparison.grade_before,
        grade_after=comparison.grade_after,
        score_before=comparison.score_before,
        score_after=comparison.score_after,
        fixed=[_finding(f) for f in comparison.fixed],
        new=[_finding(f) for f in comparison.new],
        persisting=[_finding(f) for f in comparison.persisting],
    )


@router.post("/inspections/{inspection_id}/rectification", status_code=201)
def issue_rectification(inspection_id: RowId, body: RectificationIn, session: DB, who: Who) -> NoticeOut:
    notice = rectification.issue(session, who, inspection_id, body.working_days)
    return NoticeOut.of(rectification.NoticeView(notice, False))


@router.get("/schedule")
def inspection_schedule(
    request: Request, session: DB, who: Who, overdue: Annotated[bool, Query()] = False
) -> list[DueOut]:
    require(who, Role.regulator, Role.auditor)
    on = today()
    dues = schedule(session, registry_of(request).rulebase, on)
    return [DueOut.of(d, on) for d in dues if d.overdue(on) or not overdue]


def _limit(request: Request, bucket: str) -> None:
    registry_of(request).limiter.check(bucket, client_of(request))


@router.get("/certificates/{number}")
def lookup_certificate(number: Number, request: Request, session: DB) -> CertificateOut:
    _limit(request, "lookup")
    return CertificateOut.of(session, certificates.lookup(session, number))


@router.get("/certificates/{number}/report")
def certificate_report(number: Number, request: Request, session: DB) -> Response:
    """The signed report behind the certificate, byte for byte as uploaded: `lendguard verify` it."""
    _limit(request, "lookup")
    certificate = certificates.lookup(session, number)
    inspection = session.get(Inspection, certificate.inspection_id)
    assert inspection is not None
    return Response(inspection.report, media_type="application/json")


@router.post("/certificates/{number}/revoke")
def revoke_certificate(number: Number, body: ReasonIn, session: DB, who: Who) -> CertificateOut:
    return CertificateOut.of(session, certificates.revoke(session, who, number, body.reason))


@router.get("/complaint-categories")
def complaint_categories() -> dict[str, dict[str, Any]]:
    return {k: {"zh": c.zh, "en": c.en, "rules": list(c.rules)} for k, c in complaints.categories().items()}


@router.post("/complaints", status_code=201)
def file_complaint(body: ComplaintIn, request: Request, session: DB) -> ComplaintReceipt:
    _limit(request, "complaint")
    platform = platforms.find_platform(session, body.platform)
    complaint = complaints.file_complaint(
        session, registry_of(request).settings.keyring, platform, body.text, body.phone, body.id_number, body.category
    )
    return ComplaintReceipt(reference=complaint.reference, status=complaint.status, deadline=complaint.deadline)


@router.get("/complaints")
def complaint_queue(
    session: DB,
    who: Who,
    status: Annotated[str | None, Query(max_length=20)] = None,
    overdue: Annotated[bool, Query()] = False,
) -> list[ComplaintOut]:
    on = today()
    return [ComplaintOut.of(c, on) for c in complaints.queue(session, who, on, status, overdue)]


@router.get("/complaints/{reference}")
def get_complaint(reference: Number, session: DB, who: Who) -> ComplaintOut:
    return ComplaintOut.of(complaints.get_complaint(session, who, reference), today())


@router.post("/complaints/{reference}/status")
def move_complaint(reference: Number, body: StatusIn, session: DB, who: Who) -> ComplaintOut:
    complaint = complaints.move(session, who, reference, body.status, body.note, body.category)
    return ComplaintOut.of(complaint, today())


@router.post("/complaints/{reference}/reveal")
def reveal_complaint(reference: Number, body: ReasonIn, request: Request, session: DB, who: Who) -> RevealedOut:
    revealed = complaints.reveal(session, who, registry_of(request).settings.keyring, reference, body.reason)
    return RevealedOut(text=revealed.text, phone=revealed.phone, id_number=revealed.id_number)


@router.get("/rectifications")
def list_rectifications(session: DB, who: Who, overdue: Annotated[bool, Query()] = False) -> list[NoticeOut]:
    return [NoticeOut.of(v) for v in rectification.notices(session, who, today(), overdue)]


@router.get("/rectifications/{notice_id}")
def get_rectification(notice_id: RowId, session: DB, who: Who) -> NoticeOut:
    return NoticeOut.of(rectification.get_notice(session, who, notice_id, today()))


@router.post("/rectifications/{notice_id}/items/{item_id}/answer")
def answer_item(notice_id: RowId, item_id: RowId, body: AnswerIn, session: DB, who: Who) -> ItemOut:
    i = rectification.answer(session, who, notice_id, item_id, body.answer)
    return ItemOut(id=i.id, rule=i.rule, title=i.title, quote=i.quote, status=i.status, answer=i.answer)


@router.post("/platforms/{platform_id}/breaches", status_code=201)
def file_breach(platform_id: RowId, body: BreachIn, session: DB, who: Who) -> BreachOut:
    breach = breaches.file_breach(
        session,
        who,
        platform_id,
        body.discovered_at,
        body.severity,
        body.categories,
        body.people_affected,
        body.measures,
        body.individuals_notified_at,
    )
    return BreachOut.of(breach)


@router.get("/breaches")
def list_breaches(session: DB, who: Who) -> list[BreachOut]:
    return [BreachOut.of(b) for b in breaches.breaches(session, who)]


@router.post("/breaches/{reference}/notified")
def breach_notified(reference: Number, body: NotifiedIn, session: DB, who: Who) -> BreachOut:
    return BreachOut.of(breaches.notified(session, who, reference, body.at))


@router.post("/breaches/{reference}/decision")
def breach_decision(reference: Number, body: DecisionIn, session: DB, who: Who) -> BreachOut:
    return BreachOut.of(breaches.decide(session, who, reference, body.status))


@router.get("/platforms/{platform_id}/governance.yaml", response_class=PlainTextResponse)
def governance_export(platform_id: RowId, session: DB, who: Who) -> str:
    return breaches.governance_yaml(session, who, platform_id, today())


@router.get("/audit/verify")
def audit_verify(session: DB, who: Who) -> LogCheck:
    require(who, Role.regulator)
    entries, problems = verify_chain(session)
    return LogCheck(entries=entries, problems=problems)
