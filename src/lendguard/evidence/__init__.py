"""Evidence: frozen, typed, serialisable facts a probe collected, with provenance. No judgement."""

from lendguard.evidence.apk import (
    ApkEvidence,
    CodeReference,
    Component,
    NetworkSecurity,
    PolicyDocument,
    SdkPresence,
)
from lendguard.evidence.base import Evidence, Provenance

__all__ = [
    "ApkEvidence",
    "CodeReference",
    "Component",
    "Evidence",
    "NetworkSecurity",
    "PolicyDocument",
    "Provenance",
    "SdkPresence",
]
