"""DATA-* checks: judge data-store evidence (column profiles, values in text files and logs)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from lendguard.checks.registry import CheckContext, check
from lendguard.detect import BY_NAME
from lendguard.evidence import ColumnProfile, DataStoreEvidence, TableProfile, ValueFound
from lendguard.findings import Affected, Confidence, Finding, Outcome


def _confidence(share: float) -> Confidence:
    return "high" if share >= 0.8 else "medium" if share >= 0.3 else "low"


def _sampled(store: DataStoreEvidence, table: TableProfile) -> bool:
    """Whether the table was read only in part, so counts from it are lower bounds: the read's
    fingerprint says how a sample was drawn (none when every row was read)."""
    if table.full_scan:
        return False
    digests = {t.table: t for t in store.fingerprint.tables} if store.fingerprint else {}
    digest = digests.get(table.name)
    return digest is None or digest.sample is not None


def _plaintext_columns(store: DataStoreEvidence) -> Iterator[tuple[TableProfile, ColumnProfile]]:
    for table in store.tables:
        for column in table.columns:
            if column.classification == "plaintext" and column.detail:
                yield table, column


Groups = dict[tuple[str, str], list[ValueFound]]
# The last store's values grouped by (path, entity), log files apart from other text files: five
# checks, each run in the report's language and in English, group the same values (up to a
# thousand per file and entity). Evidence is frozen, so the store itself is the key.
_last_groups: tuple[DataStoreEvidence, dict[bool, Groups]] | None = None


def _grouped(store: DataStoreEvidence, logs: bool) -> Groups:
    global _last_groups
    if _last_groups is None or _last_groups[0] is not store:
        is_log = {f.path: f.is_log for f in store.text_files}
        groups: dict[bool, Groups] = {True: defaultdict(list), False: defaultdict(list)}
        for value in store.values:
            groups[is_log.get(value.path, False)][(value.path, value.entity)].append(value)
        _last_groups = (store, groups)
    return _last_groups[1][logs]


def _text_findings(
    store: DataStoreEvidence, ctx: CheckContext, logs: bool, wanted: Callable[[str], bool]
) -> Iterator[Finding]:
    """One finding per (file, entity) among log files (logs=True) or other text files."""
    where = ctx.say("日志", "the log") if logs else ctx.say("文件", "the file")
    counted = {f.path: f.entity_counts for f in store.text_files}
    for (path, entity), found in _grouped(store, logs).items():
        if wanted(entity):
            count = counted.get(path, {}).get(entity, len(found))  # evidence keeps the first values only
            yield ctx.fail(
                ctx.at(path=path, line=found[0].line, entity=entity),
                affected=Affected(kind="data_subjects", count=count),
                quote=", ".join(v.value for v in found[:3]),
                why=ctx.say(
                    f"{where}中有 {count} 处{entity}（首次出现在第 {found[0].line} 行）",
                    f"{count} {entity} values in {where} (first on line {found[0].line})",
                ),
            )


def _no_tables(ctx: CheckContext) -> Finding:
    return ctx.finding(Outcome.not_applicable, ctx.at(), "", ctx.say("没有表格数据", "no tables in this store"))


def _plaintext(store: DataStoreEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if not store.tables and all(f.is_log for f in store.text_files):
        # Only logs (judged by DATA-LOGS-PII): nothing here could show plaintext at rest, so no pass.
        yield ctx.finding(
            Outcome.not_applicable,
            ctx.at(),
            "",
            ctx.say("没有表格或非日志文件", "no tables or non-log files in this store"),
        )
        return
    knowledge = ctx.rulebase.datastore
    for table, column in _plaintext_columns(store):
        if knowledge.plaintext_rule(column.detail or "") != ctx.rule.id:
            continue
        count = column.entity_counts.get(column.detail or "", 0)
        yield ctx.fail(
            ctx.at(table=table.name, column=column.name, entity=column.detail),
            quote=", ".join(column.examples),
            why=ctx.say(
                f"{table.name}.{column.name}：抽样 {column.non_empty} 个非空值中 {count} 个为明文{column.detail}",
                f"{table.name}.{column.name}: {count} of {column.non_empty} sampled non-empty values are plaintext {column.detail}",
            ),
            confidence=_confidence(column.share),
            affected=Affected(kind="data_subjects", count=count, at_least=_sampled(store, table)),
        )
    yield from _text_findings(
        store, ctx, logs=False, wanted=lambda entity: knowledge.plaintext_rule(entity) == ctx.rule.id
    )


# One judgement, four rules: which rule a plaintext entity falls under is rule-base data.
for _rule_id in ("DATA-PLAINTEXT-ID", "DATA-PLAINTEXT-BANKCARD", "DATA-PLAINTEXT-PHONE", "DATA-PLAINTEXT-OTHER"):
    check(_rule_id)(_plaintext)


def _hinted_entity(column: str) -> str | None:
    name = column.lower()
    return next((spec.name for spec in BY_NAME.values() if any(h in name for h in spec.column_hints)), None)


@check("DATA-WEAK-PSEUDONYM")
def weak_pseudonym(store: DataStoreEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if not store.tables:
        yield _no_tables(ctx)
        return
    low_entropy = ctx.rulebase.datastore.low_entropy_entities
    for table in store.tables:
        for column in table.columns:
            if column.classification != "hashed":
                continue
            place = ctx.at(table=table.name, column=column.name)
            if column.unsalted is not None and column.unsalted.entity in low_entropy:
                proof = column.unsalted
                yield ctx.fail(
                    place.model_copy(update={"entity": proof.entity}),
                    quote=f"{column.detail} × {column.non_empty}",
                    why=ctx.say(
                        f"无盐 {proof.algorithm} 摘要：对本库中的明文{ctx.labels([proof.entity])}（{proof.source}）计算摘要，命中 {proof.matched} 个，可通过枚举还原",
                        f"unsalted {proof.algorithm}: hashing the plaintext {ctx.labels([proof.entity])} values found in {proof.source} "
                        f"reproduced {proof.matched} digests, so the column can be reversed by enumeration",
                    ),
                )
            elif (entity := _hinted_entity(column.name)) in low_entropy and not column.digest_tested.get(entity or ""):
                yield ctx.finding(
                    Outcome.inconclusive,
                    place.model_copy(update={"entity": entity}),
                    quote=f"{column.detail} × {column.non_empty}",
                    why=ctx.say(
                        f"列名表明是{entity}的 {column.detail} 摘要；本库中没有该类明文可用于验证是否加盐或加密钥",
                        f"the name says {column.detail} digests of {entity}; this store holds no plaintext {entity} "
                        "to tell a plain hash from a salted or keyed one",
                    ),
                    confidence="low",
                )


def _contact_list(
    store: DataStoreEvidence, table: TableProfile, ctx: CheckContext
) -> tuple[str, Affected | None] | None:
    """Why the table holds address books or call records, and the entries it holds where its rows
    count them (a row per contact or call; not when one value holds a whole uploaded book)."""
    thresholds = ctx.rulebase.datastore.contacts
    kinds = {c.detail for c in table.columns if c.classification == "plaintext"}
    for column in table.columns:
        if column.max_mobiles_in_value >= thresholds.min_phones_in_value:
            reason = ctx.say(
                f"{column.name} 的单个值中含 {column.max_mobiles_in_value} 个手机号（上传的通讯录）",
                f"one value of {column.name} holds {column.max_mobiles_in_value} phone numbers (an uploaded address book)",
            )
            return reason, None
    if "CN_MOBILE" not in kinds or table.rows_per_owner_avg is None:
        return None
    rows = table.rows_scanned
    if table.call_record_columns:
        reason = ctx.say(
            f"通话记录：号码 + {'、'.join(f'「{c}」' for c in table.call_record_columns)}，按 {table.owner_column} 每人平均 {table.rows_per_owner_avg} 条",
            f"call records: numbers with {', '.join(table.call_record_columns)}, {table.rows_per_owner_avg} per {table.owner_column} on average",
        )
        return reason, Affected(kind="call_records", count=rows, at_least=_sampled(store, table))
    if "PERSON" in kinds and table.rows_per_owner_avg >= thresholds.min_rows_per_owner:
        reason = ctx.say(
            f"联系人列表：姓名 + 手机号，按 {table.owner_column} 每人平均 {table.rows_per_owner_avg} 条、最多 {table.rows_per_owner_max} 条",
            f"contact lists: names with phone numbers, {table.rows_per_owner_avg} per {table.owner_column} on average, up to {table.rows_per_owner_max}",
        )
        return reason, Affected(kind="contacts", count=rows, at_least=_sampled(store, table))
    return None


@check("DATA-CONTACTS-STORED")
def contacts_stored(store: DataStoreEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if not store.tables:
        yield _no_tables(ctx)
        return
    for table in store.tables:
        found = _contact_list(store, table, ctx)
        if found:
            reason, affected = found
            columns = [c for c in table.columns if c.classification == "plaintext" or c.max_mobiles_in_value]
            yield ctx.fail(
                ctx.at(table=table.name),
                quote=", ".join(e for c in columns for e in c.examples[:1]),
                why=reason,
                affected=affected,
            )


@check("DATA-LOGS-PII")
def logs_pii(store: DataStoreEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if not any(f.is_log for f in store.text_files):
        yield ctx.finding(Outcome.not_applicable, ctx.at(), "", ctx.say("没有日志文件", "no log files in this store"))
        return
    yield from _text_findings(store, ctx, logs=True, wanted=lambda _entity: True)


@check("DATA-C3-STORED")
def card_security_data(store: DataStoreEvidence, ctx: CheckContext) -> Iterator[Finding]:
    if not store.tables:
        yield _no_tables(ctx)
        return
    for table in store.tables:
        for column in table.columns:
            if column.card_security_kind:
                yield ctx.fail(
                    ctx.at(table=table.name, column=column.name),
                    quote=f"{table.name}.{column.name} ({column.card_security_kind})",
                    affected=Affected(kind="data_subjects", count=column.non_empty, at_least=_sampled(store, table)),
                    why=ctx.say(
                        f"存储 C3 类支付敏感信息（{ctx.labels([column.card_security_kind])}），{column.non_empty} 个非空值",
                        f"stores C3 card-security data ({ctx.labels([column.card_security_kind])}): {column.non_empty} non-empty values",
                    ),
                )
