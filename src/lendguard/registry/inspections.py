"""Inspections: a signed report is verified on upload (signature and every evidence file), stored
as uploaded, and compared with the platform's previous inspection."""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from lendguard.registry import certificates, rectification, signers
from lendguard.registry.audit import record
from lendguard.registry.auth import Principal, Role
from lendguard.registry.errors import ConflictError, InvalidError, NotFoundError, require, visible
from lendguard.registry.models import Inspection, Platform
from lendguard.reports.compare import Comparison, compare
from lendguard.reports.inspection import InspectionDocument, load, verify

MAX_EVIDENCE_BYTES = 200 * 1024 * 1024


def _unpack(evidence: bytes, folder: Path) -> None:
    """The evidence archive (zip) under `folder`; members may not escape it or be oversized."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(evidence))
    except zipfile.BadZipFile as error:
        raise InvalidError("the evidence is not a zip archive") from error
    with archive:
        if sum(member.file_size for member in archive.infolist()) > MAX_EVIDENCE_BYTES:
            raise InvalidError("the evidence archive unpacks to more than 200 MiB")
        for member in archive.infolist():
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts:
                raise InvalidError(f"evidence member {member.filename!r} points outside the archive")
            if member.is_dir():
                continue
            target = folder.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))


def _checked(path: Path, base: Path) -> InspectionDocument:
    """The report at `path` once its signature and every evidence file under `base` check out."""
    try:
        document = load(path)
    except FileNotFoundError as error:
        raise InvalidError("not a readable LendGuard inspection report") from error
    for item in document.evidence:
        name = PurePosixPath(item.path)
        if name.is_absolute() or ".." in name.parts or "\\" in item.path:
            raise InvalidError(f"report refused: evidence path {item.path!r} is not inside the inspection folder")
    problems = verify(path, base=base)
    if problems:
        raise InvalidError("report refused: " + "; ".join(problems))
    return document


def verified_document(report: bytes, evidence: bytes | None) -> InspectionDocument:
    """The report, once its signature and every listed evidence file check out; InvalidError otherwise."""
    with tempfile.TemporaryDirectory(prefix="lendguard-upload-") as folder:
        base = Path(folder)
        path = base / "report.json"
        path.write_bytes(report)
        bundle = base / "evidence"
        bundle.mkdir()
        if evidence:
            _unpack(evidence, bundle)
        return _checked(path, bundle)


def verified_local(report: bytes, base: Path) -> InspectionDocument:
    """A report whose evidence lies under `base` (the worker's unpacked bundle), checked as an upload is."""
    with tempfile.TemporaryDirectory(prefix="lendguard-report-") as folder:
        path = Path(folder) / "report.json"
        path.write_bytes(report)
        return _checked(path, base)


def failed_rules(document: InspectionDocument) -> list[str]:
    return sorted({rule for area in document.grade.areas for rule in area.rules_failed})


def upload(
    session: Session, principal: Principal, platform_id: int, report: bytes, evidence: bytes | None
) -> Inspection:
    require(principal, Role.regulator, Role.auditor)
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise NotFoundError("no such platform")
    return accept(session, principal, platform, report, verified_document(report, evidence))


def accept(
    session: Session, principal: Principal, platform: Platform, report: bytes, document: InspectionDocument
) -> Inspection:
    """Record a verified report: its signer must be trusted and it must be about `platform`."""
    assert document.signature is not None  # verified
    refused = signers.refusal(session, document.signature.public_key)
    if refused is not None:
        raise InvalidError(refused)
    if document.platform.strip() != platform.name:
        raise InvalidError(f"the report is about {document.platform!r}, not {platform.name!r}")
    digest = hashlib.sha256(report).hexdigest()
    if session.scalars(select(Inspection).where(Inspection.report_sha256 == digest)).first():
        raise ConflictError("this report was uploaded already")
    inspection = Inspection(
        platform_id=platform.id,
        uploaded_by=principal.name,
        uploaded_at=datetime.now(UTC),
        generated_at=document.generated_at.astimezone(UTC),
        grade=document.grade.grade,
        score=document.grade.score,
        certifiable=document.grade.certifiable,
        coverage=document.grade.coverage,
        failed_rules=failed_rules(document),
        signer=document.signature.public_key,
        report_sha256=digest,
        report=report.decode("utf-8"),
    )
    session.add(inspection)
    session.flush()
    record(
        session,
        principal.name,
        "inspection.upload",
        f"inspection:{inspection.id}",
        platform=platform.id,
        grade=inspection.grade,
        sha256=digest,
    )
    certificates.after_inspection(session, principal, platform, inspection, document)
    rectification.after_inspection(session, principal, inspection, document)
    return inspection


def document_of(inspection: Inspection) -> InspectionDocument:
    return InspectionDocument.model_validate_json(inspection.report)


def get_inspection(session: Session, principal: Principal, inspection_id: int) -> Inspection:
    require(principal, Role.regulator, Role.auditor, Role.platform)
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError("no such inspection")
    visible(principal, inspection.platform_id, "inspection")
    return inspection


def history(session: Session, principal: Principal, platform_id: int) -> list[Inspection]:
    require(principal, Role.regulator, Role.auditor, Role.platform)
    visible(principal, platform_id, "platform")
    query = select(Inspection).where(Inspection.platform_id == platform_id)
    return list(session.scalars(query.order_by(Inspection.generated_at, Inspection.id)))


def previous(session: Session, inspection: Inspection) -> Inspection | None:
    query = (
        select(Inspection)
        .where(Inspection.platform_id == inspection.platform_id, Inspection.id != inspection.id)
        .where(Inspection.generated_at <= inspection.generated_at)
        .order_by(Inspection.generated_at.desc(), Inspection.id.desc())
    )
    return session.scalars(query.limit(1)).first()


def diff_to_previous(session: Session, principal: Principal, inspection_id: int) -> Comparison | None:
    inspection = get_inspection(session, principal, inspection_id)
    before = previous(session, inspection)
    return None if before is None else compare(document_of(before), document_of(inspection))


def histories(session: Session, platform_ids: list[int]) -> dict[int, list[Inspection]]:
    """Every listed platform's inspections, oldest first, in one query (the dashboard's trends)."""
    query = select(Inspection).where(Inspection.platform_id.in_(platform_ids))
    found: dict[int, list[Inspection]] = {platform_id: [] for platform_id in platform_ids}
    for inspection in session.scalars(query.order_by(Inspection.generated_at, Inspection.id)):
        found[inspection.platform_id].append(inspection)
    return found
