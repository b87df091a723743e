"""Column classification: what a sample of one column's values is made of.

Each value is plaintext personal information (and which entity), a masked value, a digest (which
hash), an encrypted or random token, or none of these. The column's label follows the majority;
counts and a confidence go with it so a reader can see why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from lendguard.detect.scanner import Match, Scanner

Classification = Literal["plaintext", "masked", "hashed", "encrypted", "not_pi", "empty"]
HEX_DIGEST = {32: "md5", 40: "sha1", 64: "sha256/sm3", 128: "sha512"}
B64_DIGEST = {16: "md5", 20: "sha1", 32: "sha256/sm3", 64: "sha512"}
MASK_CHARS = re.compile(r"[*＊●•xX#]{2,}")
MASKED_SHAPE = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff@._\-]{0,8}[*＊●•#]{1,}[0-9A-Za-z\u4e00-\u9fff@._\-]{0,8}$")
MASKED_ENTITY = (
    (re.compile(r"^1[3-9]\d[*＊]{4}\d{4}$"), "CN_MOBILE"),
    (re.compile(r"^\d{1,6}[*＊]{8,14}\d{0,4}[\dXx]$"), "CN_RESIDENT_ID"),
    (re.compile(r"^\d{4,6}[*＊]{6,9}\d{4}$"), "CN_BANK_CARD"),
    (re.compile(r"^.[*＊]{1,}@"), "EMAIL_ADDRESS"),
    (re.compile(r"^[\u4e00-\u9fff][*＊]{1,2}[\u4e00-\u9fff]?$"), "PERSON"),
)
HEX = re.compile(r"^[0-9a-fA-F]+$")
B64 = re.compile(r"^[A-Za-z0-9+/_\-]+={0,2}$")
PLAINTEXT_KEPT = 50_000
DIGESTS_KEPT = 50_000  # digests kept per column to test against plaintext values: memory stays flat
FIRST_VALUES = 3
TOKEN_PREFIX = "lg1:"
CHECKSUM_NOISE_SHARE = 0.3
ENCRYPTED_PREFIX = re.compile(r"^(?:ENC\(|enc:|lg1:|\{cipher\}|vault:v\d+:)")  # lg1: LendGuard tokens


@dataclass
class ColumnSample:
    """Counts gathered over the sampled values of one column."""

    name: str
    sampled: int = 0
    non_empty: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    masked: Counter[str] = field(default_factory=Counter)
    hashed: Counter[str] = field(default_factory=Counter)
    encrypted: int = 0
    tokens: int = 0  # LendGuard tokens (lg1:…): protected by `lendguard protect`
    binary_text: int = 0  # binary (BLOB) cells that hold text, classified as that text
    max_mobiles_in_value: int = 0
    max_persons_in_value: int = 0
    plaintext_values: dict[str, set[str]] = field(default_factory=dict)
    first_values: dict[str, list[str]] = field(default_factory=dict)
    noise_entities: frozenset[str] = frozenset()
    digests: set[str] = field(default_factory=set)

    @property
    def classification(self) -> tuple[Classification, str | None, float]:
        """(label, entity or hash algorithm, share of non-empty values supporting it)."""
        if self.non_empty == 0:
            return "empty", None, 0.0
        candidates: list[tuple[int, Classification, str | None]] = []
        if self.entities:
            entity, count = self.entities.most_common(1)[0]
            # e.g. 18-digit order numbers, 1 in 10 of which passes Luhn, are not a card column
            if entity not in self.noise_entities or count / self.non_empty >= CHECKSUM_NOISE_SHARE:
                candidates.append((sum(self.entities.values()), "plaintext", entity))
        if self.masked:
            candidates.append((sum(self.masked.values()), "masked", self.masked.most_common(1)[0][0]))
        if self.hashed:
            algorithm, count = self.hashed.most_common(1)[0]
            candidates.append((count, "hashed", algorithm))
        if self.encrypted:
            candidates.append((self.encrypted, "encrypted", None))
        if not candidates:
            return "not_pi", None, 1.0
        count, label, detail = max(candidates, key=lambda c: c[0])
        if label != "plaintext" and count / self.non_empty < 0.5:
            # Plaintext PI in a few values of a free-text column still counts; a few digests do not.
            plaintext = [c for c in candidates if c[1] == "plaintext"]
            if not plaintext:
                return "not_pi", None, round(1 - count / self.non_empty, 3)
            count, label, detail = plaintext[0]
        return label, detail, round(min(count / self.non_empty, 1.0), 3)


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def digest_kind(value: str) -> str | None:
    """The hash a value looks like (by length and alphabet), or None."""
    if HEX.match(value) and len(value) in HEX_DIGEST and _entropy(value) > 3.0:
        return HEX_DIGEST[len(value)]
    if len(value) in (24, 28, 44, 88) and B64.match(value) and value.endswith("="):
        try:
            raw = base64.b64decode(value, validate=False)
        except (binascii.Error, ValueError):
            return None
        return B64_DIGEST.get(len(raw))
    return None


def looks_encrypted(value: str) -> bool:
    if ENCRYPTED_PREFIX.match(value):
        return True
    if len(value) < 20 or " " in value:
        return False
    return bool((B64.match(value) or HEX.match(value)) and _entropy(value) > 4.0)


def masked_entity(value: str) -> str | None:
    if not MASKED_SHAPE.match(value) or not re.search(r"[*＊●•#]", value):
        return None
    return next((entity for pattern, entity in MASKED_ENTITY if pattern.match(value)), "UNKNOWN")


def _count_matches(sample: ColumnSample, matches: list[Match]) -> None:
    if len(matches) == 1:  # the usual cell holds one value: no need to count kinds
        entity = matches[0].entity
        mobiles, persons = int(entity == "CN_MOBILE"), int(entity == "PERSON")
    else:
        kinds = Counter(m.entity for m in matches)
        entity, mobiles, persons = kinds.most_common(1)[0][0], kinds["CN_MOBILE"], kinds["PERSON"]
    sample.entities[entity] += 1
    sample.max_mobiles_in_value = max(sample.max_mobiles_in_value, mobiles)
    sample.max_persons_in_value = max(sample.max_persons_in_value, persons)
    for match in matches:
        first = sample.first_values.setdefault(match.entity, [])
        if len(first) < FIRST_VALUES:
            first.append(match.value)
        seen = sample.plaintext_values.setdefault(match.entity, set())
        if len(seen) < PLAINTEXT_KEPT:  # enough to confirm digests, bounded on full scans
            seen.add(match.value)


def blob_text(raw: bytes | bytearray | memoryview) -> str | None:
    """A binary cell's text when it is one: valid UTF-8 (else GBK) with nothing unprintable in it.
    Applications store IDs and phone numbers as BLOBs too; ciphertext and random bytes stay None."""
    data = bytes(raw)
    for encoding in ("utf-8", "gbk"):
        try:
            text = data.decode(encoding).strip()
        except UnicodeDecodeError:
            continue
        return text if text and text.isprintable() else None
    return None


def observe(sample: ColumnSample, values: Iterable[object], scanner: Scanner) -> None:
    """Add a batch of values to a column's counts; the text values are scanned in one pass."""
    texts: list[str] = []
    from_blob: list[bool] = []
    for raw in values:
        sample.sampled += 1
        if raw is None:
            continue
        if isinstance(raw, bytes | bytearray | memoryview):  # binary cells: text, ciphertext or blobs
            sample.non_empty += 1
            text = blob_text(raw)
            if text is None:
                sample.encrypted += 1
            else:
                sample.binary_text += 1
                texts.append(text)
                from_blob.append(True)
            continue
        value = str(raw).strip()
        if value:
            sample.non_empty += 1
            texts.append(value)
            from_blob.append(False)
    scanned = scanner.scan_column(texts, sample.name)
    for value, matches, blob in zip(texts, scanned, from_blob, strict=True):
        if matches:
            _count_matches(sample, matches)
        elif (entity := masked_entity(value)) is not None:
            sample.masked[entity] += 1
        elif (algorithm := digest_kind(value)) is not None:
            sample.hashed[algorithm] += 1
            if len(sample.digests) < DIGESTS_KEPT:
                sample.digests.add(value.lower() if HEX.match(value) else value)
        elif looks_encrypted(value) or blob:  # a blob of text without personal data: binary as before
            sample.encrypted += 1
            sample.tokens += value.startswith(TOKEN_PREFIX)


def merge_samples(first: ColumnSample, second: ColumnSample) -> ColumnSample:
    """The counts of one column over two partials (`second` read after `first`), same bounds as `observe`."""
    merged = ColumnSample(
        first.name,
        sampled=first.sampled + second.sampled,
        non_empty=first.non_empty + second.non_empty,
        entities=first.entities + second.entities,
        masked=first.masked + second.masked,
        hashed=first.hashed + second.hashed,
        encrypted=first.encrypted + second.encrypted,
        tokens=first.tokens + second.tokens,
        binary_text=first.binary_text + second.binary_text,
        max_mobiles_in_value=max(first.max_mobiles_in_value, second.max_mobiles_in_value),
        max_persons_in_value=max(first.max_persons_in_value, second.max_persons_in_value),
        noise_entities=first.noise_entities | second.noise_entities,
    )
    for entity in {**first.first_values, **second.first_values}:
        values = first.first_values.get(entity, []) + second.first_values.get(entity, [])
        merged.first_values[entity] = values[:FIRST_VALUES]
    for entity in {**first.plaintext_values, **second.plaintext_values}:
        kept = set(first.plaintext_values.get(entity, ()))
        for value in second.plaintext_values.get(entity, ()):
            if len(kept) >= PLAINTEXT_KEPT:
                break
            kept.add(value)
        merged.plaintext_values[entity] = kept
    merged.digests = set(first.digests)
    for digest in second.digests:
        if len(merged.digests) >= DIGESTS_KEPT:
            break
        merged.digests.add(digest)
    return merged


def _hash_algorithms() -> dict[str, list[str]]:
    algorithms = {"md5": ["md5"], "sha1": ["sha1"], "sha256/sm3": ["sha256"], "sha512": ["sha512"]}
    if "sm3" in hashlib.algorithms_available:
        algorithms["sha256/sm3"].append("sm3")
    return algorithms


@dataclass(frozen=True)
class DigestConfirmation:
    algorithm: str
    entity: str
    matched: int


def _variants(value: str) -> set[str]:
    compact = re.sub(r"[\s\-]", "", value)
    return {value, compact, compact.upper(), compact.lower()}


def confirm_unsalted(digests: set[str], plaintexts: dict[str, set[str]], family: str) -> DigestConfirmation | None:
    """Hash the plaintext values seen elsewhere in the store; a digest that matches one proves the
    column is an unsalted hash of that entity (the value can be recovered by hashing candidates)."""
    best: DigestConfirmation | None = None
    for algorithm in _hash_algorithms().get(family, []):
        for entity, values in plaintexts.items():
            matched = 0
            for value in values:
                for variant in _variants(value):
                    digest = hashlib.new(algorithm, variant.encode("utf-8")).digest()
                    if digest.hex() in digests or base64.b64encode(digest).decode() in digests:
                        matched += 1
                        break
            if matched and (best is None or matched > best.matched):
                best = DigestConfirmation(algorithm, entity, matched)
    return best


# Card-security (C3) data by column name, with the value shape that confirms it.
CARD_SECURITY = (
    ("cvn2", re.compile(r"(?:^|_)(?:cvv2?|cvn2?|cvc2?|security_code|安全码)(?:$|_)"), re.compile(r"^\d{3,4}$")),
    (
        "expiry",
        re.compile(r"(?:expir|exp_date|expdate|valid_thru|card_valid|有效期)"),
        re.compile(r"^(?:0[1-9]|1[0-2])/?\d{2}$|^\d{2}/?(?:0[1-9]|1[0-2])$|^20\d{2}-?(?:0[1-9]|1[0-2])$"),
    ),
    ("pin", re.compile(r"(?:^|_)(?:pin|pin_code|card_pin|密码键盘)(?:$|_)"), re.compile(r"^\d{4,6}$")),
    (
        "password",
        re.compile(r"(?:pay_?pwd|pay_?password|payment_?password|trade_?pwd|trade_?password|支付密码|交易密码)"),
        re.compile(r".+"),
    ),
    ("track", re.compile(r"(?:track_?[12]?|磁道)"), re.compile(r"^;?\d{12,19}=\d+")),
)


def card_security_kind(column: str, values: list[str]) -> str | None:
    """cvn2 / expiry / pin / password / track when the name says so and most values have that shape."""
    name = column.lower()
    present = [v for v in values if v]
    for kind, name_pattern, value_pattern in CARD_SECURITY:
        if name_pattern.search(name) and present:
            fitting = sum(1 for v in present if value_pattern.match(v))
            if fitting / len(present) >= 0.5:
                return kind
    return None
