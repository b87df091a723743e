"""POL-* checks: read a privacy policy clause by clause against PIPL's notice requirements."""

from __future__ import annotations

from collections.abc import Iterator

from lendguard.checks.policy_reader import PolicyReader, reader
from lendguard.checks.registry import CheckContext, check
from lendguard.detect import mask_text
from lendguard.evidence import Clause, PolicyEvidence
from lendguard.findings import Finding, Outcome

MAX_QUOTE = 160


def _quote(clause: Clause) -> str:
    text = mask_text(clause.text.strip())  # a policy may print a phone number or an e-mail address
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def _clause_fail(ctx: CheckContext, clause: Clause, zh: str, en: str) -> Finding:
    return ctx.fail(
        ctx.at(start=clause.start, end=clause.end, section=clause.heading or None),
        quote=_quote(clause),
        why=ctx.say(zh, en),
    )


def _missing(ctx: CheckContext, policy: PolicyEvidence, zh: str, en: str) -> Finding:
    return ctx.fail(ctx.at(), quote=f"{len(policy.clauses)} clauses", why=ctx.say(zh, en), confidence="medium")


def _met(ctx: CheckContext, clause: Clause) -> Finding:
    """A completeness criterion is met: the pass quotes the clause that meets it."""
    return ctx.finding(
        Outcome.passed,
        ctx.at(start=clause.start, end=clause.end, section=clause.heading or None),
        quote=_quote(clause),
        why=ctx.say("政策中的对应条款", "the clause that meets the requirement"),
    )


def _met_or_missing(ctx: CheckContext, policy: PolicyEvidence, found: list[Clause], zh: str, en: str) -> Finding:
    """A completeness criterion: met by the first clause found, else missing (zh / en say what is missing)."""
    return _met(ctx, found[0]) if found else _missing(ctx, policy, zh, en)


def _read(ctx: CheckContext) -> PolicyReader:
    return reader(ctx.rulebase)


# ------------------------------------------------------------------ completeness: criterion -> evidence or violation
@check("POL-PROCESSOR")
def processor(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    named = r.clauses_with(policy.clauses, lex.processor)
    with_contact = [c for c in named if r.find(c.text, lex.processor_contact)]
    if with_contact:
        yield _met(ctx, with_contact[0])
    elif not (named and r.clauses_with(policy.clauses, lex.processor_contact)):
        yield _missing(
            ctx, policy, "未找到处理者名称及联系方式", "no clause names the processor together with a way to contact it"
        )


@check("POL-PURPOSE")
def purpose(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    found = [c for c in policy.clauses if r.find(c.text, lex.purpose_markers) and r.find(c.text, lex.collect_verbs)]
    yield _met_or_missing(
        ctx, policy, found, "未说明收集个人信息的目的", "no clause states why personal information is collected"
    )


@check("POL-CATEGORIES")
def categories(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    all_terms = tuple(t for terms in lex.data_terms.values() for t in terms) + lex.necessary_terms
    for clause in policy.clauses:
        if r.find(clause.text, lex.open_ended) and r.find(clause.text, all_terms):
            yield _clause_fail(
                ctx,
                clause,
                "以“包括但不限于/等”开放式列举个人信息种类",
                "personal-information categories are listed open-endedly",
            )


@check("POL-RETENTION")
def retention(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    found = _read(ctx).clauses_with(policy.clauses, ctx.rulebase.policy.retention)
    yield _met_or_missing(ctx, policy, found, "未说明个人信息的保存期限", "no retention period is stated")


@check("POL-RIGHTS")
def rights(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r = _read(ctx)
    present = {right for right, words in ctx.rulebase.policy.rights.items() if r.clauses_with(policy.clauses, words)}
    missing = sorted(set(ctx.rulebase.policy.rights) - present)
    if len(missing) > 1:
        yield _missing(
            ctx,
            policy,
            f"未说明以下权利的行使方式：{ctx.labels(missing)}",
            f"no way to exercise: {ctx.labels(missing)}",
        )


@check("POL-COMPLAINT")
def complaint(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    found = [c for c in policy.clauses if r.find(c.text, lex.complaint) and r.find(c.text, lex.complaint_channels)]
    yield _met_or_missing(ctx, policy, found, "未公布投诉、举报渠道", "no complaint or reporting channel is published")


@check("POL-BREACH-NOTICE")
def breach_notice(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    found = [c for c in policy.clauses if r.find(c.text, lex.breach) and r.asserted(c.text, lex.notify, lex.notify)]
    yield _met_or_missing(
        ctx, policy, found, "未承诺发生安全事件时告知个人", "no commitment to tell individuals about security incidents"
    )


@check("POL-MINORS")
def minors(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    found = _read(ctx).clauses_with(policy.clauses, ctx.rulebase.policy.minors)
    yield _met_or_missing(
        ctx, policy, found, "未规定不满十四周岁未成年人的个人信息处理规则", "no rule for minors under 14"
    )


@check("POL-NO-RESPONSE-TIME")
def response_time(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if not _read(ctx).clauses_with(policy.clauses, ctx.rulebase.policy.response_time):
        yield _missing(
            ctx,
            policy,
            "未承诺在15个工作日内处理请求或投诉",
            "no commitment to answer requests or complaints within 15 working days",
        )


@check("POL-NO-SDK-LIST")
def sdk_list(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    found = [c for c in policy.clauses if r.find(c.text, lex.sdk_list) and r.find(c.text, lex.sdk_details)]
    yield _met_or_missing(
        ctx,
        policy,
        found,
        "未列明第三方SDK的名称、目的和收集的信息",
        "embedded SDKs are not listed with name, purpose and data",
    )


# ------------------------------------------------------------------ clause-level violations
@check("POL-DEEMED-CONSENT")
def deemed_consent(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r = _read(ctx)
    for clause in r.clauses_with(policy.clauses, ctx.rulebase.policy.deemed_consent):
        yield _clause_fail(ctx, clause, "以注册、使用或继续使用视为同意", "consent is deemed from registration or use")


@check("POL-BUNDLED")
def bundled(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    optional = tuple(t for key, terms in lex.data_terms.items() for t in terms)
    for clause in r.clauses_with(policy.clauses, lex.bundled):
        # Refusing the necessary items (name, ID, card, phone) may lawfully stop a loan; anything else may not.
        if r.find(clause.text, optional) or "非必要" in clause.text or not r.find(clause.text, lex.necessary_terms):
            yield _clause_fail(
                ctx, clause, "拒绝提供非必要信息即无法获得服务", "refusing non-necessary information blocks the service"
            )


@check("POL-CONTACTS-COLLECT")
def contacts_collect(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    terms = lex.data_terms["contacts"] + lex.data_terms["call_log"] + lex.data_terms["sms"]
    for clause in policy.clauses:
        if r.asserted(clause.text, lex.collect_verbs, terms):
            yield _clause_fail(
                ctx, clause, "声明收集通讯录、通话记录或短信", "the policy collects the address book, call log or SMS"
            )


@check("POL-CONTACTS-USE")
def contacts_use(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    verbs = ("联系", "告知", "通知", "使用", "拨打", "发送")
    for clause in r.clauses_with(policy.clauses, lex.contact_people):
        if r.find(clause.text, lex.collection_use) and r.asserted(clause.text, verbs, lex.contact_people):
            yield _clause_fail(
                ctx, clause, "将联系人用于催收或向其告知债务", "contacts are used for collection or told about the debt"
            )


@check("POL-EMERGENCY-CONTACTS")
def emergency_contacts(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    for clause in policy.clauses:
        if r.asserted(clause.text, lex.ask_verbs + lex.collect_verbs, lex.emergency):
            yield _clause_fail(
                ctx,
                clause,
                "要求提供紧急联系人（第三人的个人信息）",
                "asks for emergency contacts, third parties' personal information",
            )


@check("POL-EMERGENCY-MANDATORY")
def emergency_mandatory(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    for clause in r.clauses_with(policy.clauses, lex.emergency):
        if r.find(clause.text, lex.mandatory) and r.asserted(
            clause.text, (*lex.ask_verbs, "必须", "必填"), lex.emergency
        ):
            yield _clause_fail(
                ctx, clause, "紧急联系人为借款申请的必填项", "emergency contacts are mandatory for the loan application"
            )


@check("POL-THIRDPARTY-VAGUE")
def third_party_vague(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Each provision to others must name the recipient and give its contact, the purpose and the
    categories provided (PIPL 23), in the clause itself."""
    r, lex = _read(ctx), ctx.rulebase.policy
    categories = tuple(t for terms in lex.data_terms.values() for t in terms) + lex.necessary_terms + ("个人信息",)
    elements = {
        ("接收方名称", "recipient's name"): lex.named_recipient,
        ("联系方式", "contact"): lex.processor_contact,
        ("目的", "purpose"): lex.purpose_markers,
        ("信息种类", "categories"): categories,
    }
    for clause in policy.clauses:
        if not r.asserted(clause.text, lex.third_party_verbs, lex.vague_recipients + lex.named_recipient):
            continue
        missing = [names for names, words in elements.items() if not r.find(clause.text, words)]
        if missing:
            yield _clause_fail(
                ctx,
                clause,
                "对外提供个人信息但未写明：" + "、".join(zh for zh, _ in missing),
                "provides data to others without stating the " + ", ".join(en for _, en in missing),
            )


@check("POL-THIRDPARTY-CONSENT")
def third_party_consent(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    sharing = [
        c for c in policy.clauses if r.asserted(c.text, lex.third_party_verbs, lex.vague_recipients + lex.processor)
    ]
    if sharing and not r.clauses_with(policy.clauses, lex.separate_consent):
        yield _clause_fail(
            ctx, sharing[0], "对外提供个人信息未取得单独同意", "third-party provision without separate consent"
        )


@check("POL-SENSITIVE")
def sensitive(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    collected = [c for c in policy.clauses if r.asserted(c.text, lex.collect_verbs + lex.ask_verbs, lex.sensitive)]
    consented = r.clauses_with(policy.clauses, lex.separate_consent)
    explained = r.clauses_with(policy.clauses, lex.necessity_statement)
    if collected and not (consented and explained):
        yield _clause_fail(
            ctx,
            collected[0],
            "处理敏感个人信息未取得单独同意或未说明必要性及影响",
            "sensitive data is processed without separate consent or a necessity and impact statement",
        )


@check("POL-OVERBROAD-USE")
def overbroad_use(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    opt_out = bool(r.clauses_with(policy.clauses, lex.marketing_opt_out))
    for clause in r.clauses_with(policy.clauses, lex.overbroad_use):
        marketing_only = r.find(clause.text, ("营销", "推广", "广告")) and not r.find(clause.text, ("其他",))
        if marketing_only and opt_out:
            continue
        if r.asserted(clause.text, ("用于", "使用", "用作", "推送", "发送"), ("用途", "营销", "推广", "广告", "目的")):
            yield _clause_fail(
                ctx, clause, "使用目的开放或营销无退出方式", "open-ended purposes, or marketing without an opt-out"
            )


@check("POL-UNILATERAL-CHANGE")
def unilateral_change(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    for clause in _read(ctx).clauses_with(policy.clauses, ctx.rulebase.policy.unilateral_change):
        yield _clause_fail(
            ctx,
            clause,
            "政策变更无需通知或重新同意即生效",
            "policy changes take effect without notice or renewed consent",
        )


@check("POL-CROSS-BORDER")
def cross_border(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    r, lex = _read(ctx), ctx.rulebase.policy
    moving = [
        c
        for c in policy.clauses
        if r.asserted(c.text, (*lex.third_party_verbs, "传输", "存储", "提供"), lex.cross_border)
    ]
    if moving and not [
        c for c in policy.clauses if r.find(c.text, lex.cross_border) and r.find(c.text, lex.cross_border_details)
    ]:
        yield _clause_fail(
            ctx,
            moving[0],
            "跨境提供未说明境外接收方及单独同意",
            "cross-border provision without the recipient's details and separate consent",
        )
