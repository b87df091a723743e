"""Protection: encrypt, tokenise or mask the personal information a scan found, reversibly where
the policy says so, with every change verified."""

from lendguard.protect.keys import KeyFileError, KeyRing, generate_keyring, load_keyring, rotate_keyring
from lendguard.protect.operators import OPERATORS, Operator, is_protected
from lendguard.protect.rewrite import ColumnReport, ProtectError, protect_target, unprotect_target

__all__ = [
    "OPERATORS",
    "ColumnReport",
    "KeyFileError",
    "KeyRing",
    "Operator",
    "ProtectError",
    "generate_keyring",
    "is_protected",
    "load_keyring",
    "protect_target",
    "rotate_keyring",
    "unprotect_target",
]
