"""Interface words of the reports, in Chinese (the default) and English."""

from __future__ import annotations

from lendguard.rulebase import Language

WORDS: dict[str, tuple[str, str]] = {
    "severity": ("严重性", "Severity"),
    "rule": ("规则", "Rule"),
    "title": ("标题", "Title"),
    "location": ("位置", "Location"),
    "quote": ("证据摘录", "Evidence"),
    "confidence": ("置信度", "Confidence"),
    "outcome": ("结果", "Outcome"),
    "findings_of": ("审计结果：{target}", "Findings: {target}"),
    "summary_line": (
        "已评估 {evaluated} 条规则：不合规 {failed}，合规 {passed}，无法判断 {inconclusive}，不适用 {not_applicable}；"
        "未评估 {not_evaluated} 条（不属本目标范围或尚未实现）",
        "{evaluated} rules evaluated: {failed} failed, {passed} passed, {inconclusive} inconclusive, {not_applicable} not applicable; "
        "{not_evaluated} not evaluated (outside this target or not implemented yet)",
    ),
    "remedies": ("整改建议", "Remedies"),
    "basis": ("依据", "Basis"),
    "no_failures": ("未发现不合规项。", "No failed rule."),
    "summary_title": ("汇总", "Summary"),
    "file": ("文件", "File"),
    "identity": ("标识", "Identity"),
    "status": ("状态", "Status"),
    "failed_rules": ("不合规规则", "Failed rules"),
    "error": ("错误", "Error"),
    "ok": ("完成", "done"),
    "warning": ("警告", "Warning"),
    "auditing": ("正在审计", "Auditing"),
    "columns_of": ("列分类：{target}", "Column classification: {target}"),
    "table_name": ("表", "Table"),
    "column_name": ("列", "Column"),
    "classification": ("分类", "Classification"),
    "entity": ("类型", "Entity"),
    "share": ("占比", "Share"),
    "examples": ("示例（已脱敏）", "Examples (masked)"),
    "class_plaintext": ("明文", "plaintext"),
    "class_masked": ("已脱敏", "masked"),
    "class_hashed": ("哈希", "hashed"),
    "class_encrypted": ("加密/随机", "encrypted/random"),
    "class_not_pi": ("非个人信息", "not PI"),
    "class_empty": ("空", "empty"),
    "scanning": ("正在扫描", "Scanning"),
    "operator": ("算子", "Operator"),
    "old": ("旧", "old"),
    "new": ("新", "new"),
    "new_findings": ("新增问题", "New findings"),
    "fixed_findings": ("已修复问题", "Fixed findings"),
    "rows": ("行数", "Rows"),
    "changed": ("本次改写", "Changed"),
    "already": ("已保护", "Already"),
    "checksum": ("原值校验和", "Checksum of originals"),
    "verified": ("已验证", "Verified"),
    "nothing_to_do": ("没有需要处理的列。", "No column to process."),
    "critical": ("严重", "critical"),
    "high": ("高", "high"),
    "medium": ("中", "medium"),
    "low": ("低", "low"),
    "info": ("提示", "info"),
    "fail": ("不合规", "fail"),
    "pass": ("合规", "pass"),
    "inconclusive": ("无法判断", "inconclusive"),
    "not_applicable": ("不适用", "n/a"),
}


def word(key: str, lang: Language, **values: object) -> str:
    zh, en = WORDS[key]
    return (zh if lang == "zh" else en).format(**values)
