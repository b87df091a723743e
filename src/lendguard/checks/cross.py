"""X-* checks: what the app collects and who it sends to, against what its own policy declares."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lendguard.checks.policy_reader import reader
from lendguard.checks.registry import CheckContext, check
from lendguard.evidence import PlatformEvidence
from lendguard.findings import Finding, Outcome


def _collected_kinds(platform: PlatformEvidence, ctx: CheckContext) -> dict[str, str]:
    """Data kind -> the first piece of APK evidence for it (a permission or a code reference)."""
    assert platform.apk is not None
    apk, android = platform.apk, ctx.rulebase.android
    kinds: dict[str, str] = {}
    for permission in apk.permissions:
        spec = android.permissions.get(permission.removeprefix("android.permission."))
        if spec is not None:
            kinds.setdefault(spec.data, permission)
    apis = {api.id: api for api in android.apis}
    for reference in apk.code_refs:
        if apis[reference.signature].rule is not None:
            kinds.setdefault(apis[reference.signature].data, reference.member)
    return kinds


@check("X-UNDECLARED-DATA")
def undeclared_data(platform: PlatformEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if platform.apk is None:
        yield ctx.finding(Outcome.not_applicable, ctx.at(), "", ctx.say("没有应用证据", "no app evidence to compare"))
        return
    lexicon, read = ctx.rulebase.policy, reader(ctx.rulebase)
    verbs = lexicon.collect_verbs + lexicon.ask_verbs
    for kind, evidence in sorted(_collected_kinds(platform, ctx).items()):
        terms = lexicon.data_terms.get(kind)
        if not terms:
            continue
        if not any(read.asserted(clause.text, verbs, terms) for clause in platform.policy.clauses):
            yield ctx.fail(
                ctx.at(entry=platform.policy.entry, attribute=kind),
                quote=evidence,
                why=ctx.say(
                    f"应用收集{ctx.labels([kind])}（{evidence}），隐私政策未声明收集",
                    f"the app collects {ctx.labels([kind])} ({evidence}) but the policy does not declare it",
                ),
            )


def _named(name: str, vendor: str, text: str) -> bool:
    parts = [p for p in re.split(r"[\s/()（）]+", f"{name} {vendor}") if len(p) >= 2]
    return any(part.lower() in text for part in parts)


@check("X-UNDECLARED-RECIPIENT")
def undeclared_recipient(platform: PlatformEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if platform.apk is None:
        yield ctx.finding(Outcome.not_applicable, ctx.at(), "", ctx.say("没有应用证据", "no app evidence to compare"))
        return
    text = platform.policy.text.lower()
    for sdk in platform.apk.sdks:
        if not _named(sdk.name, sdk.vendor, text):
            yield ctx.fail(
                ctx.at(entry=platform.policy.entry, sdk=sdk.name),
                quote=f"{sdk.name} ({sdk.vendor})",
                why=ctx.say(
                    f"应用嵌入的 SDK「{sdk.name}」收集{ctx.labels(sdk.data)}，隐私政策未列明",
                    f"the app embeds {ctx.name(sdk.name)}, which collects {ctx.labels(sdk.data)}, and the policy does not name it",
                ),
            )
