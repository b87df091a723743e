"""APP-* checks: judge the evidence of one APK against the lending app's necessary scope."""

from __future__ import annotations

from collections.abc import Iterator

from lendguard.checks.registry import CheckContext, check
from lendguard.detect import mask_text
from lendguard.evidence import ApkEvidence
from lendguard.findings import Finding

PERMISSION_PREFIX = "android.permission."


def _short(permission: str) -> str:
    return permission.removeprefix(PERMISSION_PREFIX)


def _permission_findings(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    specs = ctx.rulebase.android.permissions
    for permission in apk.permissions:
        spec = specs.get(_short(permission))
        if spec is not None and spec.rule == ctx.rule.id:
            yield ctx.fail(
                ctx.at(entry="AndroidManifest.xml", permission=permission),
                quote=f'<uses-permission android:name="{permission}"/>',
                why=ctx.say(
                    f"清单申请 {_short(permission)}（{ctx.labels([spec.data])}），不属于网络借贷类必要个人信息",
                    f"the manifest requests {_short(permission)} ({ctx.labels([spec.data])}), outside the lending app's necessary scope",
                ),
            )


def _code_findings(apk: ApkEvidence, ctx: CheckContext, signatures: set[str] | None = None) -> Iterator[Finding]:
    apis = {api.id: api for api in ctx.rulebase.android.apis}
    for ref in apk.code_refs:
        api = apis[ref.signature]
        if (signatures is None and api.rule != ctx.rule.id) or (
            signatures is not None and ref.signature not in signatures
        ):
            continue
        granted = not api.permissions or any(apk.has_permission(p) for p in api.permissions)
        data = ctx.labels([api.data])
        why = ctx.say(f"代码引用 {ref.member}（{data}）", f"the code references {ref.member} ({data})")
        if not granted:
            why += ctx.say(
                "；但清单未申请所需权限，可能是未启用的库代码",
                "; the permission it needs is not requested, so this may be dormant library code",
            )
        yield ctx.fail(
            ctx.at(dex=ref.dex, member=ref.member),
            quote=mask_text(ref.member),
            why=why,
            confidence="high" if granted else "low",
        )


@check("APP-CONTACTS-PERM")
def contacts_permission(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    yield from _permission_findings(apk, ctx)


@check("APP-CONTACTS-READ", needs_code=True)
def contacts_read(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    yield from _code_findings(apk, ctx)


@check("APP-CONTACTS-BULK", needs_code=True)
def contacts_bulk(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    # A whole-table read needs both a contacts URI and a provider query; the picker needs neither.
    provider = [r for r in apk.code_refs if r.signature == "contacts-provider" and r.kind != "method"]
    queries = [r for r in apk.code_refs if r.signature == "content-query"]
    if provider and queries:
        members = sorted({r.member for r in provider})
        yield ctx.fail(
            ctx.at(dex=provider[0].dex, member=provider[0].member),
            quote=mask_text(", ".join(members[:3]) + f" + {queries[0].member}"),
            why=ctx.say(
                "代码以内容提供器查询整张通讯录表，而不是让用户用系统选择器挑选单个联系人",
                "the code queries whole contacts tables through the content provider instead of letting the user pick one contact",
            ),
        )


def _declared_and_used(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    """The rule's permissions in the manifest and its API signatures in the code."""
    yield from _permission_findings(apk, ctx)
    yield from _code_findings(apk, ctx)


for _rule_id in ("APP-CALLLOG", "APP-SMS", "APP-LOCATION", "APP-DEVICE-ID", "APP-APPLIST", "APP-SENSITIVE-OTHER"):
    check(_rule_id)(_declared_and_used)


@check("APP-SPECIAL-PERM")
def special_permissions(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    yield from _permission_findings(apk, ctx)
    specs = ctx.rulebase.android.permissions
    for component in apk.components:
        spec = specs.get(_short(component.permission or ""))
        if spec is not None and spec.rule == ctx.rule.id:
            yield ctx.fail(
                ctx.at(entry="AndroidManifest.xml", component=component.name, permission=component.permission),
                quote=f'<{component.kind} android:name="{component.name}" android:permission="{component.permission}"/>',
                why=ctx.say(
                    f"声明了受 {_short(component.permission or '')} 保护的组件，获得{spec.data}访问能力",
                    f"declares a component bound by {_short(component.permission or '')}, which grants {spec.data} access",
                ),
            )


@check("APP-SDK-DATA")
def sdk_data(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    for sdk in apk.sdks:
        escalate = sdk.scraping and ctx.rule.escalated_severity is not None
        data, category = ctx.labels(sdk.data), ctx.labels([sdk.category])
        yield ctx.fail(
            ctx.at(
                sdk=sdk.name,
                **({"member": sdk.matched} if sdk.matched_by == "class_prefix" else {"entry": sdk.matched}),
            ),
            quote=f"{sdk.name} ({sdk.vendor}) ← {sdk.matched_by}: {mask_text(sdk.matched)}",
            why=ctx.say(
                f"嵌入{category}类 SDK「{sdk.name}」，收集{data}" + ("；属数据爬取/风控画像类" if sdk.scraping else ""),
                f"embeds the {category} SDK {ctx.name(sdk.name)}, which collects {data}"
                + ("; a data-scraping SDK" if sdk.scraping else ""),
            ),
            severity=ctx.rule.escalated_severity if escalate else None,
        )


@check("APP-CLEARTEXT")
def cleartext(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    network = apk.network
    if network.config_cleartext_permitted:
        yield ctx.fail(
            ctx.at(entry=network.config_entry, attribute="base-config cleartextTrafficPermitted"),
            quote='<base-config cleartextTrafficPermitted="true">',
            why=ctx.say(
                "网络安全配置允许所有域名明文传输", "the network security config permits cleartext to every domain"
            ),
        )
    elif network.config_cleartext_permitted is None and network.uses_cleartext_attribute is not False:
        explicit = network.uses_cleartext_attribute is True
        if explicit or network.cleartext_default:
            setting = "true" if explicit else f"(unset, default for targetSdk {apk.target_sdk})"
            yield ctx.fail(
                ctx.at(entry="AndroidManifest.xml", attribute="usesCleartextTraffic"),
                quote=f"android:usesCleartextTraffic={setting}",
                why=ctx.say(
                    "应用允许明文 HTTP 流量（显式设置或 targetSdk<28 的默认值）",
                    "the app allows cleartext HTTP (set explicitly or by the targetSdk < 28 default)",
                ),
                confidence="high" if explicit else "medium",
            )
    for domain in network.cleartext_domains:
        yield ctx.fail(
            ctx.at(entry=network.config_entry, url=domain),
            quote=f"<domain>{domain}</domain>",
            why=ctx.say(
                f"网络安全配置允许对 {domain} 明文传输", f"the network security config permits cleartext to {domain}"
            ),
        )
    for url in apk.http_urls:
        yield ctx.fail(
            ctx.at(url=mask_text(url)),
            quote=mask_text(url),
            why=ctx.say("代码或资源中含 http:// 明文接口地址", "the code or resources contain an http:// endpoint"),
            confidence="medium",
        )


@check("APP-NO-POLICY")
def no_policy(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if not apk.policy_files and not apk.policy_urls:
        yield ctx.fail(
            ctx.at(),
            quote=apk.package,
            why=ctx.say(
                "assets/res 中没有隐私政策文件，字符串中也没有隐私政策链接",
                "no privacy-policy file in assets/res and no policy link among the app's strings",
            ),
            confidence="medium",
        )


@check("APP-BACKUP-DEBUG")
def backup_debug(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if apk.allow_backup is not False:
        explicit = apk.allow_backup is True
        yield ctx.fail(
            ctx.at(entry="AndroidManifest.xml", attribute="allowBackup"),
            quote="android:allowBackup=" + ('"true"' if explicit else "(unset, defaults to true)"),
            why=ctx.say("应用数据可被 adb/云备份导出", "app data can be extracted by adb or cloud backup"),
            confidence="high" if explicit else "medium",
        )
    if apk.debuggable:
        yield ctx.fail(
            ctx.at(entry="AndroidManifest.xml", attribute="debuggable"),
            quote='android:debuggable="true"',
            why=ctx.say(
                "发布包可被调试，内存中的个人信息可被读取",
                "the release build is debuggable, exposing personal data in memory",
            ),
        )


@check("APP-TARGETSDK-LT23")
def target_sdk_below_23(apk: ApkEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if apk.target_sdk is not None and apk.target_sdk < 23:
        yield ctx.fail(
            ctx.at(entry="AndroidManifest.xml", attribute="targetSdkVersion"),
            quote=f"targetSdkVersion={apk.target_sdk}",
            why=ctx.say(
                "安装时即授予全部危险权限，用户无法逐项拒绝",
                "every dangerous permission is granted at install; the user cannot refuse one by one",
            ),
        )
