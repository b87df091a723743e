"""Mask personal values inside free text (quotes, URLs) before they reach any output.

Long digit runs (mobile, ID and card numbers) keep their first 3 and last 4 characters, e-mail
local parts keep their first character. Digit boundaries are explicit, never `\\b`, so digits
next to Chinese text are still found.
"""

from __future__ import annotations

import re

DIGIT_RUN = re.compile(r"(?<![0-9])[0-9][0-9 \-]{9,}[0-9Xx](?![0-9])")
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def _mask_digits(match: re.Match[str]) -> str:
    value = match.group()
    digits = re.sub(r"[ \-]", "", value)
    if len(digits) < 11:
        return value
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_text(text: str) -> str:
    """The text with every long number and e-mail address masked."""
    return EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", DIGIT_RUN.sub(_mask_digits, text))
