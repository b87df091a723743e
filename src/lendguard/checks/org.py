"""ORG-* checks: governance records against the statutory deadlines, in Chinese working days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from lendguard.checks.registry import CheckContext, check
from lendguard.evidence import OrgEvidence
from lendguard.findings import Finding
from lendguard.rulebase.calendar import add_working_days

SERIOUS = ("较大", "重大", "特别重大", "major", "serious")


@check("ORG-BREACH-LATE")
def breach_late(org: OrgEvidence, ctx: CheckContext) -> Iterator[Finding]:
    hours = ctx.rulebase.collection.deadlines.breach_notice_hours
    for breach in org.breaches:
        deadline = breach.discovered + timedelta(hours=hours)
        if breach.individuals_notified is None or breach.individuals_notified > deadline:
            when = (
                breach.individuals_notified.isoformat() if breach.individuals_notified else ctx.say("从未通知", "never")
            )
            yield ctx.fail(
                ctx.at(entity=breach.id, attribute="individuals_notified"),
                quote=f"{breach.id}: {breach.discovered.isoformat()} → {when}",
                why=ctx.say(
                    f"泄露事件未在发现后 {hours:g} 小时内通知个人",
                    f"individuals were not notified within {hours:g} hours of discovery",
                ),
            )


@check("ORG-INCIDENT-4H")
def incident_4h(org: OrgEvidence, ctx: CheckContext) -> Iterator[Finding]:
    hours = ctx.rulebase.collection.deadlines.incident_report_hours
    for breach in org.breaches:
        if breach.severity not in SERIOUS:
            continue
        if breach.reported_to_authority is None or breach.reported_to_authority > breach.discovered + timedelta(
            hours=hours
        ):
            when = (
                breach.reported_to_authority.isoformat() if breach.reported_to_authority else ctx.say("未报告", "never")
            )
            yield ctx.fail(
                ctx.at(entity=breach.id, attribute="reported_to_authority"),
                quote=f"{breach.id} ({ctx.labels([breach.severity])}): {when}",
                why=ctx.say(
                    f"{breach.severity}事件未在 {hours:g} 小时内报告",
                    f"a {ctx.labels([breach.severity])} incident was not reported within {hours:g} hours",
                ),
            )


@check("ORG-REQUESTS-LATE")
def requests_late(org: OrgEvidence, ctx: CheckContext) -> Iterator[Finding]:
    days = ctx.rulebase.collection.deadlines.requests_working_days
    for request in org.requests:
        deadline = add_working_days(request.received, days)
        answered = request.answered
        if (answered is None and org.as_of > deadline) or (answered is not None and answered > deadline):
            yield ctx.fail(
                ctx.at(entity=request.id, attribute="answered"),
                quote=f"{request.id} {request.type}: {request.received} → {answered or ctx.say('未答复', 'unanswered')} ({ctx.labels(['deadline'])} {deadline})",
                why=ctx.say(
                    f"个人权利请求未在 {days} 个工作日内答复",
                    f"the request was not answered within {days} working days",
                ),
            )


@check("ORG-COMPLAINTS-OPEN")
def complaints_open(org: OrgEvidence, ctx: CheckContext) -> Iterator[Finding]:
    days = ctx.rulebase.collection.deadlines.complaints_working_days
    for complaint in org.complaints:
        deadline = add_working_days(complaint.received, days)
        if complaint.resolved is None and org.as_of > deadline:
            yield ctx.fail(
                ctx.at(entity=complaint.id, attribute="resolved"),
                quote=f"{complaint.id}: {complaint.received} ({ctx.labels(['deadline'])} {deadline})",
                why=ctx.say(
                    f"投诉超过 {days} 个工作日仍未处理",
                    f"the complaint is still open {days} working days after it was received",
                ),
            )


@check("ORG-NO-OFFICER")
def no_officer(org: OrgEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if org.officer is None:
        yield ctx.fail(
            ctx.at(attribute="officer"),
            quote=org.platform,
            why=ctx.say("未指定个人信息保护负责人", "no personal-information protection officer"),
        )


@check("ORG-OFFICER-UNREPORTED")
def officer_unreported(org: OrgEvidence, ctx: CheckContext) -> Iterator[Finding]:
    deadlines = ctx.rulebase.collection.deadlines
    if org.persons_processed < deadlines.officer_threshold_persons:
        return
    reported = org.officer.reported_to_cac if org.officer else None
    start = org.threshold_reached or org.as_of
    deadline = add_working_days(start, deadlines.officer_report_working_days)
    if (reported is None and org.as_of > deadline) or (reported is not None and reported > deadline):
        yield ctx.fail(
            ctx.at(attribute="officer.reported_to_cac"),
            quote=f"{org.persons_processed:,} {ctx.labels(['persons'])}; {ctx.labels(['reported'])} {reported or '—'} ({ctx.labels(['deadline'])} {deadline})",
            why=ctx.say(
                "处理超过一百万人的个人信息，未按期报送个人信息保护负责人",
                "over 1,000,000 persons' data processed and the officer was not reported in time",
            ),
        )


@check("ORG-NO-PIA")
def no_pia(org: OrgEvidence, ctx: CheckContext) -> Iterator[Finding]:
    needed = [
        name
        for name, flag, words in (
            ("sensitive_pi", org.processes_sensitive, ("敏感",)),
            ("third_party_provision", org.provides_to_third_parties, ("提供", "共享", "第三方")),
        )
        if flag and not any(any(w in a.subject for w in words) for a in org.impact_assessments)
    ]
    if needed:
        yield ctx.fail(
            ctx.at(attribute="impact_assessments"),
            quote=ctx.labels(needed),
            why=ctx.say(
                f"未对{ctx.labels(needed)}开展个人信息保护影响评估", f"no impact assessment for: {ctx.labels(needed)}"
            ),
        )


@check("ORG-MLPS")
def mlps(org: OrgEvidence, ctx: CheckContext) -> Iterator[Finding]:
    minimum = ctx.rulebase.collection.deadlines.mlps_minimum_level
    if org.mlps_level is None or org.mlps_level < minimum:
        yield ctx.fail(
            ctx.at(attribute="mlps_level"),
            quote=f"MLPS level {org.mlps_level or '—'}",
            why=ctx.say(f"网络安全等级保护低于第{minimum}级", f"security level protection below level {minimum}"),
        )
