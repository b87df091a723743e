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
from lendguard.evidence.datastore import (
    ColumnProfile,
    DataStoreEvidence,
    DigestMatch,
    TableProfile,
    TextFileProfile,
    ValueFound,
)
from lendguard.evidence.policy import Clause, PlatformEvidence, PolicyEvidence
from lendguard.evidence.traffic import EndpointFacts, TrafficEvidence, ValueSent

__all__ = [
    "ApkEvidence",
    "Clause",
    "CodeReference",
    "ColumnProfile",
    "Component",
    "DataStoreEvidence",
    "DigestMatch",
    "EndpointFacts",
    "Evidence",
    "NetworkSecurity",
    "PlatformEvidence",
    "PolicyDocument",
    "PolicyEvidence",
    "Provenance",
    "SdkPresence",
    "TableProfile",
    "TextFileProfile",
    "TrafficEvidence",
    "ValueFound",
    "ValueSent",
]
