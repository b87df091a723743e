"""POL-* checks: read a privacy policy clause by clause against PIPL's notice requirements."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lendguard.checks.policy_reader import SUBCLAUSE_BREAK, PolicyReader, pattern, reader
from lendguard.checks.registry import CheckContext, check
from lendguard.detect import mask_text
from lendguard.evidence import Clause, PolicyEvidence
from lendguard.findings import Finding, Outcome
from lendguard.rulebase import PolicyLexicon

MAX_QUOTE = 160
TITLE_MAX = 12  # an unpunctuated line this short is a title
CHANGE_VERBS = ("修改", "变更", "修订", "更新")
LENDING_MENTIONS = 10  # credit words in a policy that make it a lending platform's


def _quote(clause: Clause) -> str:
    text = mask_text(clause.text.strip())  # a policy may print a phone number or an e-mail address
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def _clause_fail(ctx: CheckContext, clause: Clause, zh: str, en: str) -> Finding:
    return ctx.fail(
        ctx.at(start=clause.start, end=clause.end, section=clause.heading or None),
        quote=_quote(clause),
        why=ctx.say(zh, en),
    )


def _missing(ctx: CheckContext, policy: PolicyEvidence, elements: list[str], zh: str, en: str) -> Finding:
    """A completeness failure: the quote names each required element (label keys) no clause gives."""
    read = ctx.say(f"（已逐条阅读 {len(policy.clauses)} 个条款）", f" ({len(policy.clauses)} clauses read)")
    return ctx.fail(
        ctx.at(),
        quote=ctx.say("缺少：", "missing: ") + ctx.labels(elements),
        why=ctx.say(zh, en) + read,
        confidence="medium",
    )


def _met(ctx: CheckContext, clause: Clause) -> Finding:
    """A completeness criterion is met: the pass quotes the clause that meets it."""
    return ctx.finding(
        Outcome.passed,
        ctx.at(start=clause.start, end=clause.end, section=clause.heading or None),
        quote=_quote(clause),
        why=ctx.say("政策中的对应条款", "the clause that meets the requirement"),
    )


def _met_or_missing(
    ctx: CheckContext, policy: PolicyEvidence, found: list[Clause], element: str, zh: str, en: str
) -> Finding:
    """A completeness criterion: met by the first clause found, else `element` is missing."""
    return _met(ctx, found[0]) if found else _missing(ctx, policy, [element], zh, en)


def _read(ctx: CheckContext) -> PolicyReader:
    return reader(ctx.rulebase)


def _sentence(clause: Clause) -> bool:
    """A statement, not a title or a table-of-contents line ("向第三方披露")."""
    text = clause.text.strip()
    return len(text) > TITLE_MAX or text.endswith(("。", "；", ";", "！"))


def _lead_matches(r: PolicyReader, text: str, match: re.Match[str], words: tuple[str, ...]) -> bool:
    """The words occur in the match's own sub-clause, before it."""
    starts = [m.end() for m in SUBCLAUSE_BREAK.finditer(text, 0, match.start())]
    return bool(r.find(text[starts[-1] if starts else 0 : match.start()], words))


def _data_words(lex: PolicyLexicon) -> tuple[str, ...]:
    """Every word naming a kind of personal information."""
    return tuple(t for terms in lex.data_terms.values() for t in terms) + lex.necessary_terms + lex.pi_nouns


# ------------------------------------------------------------------ completeness: criterion -> evidence or violation
@check("POL-PROCESSOR")
def processor(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """The processor's name and a way to reach it: a number, an e-mail, a web or postal address
    (the word "联系方式" in a list of collected data is none)."""
    r, lex = _read(ctx), ctx.rulebase.policy
    named = r.clauses_with(policy.clauses, lex.processor)
    reachable = r.clauses_with(policy.clauses, lex.concrete_channels)
    both = [c for c in named if c in reachable]
    if both or (named and reachable):
        yield _met(ctx, (both or reachable)[0])
    else:
        absent = [key for key, clauses in (("processor_name", named), ("contact_channel", reachable)) if not clauses]
        yield _missing(
            ctx,
            policy,
            absent or ["processor_name", "contact_channel"],
            "未找到处理者名称及联系方式",
            "no clause names the processor together with a way to contact it",
        )


@check("POL-PURPOSE")
def purpose(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """A purpose for what is collected, in a sentence ("收集手机号码用于注册") or a list or table
    row ("手机号码：用于注册登录")."""
    r, lex = _read(ctx), ctx.rulebase.policy
    data = _data_words(lex) + lex.collect_verbs
    found = [c for c in policy.clauses if r.find(c.text, lex.purpose_markers) and r.find(c.text, data)]
    yield _met_or_missing(
        ctx,
        policy,
        found,
        "purpose",
        "未说明收集个人信息的目的",
        "no clause states why personal information is collected",
    )


@check("POL-CATEGORIES")
def categories(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """A list of collected data left open ("包括但不限于…", "…等信息"); a definition of a term or
    "包括但不限于" on security measures is not one."""
    r, lex = _read(ctx), ctx.rulebase.policy
    data = _data_words(lex)
    for clause in policy.clauses:
        text = clause.text
        if r.find(text, lex.definition_markers) or not r.asserted(text, lex.collect_verbs + lex.ask_verbs, data):
            continue
        for match in r.compiled(lex.open_ended).finditer(text):
            near = (
                text[match.end() : match.end() + 12]
                if match.group().startswith("包括")
                else text[max(0, match.start() - 24) : match.start()]
            )
            if r.find(near, data):
                yield _clause_fail(
                    ctx,
                    clause,
                    "以“包括但不限于/等”开放式列举个人信息种类",
                    "personal-information categories are listed open-endedly",
                )
                break


@check("POL-RETENTION")
def retention(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """A period or the rule fixing it ("最短必要期限", "五年", "至注销"), not only "期限届满后"."""
    r, lex = _read(ctx), ctx.rulebase.policy
    found = [c for c in policy.clauses if r.find(c.text, lex.retention_verbs) and r.find(c.text, lex.retention)]
    yield _met_or_missing(
        ctx, policy, found, "retention_period", "未说明个人信息的保存期限", "no retention period is stated"
    )


@check("POL-RIGHTS")
def rights(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Each right needs a clause that offers it to the user; the finding names every missing one."""
    r, lex = _read(ctx), ctx.rulebase.policy
    offering = [
        c for c in policy.clauses if r.find(c.text, ("您", "你", "用户")) and not r.find(c.text, lex.rights_excluded)
    ]
    missing = [right for right, words in lex.rights.items() if not r.clauses_with(offering, words)]
    if missing:
        yield _missing(
            ctx,
            policy,
            missing,
            f"未说明以下权利的行使方式：{ctx.labels(missing)}",
            f"no way to exercise: {ctx.labels(missing)}",
        )


@check("POL-COMPLAINT")
def complaint(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """A complaint clause naming a channel, or a published contact (number, e-mail, address)
    for questions and complaints."""
    r, lex = _read(ctx), ctx.rulebase.policy
    found = [
        c
        for c in policy.clauses
        if (r.find(c.text, lex.complaint) and r.find(c.text, lex.complaint_channels))
        or (
            r.find(c.text, lex.concrete_channels)
            and (
                r.find(c.text, lex.complaint + lex.contact_invitations)
                or "Contact Information" in c.topics
                or "联系" in c.heading
            )
        )
    ]
    yield _met_or_missing(
        ctx,
        policy,
        found,
        "complaint_channel",
        "未公布投诉、举报渠道",
        "no complaint or reporting channel is published",
    )


@check("POL-BREACH-NOTICE")
def breach_notice(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """The processor tells the individual ("及时告知您"), not the individual the processor."""
    r, lex = _read(ctx), ctx.rulebase.policy
    clauses = policy.clauses
    found = [
        c
        for i, c in enumerate(clauses)
        if r.affirmed(c.text, lex.notify_you)
        and any(r.find(text, lex.breach) for text in (c.text, c.heading, clauses[i - 1].text if i else ""))
    ]
    yield _met_or_missing(
        ctx,
        policy,
        found,
        "breach_notice",
        "未承诺发生安全事件时告知个人",
        "no commitment to tell individuals about security incidents",
    )


@check("POL-MINORS")
def minors(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    found = _read(ctx).clauses_with(policy.clauses, ctx.rulebase.policy.minors)
    yield _met_or_missing(
        ctx,
        policy,
        found,
        "minors_rules",
        "未规定不满十四周岁未成年人的个人信息处理规则",
        "no rule for minors under 14",
    )


@check("POL-NO-RESPONSE-TIME")
def response_time(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """A period of at most 15 (working) days for answering requests or complaints."""
    r, lex = _read(ctx), ctx.rulebase.policy
    found = [
        c
        for c in policy.clauses
        if r.find(c.text, lex.response_verbs) and any(0 < d <= lex.response_max_days for d in r.days(c.text))
    ]
    if not found:
        yield _missing(
            ctx,
            policy,
            ["response_time"],
            "未承诺在15个工作日内处理请求或投诉",
            "no commitment to answer requests or complaints within 15 working days",
        )


@check("POL-NO-SDK-LIST")
def sdk_list(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """SDKs named one by one ("百度地图SDK：…获取您的定位信息", or a table of three or more),
    not "第三方SDK" in general."""
    r, lex = _read(ctx), ctx.rulebase.policy
    data = _data_words(lex)
    named: set[str] = set()
    found = []
    for clause in policy.clauses:
        names = {
            m.group() for m in r.compiled(lex.sdk_named).finditer(clause.text) if not r.find(m.group(), lex.sdk_generic)
        }
        named |= names
        if names and (r.find(clause.text, data + lex.collect_verbs) or r.find(clause.text, lex.sdk_details)):
            found.append(clause)
    if not found and len(named) >= 3:
        found = [c for c in policy.clauses if r.find(c.text, lex.sdk_list)]
    yield _met_or_missing(
        ctx,
        policy,
        found,
        "sdk_details" if named else "sdk_names",
        "未列明第三方SDK的名称、目的和收集的信息",
        "embedded SDKs are not listed with name, purpose and data",
    )


# ------------------------------------------------------------------ clause-level violations
@check("POL-DEEMED-CONSENT")
def deemed_consent(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Use, continued use, registration or an order taken as consent; clicking 同意 is consent."""
    r, lex = _read(ctx), ctx.rulebase.policy
    for clause in r.clauses_with(policy.clauses, lex.deemed_consent):
        if not r.find(clause.text, lex.explicit_consent):
            yield _clause_fail(
                ctx, clause, "以注册、使用或继续使用视为同意", "consent is deemed from registration or use"
            )


@check("POL-BUNDLED")
def bundled(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Refusing data outside the necessary scope blocks the whole service. Losing only the function
    the data serves ("无法使用人脸识别登录功能", "但不影响其他功能") or refusing what the law or
    the basic service needs is not bundling."""
    r, lex = _read(ctx), ctx.rulebase.policy
    optional = tuple(t for terms in lex.data_terms.values() for t in terms)
    for clause in r.clauses_with(policy.clauses, lex.bundled):
        text = clause.text
        if r.find(text, lex.bundle_limits) or r.find(text, lex.necessary_markers):
            continue
        blocked = re.search(r"(无法|不能|不予)[^，。；]*", text)
        if blocked and r.find(blocked.group(), optional):  # the function named after the data it needs
            continue
        functions = [m.group(1) for m in re.finditer(r"([\u4e00-\u9fff]{1,6})功能", text)]
        if any(not r.find(name, lex.bundle_whole) for name in functions):  # one named function
            continue
        if not (blocked and r.find(blocked.group(), lex.bundle_whole)):  # not the whole service
            continue
        if r.find(text, optional) or "非必要" in text:
            yield _clause_fail(
                ctx, clause, "拒绝提供非必要信息即无法获得服务", "refusing non-necessary information blocks the service"
            )


@check("POL-CONTACTS-COLLECT")
def contacts_collect(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """The address book, call log or SMS store. A contact the user picks, a contact person typed in
    (POL-EMERGENCY-CONTACTS) and our own records of customer-service calls are not it."""
    r, lex = _read(ctx), ctx.rulebase.policy
    for clause in policy.clauses:
        text = clause.text
        if r.find(text, lex.definition_markers):
            continue
        terms = () if r.find(text, lex.contacts_picker) else lex.data_terms["contacts"]
        if not r.find(text, lex.service_records):
            terms += lex.data_terms["call_log"]
            sms = [
                m
                for m in r.compiled(lex.data_terms["sms"]).finditer(text)
                if not _lead_matches(r, text, m, lex.sms_channel)
            ]
            if sms:
                terms += lex.data_terms["sms"]
        if terms and r.asserted(text, lex.collect_verbs, terms, hypothetical=False, scope="subclause"):
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


def _lending(policy: PolicyEvidence, lex: PolicyLexicon) -> bool:
    """A lending platform's policy: credit words throughout, not in one paragraph."""
    return len(pattern(lex.credit_context[:5]).findall(policy.text)) >= LENDING_MENTIONS


def _contact_person_clauses(policy: PolicyEvidence, ctx: CheckContext) -> list[Clause]:
    """Clauses asking for contact persons: emergency contacts, or 联系人信息 / 联系人姓名及电话
    where credit is applied for (the clause, its section, or a lending platform's whole policy)."""
    r, lex = _read(ctx), ctx.rulebase.policy
    lending = _lending(policy, lex)
    found = []
    for clause in policy.clauses:
        text = clause.text
        if r.find(text, lex.contacts_picker):
            continue
        terms = lex.emergency
        if lending or r.find(text, lex.credit_context) or r.find(clause.heading, lex.credit_context):
            people = [m for m in r.compiled(lex.contact_person).finditer(text)]
            if any(not r.find(text[: m.start()], lex.address_book_context) for m in people):
                terms += lex.contact_person
        if r.find(text, terms) and r.asserted(text, lex.ask_verbs + lex.collect_verbs, terms):
            found.append(clause)
    return found


@check("POL-EMERGENCY-CONTACTS")
def emergency_contacts(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    for clause in _contact_person_clauses(policy, ctx):
        yield _clause_fail(
            ctx,
            clause,
            "要求提供紧急联系人（第三人的个人信息）",
            "asks for emergency contacts, third parties' personal information",
        )


@check("POL-EMERGENCY-MANDATORY")
def emergency_mandatory(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Contact persons required ("必须/需提供/否则无法") for a credit application."""
    r, lex = _read(ctx), ctx.rulebase.policy
    lending = _lending(policy, lex)
    for clause in _contact_person_clauses(policy, ctx):
        text = clause.text
        credit = lending or r.find(text, lex.credit_context) or r.find(clause.heading, lex.credit_context)
        if credit and r.find(text, lex.mandatory) and not r.find(text, lex.optional_markers):
            yield _clause_fail(
                ctx, clause, "紧急联系人为借款申请的必填项", "emergency contacts are mandatory for the loan application"
            )


def _provisions(policy: PolicyEvidence, ctx: CheckContext, verbs: tuple[str, ...]) -> list[Clause]:
    """Sentences in which we provide personal information to others, stated as fact: not negated,
    not a hypothesis ("如果我们共享…"), not a user's share button or a merger, not a title."""
    r, lex = _read(ctx), ctx.rulebase.policy
    recipients = lex.vague_recipients + lex.named_recipient
    return [
        c
        for c in policy.clauses
        if _sentence(c)
        and not r.find(c.text, lex.third_party_not)
        and (r.asserted(c.text, verbs, recipients, hypothetical=False) or r.affirmed(c.text, lex.third_party_obtains))
    ]


@check("POL-THIRDPARTY-VAGUE")
def third_party_vague(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Each provision to others must name the recipient and give its contact, the purpose and the
    categories provided (PIPL 23), in the clause itself, unless the policy promises to tell the
    recipient's name and contact before each provision."""
    r, lex = _read(ctx), ctx.rulebase.policy
    promise = [
        c
        for c in policy.clauses
        if r.find(c.text, lex.recipient_promise) and not r.find(c.text, lex.third_party_not + lex.cross_border)
    ]
    if promise:
        yield _met(ctx, promise[0])
        return
    categories = (*_data_words(lex), "个人信息")
    elements = {
        ("接收方名称", "recipient's name"): lex.named_recipient,
        ("联系方式", "contact"): lex.processor_contact,
        ("目的", "purpose"): lex.purpose_markers,
        ("信息种类", "categories"): categories,
    }
    for clause in _provisions(policy, ctx, lex.third_party_verbs):
        missing = [names for names, words in elements.items() if not r.find(clause.text, words)]
        if missing:
            yield _clause_fail(
                ctx,
                clause,
                "对外提供个人信息但未写明：" + "、".join(zh for zh, _ in missing),
                "provides data to others without stating the " + ", ".join(en for _, en in missing),
            )


def _separately_consented(text: str, ctx: CheckContext) -> bool:
    """The clause obtains separate consent as a fact, not at the processor's discretion."""
    r, lex = _read(ctx), ctx.rulebase.policy
    return bool(r.affirmed(text, lex.separate_consent)) and not r.find(text, lex.discretion)


@check("POL-THIRDPARTY-CONSENT")
def third_party_consent(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Every provision needs separate consent: either a rule gating all of them ("除非获得您的单独
    同意，我们不会共享"), or separate consent in the clause itself. Consent to the policy
    ("勾选同意本政策即表示您同意上述提供") is not separate consent."""
    r, lex = _read(ctx), ctx.rulebase.policy
    verbs = tuple(v for v in lex.third_party_verbs if v != "委托")  # entrusted processing is not provision
    gate = [
        c
        for c in policy.clauses
        if r.find(c.text, lex.consent_gate)
        and r.find(c.text, (*lex.third_party_verbs, "提供"))
        and _separately_consented(c.text, ctx)
    ]
    if gate:
        yield _met(ctx, gate[0])
        return
    uncovered = [c for c in _provisions(policy, ctx, verbs) if not _separately_consented(c.text, ctx)]
    if uncovered:
        yield _clause_fail(
            ctx, uncovered[0], "对外提供个人信息未取得单独同意", "third-party provision without separate consent"
        )


@check("POL-SENSITIVE")
def sensitive(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Sensitive data needs separate consent and a statement of necessity and impact, both about
    sensitive data; a definition of the term, or "影响" in "不影响其他功能", is neither."""
    r, lex = _read(ctx), ctx.rulebase.policy
    collected = [c for c in policy.clauses if r.asserted(c.text, lex.collect_verbs + lex.ask_verbs, lex.sensitive)]
    about = [c for c in policy.clauses if r.find(c.text, lex.sensitive)]
    consented = [c for c in about if _separately_consented(c.text, ctx)]
    explained = [
        c for c in about if r.find(c.text, lex.necessity_statement) and not r.find(c.text, lex.definition_markers)
    ]
    if collected and not (consented and explained):
        yield _clause_fail(
            ctx,
            collected[0],
            "处理敏感个人信息未取得单独同意或未说明必要性及影响",
            "sensitive data is processed without separate consent or a necessity and impact statement",
        )


@check("POL-OVERBROAD-USE")
def overbroad_use(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Purposes left to the processor ("其他我们认为必要的用途"), unless the clause asks first or
    rules them out; marketing only where the policy gives no way to refuse it."""
    r, lex = _read(ctx), ctx.rulebase.policy
    for clause in r.clauses_with(policy.clauses, lex.overbroad_use):
        if r.find(clause.text, lex.consent_request) or not r.affirmed(clause.text, lex.overbroad_use):
            continue
        yield _clause_fail(ctx, clause, "使用目的开放", "open-ended purposes")
    if r.clauses_with(policy.clauses, lex.marketing_opt_out):
        return
    marketing = [
        c for c in policy.clauses if r.asserted(c.text, lex.marketing_verbs + lex.collect_verbs, lex.marketing)
    ]
    if marketing:
        yield _clause_fail(ctx, marketing[0], "营销使用无退出方式", "marketing without a way to refuse it")


@check("POL-UNILATERAL-CHANGE")
def unilateral_change(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Changes at the processor's will or in force on posting; or only posted and accepted by
    continued use, with no notice to the individual. "您有权停止使用" is the user's right."""
    r, lex = _read(ctx), ctx.rulebase.policy
    changes = [
        c
        for c in policy.clauses
        if any(r.find(t, lex.policy_words) and r.find(t, CHANGE_VERBS) for t in (c.text, c.heading))
    ]
    flagged = [
        c for c in changes if r.find(c.text, lex.unilateral_change) and not r.affirmed(c.text, lex.change_notice)
    ]
    posted_only = (
        r.clauses_with(changes, lex.change_posting)
        and r.clauses_with(changes, lex.deemed_consent)
        and not any(r.affirmed(c.text, lex.change_notice) for c in changes)
    )
    if not flagged and posted_only:
        flagged = r.clauses_with(changes, lex.change_posting)
    for clause in flagged:
        yield _clause_fail(
            ctx,
            clause,
            "政策变更无需通知或重新同意即生效",
            "policy changes take effect without notice or renewed consent",
        )


@check("POL-CROSS-BORDER")
def cross_border(policy: PolicyEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """Data that goes abroad ("传输至境外"), stated as fact: not "不会向境外提供", not "如需跨境
    传输，将单独征得您的同意", not "跨境汇款" as a service's name."""
    r, lex = _read(ctx), ctx.rulebase.policy
    moving = [
        c
        for c in policy.clauses
        if r.affirmed(c.text, lex.cross_border_move, hypothetical=False)
        and not r.find(c.text, lex.cross_border_not)
        and r.asserted(c.text, lex.cross_border_verbs, lex.cross_border_move, hypothetical=False)
    ]
    details = [
        c
        for c in policy.clauses
        if r.find(c.text, lex.cross_border)
        and r.find(c.text, lex.cross_border_details)
        and _separately_consented(c.text, ctx)
    ]
    if moving and not details:
        yield _clause_fail(
            ctx,
            moving[0],
            "跨境提供未说明境外接收方及单独同意",
            "cross-border provision without the recipient's details and separate consent",
        )
