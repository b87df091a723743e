"""Audit jobs: an auditor or regulator uploads an inspection bundle; a background worker (a thread
of `lendguard serve`, or `lendguard registry worker` as its own process) unpacks it, runs the
audit with the engine, signs the report with the registry's key and records the inspection exactly
as an uploaded signed report is recorded (signature, evidence and signer checked again)."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lendguard.detect import mask_text
from lendguard.engine import run_inspection
from lendguard.manifest import ManifestError
from lendguard.registry import breaches, bundles, inspections
from lendguard.registry.audit import record
from lendguard.registry.auth import Principal, Role
from lendguard.registry.db import transaction
from lendguard.registry.errors import InvalidError, NotFoundError, ServiceError, require
from lendguard.registry.governance import with_registry_breaches
from lendguard.registry.models import AuditJob, Platform
from lendguard.reports.inspection import SignatureError, build_inspection, sign
from lendguard.rulebase import Language, RuleBase

log = logging.getLogger("lendguard.registry.worker")
LANGUAGES = ("zh", "en")
STALE = timedelta(hours=2)


def submit(
    session: Session, principal: Principal, platform_id: int, data: bytes, filename: str, lang: str = "zh"
) -> AuditJob:
    """Queue a bundle; a bundle the worker could not audit is refused now, with the reason."""
    require(principal, Role.regulator, Role.auditor)
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise NotFoundError("no such platform")
    if lang not in LANGUAGES:
        raise InvalidError("lang: zh or en")
    with bundles.unpacked(data) as bundle:
        if bundle.manifest.platform.strip() != platform.name:
            raise InvalidError(f"the bundle inspects {bundle.manifest.platform!r}, not {platform.name!r}")
    job = AuditJob(
        platform_id=platform.id,
        submitted_by=principal.name,
        submitted_at=datetime.now(UTC),
        lang=lang,
        bundle_name=(filename or "bundle")[:200],
        bundle_sha256=hashlib.sha256(data).hexdigest(),
        bundle=data,
        status="queued",
        reason="",
        started_at=None,
        finished_at=None,
        inspection_id=None,
    )
    session.add(job)
    session.flush()
    record(session, principal.name, "job.submit", f"job:{job.id}", platform=platform.id, sha256=job.bundle_sha256)
    return job


def get_job(session: Session, principal: Principal, job_id: int) -> AuditJob:
    require(principal, Role.regulator, Role.auditor)
    job = session.get(AuditJob, job_id)
    if job is None:
        raise NotFoundError("no such job")
    return job


def evidence_of(session: Session, principal: Principal, job_id: int) -> bytes:
    """The files the job's inspection was audited from (zip): what its report verifies against."""
    job = get_job(session, principal, job_id)
    if job.status != "done":
        raise NotFoundError(f"job {job_id} is {job.status}: no audited evidence")
    return job.evidence if job.evidence is not None else job.bundle


def list_jobs(session: Session, principal: Principal, status: str | None = None) -> list[AuditJob]:
    require(principal, Role.regulator, Role.auditor)
    query = select(AuditJob).order_by(AuditJob.id.desc()).limit(200)
    if status:
        query = query.where(AuditJob.status == status)
    return list(session.scalars(query))


def claim(session: Session) -> AuditJob | None:
    """The oldest queued job, marked running (PostgreSQL: rows other workers hold are skipped;
    SQLite: every transaction holds the write lock). A job running for longer than STALE lost its
    worker (the process stopped) and is taken again."""
    abandoned = (AuditJob.status == "running") & (AuditJob.started_at < datetime.now(UTC) - STALE)
    query = select(AuditJob).where((AuditJob.status == "queued") | abandoned).order_by(AuditJob.id).limit(1)
    job = session.scalars(query.with_for_update(skip_locked=True)).first()
    if job is None:
        return None
    job.status, job.started_at = "running", datetime.now(UTC)
    record(session, "worker", "job.start", f"job:{job.id}")
    return job


@dataclass(frozen=True)
class Auditor:
    """What the worker needs: the rule base and the registry's signing key."""

    rulebase: RuleBase
    signing_key: Path


def _finish(
    session: Session, job_id: int, status: str, reason: str, inspection_id: int | None, evidence: bytes | None = None
) -> None:
    job = session.get(AuditJob, job_id)
    assert job is not None
    job.evidence = evidence
    job.status, job.reason, job.finished_at, job.inspection_id = status, reason[:2000], datetime.now(UTC), inspection_id
    record(session, "worker", f"job.{status}", f"job:{job_id}", inspection=inspection_id, reason=reason[:200])


def run(sessions: sessionmaker[Session], auditor: Auditor, job_id: int) -> None:
    """Audit one claimed job and record the outcome; a failure is the job's reason, never a crash."""
    with transaction(sessions) as session:
        job = session.get(AuditJob, job_id)
        assert job is not None
        data, platform_id, lang = job.bundle, job.platform_id, job.lang
        notices = breaches.governance_entries(session, platform_id)
    worker = Principal("worker", Role.auditor)
    folder = ""  # the temporary folder, kept out of the reasons a job gives

    def failed(reason: str) -> None:
        with transaction(sessions) as session:
            _finish(session, job_id, "failed", mask_text(reason.replace(folder, "") if folder else reason), None)

    try:
        language: Language = "en" if lang == "en" else "zh"
        with bundles.unpacked(data) as bundle:
            folder = f"{bundle.root}/"
            original = bundle.path
            manifest, warnings = with_registry_breaches(original, notices)
            inspection = run_inspection(manifest, auditor.rulebase, language)
            inspection = replace(inspection, warnings=[*inspection.warnings, *warnings])
            if inspection.nothing_read:
                unread = "; ".join(r.error or "" for r in inspection.reports)
                raise InvalidError(f"no target of the bundle could be read: {unread}")
            document = build_inspection(inspection, auditor.rulebase, language)
            # the manifest as the bundle names it, not where this worker happened to unpack it
            document = document.model_copy(update={"manifest": manifest.relative_to(bundle.root).as_posix()})
            document = sign(document, auditor.signing_key)
            report = document.model_dump_json().encode("utf-8")
            verified = inspections.verified_local(report, original.parent)
            evidence = bundles.zip_folder(bundle.root) if manifest != original else None
        with transaction(sessions) as session:
            platform = session.get(Platform, platform_id)
            assert platform is not None
            recorded = inspections.accept(session, worker, platform, report, verified)
            _finish(session, job_id, "done", "", recorded.id, evidence)
    except (ServiceError, ManifestError, SignatureError) as error:
        failed(error.reason if isinstance(error, ServiceError) else str(error))
    except Exception as error:  # noqa: BLE001 - an engine bug fails the job, not the worker (logged masked)
        log.error("audit job %s failed: %s", job_id, mask_text(f"{type(error).__name__}: {error}"))
        failed(f"internal error: {type(error).__name__}")


def work_once(sessions: sessionmaker[Session], auditor: Auditor) -> int | None:
    """Claim and audit the next queued job; its id, or None when the queue is empty."""
    with transaction(sessions) as session:
        job = claim(session)
        job_id = job.id if job is not None else None
    if job_id is not None:
        run(sessions, auditor, job_id)
    return job_id


class Worker:
    """The background worker: audits queued jobs one at a time until stopped; woken early by `poke`."""

    def __init__(self, sessions: sessionmaker[Session], auditor: Auditor, poll_seconds: float = 5.0) -> None:
        self.sessions, self.auditor, self.poll_seconds = sessions, auditor, poll_seconds
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def poke(self) -> None:
        self._wake.set()

    def loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = work_once(self.sessions, self.auditor) is not None
            except Exception:  # the database went away for a moment: try again after the pause
                log.exception("audit worker: claiming a job failed")
                worked = False
            if not worked:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.loop, name="lendguard-audit-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
