"""Load the rule base from its data files and check every cross-reference in it."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError

from lendguard.rulebase import parsed_cache
from lendguard.rulebase.models import (
    AndroidKnowledge,
    Citation,
    CollectionKnowledge,
    DataStoreKnowledge,
    GradingScheme,
    PolicyLexicon,
    Provision,
    Rule,
    RuleBase,
    SdkSignature,
)

DATA = resources.files("lendguard.rulebase") / "data"


class RuleBaseError(ValueError):
    """The rule base's data is inconsistent: a packaging or editing mistake, never user input."""


def _yaml(text: str) -> Any:
    import yaml  # only where the parsed cache has not got the file

    # libyaml's parser (when PyYAML has it) reads the rule base ~10x faster than the pure-Python one
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise RuleBaseError(f"rule base data is invalid: {error}") from error


def _read(name: str) -> Any:
    text = (DATA / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else parsed_cache.parsed(name, text, _yaml)


def _rules(raw: list[dict[str, Any]]) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for record in raw:
        record = {**record, "basis": [Citation.parse(value) for value in record["basis"]]}
        rule = Rule.model_validate(record)
        if rule.id in rules:
            raise RuleBaseError(f"rules.yaml: rule {rule.id} appears twice")
        rules[rule.id] = rule
    return rules


def _sdks(lending: dict[str, Any], libchecker: dict[str, Any]) -> tuple[SdkSignature, ...]:
    category_data: dict[str, list[str]] = lending["categories"]
    sdks = [SdkSignature.model_validate(record) for record in lending["sdks"]]
    # A LibChecker entry whose label is an alias of one of ours is the same SDK: report it under our id.
    canonical = {alias: sdk for sdk in sdks for alias in sdk.aliases}
    for entry in libchecker["entries"]:
        own = canonical.get(entry["label"].strip())
        if own is not None:
            key = "components" if entry["match"] == "component" else "native_libs"
            merged = own.model_copy(update={key: (*getattr(own, key), entry["name"])})
            sdks[sdks.index(own)] = merged
            canonical.update({alias: merged for alias in own.aliases})
            continue
        matched = "components" if entry["match"] == "component" else "native_libs"
        sdks.append(
            SdkSignature.model_validate(
                {
                    "id": f"libchecker:{entry['name']}",
                    "name": entry["label"].strip(),
                    "vendor": entry["vendor"],
                    "category": entry["category"],
                    "data": category_data[entry["category"]],
                    matched: [entry["name"]],
                    "source": "LibChecker-Rules",
                }
            )
        )
    unknown = {sdk.category for sdk in sdks} - set(category_data)
    if unknown:
        raise RuleBaseError(f"sdk_lending.yaml: unknown SDK categories {sorted(unknown)}")
    return tuple(sdks)


def _check_references(base: RuleBase) -> None:
    for rule in base.rules.values():
        for citation in rule.basis:
            if citation.provision not in base.provisions:
                raise RuleBaseError(f"rule {rule.id} cites {citation.provision}, absent from law.json")
    referenced = [spec.rule for spec in base.android.permissions.values()]
    referenced += [api.rule for api in base.android.apis if api.rule is not None]
    referenced += [*base.datastore.plaintext_rules.values(), base.datastore.default_plaintext_rule]
    for rule_id in referenced:
        if rule_id not in base.rules:
            raise RuleBaseError(f"android.yaml refers to unknown rule {rule_id}")
    for scope in base.android.necessary_scope.values():
        if scope.basis not in base.provisions:
            raise RuleBaseError(f"android.yaml: necessary scope cites unknown {scope.basis}")
    for area in base.grading.areas.values():
        if area not in base.grading.area_titles or area not in base.grading.area_weights:
            raise RuleBaseError(f"grading.yaml: area {area} lacks a title or a weight")
    for area in base.grading.mandatory_areas:
        if area not in base.grading.areas.values():
            raise RuleBaseError(f"grading.yaml: mandatory area {area} is not an area")
    for band in base.grading.bands:
        if band.grade not in base.grading.inspection_interval_days:
            raise RuleBaseError(f"grading.yaml: grade {band.grade} has no inspection interval")


@cache
def load_rulebase() -> RuleBase:
    """The packaged rule base, validated; cached because it never changes while running."""
    try:
        rules_doc = _read("rules.yaml")
        provisions = {p["id"]: Provision.model_validate(p) for p in _read("law.json")["provisions"]}
        base = RuleBase(
            version=rules_doc["version"],
            rules=_rules(rules_doc["rules"]),
            provisions=provisions,
            sdks=_sdks(_read("sdk_lending.yaml"), _read("sdk_libchecker.json")),
            android=AndroidKnowledge.model_validate(_read("android.yaml")),
            datastore=DataStoreKnowledge.model_validate(_read("datastore.yaml")),
            policy=PolicyLexicon.model_validate(_read("policy_lexicon.yaml")),
            collection=CollectionKnowledge.model_validate(_read("collection.yaml")),
            grading=GradingScheme.model_validate(_read("grading.yaml")),
            labels=_read("labels.yaml")["labels"],
        )
    except (ValidationError, KeyError, json.JSONDecodeError) as error:
        raise RuleBaseError(f"rule base data is invalid: {error}") from error
    _check_references(base)
    return base
