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
from lendguard.evidence.collection import (
    Assessment,
    Attempt,
    Breach,
    BusyDay,
    CollectionEvidence,
    Complaint,
    Officer,
    OrgEvidence,
    Request,
)
from lendguard.evidence.datastore import (
    ColumnProfile,
    DataStoreEvidence,
    DigestMatch,
    TableProfile,
    TextFileProfile,
    ValueFound,
)
from lendguard.evidence.fingerprint import InputFingerprint, TableDigest
from lendguard.evidence.policy import Clause, PlatformEvidence, PolicyEvidence
from lendguard.evidence.traffic import EndpointFacts, TrafficEvidence, ValueSent

__all__ = [
    "ApkEvidence",
    "Assessment",
    "Attempt",
    "Breach",
    "BusyDay",
    "Clause",
    "CodeReference",
    "CollectionEvidence",
    "ColumnProfile",
    "Complaint",
    "Component",
    "DataStoreEvidence",
    "DigestMatch",
    "EndpointFacts",
    "Evidence",
    "InputFingerprint",
    "NetworkSecurity",
    "Officer",
    "OrgEvidence",
    "PlatformEvidence",
    "PolicyDocument",
    "PolicyEvidence",
    "Provenance",
    "Request",
    "SdkPresence",
    "TableDigest",
    "TableProfile",
    "TextFileProfile",
    "TrafficEvidence",
    "ValueFound",
    "ValueSent",
]
