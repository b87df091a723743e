"""COL-* checks: who was contacted, when, how often and with what words."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from lendguard.checks.registry import CheckContext, check
from lendguard.evidence import Attempt, CollectionEvidence
from lendguard.evidence.collection import Reason
from lendguard.findings import Affected, Finding, Outcome

NEGATION_BEFORE = re.compile(r"(?:不|没|未|无|别)[^，。；,.;]{0,6}$")


def _affected(attempts: list[Attempt]) -> Affected:
    """The distinct numbers contacted (keyed digests, so no number is shown): third persons when no
    attempt reached the borrower's own number."""
    kind = "people_contacted" if any(a.role == "borrower" for a in attempts) else "third_parties"
    return Affected(kind=kind, count=len({a.number_key for a in attempts}))


def _fail(ctx: CheckContext, attempts: list[Attempt], quote: str, zh: str, en: str) -> Finding:
    first = attempts[0]
    return ctx.fail(
        ctx.at(
            row=first.row,
            rows=[a.row for a in attempts],
            loan=first.loan,
            time=first.time.isoformat() if first.time else None,
        ),
        quote=quote,
        why=ctx.say(zh, en),
        affected=_affected(attempts),
    )


def _by_number(attempts: Iterable[Attempt]) -> dict[tuple[str, str], list[Attempt]]:
    groups: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        groups[(attempt.loan, attempt.number_key)].append(attempt)
    return groups


def _affirmed(text: str, words: tuple[str, ...]) -> bool:
    return any(not NEGATION_BEFORE.search(text[: match.start()]) for match in re.finditer("|".join(words), text))


ColCheck = Callable[[CollectionEvidence, CheckContext], Iterator[Finding]]


def needs_times(function: ColCheck) -> ColCheck:
    """A rule judged on the attempts' times cannot pass when any row's time could not be read: the
    unread row may be the 3 a.m. call or the fourth of the day. Its failures stand (they are proven
    on rows that were read); no failure becomes `inconclusive`, never a silent pass."""

    @functools.wraps(function)
    def judged(log: CollectionEvidence, ctx: CheckContext) -> Iterator[Finding]:
        failed = False
        for finding in function(log, ctx):
            failed = True
            yield finding
        if not failed and log.untimed_rows:
            rows = ", ".join(str(row) for row in log.untimed_examples)
            yield ctx.finding(
                Outcome.inconclusive,
                ctx.at(row=log.untimed_examples[0] if log.untimed_examples else None, rows=list(log.untimed_examples)),
                quote="",
                why=ctx.say(
                    f"{log.rows} 行中有 {log.untimed_rows} 行的时间无法识别（第 {rows} 行等），本规则无法确认",
                    f"{log.untimed_rows} of {log.rows} rows have no readable time (rows {rows}), so this rule cannot be confirmed",
                ),
                confidence="low",
            )

    return judged


def itemised(*reasons: Reason, proven: bool) -> Callable[[ColCheck], ColCheck]:
    """A rule judged on attempts the evidence itemises up to a limit per reason: the attempts beyond
    it were counted, not kept. When each of them is a breach by its reason alone (`proven`), they are
    one more failure; otherwise they were not examined, and the rule is inconclusive beside whatever
    failed on the itemised ones, never a silent pass."""

    def wrap(function: ColCheck) -> ColCheck:
        @functools.wraps(function)
        def judged(log: CollectionEvidence, ctx: CheckContext) -> Iterator[Finding]:
            yield from function(log, ctx)
            left = sum(log.omitted.get(reason, 0) for reason in reasons)
            if left:
                yield _beyond_limit(log, ctx, left, proven)

        return judged

    return wrap


def _beyond_limit(log: CollectionEvidence, ctx: CheckContext, left: int, proven: bool) -> Finding:
    if proven:
        return ctx.fail(
            ctx.at(),
            quote="",
            why=ctx.say(
                f"另有 {left} 次同类联系（超出逐条列出的每类前 {log.limit} 次）已计数、未逐条列出",
                f"{left} more such attempts beyond the first {log.limit} itemised were counted, not itemised",
            ),
        )
    return ctx.finding(
        Outcome.inconclusive,
        ctx.at(),
        quote="",
        why=ctx.say(
            f"另有 {left} 次联系超出逐条列出的每类前 {log.limit} 次，未逐条判断，本规则无法完全确认",
            f"{left} more attempts beyond the first {log.limit} itemised were not examined one by one, "
            "so this rule cannot be confirmed in full",
        ),
        confidence="low",
    )


def _loan(ctx: CheckContext) -> str:
    return ctx.say("借款", "loan")


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


@check("COL-THIRD-PARTY")
@itemised("third_party", proven=True)
def third_party(log: CollectionEvidence, ctx: CheckContext) -> Iterator[Finding]:
    for (loan, _), attempts in _by_number(a for a in log.attempts if a.role == "third_party").items():
        yield _fail(
            ctx,
            attempts,
            f"{_loan(ctx)} {loan} → {attempts[0].number} × {len(attempts)}",
            f"借款 {loan} 的催收联系了既非借款人也非登记紧急联系人的号码 {attempts[0].number}（{len(attempts)} 次）",
            f"collection for loan {loan} contacted {attempts[0].number}, neither the borrower nor a registered contact ({_times(len(attempts))})",
        )


def _per_loan(attempts: Iterable[Attempt]) -> dict[str, list[Attempt]]:
    groups: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        groups[attempt.loan].append(attempt)
    return groups


@check("COL-DISCLOSURE")
@itemised("debt_content", proven=False)
def disclosure(log: CollectionEvidence, ctx: CheckContext) -> Iterator[Finding]:
    words = ctx.rulebase.collection.debt_terms
    disclosed = (
        a
        for a in log.attempts
        if a.role in ("emergency_contact", "third_party") and a.content and _affirmed(a.content, words)
    )
    for attempts in _per_loan(disclosed).values():
        yield _fail(
            ctx,
            attempts,
            attempts[0].content[:160],
            f"向借款人以外的人披露债务信息（{len(attempts)} 次）",
            f"the debt was disclosed to someone other than the borrower ({_times(len(attempts))})",
        )


@check("COL-HOURS")
@needs_times
@itemised("quiet_hours", proven=True)
def hours(log: CollectionEvidence, ctx: CheckContext) -> Iterator[Finding]:
    window = ctx.rulebase.collection.quiet_hours
    groups: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
    for attempt in log.attempts:
        if attempt.quiet_hours and attempt.time is not None:
            groups[(attempt.loan, attempt.time.date().isoformat())].append(attempt)
    for (loan, day), attempts in groups.items():
        clock = ", ".join(a.time.strftime("%H:%M") for a in attempts[:5] if a.time)
        yield _fail(
            ctx,
            attempts,
            f"{_loan(ctx)} {loan} {day} {clock}",
            f"在 {window.start}–{window.end} 禁止时段联系 {len(attempts)} 次",
            f"{len(attempts)} contacts between {window.start} and {window.end}",
        )


@check("COL-FREQUENCY")
@needs_times
def frequency(log: CollectionEvidence, ctx: CheckContext) -> Iterator[Finding]:
    knowledge = ctx.rulebase.collection
    for day in log.busy_days:
        over_effective = day.effective_calls > knowledge.max_effective_calls_per_debtor_day
        over_attempts = day.most_attempts_one_number > knowledge.max_attempts_per_number_day
        if not (over_effective or over_attempts):
            continue
        detail = []
        if over_effective:
            detail.append(
                ctx.say(
                    f"与债务人有效通话 {day.effective_calls} 次（上限 {knowledge.max_effective_calls_per_debtor_day}）",
                    f"{day.effective_calls} connected calls with the debtor (limit {knowledge.max_effective_calls_per_debtor_day})",
                )
            )
        if over_attempts:
            detail.append(
                ctx.say(
                    f"对 {day.number} 拨打 {day.most_attempts_one_number} 次（上限 {knowledge.max_attempts_per_number_day}）",
                    f"{day.most_attempts_one_number} attempts on {day.number} (limit {knowledge.max_attempts_per_number_day})",
                )
            )
        yield ctx.fail(
            ctx.at(row=day.rows[0], rows=list(day.rows), loan=day.loan, time=day.day.isoformat()),
            quote=f"{_loan(ctx)} {day.loan} {day.day.isoformat()}",
            why=ctx.say("；", "; ").join(detail),
        )
    if log.busy_days_total > len(log.busy_days):
        left = log.busy_days_total - len(log.busy_days)
        yield ctx.fail(
            ctx.at(),
            quote="",
            why=ctx.say(
                f"另有 {left} 个借款日超出频次上限（超出逐条列出的前 {log.limit} 个），已计数、未逐条列出",
                f"{left} more loan-days over the limits beyond the first {log.limit} itemised were counted, not itemised",
            ),
        )


@check("COL-CONTACT-NOT-LOST")
@needs_times
@itemised("contact_reached", proven=True)
def contact_not_lost(log: CollectionEvidence, ctx: CheckContext) -> Iterator[Finding]:
    for (loan, _), attempts in _by_number(
        a for a in log.attempts if a.role == "emergency_contact" and a.borrower_reached_that_day
    ).items():
        yield _fail(
            ctx,
            attempts,
            f"{_loan(ctx)} {loan} → {attempts[0].number}",
            "借款人当日已接通，仍联系紧急联系人",
            "the borrower was reached that day, yet the emergency contact was called",
        )


@check("COL-REFUSAL-IGNORED")
@needs_times
@itemised("refusal_content", "after_refusal", "untimed", proven=False)
def refusal_ignored(log: CollectionEvidence, ctx: CheckContext) -> Iterator[Finding]:
    refusals = ctx.rulebase.collection.refusal_terms
    for (_loan, _), attempts in _by_number(a for a in log.attempts if a.role != "borrower").items():
        ordered = sorted(attempts, key=lambda a: (a.time is None, a.time, a.row))
        refused = next(
            (i for i, a in enumerate(ordered) if a.content and re.search("|".join(refusals), a.content)), None
        )
        if refused is not None and refused + 1 < len(ordered):
            later = ordered[refused + 1 :]
            yield _fail(
                ctx,
                [ordered[refused], *later],
                ordered[refused].content[:120],
                f"第三人于第 {ordered[refused].row} 行拒绝被联系后，又被联系 {len(later)} 次",
                f"after refusing on row {ordered[refused].row}, the person was contacted again ({_times(len(later))})",
            )


@check("COL-ABUSE")
@itemised("abusive_content", proven=False)
def abuse(log: CollectionEvidence, ctx: CheckContext) -> Iterator[Finding]:
    knowledge = ctx.rulebase.collection
    pattern = re.compile("|".join(knowledge.abuse_terms + knowledge.impersonation))
    for attempts in _per_loan(a for a in log.attempts if a.content and pattern.search(a.content)).values():
        yield _fail(
            ctx,
            attempts,
            attempts[0].content[:160],
            f"催收内容含威胁、侮辱或冒充公检法用语（{len(attempts)} 次）",
            f"collection content threatens, insults or impersonates the authorities ({_times(len(attempts))})",
        )
