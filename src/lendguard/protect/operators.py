"""Protection operators. Reversible ones (AES-SIV, SM4-SIV) are deterministic, so equal values
stay equal and joins keep working; every token names its operator and key id, so a rerun
recognises what it already protected and a rotated key ring still decrypts old data.

Token: ``lg1:<operator>:<key id>:<base64url>``. Masks (display copies) carry no prefix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac as hmac_module
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from lendguard.detect import mask_value
from lendguard.protect.keys import Key, KeyFileError, KeyRing

PREFIX = "lg1:"


class WrongKeyError(ValueError):
    """A token's authentication failed: it was not produced with this key ring."""


def is_protected(value: str) -> bool:
    return value.startswith(PREFIX)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse(token: str) -> tuple[str, str, str]:
    """(operator, key id, payload) of a token."""
    try:
        _, operator, key_id, payload = token.split(":", 3)
    except ValueError as error:
        raise WrongKeyError(f"not a LendGuard token: {token[:12]}…") from error
    return operator, key_id, payload


@cache
def _siv(material: bytes) -> AESSIV:
    return AESSIV(material)


def _siv_protect(value: str, key: Key) -> bytes:
    return _siv(key.material).encrypt(value.encode("utf-8"), None)


def _siv_unprotect(payload: bytes, key: Key) -> str:
    try:
        return _siv(key.material).decrypt(payload, None).decode("utf-8")
    except InvalidTag as error:
        raise WrongKeyError("AES-SIV authentication failed") from error


def _sm3_mac(key: bytes, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def _sm4_protect(value: str, key: Key) -> bytes:
    # SIV construction with national algorithms: IV = HMAC-SM3(plaintext), then SM4-CTR.
    encryption_key, mac_key = key.sm4_keys
    plaintext = value.encode("utf-8")
    iv = _sm3_mac(mac_key, plaintext)[:16]
    encryptor = Cipher(algorithms.SM4(encryption_key), modes.CTR(iv)).encryptor()
    return iv + encryptor.update(plaintext) + encryptor.finalize()


def _sm4_unprotect(payload: bytes, key: Key) -> str:
    encryption_key, mac_key = key.sm4_keys
    iv, body = payload[:16], payload[16:]
    decryptor = Cipher(algorithms.SM4(encryption_key), modes.CTR(iv)).decryptor()
    plaintext = decryptor.update(body) + decryptor.finalize()
    if not hmac_module.compare_digest(_sm3_mac(mac_key, plaintext)[:16], iv):
        raise WrongKeyError("SM4-SIV authentication failed")
    return plaintext.decode("utf-8")


def _hmac_sha256(value: str, key: Key) -> bytes:
    return hmac_module.new(key.hmac_key, value.encode("utf-8"), hashlib.sha256).digest()


def _hmac_sm3(value: str, key: Key) -> bytes:
    return _sm3_mac(key.hmac_key, value.encode("utf-8"))


@dataclass(frozen=True)
class Operator:
    name: str
    description: str
    reversible: bool
    _protect: Callable[[str, Key], bytes]
    _unprotect: Callable[[bytes, Key], str] | None = None

    def protect(self, value: str, ring: KeyRing) -> str:
        key = ring.current
        return f"{PREFIX}{self.name}:{key.id}:{_b64(self._protect(value, key))}"

    def unprotect(self, token: str, ring: KeyRing) -> str:
        operator, key_id, payload = parse(token)
        if operator != self.name:
            return OPERATORS[operator].unprotect(token, ring) if operator in OPERATORS else _unknown(operator)
        if self._unprotect is None:
            raise WrongKeyError(f"{self.name} tokens are one-way and cannot be restored")
        return self._unprotect(_unb64(payload), ring.get(key_id))

    def max_length(self, plaintext_length: int) -> int:
        """Longest token for a value of `plaintext_length` characters (UTF-8: 3 bytes each)."""
        payload = 16 + plaintext_length * 3 if self.reversible else 32
        return len(PREFIX) + len(self.name) + 1 + 8 + 1 + (payload * 4 + 2) // 3


def _unknown(operator: str) -> str:
    raise WrongKeyError(f"unknown token operator {operator}")


OPERATORS = {
    op.name: op
    for op in (
        Operator("siv", "AES-SIV (RFC 5297), deterministic and authenticated", True, _siv_protect, _siv_unprotect),
        Operator(
            "sm4",
            "SM4-CTR with an HMAC-SM3 synthetic IV, deterministic and authenticated",
            True,
            _sm4_protect,
            _sm4_unprotect,
        ),
        Operator("h256", "HMAC-SHA256 keyed token, one-way", False, _hmac_sha256),
        Operator("hsm3", "HMAC-SM3 keyed token, one-way", False, _hmac_sm3),
    )
}


def restore(token: str, ring: KeyRing) -> str:
    """The original value of any reversible token; WrongKeyError or KeyFileError when it cannot be."""
    operator, _, _ = parse(token)
    if operator not in OPERATORS:
        raise WrongKeyError(f"unknown token operator {operator}")
    return OPERATORS[operator].unprotect(token, ring)


@dataclass(frozen=True)
class MaskPreset:
    """Display masking (irreversible; for copies): characters kept at the start and end per entity."""

    name: str
    follows: str
    keep: dict[str, tuple[int, int]]

    def apply(self, entity: str | None, value: str) -> str:
        if entity in self.keep:
            first, last = self.keep[entity]
            return (
                value[:first] + "*" * max(len(value) - first - last, 0) + (value[len(value) - last :] if last else "")
            )
        return mask_value(entity or "", value)


MASK_PRESETS = {
    preset.name: preset
    for preset in (
        MaskPreset(
            "mask-strict",
            "strictest industry display practice; JR/T 0171-2020 Annex A digit counts unverified",
            {"CN_RESIDENT_ID": (1, 1), "CN_MOBILE": (3, 2), "CN_BANK_CARD": (6, 4), "PERSON": (1, 0)},
        ),
        MaskPreset(
            "mask-common",
            "common practice in Chinese lending apps (ID 3+4, mobile 3+4)",
            {"CN_RESIDENT_ID": (3, 4), "CN_MOBILE": (3, 4), "CN_BANK_CARD": (6, 4), "PERSON": (1, 0)},
        ),
        MaskPreset(
            "mask-pci", "PCI DSS 3.4: at most the first six and last four digits of a card", {"CN_BANK_CARD": (6, 4)}
        ),
    )
}

__all__ = [
    "MASK_PRESETS",
    "OPERATORS",
    "KeyFileError",
    "MaskPreset",
    "Operator",
    "WrongKeyError",
    "is_protected",
    "restore",
]
