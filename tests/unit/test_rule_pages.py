"""docs/rules/ is generated from the rule base: a page per rule, none stale, none left over."""

from __future__ import annotations

from tools import rule_pages

from lendguard.reports.law import provision_title, source_name
from lendguard.reports.rule_page import render_rule_page, rule_page_url
from lendguard.rulebase import RuleBase


def test_rule_pages_match_the_rule_base(rulebase: RuleBase) -> None:
    problems = rule_pages.drift(rulebase)
    assert not problems, f"run `python tools/rule_pages.py` and commit docs/rules: {problems[:5]}"
    assert len(list(rule_pages.PAGES.glob("*-*.md"))) == len(rulebase.rules)


def test_a_page_states_trigger_basis_remedy_and_example(rulebase: RuleBase) -> None:
    rule = rulebase.rule("APP-CONTACTS-READ")
    page = render_rule_page(rule, rulebase, rule_pages.example(rule.id))
    assert page.startswith("# APP-CONTACTS-READ: 代码读取通讯录内容提供器\n")
    assert rule.title.en in page and "严重 / critical" in page
    assert rule.trigger.zh in page and rule.trigger.en in page
    assert "### PIPL-13: 合法性基础 — 主要依据 primary basis" in page
    assert "> 第十三条 符合下列情形之一的" in page
    assert rule.remedy.zh in page and rule.remedy.en in page
    assert "- 触发 Fires on: `loanapp`" in page and "`classes2.dex`" in page


def test_a_changed_rule_makes_its_page_drift(rulebase: RuleBase) -> None:
    rule = rulebase.rule("DATA-PLAINTEXT-ID")
    changed = rule.model_copy(update={"remedy": rule.remedy.model_copy(update={"en": "Something else."})})
    assert render_rule_page(changed, rulebase, None) != render_rule_page(rule, rulebase, None)


def test_law_citations_carry_no_editorial_tags(rulebase: RuleBase) -> None:
    for provision in rulebase.provisions.values():
        shown = source_name(provision) + provision_title(provision, "zh") + provision_title(provision, "en")
        for tag in ("VERBATIM", "PARAPHRASE", "SECONDARY", "source S", "(S1"):
            assert tag not in shown, (provision.id, shown)
    assert source_name(rulebase.provisions["PIPL-17"]) == "中华人民共和国个人信息保护法 (PIPL)"


def test_rule_page_url() -> None:
    assert rule_page_url("APP-SMS") == "https://lendguard.dev/docs/rules/APP-SMS.md"
