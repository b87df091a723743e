"""Reference numbers of certificates, complaints and breach notices: a prefix, the day, six letters."""

from __future__ import annotations

import secrets
from datetime import date

# Letters only (no I or O, which read as digits): after the day's eight digits a digit suffix would make
# a run of 11 or more digits, which the masker hides as a possible personal number, and a regulator
# could no longer quote or look up the reference in a report.
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def reference(prefix: str, day: date) -> str:
    return f"{prefix}-{day:%Y%m%d}-{''.join(secrets.choice(LETTERS) for _ in range(6))}"
