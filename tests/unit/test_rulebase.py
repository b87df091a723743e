"""The rule base is the catalogue of shared/spec/RULES.md and the law of LAW.md, and it says so."""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import pytest
from tests.conftest import REPO, SHARED

from lendguard.checks import registered_checks
from lendguard.rulebase import RuleBase, Severity, load_rulebase
from lendguard.rulebase import loader as loader_module

RULE_ROW = re.compile(r"^\| (?P<id>[A-Z]+-[A-Z0-9-]+) \| .+ \| (?P<severity>[a-z]+)[^|]*\| .+ \|$")


def _spec_rules() -> dict[str, str]:
    rows = (RULE_ROW.match(line) for line in (SHARED / "spec" / "RULES.md").read_text(encoding="utf-8").splitlines())
    return {m["id"]: m["severity"] for m in rows if m}


def _tool(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_every_catalogue_rule_is_in_the_rule_base_with_its_severity(rulebase: RuleBase) -> None:
    spec = _spec_rules()
    assert len(spec) == 71
    assert set(rulebase.rules) == set(spec)
    for rule_id, severity in spec.items():
        assert rulebase.rules[rule_id].severity == Severity(severity), rule_id


def test_rules_have_both_languages_and_a_basis_in_the_law(rulebase: RuleBase) -> None:
    for rule in rulebase.rules.values():
        assert rule.title.zh and rule.title.en and rule.remedy.zh and rule.remedy.en
        assert re.search(r"[\u4e00-\u9fff]", rule.title.zh), rule.id
        for citation in rule.basis:
            assert citation.provision in rulebase.provisions, (rule.id, citation)


def test_sdk_escalation_is_declared_where_the_catalogue_allows_it(rulebase: RuleBase) -> None:
    assert rulebase.rules["APP-SDK-DATA"].escalated_severity is Severity.high


def test_meta_every_check_has_a_rule_and_every_rule_a_check(rulebase: RuleBase) -> None:
    checks = registered_checks()
    assert set(checks) == set(rulebase.rules), set(rulebase.rules) ^ set(checks)


def test_meta_every_check_has_a_true_positive_and_true_negative_case() -> None:
    cases = {p.parent.name for p in (REPO / "tests" / "rules").glob("*/case.yaml")}
    assert set(registered_checks()) <= cases


def test_law_data_is_what_law_md_says() -> None:
    extracted = _tool("extract_law").extract((SHARED / "spec" / "LAW.md").read_text(encoding="utf-8"))
    committed = json.loads((REPO / "src/lendguard/rulebase/data/law.json").read_text(encoding="utf-8"))["provisions"]
    assert committed == extracted, "run tools/extract_law.py: law.json drifted from LAW.md"


def test_sdk_table_is_what_libchecker_rules_gives() -> None:
    built = _tool("build_sdk_table").build(SHARED / "datasets" / "libchecker-rules")
    committed = json.loads((REPO / "src/lendguard/rulebase/data/sdk_libchecker.json").read_text(encoding="utf-8"))
    assert committed["entries"] == built, "run tools/build_sdk_table.py: the SDK table drifted"


def test_loader_rejects_a_rule_citing_an_unknown_provision(monkeypatch: pytest.MonkeyPatch) -> None:
    real_read = loader_module._read

    def forged(name: str):  # type: ignore[no-untyped-def]
        data = real_read(name)
        if name == "rules.yaml":
            data["rules"][0]["basis"] = ["PIPL-999"]
        return data

    monkeypatch.setattr(loader_module, "_read", forged)
    load_rulebase.cache_clear()
    try:
        with pytest.raises(loader_module.RuleBaseError, match="PIPL-999"):
            load_rulebase()
    finally:
        load_rulebase.cache_clear()


def test_loader_rejects_a_duplicate_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    real_read = loader_module._read

    def forged(name: str):  # type: ignore[no-untyped-def]
        data = real_read(name)
        if name == "rules.yaml":
            data["rules"].append(data["rules"][0])
        return data

    monkeypatch.setattr(loader_module, "_read", forged)
    load_rulebase.cache_clear()
    try:
        with pytest.raises(loader_module.RuleBaseError, match="twice"):
            load_rulebase()
    finally:
        load_rulebase.cache_clear()


def test_lending_necessary_scope_is_data(rulebase: RuleBase) -> None:
    scope = rulebase.android.necessary_scope["lending"]
    assert scope.basis == "NECESSARY-LENDING"
    assert "bank_card" in scope.data and "contacts" not in scope.data


def test_chinese_lending_sdks_are_known(rulebase: RuleBase) -> None:
    names = " ".join(s.name for s in rulebase.sdks)
    for vendor in ("同盾", "百融", "数美", "白骑士", "魔蝎", "聚信立", "个推", "极光", "友盟", "旷视"):
        assert vendor in names, vendor
    scraping = {s.id for s in rulebase.sdks if s.scraping}
    assert {"tongdun", "moxie", "juxinli", "bqs"} <= scraping
