"""Facts about one Android package: manifest, code references, SDKs, privacy-policy presence."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from lendguard.evidence.base import Evidence


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Component(_Fact):
    kind: Literal["activity", "service", "receiver", "provider"]
    name: str
    permission: str | None = None


class CodeReference(_Fact):
    """One referenced field, method or string that matches an API signature of the rule base."""

    signature: str
    kind: Literal["field", "method", "string"]
    member: str
    dex: str


class SdkPresence(_Fact):
    sdk: str
    name: str
    vendor: str
    category: str
    data: tuple[str, ...]
    scraping: bool
    matched_by: Literal["class_prefix", "component", "native_lib", "url"]
    matched: str


class PolicyDocument(_Fact):
    """A privacy-policy file shipped in the APK, with its decoded text for the policy probe."""

    entry: str
    sha256: str
    text: str


class NetworkSecurity(_Fact):
    """Cleartext settings: the manifest attribute (None when unset), Android's default for the
    target SDK, and the network security config's base and per-domain settings."""

    uses_cleartext_attribute: bool | None
    cleartext_default: bool
    config_entry: str | None = None
    config_cleartext_permitted: bool | None = None
    cleartext_domains: tuple[str, ...] = ()


class ApkEvidence(Evidence):
    kind: Literal["apk"] = "apk"
    package: str
    app_name: str | None
    version_name: str | None
    version_code: str | None
    min_sdk: int | None
    target_sdk: int | None
    permissions: tuple[str, ...]
    allow_backup: bool | None
    debuggable: bool
    network: NetworkSecurity
    components: tuple[Component, ...]
    dex_files: tuple[str, ...]
    native_libs: tuple[str, ...]
    code_refs: tuple[CodeReference, ...]
    http_urls: tuple[str, ...]
    sdks: tuple[SdkPresence, ...]
    policy_files: tuple[PolicyDocument, ...]
    policy_urls: tuple[str, ...]
    packers: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def has_permission(self, short_name: str) -> bool:
        return f"android.permission.{short_name}" in self.permissions or short_name in self.permissions
