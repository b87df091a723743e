"""Reading policy clauses by meaning: negation and condition scope, who acts, numbers of days.

A clause is cut into sub-clauses at commas, semicolons and contrastive words; a negation ("不会",
"无权") or a condition ("如需", "如果", "若") reaches from the start of its sub-clause to the verb it
governs, so "我们不会收集您的通讯录，但会读取短信" negates the first verb only and "如需跨境传输，
我们将单独征得您的同意" is a promise, not a transfer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from lendguard.evidence import Clause
from lendguard.rulebase import PolicyLexicon, RuleBase

NEGATION_REACH = 10  # tokens looked back from a verb, within its sub-clause
SUBCLAUSE_BREAK = re.compile(r"[，,。；;：:！？!?]|但是|但|然而|除非|除外|否则")
NOT = "不(?!同|时|断|仅|影响|少|定期|超过|满|限于)"
COORDINATED = re.compile(r"\s*(或者|或|亦不|也不)")
NEGATION_TOKEN = re.compile(f"{NOT}|未(?!成年|满|来)|无(?!线|论)|没")
CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@cache
def _jieba() -> Any:
    """jieba (and the pkg_resources it imports) loads when a policy is read, not with every command."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def pattern(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{w})" for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)


def number(text: str) -> int | None:
    """An Arabic or Chinese numeral below 100 ("15", "十五", "三十"); None when it is neither."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in CHINESE_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return CHINESE_DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    return (CHINESE_DIGITS.get(tens, 0) if tens else 1) * 10 + (CHINESE_DIGITS.get(units, 0) if units else 0)


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
        self._condition = pattern(lexicon.conditions)
        # In running text a bare 不 negates unless it starts 不影响 / 不仅 / 不少于 ….
        self._lead_negation = pattern([re.escape(n) for n in lexicon.negations if n != "不"] + [NOT])
        self._breaks = set(lexicon.negation_breaks)
        self._patterns: dict[tuple[str, ...], re.Pattern[str]] = {}

    def find(self, text: str, words: tuple[str, ...]) -> re.Match[str] | None:
        return self.compiled(words).search(text)

    def compiled(self, words: tuple[str, ...]) -> re.Pattern[str]:
        compiled = self._patterns.get(words)
        if compiled is None:
            compiled = self._patterns[words] = pattern(words)
        return compiled

    def _negated(self, before: list[str]) -> bool:
        return any(word in self._negations or NEGATION_TOKEN.match(word) for word in before)

    def _hypothetical(self, text: str, start: int, end: int, scope: str = "sentence") -> bool:
        """A condition earlier in the sentence ("如需…，", "如果我们…，", "除非…") or a nominal
        condition ("确需向境外提供的，") makes what follows a promise, not a statement of practice.
        With scope="subclause" only a condition in the word's own sub-clause counts."""
        lead = 0
        if scope == "subclause":
            starts = [m.end() for m in SUBCLAUSE_BREAK.finditer(text, 0, start)]
            lead = starts[-1] if starts else 0
        if self._condition.search(text, lead, start):
            return True
        after = SUBCLAUSE_BREAK.search(text, end)
        return text[(after.start() if after else len(text)) - 1] == "的"

    def asserted(
        self,
        text: str,
        verbs: tuple[str, ...],
        objects: tuple[str, ...],
        *,
        hypothetical: bool = True,
        scope: str = "sentence",
    ) -> bool:
        """The clause affirms a verb (not negated) and names one of the objects. With
        hypothetical=False a verb under a condition ("如需…", "如果我们…") does not count either."""
        if not self.find(text, objects) or not self.find(text, verbs):
            return False
        tokens = list(_jieba().tokenize(text))
        verb_set = set(verbs)
        for index, (token, start, end) in enumerate(tokens):
            if token not in verb_set:
                continue
            before = []
            for previous, _, _ in reversed(tokens[max(0, index - NEGATION_REACH) : index]):
                if previous in self._breaks:
                    break
                before.append(previous)
            if self._negated(before):
                continue
            if not hypothetical and self._hypothetical(text, start, end, scope):
                continue
            return True
        return False

    def affirmed(self, text: str, words: tuple[str, ...], *, hypothetical: bool = True) -> re.Match[str] | None:
        """The first match of `words` its sub-clause does not negate (nor, with hypothetical=False,
        a condition put under a promise): "单独同意" in "除非获得您的单独同意" is affirmed, in
        "并不代表您已单独同意" it is not."""
        for match in self.compiled(words).finditer(text):
            starts = [0] + [m.end() for m in SUBCLAUSE_BREAK.finditer(text, 0, match.start())]
            lead = text[starts[-1] : match.start()]
            if self._lead_negation.search(lead):
                continue
            # "我们不会对外提供，或者将其用于其他用途": 或者 carries the negation over
            if (
                len(starts) > 1
                and COORDINATED.match(lead)
                and self._lead_negation.search(text[starts[-2] : starts[-1]])
            ):
                continue
            if not hypothetical and self._hypothetical(text, match.start(), match.end()):
                continue
            return match
        return None

    def clauses_with(self, clauses: Iterable[Clause], words: tuple[str, ...]) -> list[Clause]:
        return [c for c in clauses if self.find(c.text, words)]

    def days(self, text: str) -> list[int]:
        """Every period in days the clause names ("15个工作日", "十五天", "30日内")."""
        found = []
        for match in self.compiled(self.lexicon.response_time).finditer(text):
            value = number(match.group("n"))
            if value is not None:
                found.append(value)
        return found


_READERS: dict[int, PolicyReader] = {}


def reader(rulebase: RuleBase) -> PolicyReader:
    """One reader per lexicon (building it adds the lexicon's words to jieba's dictionary)."""
    key = id(rulebase.policy)
    if key not in _READERS:
        _READERS[key] = PolicyReader(rulebase.policy)
    return _READERS[key]
