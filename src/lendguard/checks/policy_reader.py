"""Reading policy clauses: lexicon patterns, and assertions that survive negation ("不会收集")."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from lendguard.evidence import Clause
from lendguard.rulebase import PolicyLexicon, RuleBase

NEGATION_REACH = 6  # tokens looked back from a verb for a negation


@cache
def _jieba() -> Any:
    """jieba (and the pkg_resources it imports) loads when a policy is read, not with every command."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def pattern(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{w})" for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)


class PolicyReader:
    def __init__(self, lexicon: PolicyLexicon) -> None:
        self.lexicon = lexicon
        words = {
            *lexicon.negations,
            *lexicon.collect_verbs,
            *lexicon.ask_verbs,
            *lexicon.third_party_verbs,
            *lexicon.emergency,
            *lexicon.contact_people,
            *(t for terms in lexicon.data_terms.values() for t in terms),
        }
        for word in words:
            if re.fullmatch(r"[\w\u4e00-\u9fff ]+", word):
                _jieba().add_word(word, freq=200000)
        self._negations = set(lexicon.negations)
        self._breaks = set(lexicon.negation_breaks)
        self._patterns: dict[tuple[str, ...], re.Pattern[str]] = {}

    def find(self, text: str, words: tuple[str, ...]) -> re.Match[str] | None:
        compiled = self._patterns.get(words)
        if compiled is None:
            compiled = self._patterns[words] = pattern(words)
        return compiled.search(text)

    def asserted(self, text: str, verbs: tuple[str, ...], objects: tuple[str, ...]) -> bool:
        """The clause affirms a verb (not negated) and names one of the objects."""
        if not self.find(text, objects) or not self.find(text, verbs):
            return False
        tokens = _jieba().lcut(text)
        verb_set = set(verbs)
        for index, token in enumerate(tokens):
            if token not in verb_set:
                continue
            before = []
            for previous in reversed(tokens[max(0, index - NEGATION_REACH) : index]):
                if previous in self._breaks:
                    break
                before.append(previous)
            if not any(
                word in self._negations or any(word.startswith(n) for n in ("不", "未", "无", "没")) for word in before
            ):
                return True
        return False

    def clauses_with(self, clauses: Iterable[Clause], words: tuple[str, ...]) -> list[Clause]:
        return [c for c in clauses if self.find(c.text, words)]


_READERS: dict[int, PolicyReader] = {}


def reader(rulebase: RuleBase) -> PolicyReader:
    """One reader per lexicon (building it adds the lexicon's words to jieba's dictionary)."""
    key = id(rulebase.policy)
    if key not in _READERS:
        _READERS[key] = PolicyReader(rulebase.policy)
    return _READERS[key]
