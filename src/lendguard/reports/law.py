"""How reports and rule pages cite the law: a provision's source name, title and excerpt in the
report's language, without the law data's editorial tags ("— source S1, VERBATIM", "(S19)")."""

from __future__ import annotations

import re

from lendguard.rulebase import Language, Provision

_NUMBERING = re.compile(r"^\d+(?:\.\d+)*\.?\s+")
_TAIL = re.compile(r"\s+—\s+.*$")
_TAG = re.compile(r"(?:,\s*)?\b(?:S\d+|SECONDARY|NEAR-VERBATIM|VERBATIM|PARAPHRASE[^,)]*|RECALLED)\b")
_EMPTY_PARENS = re.compile(r"\s*\(\s*[,;]?\s*\)")


_SENTENCE_END = re.compile(r"(?<!\bvs\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<=[.;])\s+")


_CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def _untagged(text: str) -> str:
    return _EMPTY_PARENS.sub("", _TAG.sub("", _TAIL.sub("", text))).strip(" ,;")


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _gist(provision: Provision) -> str:
    """The English gist when it says something (some are only editorial notes such as "UI")."""
    gist = _untagged(provision.gist)
    return gist if len(gist) >= 20 else ""


def source_name(provision: Provision) -> str:
    """The instrument a provision belongs to, e.g. "中华人民共和国个人信息保护法 (PIPL)"."""
    if provision.id.startswith("APP-191"):
        return "App违法违规收集使用个人信息行为认定方法"
    return _untagged(_NUMBERING.sub("", provision.section))


def provision_title(provision: Provision, lang: Language) -> str:
    """A short heading: the title in Chinese, or in English the first sentence of the English gist."""
    title = _untagged(provision.title)
    if lang == "zh":
        return _shortened(title, 80)
    gist = _gist(provision)
    if gist:
        return _shortened(_SENTENCE_END.split(gist, maxsplit=1)[0].rstrip(".;"), 90)
    return _shortened(title, 90) if not _CJK.search(title) else provision.id


def provision_excerpt(provision: Provision, lang: Language) -> str:
    """The provision's words: the verbatim Chinese text, or in English its gist when it has one."""
    if lang == "en" and _gist(provision):
        return _gist(provision)
    return provision.text or _gist(provision)


def excerpt_is_translation(provision: Provision, lang: Language) -> bool:
    """A Chinese report quoting a provision whose Chinese wording the law data lacks: it shows the
    English gist, and says so rather than passing it off as the text."""
    return lang == "zh" and not provision.text and bool(_gist(provision))
