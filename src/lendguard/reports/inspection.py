"""The inspection report: every target's document, the grade, evidence hashes, and a signature.

The JSON document is the source of truth; it is signed with Ed25519 over its RFC 8785 canonical
form (without the signature), so anyone with the public key can verify it and re-hash the evidence.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import rfc8785
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, ValidationError

from lendguard import __version__
from lendguard.engine import Inspection, recheck_inputs
from lendguard.evidence import InputFingerprint
from lendguard.grading import Grade
from lendguard.reports.document import ReportDocument, ToolInfo, build_document
from lendguard.reports.masking import masked
from lendguard.rulebase import Language, RuleBase
from lendguard.waivers import WaiverStatus


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Signature(_Model):
    algorithm: Literal["Ed25519"] = "Ed25519"
    canonicalization: Literal["RFC 8785"] = "RFC 8785"
    public_key: str  # base64 of the raw 32-byte key
    value: str  # base64 of the signature


# 1.1: the manifest's inspector and scope; findings of report schema 1.2 (people affected).
INSPECTION_SCHEMA_VERSION = "1.1"


class InspectionDocument(_Model):
    schema_version: Literal["1.0", "1.1"] = "1.1"
    kind: Literal["inspection"] = "inspection"
    tool: ToolInfo
    lang: Language
    generated_at: datetime
    platform: str
    inspector: str | None = None
    scope: str | None = None
    manifest: str
    grade: Grade
    targets: list[ReportDocument]
    evidence: list[InputFingerprint]
    warnings: list[str] = []
    waivers: list[WaiverStatus] = []
    signature: Signature | None = None

    def canonical(self) -> bytes:
        data = self.model_dump(mode="json", exclude={"signature"})
        for key in ("inspector", "scope"):  # absent from schema 1.0: a report signed then still verifies
            if data.get(key) is None:
                data.pop(key, None)
        return bytes(rfc8785.dumps(data))


class SignatureError(ValueError):
    """The report is unreadable, unsigned, tampered with, or its evidence changed."""


def build_inspection(inspection: Inspection, rulebase: RuleBase, lang: Language) -> InspectionDocument:
    documents = [build_document(report, rulebase, lang) for report in inspection.reports]
    document = InspectionDocument(
        tool=ToolInfo(version=__version__, rulebase_version=rulebase.version),
        lang=lang,
        generated_at=datetime.now(UTC),
        platform=inspection.platform,
        inspector=inspection.inspector,
        scope=inspection.scope,
        manifest=str(inspection.manifest),
        grade=inspection.grade,
        targets=documents,
        evidence=inspection.inputs,
        warnings=inspection.warnings,
        waivers=inspection.waivers,
    )
    return masked(document.model_copy(update={"targets": []})).model_copy(update={"targets": documents})


def generate_signing_key(path: Path, force: bool = False) -> Path:
    """An Ed25519 private key (PEM, 0600) and its public key beside it (PATH.pub)."""
    if path.exists() and not force:
        raise SignatureError(f"{path}: exists; refusing to overwrite a signing key")
    if not path.parent.is_dir():
        raise SignatureError(f"{path}: folder {path.parent} does not exist")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private)
    public = path.with_name(path.name + ".pub")
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return public


def sign(document: InspectionDocument, key_file: Path) -> InspectionDocument:
    try:
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SignatureError(
            f"{key_file}: not an Ed25519 private key (create one with `lendguard keys generate --signing`)"
        ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"{key_file}: not an Ed25519 private key")
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    value = key.sign(document.canonical())
    return document.model_copy(
        update={
            "signature": Signature(public_key=base64.b64encode(raw).decode(), value=base64.b64encode(value).decode())
        }
    )


def load(path: Path) -> InspectionDocument:
    try:
        return InspectionDocument.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as error:
        raise FileNotFoundError(f"{path}: not a readable LendGuard inspection report") from error


def verify(path: Path, public_key: Path | None = None, base: Path | None = None) -> list[str]:
    """Problems found (empty: valid). FileNotFoundError when the report cannot be read at all."""
    document = load(path)
    problems = recheck_inputs(document.evidence, base or Path(document.manifest).parent)
    if not document.evidence:
        problems.append("the report fingerprints no evidence")
    if document.signature is None:
        return ["the report is not signed", *problems]
    raw = base64.b64decode(document.signature.public_key)
    if public_key is not None:
        try:
            pinned = serialization.load_pem_public_key(public_key.read_bytes())
        except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise SignatureError(f"{public_key}: not a PEM public key (the signer's FILE.pub)") from error
        if (
            not isinstance(pinned, Ed25519PublicKey)
            or pinned.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) != raw
        ):
            problems.append(f"signed with another key than {public_key}")
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(document.signature.value), document.canonical())
    except (InvalidSignature, ValueError):
        problems.append("the signature does not match the content: the report was altered after signing")
    return problems


def inspection_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://lendguard.dev/schema/inspection-{INSPECTION_SCHEMA_VERSION}.json",
        **InspectionDocument.model_json_schema(),
        "title": "LendGuard inspection report",
    }
