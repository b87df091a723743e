"""The traffic probe: stream a HAR capture entry by entry and record what each request sends.

Entries are read with ijson (memory stays flat however large the capture is). Every request's
query string, headers, cookies and body (JSON, JSON inside strings, form, multipart; base64,
gzip, deflate and brotli decoded) is flattened into (field, value) pairs that go through the PII
engine; lists of people, call records, SMS and package names are recognised by the shape of their
items (probes/payload.py), device ids and coordinates counted.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import brotli
import ijson
from publicsuffixlist import PublicSuffixList

from lendguard.detect import Scanner, mask_text, mask_value
from lendguard.evidence import EndpointFacts, Provenance, TrafficEvidence, ValueSent
from lendguard.probes.errors import ProbeError
from lendguard.probes.jsonsafe import MAX_DEPTH, TooDeepError, file_depth_exceeds, loads_bounded
from lendguard.probes.payload import lists_in

MAC = re.compile(r"^(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")
ANDROID_ID = re.compile(r"^[0-9a-f]{16}$")
CONSENT_PATH = re.compile(r"(?:consent|agree|accept|privacy[-_/]?(?:confirm|ok)|agreement)", re.IGNORECASE)
LAT_KEYS = re.compile(r"^(?:lat|latitude|纬度)$", re.IGNORECASE)
LNG_KEYS = re.compile(r"^(?:lng|lon|long|longitude|经度)$", re.IGNORECASE)
DEVICE_KEYS = {"imei": "IMEI", "android_id": "android_id", "androidid": "android_id", "mac": "MAC", "wifi_mac": "MAC"}
MAX_BODY = 32 * 1024 * 1024
SKIPPED_HEADERS = {"host", "content-length", "accept-encoding", "accept", "connection", "content-type", "user-agent"}


@lru_cache(maxsize=1)
def _suffix_list() -> PublicSuffixList:
    """Parsed once per process (half a second each time otherwise, on every HAR of a batch)."""
    return PublicSuffixList()


def _registrable(psl: PublicSuffixList, host: str) -> str:
    return psl.privatesuffix(host.lower()) or host.lower()


class _BadEntryError(ValueError):
    """One entry of the capture is unusable; the probe names the entry and the problem."""


JSON_TYPES = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}


def _typed(container: dict[str, Any], key: str, kind: type, where: str) -> Any:
    """`container[key]` when it is absent, null or of the HAR 1.2 type `kind`; _BadEntryError otherwise."""
    value = container.get(key)
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    shown = "true/false" if isinstance(value, bool) else JSON_TYPES.get(type(value), type(value).__name__)
    raise _BadEntryError(f"{where}.{key} is {shown}, not {JSON_TYPES[kind]}")


def _inflate(data: bytes, compression: str) -> bytes:
    """Decompressed body, never more than MAX_BODY bytes however much the data would expand to."""
    if compression == "br":
        return bytes(brotli.Decompressor().process(data, output_buffer_limit=MAX_BODY)[:MAX_BODY])
    wbits = 16 + zlib.MAX_WBITS if compression == "gzip" else zlib.MAX_WBITS
    return zlib.decompressobj(wbits).decompress(data, MAX_BODY)


def _decode_body(text: str | None, encoding: str | None, content_encoding: str) -> bytes:
    if not text:
        return b""
    data = text.encode("utf-8", errors="surrogateescape")
    if encoding == "base64":
        try:
            data = base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return b""
    compression = content_encoding.lower()
    if data[:2] == b"\x1f\x8b":
        compression = "gzip"
    if compression in ("gzip", "deflate", "br"):
        with contextlib.suppress(OSError, zlib.error, brotli.error, EOFError):  # the capture tool decoded it
            data = _inflate(data, compression)
    return data[:MAX_BODY]


def _parse_json(text: str) -> Any:
    stripped = text.strip()
    if stripped[:1] in "{[" and stripped[-1:] in "}]":
        try:
            return loads_bounded(stripped)
        except TooDeepError as error:
            raise _BadEntryError(f"request body {error}") from error
        except ValueError:
            return None
    return None


def _leaves(value: Any, path: str, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(field path, scalar) pairs; strings holding JSON are opened too (nested JSON-in-strings)."""
    if depth > MAX_DEPTH:
        raise _BadEntryError(f"request body nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]", depth + 1)
    elif isinstance(value, str) and (inner := _parse_json(value)) is not None:
        yield from _leaves(inner, path, depth + 1)
    else:
        yield path, value


def _body_structure(mime: str, data: bytes, params: list[dict[str, Any]]) -> Any:
    if params:
        return {str(p.get("name", "")): p.get("value", "") for p in params if isinstance(p, dict)}
    if not data:
        return None
    if "multipart/" in mime:
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + mime.encode() + b"\r\n\r\n" + data)
        parts = {}
        for number, part in enumerate(message.iter_parts() if message.is_multipart() else []):
            name = part.get_param("name", header="content-disposition") or f"part{number}"
            payload = part.get_payload(decode=True)
            parts[str(name)] = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
        return parts
    text = data.decode("utf-8", errors="replace")
    if (parsed := _parse_json(text)) is not None:
        return parsed
    if "x-www-form-urlencoded" in mime or ("=" in text and "&" in text and " " not in text[:200]):
        return dict(parse_qsl(text, keep_blank_values=True))
    return text


X_PREFIX = re.compile(r"^x[-_]")


def _key(field: str) -> str:
    """The last key of a field path, normalised: header.X-Android-Id -> android_id."""
    return _normal_key(field.rsplit(".", 1)[-1].split("[", 1)[0])


@lru_cache(maxsize=4096)
def _normal_key(last: str) -> str:
    return X_PREFIX.sub("", last.lower()).replace("-", "_")


@dataclass
class _Request:
    """What one request sent: PII matches per leaf and the list structures of its body."""

    values: list[ValueSent] = field(default_factory=list)
    entity_counts: Counter[str] = field(default_factory=Counter)
    contact_people: int = 0
    call_records: int = 0
    sms_messages: int = 0
    app_packages: int = 0
    device_ids: set[str] = field(default_factory=set)
    coordinates: int = 0

    def carries_pi(self) -> bool:
        lists = self.app_packages or self.contact_people or self.call_records or self.sms_messages
        return bool(self.values or self.device_ids or self.coordinates or lists)


def _analyse(pairs: list[tuple[str, Any]], scanner: Scanner, show_values: bool) -> _Request:
    result = _Request()
    # One scan per request: each leaf is a line "key=value", so the key is context for its value.
    lines = [f"{_key(f)}={str(v).replace(chr(10), ' ')}" for f, v in pairs]
    mobiles_by_line: dict[int, set[str]] = {}
    # A request body is dense with candidates: plain `re` beats hyperscan's per-match callbacks.
    for number, match in scanner.scan_lines("\n".join(lines), prefilter=False):
        field_path = pairs[number - 1][0]
        result.entity_counts[match.entity] += 1
        if len(result.values) < 200:
            shown = match.value if show_values else mask_value(match.entity, match.value)
            result.values.append(ValueSent(entity=match.entity, field=field_path, value=shown))
        if match.entity == "CN_MOBILE":
            mobiles_by_line.setdefault(number - 1, set()).add(re.sub(r"\D", "", match.value)[-11:])
        if match.entity == "IMEI":
            result.device_ids.add("IMEI")
    for field_path, leaf in pairs:
        key, text = _key(field_path), str(leaf)
        if key in DEVICE_KEYS and text and (DEVICE_KEYS[key] != "android_id" or ANDROID_ID.match(text)):
            if DEVICE_KEYS[key] != "MAC" or MAC.match(text):
                result.device_ids.add(DEVICE_KEYS[key])
        elif MAC.match(text) and text != "02:00:00:00:00:00":
            result.device_ids.add("MAC")
        if (LAT_KEYS.match(key) or LNG_KEYS.match(key)) and re.fullmatch(r"-?\d{1,3}\.\d{4,}", text):
            result.coordinates += 1
    result.coordinates //= 2
    lists = lists_in([(f, _key(f), v) for f, v in pairs], mobiles_by_line)
    result.contact_people, result.call_records = lists.contact_people, lists.call_records
    result.sms_messages, result.app_packages = lists.sms_messages, lists.app_packages
    return result


def _entries(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        yield from ijson.items(handle, "log.entries.item", use_float=True)


def _time(entry: dict[str, Any]) -> datetime | None:
    stamp = entry.get("startedDateTime")
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _pairs(request: dict[str, Any], parts: Any) -> list[tuple[str, Any]]:
    headers = {
        str(h.get("name", "")).lower(): str(h.get("value", ""))
        for h in _typed(request, "headers", list, "request") or []
        if isinstance(h, dict)
    }
    pairs: list[tuple[str, Any]] = [(f"query.{k}", v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    pairs += [(f"header.{name}", value) for name, value in headers.items() if name not in SKIPPED_HEADERS]
    cookies = _typed(request, "cookies", list, "request") or []
    pairs += [(f"cookie.{c.get('name')}", c.get("value")) for c in cookies if isinstance(c, dict)]
    post = _typed(request, "postData", dict, "request") or {}
    text = _typed(post, "text", str, "request.postData")
    encoding = _typed(post, "encoding", str, "request.postData")
    data = _decode_body(text, encoding, headers.get("content-encoding", ""))
    params = _typed(post, "params", list, "request.postData") or []
    body = _body_structure(str(post.get("mimeType", "")), data, params)
    if body is not None:
        pairs += [(f"body.{path}" if path else "body", leaf) for path, leaf in _leaves(body, "")]
    return [(f, v) for f, v in pairs if v is not None and not isinstance(v, bool) and str(v) != ""]


@dataclass
class _Endpoint:
    method: str
    scheme: str
    host: str
    domain: str
    path: str
    first_index: int
    first_time: datetime | None
    requests: int = 0
    entity_counts: Counter[str] = field(default_factory=Counter)
    examples: list[ValueSent] = field(default_factory=list)
    maxima: Counter[str] = field(default_factory=Counter)
    device_ids: set[str] = field(default_factory=set)

    def add(self, request: _Request, time: datetime | None) -> None:
        self.requests += 1
        if time is not None and (self.first_time is None or time < self.first_time):
            self.first_time = time
        self.entity_counts.update(request.entity_counts)
        seen = {(v.entity, v.field) for v in self.examples}
        self.examples += [v for v in request.values if (v.entity, v.field) not in seen][
            : max(0, 5 - len(self.examples))
        ]
        for name in ("contact_people", "call_records", "sms_messages", "app_packages", "coordinates"):
            self.maxima[name] = max(self.maxima[name], getattr(request, name))
        self.device_ids |= request.device_ids

    def facts(self) -> EndpointFacts:
        return EndpointFacts(
            method=self.method,
            scheme=self.scheme,
            host=self.host,
            domain=self.domain,
            path=self.path,
            requests=self.requests,
            first_index=self.first_index,
            first_time=self.first_time,
            entity_counts=dict(self.entity_counts),
            examples=tuple(self.examples),
            device_ids=tuple(sorted(self.device_ids)),
            **dict(self.maxima),
        )


def _shown_path(path: str, show_values: bool) -> str:
    """A URL path as evidence holds it: personal values in it (/v1/user/13812345678) masked."""
    return path if show_values else _masked_path(path)


@lru_cache(maxsize=4096)
def _masked_path(path: str) -> str:
    return mask_text(path)


def probe_traffic(
    path: Path,
    first_party: tuple[str, ...] = (),
    consent_at: datetime | None = None,
    show_values: bool = False,
    scanner: Scanner | None = None,
) -> TrafficEvidence:
    """Stream a HAR file; ProbeError (one line) when it is not a usable HAR 1.2 capture."""
    if path.is_dir() or not path.exists():
        raise ProbeError(path, "is a directory, not a HAR file" if path.is_dir() else "no such file")
    with path.open("rb") as handle:
        head = handle.read(4096)
    if b"\0" in head:
        raise ProbeError(path, "binary file, not a HAR capture")
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise ProbeError(path, "not JSON: a HAR capture is a JSON object")
    if (depth := file_depth_exceeds(path)) is not None:
        raise ProbeError(path, f"JSON nested {depth:,} levels deep (limit {MAX_DEPTH}): not a HAR capture")
    scanner, psl = scanner or Scanner(), _suffix_list()
    endpoints: dict[tuple[str, str, str, str], _Endpoint] = {}
    consent_entry, consent_time = None, None
    entries = 0
    try:
        for entries, entry in enumerate(_entries(path), start=1):
            request = entry.get("request") if isinstance(entry, dict) else None
            if not isinstance(request, dict):
                raise ProbeError(path, f"entry {entries - 1} has no request object: not a HAR 1.2 capture")
            parts = urlsplit(str(request.get("url", "")))
            time = _time(entry)
            if consent_entry is None and CONSENT_PATH.search(parts.path or ""):
                consent_entry, consent_time = entries - 1, time
                continue
            try:
                sent = _analyse(_pairs(request, parts), scanner, show_values)
            except _BadEntryError as error:
                raise ProbeError(path, f"entry {entries - 1}: {error}") from error
            if not sent.carries_pi():
                continue
            host = parts.hostname or ""
            key = (str(request.get("method", "")), parts.scheme, host, _shown_path(parts.path or "/", show_values))
            if key not in endpoints:
                endpoints[key] = _Endpoint(key[0], key[1], host, _registrable(psl, host), key[3], entries - 1, time)
            endpoints[key].add(sent, time)
    except ijson.common.IncompleteJSONError as error:
        raise ProbeError(
            path, f"truncated or invalid JSON after {entries} entries ({str(error).splitlines()[0][:80]})"
        ) from error
    except ijson.common.JSONError as error:
        raise ProbeError(path, f"not JSON ({str(error).splitlines()[0][:80]})") from error
    except UnicodeDecodeError as error:
        raise ProbeError(path, "not UTF-8 JSON: a binary file, not a HAR capture") from error
    if entries == 0:
        raise ProbeError(path, "no log.entries: not a HAR capture, or one without requests")
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return TrafficEvidence(
        provenance=Provenance(
            path=str(path),
            sha256=digest.hexdigest(),
            size=size,
            tool="lendguard-traffic",
            tool_version=version("lendguard"),
            collected_at=datetime.now(UTC),
        ),
        entries=entries,
        first_party=tuple(_registrable(psl, d) for d in first_party),
        consent_at=consent_at or consent_time,
        consent_entry=consent_entry,
        endpoints=tuple(endpoint.facts() for endpoint in endpoints.values()),
    )
