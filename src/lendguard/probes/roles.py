"""Column roles of collection logs and loans files, read from what the columns hold.

Each role has a content test — the share of sampled values that fit: phone numbers as the PII
engine finds them (plaintext or masked), times, loan references (in the log: those found among
the loans file's references) — and name hints. A column is a candidate when its content fits; name
hints only choose among candidates. A required role with no candidate, or several with nothing to
choose between them, stops the probe (exit 2) naming the candidates; a role resolved by a narrow
margin or by name alone comes back as a warning, never silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lendguard.detect import Scanner
from lendguard.detect.classify import masked_entity
from lendguard.probes.errors import ProbeError

FIT, WEAK_FIT = 0.8, 0.5
SAMPLE = 500
PHONE_ENTITIES = frozenset({"CN_MOBILE", "CN_LANDLINE"})
TOKEN_SPLIT = re.compile(r"[_\-\s.]+|(?<=[a-z])(?=[A-Z])")
IDENT = re.compile(r"^[A-Za-z0-9_\-#/]{1,40}$")
TIME_TEXT = re.compile(r"\d{1,4}[-/:年月]\d{1,2}")
CJK = re.compile(r"[\u4e00-\u9fff]")
EPOCH_SECONDS = (946_684_800, 4_102_444_800)  # 2000-01-01 … 2100-01-01


@dataclass(frozen=True)
class Profile:
    """What a sample of one column holds (shares of its non-empty values)."""

    name: str
    non_empty: int
    phones: float
    many_phones: bool  # some value holds several numbers: a list of contacts
    times: float
    idents: float
    distinct: float
    text: float  # free Chinese text (collection messages)
    joins: float  # found among the loan references of the loans file


def _is_time(value: Any) -> bool:
    if isinstance(value, datetime):
        return True
    text = str(value).strip()
    if isinstance(value, int | float) or text.isdigit():
        try:
            number = float(text)
        except ValueError:
            return False
        low, high = EPOCH_SECONDS
        return low <= number <= high or low * 1000 <= number <= high * 1000
    if not TIME_TEXT.search(text):
        return False
    try:
        datetime.fromisoformat(text.replace("/", "-").replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def profile(name: str, values: Iterable[Any], scanner: Scanner, loan_refs: set[str] | None = None) -> Profile:
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
    present = [v for v in values if v is not None and str(v).strip()]
    if not texts:
        return Profile(name, 0, 0.0, False, 0.0, 0.0, 0.0, 0.0, 0.0)
    phones = many = 0
    phone_shaped: set[str] = set()
    for text, matches in zip(texts, scanner.scan_column(texts, name), strict=True):
        count = sum(m.entity in PHONE_ENTITIES for m in matches)
        if count == 0 and masked_entity(text) == "CN_MOBILE":
            count = 1
        if matches or count:
            phone_shaped.add(text)
        phones += count > 0
        many = max(many, count)
    size = len(texts)
    return Profile(
        name=name,
        non_empty=size,
        phones=phones / size,
        many_phones=many > 1,
        times=sum(map(_is_time, present)) / size,
        idents=sum(bool(IDENT.match(t)) and t not in phone_shaped and not _is_time(t) for t in texts) / size,
        distinct=len(set(texts)) / size,
        text=sum(len(CJK.findall(t)) >= 4 for t in texts) / size,
        joins=sum(t in loan_refs for t in texts) / size if loan_refs else 0.0,
    )


def tokens(column: str) -> set[str]:
    """time_of_call -> {time, of, call}; calledNumber -> {called, number}; 被叫号码 stays whole."""
    return {t.lower() for t in TOKEN_SPLIT.split(column) if t}


@dataclass(frozen=True)
class Role:
    name: str
    fits: Callable[[Profile], float]  # share of values that fit the role
    good: tuple[str, ...] = ()  # name hints for this role (tokens, or Chinese substrings)
    bad: tuple[str, ...] = ()  # name hints for another role that looks the same

    def hint(self, column: str, aliases: tuple[str, ...]) -> int:
        words = tokens(column)
        score = 2 if column.lower() in {a.lower() for a in aliases} else 0

        def said(hints: tuple[str, ...]) -> bool:
            return any(h in words or (CJK.search(h) is not None and h in column) for h in hints)

        return score + said(self.good) - 2 * said(self.bad)


@dataclass(frozen=True)
class Resolution:
    columns: dict[str, tuple[str, ...]]
    warnings: tuple[str, ...]


def _describe(profiles: Mapping[str, Profile], role: Role, columns: Iterable[str]) -> str:
    return ", ".join(f"{c} ({role.fits(profiles[c]):.0%} fit)" for c in columns) or "none"


def resolve(
    source: str,
    profiles: Mapping[str, Profile],
    roles: tuple[Role, ...],
    required: tuple[str, ...],
    aliases: Mapping[str, tuple[str, ...]],
    overrides: Mapping[str, str],
) -> Resolution:
    """One column per role (a role's override wins); ProbeError when a required role is unresolved."""
    names = list(profiles)
    chosen: dict[str, tuple[str, ...]] = {}
    warnings: list[str] = []
    taken: set[str] = set()
    for role in roles:
        if role.name in overrides:
            picked = tuple(c.strip() for c in overrides[role.name].split(",") if c.strip())
            for column in picked:
                if column not in profiles:
                    raise ProbeError(source, f"no column {column} (columns: {', '.join(names)})")
            chosen[role.name] = picked
            taken.update(picked)
            continue
        free = [c for c in names if c not in taken]
        hints = {c: role.hint(c, aliases.get(role.name, ())) for c in free}
        fitting = [c for c in free if role.fits(profiles[c]) >= FIT and hints[c] >= 0]
        weak = [c for c in free if WEAK_FIT <= role.fits(profiles[c]) < FIT and hints[c] > 0]
        pool = fitting or weak
        if pool:
            best = max(hints[c] for c in pool)
            top = [c for c in pool if hints[c] == best]
            if len(top) == 1:
                column = top[0]
                chosen[role.name] = (column,)
                taken.add(column)
                if not fitting:
                    warnings.append(
                        f"{source}: {role.name} column {column} chosen by its name; only "
                        f"{role.fits(profiles[column]):.0%} of its values fit"
                    )
                elif best <= 0 and len(fitting) == 1:
                    warnings.append(f"{source}: {role.name} column {column} chosen by its values alone (no name hint)")
                continue
            if role.name in required:
                raise ProbeError(
                    source,
                    f"several columns could be {role.name}: {_describe(profiles, role, top)}; "
                    f"use --map {role.name}=COLUMN",
                )
            continue
        if role.name in required:
            by_name = [c for c in free if hints[c] > 0]
            raise ProbeError(
                source,
                f"no column for {role.name}: no column's values fit (by name: {_describe(profiles, role, by_name)}; "
                f"columns: {', '.join(names)}; use --map {role.name}=COLUMN)",
            )
    return Resolution(chosen, tuple(warnings))
