"""The law as data: rules, provisions, SDK signatures and Android knowledge, validated on load."""

from lendguard.rulebase.loader import RuleBaseError, load_rulebase
from lendguard.rulebase.models import (
    ApiSignature,
    Citation,
    Language,
    PolicyLexicon,
    Provision,
    Rule,
    RuleBase,
    SdkSignature,
    Severity,
    Text,
)

__all__ = [
    "ApiSignature",
    "Citation",
    "Language",
    "PolicyLexicon",
    "Provision",
    "Rule",
    "RuleBase",
    "RuleBaseError",
    "SdkSignature",
    "Severity",
    "Text",
    "load_rulebase",
]
