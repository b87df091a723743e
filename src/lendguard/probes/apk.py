"""The APK probe: manifest through androguard, code evidence from the dex reference tables.

No full `AnalyzeAPK` runs here: the manifest parse plus the id tables of every classes*.dex answer
"does the app reference X" for each API signature of the rule base in a fraction of the time.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Any

from lendguard.evidence import (
    ApkEvidence,
    CodeReference,
    Component,
    NetworkSecurity,
    PolicyDocument,
    Provenance,
    SdkPresence,
)
from lendguard.probes.archive import ApkArchive, open_apk
from lendguard.probes.dex import DexFormatError, DexTables, read_dex_tables
from lendguard.rulebase import RuleBase, SdkSignature

ANDROID_NS = "{http://schemas.android.com/apk/res/android}"
DEX_NAME = re.compile(r"^classes\d*\.dex$")
HTTP_URL = re.compile(r"http://[A-Za-z0-9.\-]+(?::\d+)?[^\s\"'<>\\]*")
ANY_URL = re.compile(r"https?://[A-Za-z0-9.\-]+(?::\d+)?[^\s\"'<>\\]*")
POLICY_TEXT_LIMIT = 2_000_000
COMPONENT_KINDS = {
    "activity": "activity",
    "activity-alias": "activity",
    "service": "service",
    "receiver": "receiver",
    "provider": "provider",
}


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in {"true", "1"}


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _components(archive: ApkArchive) -> tuple[Component, ...]:
    manifest = archive.apk.get_android_manifest_xml()
    application = manifest.find("application") if manifest is not None else None
    if application is None:
        return ()
    found = []
    for element in application:
        kind = COMPONENT_KINDS.get(str(element.tag))
        name = element.get(f"{ANDROID_NS}name")
        if kind and name:
            if name.startswith("."):
                name = archive.apk.get_package() + name
            found.append(Component(kind=kind, name=name, permission=element.get(f"{ANDROID_NS}permission")))
    return tuple(found)


def _network_security(archive: ApkArchive, target_sdk: int | None) -> NetworkSecurity:
    attribute = _flag(archive.apk.get_attribute_value("application", "usesCleartextTraffic"))
    # Android's default: cleartext allowed below targetSdk 28, refused from 28 on.
    settings = NetworkSecurity(uses_cleartext_attribute=attribute, cleartext_default=(target_sdk or 0) < 28)
    reference = archive.apk.get_attribute_value("application", "networkSecurityConfig")
    if not reference:
        return settings
    entry, config = archive.xml_resource(reference)
    if config is None:
        return settings.model_copy(update={"config_entry": entry})
    base = config.find("base-config")
    domains = []
    for domain_config in config.iter("domain-config"):
        if _flag(domain_config.get("cleartextTrafficPermitted")):
            domains += [str(d.text).strip() for d in domain_config.iter("domain") if d.text]
    return settings.model_copy(
        update={
            "config_entry": entry,
            "config_cleartext_permitted": _flag(base.get("cleartextTrafficPermitted")) if base is not None else None,
            "cleartext_domains": tuple(sorted(set(domains))),
        }
    )


def _scan_dex(archive: ApkArchive, warnings: list[str]) -> Iterator[tuple[str, DexTables]]:
    for name in archive.dex_names():
        try:
            yield name, read_dex_tables(archive.read(name))
        except DexFormatError as error:
            warnings.append(f"{name}: {error}; its code was not scanned")


def _string_hits(rulebase: RuleBase, strings: tuple[str, ...]) -> dict[str, str]:
    """First string-pool entry starting with each signature prefix, found in one regex pass."""
    prefixes = sorted({p for api in rulebase.android.apis for p in api.strings}, key=len, reverse=True)
    pattern = re.compile("^(?:" + "|".join(map(re.escape, prefixes)) + ")[^\n]*", re.MULTILINE)
    hits: dict[str, str] = {}
    for match in pattern.finditer("\n".join(strings)):
        for prefix in prefixes:
            if match.group().startswith(prefix):
                hits.setdefault(prefix, match.group())
    return hits


def _code_references(rulebase: RuleBase, dex_name: str, tables: DexTables) -> Iterator[CodeReference]:
    string_hits = _string_hits(rulebase, tables.strings)
    for api in rulebase.android.apis:
        if api.requires_strings and not any(s in tables.strings for s in api.requires_strings):
            continue
        for member in api.fields:
            if member in tables.fields:
                yield CodeReference(signature=api.id, kind="field", member=member, dex=dex_name)
        for member in api.methods:
            if member in tables.methods:
                yield CodeReference(signature=api.id, kind="method", member=member, dex=dex_name)
        for prefix in api.strings:
            if prefix in string_hits:
                yield CodeReference(signature=api.id, kind="string", member=string_hits[prefix], dex=dex_name)


def _sdk_presence(sdk: SdkSignature, how: str, what: str) -> SdkPresence:
    return SdkPresence(
        sdk=sdk.id,
        name=sdk.name,
        vendor=sdk.vendor,
        category=sdk.category,
        data=sdk.data,
        scraping=sdk.scraping,
        matched_by=how,
        matched=what,
    )


def _sdks(
    rulebase: RuleBase,
    classes: Iterable[str],
    components: Iterable[Component],
    native_libs: Iterable[str],
    urls: Iterable[str],
) -> tuple[SdkPresence, ...]:
    class_set = sorted(set(classes))
    component_names = {c.name for c in components}
    libs = set(native_libs)
    url_list = list(urls)
    found: dict[str, SdkPresence] = {}
    for sdk in rulebase.sdks:
        hit: tuple[str, str] | None = None
        for prefix in sdk.class_prefixes:
            descriptor = "L" + prefix.replace(".", "/")
            if any(name.startswith(descriptor) for name in class_set):
                hit = ("class_prefix", prefix)
                break
        hit = hit or next((("component", c) for c in sdk.components if c in component_names), None)
        hit = hit or next((("native_lib", lib) for lib in sdk.native_libs if lib in libs), None)
        hit = hit or next((("url", u) for m in sdk.url_markers for u in url_list if m in u), None)
        if hit and sdk.name not in found:
            found[sdk.name] = _sdk_presence(sdk, *hit)
    return tuple(found.values())


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _policy_files(rulebase: RuleBase, archive: ApkArchive) -> tuple[PolicyDocument, ...]:
    markers = rulebase.android.policy
    documents = []
    for entry in archive.names():
        path = PurePosixPath(entry)
        if path.parts[0] not in {"assets", "res"} or path.suffix.lower() not in markers.file_extensions:
            continue
        if not any(fnmatch.fnmatch(path.name.lower(), pattern) for pattern in markers.file_patterns):
            continue
        data = archive.read(entry, limit=POLICY_TEXT_LIMIT)
        text = "" if path.suffix.lower() == ".pdf" else _decode_text(data)
        documents.append(PolicyDocument(entry=entry, sha256=hashlib.sha256(data).hexdigest(), text=text))
    return tuple(documents)


def _policy_urls(rulebase: RuleBase, strings: Iterable[str]) -> tuple[str, ...]:
    words = rulebase.android.policy.url_words
    urls = {url for s in strings for url in ANY_URL.findall(s) if any(w in url.lower() for w in words)}
    return tuple(sorted(urls))


def _http_urls(rulebase: RuleBase, strings: Iterable[str]) -> tuple[str, ...]:
    ignored = rulebase.android.cleartext_ignored_hosts
    urls = set()
    for value in strings:
        for url in HTTP_URL.findall(value):
            host = url[len("http://") :].split("/", 1)[0].split(":", 1)[0].lower()
            if host and host not in ignored and "." in host:
                urls.add(url)
    return tuple(sorted(urls))


def probe_apk(path: str | Path, rulebase: RuleBase) -> ApkEvidence:
    """Collect the evidence of one APK. Raises ProbeError when the file is not a usable APK."""
    path = Path(path)
    archive = open_apk(path)
    apk = archive.apk
    warnings: list[str] = []
    target_sdk = _int(apk.get_effective_target_sdk_version())
    components = _components(archive)
    strings: list[str] = list(archive.resource_strings())
    code_refs: list[CodeReference] = []
    classes: list[str] = []
    dex_names = []
    for dex_name, tables in _scan_dex(archive, warnings):
        dex_names.append(dex_name)
        strings.extend(tables.strings)
        classes.extend(tables.classes)
        code_refs.extend(_code_references(rulebase, dex_name, tables))
    native_libs = sorted({PurePosixPath(n).name for n in archive.names() if n.startswith("lib/") and n.endswith(".so")})
    policy_urls = _policy_urls(rulebase, strings)
    sdks = _sdks(rulebase, classes, components, native_libs, strings)
    return ApkEvidence(
        provenance=Provenance(
            path=str(path),
            sha256=archive.sha256,
            size=archive.size,
            tool="androguard+dexparser",
            tool_version=version("androguard"),
            collected_at=datetime.now(UTC),
        ),
        package=apk.get_package(),
        app_name=archive.app_name(),
        version_name=apk.get_androidversion_name() or None,
        version_code=apk.get_androidversion_code() or None,
        min_sdk=_int(apk.get_min_sdk_version()),
        target_sdk=target_sdk,
        permissions=tuple(sorted(set(apk.get_permissions()))),
        allow_backup=_flag(apk.get_attribute_value("application", "allowBackup")),
        debuggable=bool(_flag(apk.get_attribute_value("application", "debuggable"))),
        network=_network_security(archive, target_sdk),
        components=components,
        dex_files=tuple(dex_names),
        native_libs=tuple(native_libs),
        code_refs=tuple(code_refs),
        http_urls=_http_urls(rulebase, strings),
        sdks=tuple(s for s in sdks if s.category != "packer"),
        policy_files=_policy_files(rulebase, archive),
        policy_urls=policy_urls,
        packers=tuple(sorted({s.name for s in sdks if s.category == "packer"})),
        warnings=tuple(warnings),
    )
