"""NET-* checks: judge what captured requests sent, where, how and when (one finding per endpoint)."""

from __future__ import annotations

from collections.abc import Iterator

from lendguard.checks.registry import CheckContext, check
from lendguard.evidence import EndpointFacts, TrafficEvidence
from lendguard.findings import Affected, AffectedKind, Confidence, Finding, Outcome


def _fail(
    ctx: CheckContext,
    endpoint: EndpointFacts,
    quote: str,
    zh: str,
    en: str,
    confidence: Confidence = "high",
    affected: Affected | None = None,
) -> Finding:
    place = ctx.at(
        request=endpoint.first_index,
        time=endpoint.first_time.isoformat() if endpoint.first_time else None,
        method=endpoint.method,
        host=endpoint.host,
        path=endpoint.path,
    )
    times = ctx.say(
        f"（{endpoint.requests} 次请求，首次为第 {endpoint.first_index} 条）",
        f" ({endpoint.requests} request{'s' if endpoint.requests != 1 else ''}, the first is entry {endpoint.first_index})",
    )
    return ctx.fail(place, quote=quote, why=ctx.say(zh, en) + times, confidence=confidence, affected=affected)


def _examples(endpoint: EndpointFacts) -> str:
    return ", ".join(f"{v.field}={v.value}" for v in endpoint.examples[:3]) or f"{endpoint.host}{endpoint.path}"


def _count_rule(
    traffic: TrafficEvidence, ctx: CheckContext, attribute: str, zh: str, en: str, kind: AffectedKind | None = None
) -> Iterator[Finding]:
    """One finding per endpoint that sent any of `attribute`; `kind` names who the count is of, where
    it counts people (or records about them) rather than things (package names, coordinates)."""
    for endpoint in traffic.endpoints:
        if (count := getattr(endpoint, attribute)) > 0:
            affected = Affected(kind=kind, count=count) if kind else None
            quote = f"{endpoint.host}{endpoint.path}: {count}"
            yield _fail(ctx, endpoint, quote, zh.format(n=count), en.format(n=count), affected=affected)


@check("NET-CONTACTS-UPLOAD")
def contacts_upload(traffic: TrafficEvidence, ctx: CheckContext) -> Iterator[Finding]:
    yield from _count_rule(
        traffic,
        ctx,
        "contact_people",
        "上传通讯录：单次请求含 {n} 个他人手机号，这些人从未同意",
        "uploads an address book: {n} other people's numbers in one request, none of whom consented",
        "contacts",
    )


@check("NET-CALLLOG-UPLOAD")
def call_log_upload(traffic: TrafficEvidence, ctx: CheckContext) -> Iterator[Finding]:
    yield from _count_rule(
        traffic,
        ctx,
        "call_records",
        "上传通话记录：单次请求含 {n} 条",
        "uploads call records: {n} in one request",
        "call_records",
    )


@check("NET-SMS-UPLOAD")
def sms_upload(traffic: TrafficEvidence, ctx: CheckContext) -> Iterator[Finding]:
    yield from _count_rule(
        traffic,
        ctx,
        "sms_messages",
        "上传短信内容：单次请求含 {n} 条",
        "uploads SMS content: {n} messages in one request",
        "messages",
    )


@check("NET-APPLIST-UPLOAD")
def app_list_upload(traffic: TrafficEvidence, ctx: CheckContext) -> Iterator[Finding]:
    yield from _count_rule(
        traffic,
        ctx,
        "app_packages",
        "上传已安装应用列表：{n} 个包名",
        "uploads the installed-app list: {n} package names",
    )


@check("NET-LOCATION")
def location(traffic: TrafficEvidence, ctx: CheckContext) -> Iterator[Finding]:
    yield from _count_rule(
        traffic,
        ctx,
        "coordinates",
        "发送精确坐标（{n} 组经纬度）",
        "sends precise coordinates ({n} latitude/longitude pairs)",
    )


@check("NET-DEVICE-ID")
def device_id(traffic: TrafficEvidence, ctx: CheckContext) -> Iterator[Finding]:
    for endpoint in traffic.endpoints:
        if endpoint.device_ids:
            kinds = ", ".join(endpoint.device_ids)
            yield _fail(
                ctx,
                endpoint,
                f"{endpoint.host}{endpoint.path}: {kinds}",
                f"发送设备标识 {kinds}",
                f"sends device identifiers: {kinds}",
            )


@check("NET-CLEARTEXT-PII")
def cleartext(traffic: TrafficEvidence, ctx: CheckContext) -> Iterator[Finding]:
    for endpoint in traffic.endpoints:
        if endpoint.scheme == "http":
            yield _fail(
                ctx, endpoint, _examples(endpoint), "个人信息经明文 HTTP 发送", "personal data sent over plain http"
            )


@check("NET-THIRD-PARTY")
def third_party(traffic: TrafficEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if not traffic.first_party:
        why = ctx.say("未提供平台自有域名（--first-party）", "no first-party domains given (--first-party)")
        yield ctx.finding(Outcome.inconclusive, ctx.at(), "", why, confidence="low")
        return
    owned = set(traffic.first_party)
    for endpoint in traffic.endpoints:
        if endpoint.domain not in owned:
            yield _fail(
                ctx,
                endpoint,
                _examples(endpoint),
                f"个人信息发往第三方域名 {endpoint.domain}",
                f"personal data sent to the third-party domain {endpoint.domain}",
            )


@check("NET-BEFORE-CONSENT")
def before_consent(traffic: TrafficEvidence, ctx: CheckContext) -> Iterator[Finding]:
    consent = traffic.consent_at
    if consent is None:
        why = ctx.say(
            "未找到同意时间（--consent-at 或同意接口请求）",
            "no consent time (give --consent-at, or capture the consent request)",
        )
        yield ctx.finding(Outcome.inconclusive, ctx.at(), "", why, confidence="low")
        return
    for endpoint in traffic.endpoints:
        if endpoint.first_time is not None and endpoint.first_time < consent:
            yield _fail(
                ctx,
                endpoint,
                _examples(endpoint),
                f"在用户同意（{consent.isoformat()}）之前发送个人信息",
                f"personal data sent before consent ({consent.isoformat()})",
            )
