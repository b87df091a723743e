"""Person names: candidates from the shape of records and from a sequence model, then confirmed.

Lending records name people in a few shapes: after a word that introduces a person (借款人,
联系人2：, 紧急联系人（配偶）), as the value of a name key (``"contact_name": "李四"``), or as a list
item next to their phone number (「通讯录上传：邓刚 152…；钟子 131…」). `RECORD_NAME` finds these;
`plausible_name` confirms a candidate: it starts with a surname and jieba's dictionary does not know
it as another kind of word (信息 is a noun, so 「联系人信息」 names nobody). They run only on lines
where a cue, a name key or a mobile number occurs (`PREFILTER`); the prose step below
only on lines with a surname or a transliteration's characters (`PROSE_PREFILTER`), so text with
neither costs nothing.

Running prose names people with none of these. `prose_names` takes the candidates of a
character-level CRF (`person_model`, trained on People's Daily news and on privacy-policy prose that
names nobody) and keeps those made of Chinese characters (a transliteration may join its parts
with ·) that the model is confident of and that are not an ordinary dictionary word, a word plus
the first character of the next (信用|代码), an unvouched item of a list of ordinary words
(崩溃、闪退) or a brand. It is part of the default scan; what keeps it cheap is a gate: the
model only tags a sentence where a name can start (`opens_name`: a surname character not inside a
record-shaped name, not ending a word begun before it, and followed by characters that can be a
name) or where two characters of a transliteration stand together. On records nearly every
surname character sits inside a word or a name already found, so the model rarely runs there
(bench/names.py measures the throughput with and without the step: `RECORD_ENTITIES`,
`lendguard scan --no-prose-names`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from operator import methodcaller
from pathlib import Path
from typing import Any, cast

from lendguard.detect import lexicon
from lendguard.detect.word_runs import RunIndex, Runs, run_index


class _LazyPattern:
    """A pattern compiled where it is first used: the patterns below take ~30 ms to compile (their
    Chinese character classes), which a scan whose text has no name cue never needs. The first
    attribute asked for compiles it and keeps the compiled pattern's attributes on this object, so
    that later look-ups cost what a compiled pattern's do."""

    def __init__(self, source: str) -> None:
        self._source = source

    def __getattr__(self, name: str) -> Any:
        compiled = re.compile(self._source)
        for attribute in ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "pattern"):
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)


def _lazy(source: str) -> re.Pattern[str]:
    return cast("re.Pattern[str]", _LazyPattern(source))


CJK = r"[\u4e00-\u9fff]"
NAME = rf"(?:{lexicon.SURNAMES}){CJK}{{1,2}}?"
# After a cue: what may follow the name in a record (no character, or one that starts the next word).
CUE_END = r"(?=[^\u4e00-\u9fff]|$|[已于在的说称表先女手电联身借欠逾还是为和与及等])"
MOBILE = r"(?:(?:\+|00)?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}(?![0-9])"
CUE = rf"(?:{lexicon.PERSON_CUES})(?:\d{{1,2}}|[一二三四五])?(?:[（(][^）)\s]{{1,6}}[）)])?[：:= \t\"']{{0,3}}"
NAME_KEY = r"(?:(?<![A-Za-z0-9_])[A-Za-z_]{0,24}?(?:name|Name|NAME)|姓名|联系人|xm)[\"']?[ \t]*[:=：][ \t]*[\"']?"
# A list item or a note: a name right before its phone number (邓刚 152…；致电张三（138…）).
LIST_ITEM = rf"(?=(?:{lexicon.SURNAMES}){CJK}{{1,2}}[ \t:：,，\-/（(]{{0,2}}{MOBILE})"
RECORD_NAME = rf"(?:{CUE}|{NAME_KEY}|{LIST_ITEM})(?P<v>{NAME}){CUE_END}"
# The scanner runs these instead of RECORD_NAME: each starts with literal text, which `re` finds fast.
AFTER_CUE = _lazy(rf"{CUE}(?P<v>{NAME}){CUE_END}")
AFTER_KEY = _lazy(rf"(?:name|Name|NAME|姓名|联系人|xm)[\"']?[ \t]*[:=：][ \t]*[\"']?(?P<v>{NAME}){CUE_END}")
SEPARATOR = r"[ \t:：,，\-/（(]"  # what may stand between a name and its phone number
SURNAME_FIRST = frozenset((*lexicon.SINGLE_SURNAMES, *(surname[0] for surname in lexicon.COMPOUND_SURNAMES)))
_FIRST_CLASS = "[" + "".join(sorted(SURNAME_FIRST)) + "]"
# A mobile number after at most two separators and what may be a name (`NAME_BEFORE`: two to four
# Chinese characters, the first one that begins a surname), found from its first digit (a literal,
# which `re` finds fast) and looked behind from there (first at the one character before it), not
# followed by a decimal digit (nor by any other digit `str.isdigit` knows: checked after). The look
# behind at the name's first character leaves out the numbers after a word (手机138…) in C, which
# `NAME_BEFORE` would only reject after a Python step each.
MOBILE_AFTER_CJK = _lazy(
    r"1(?<=[\u4e00-\u9fff \t:：,，\-/（(]1)(?:"
    + "|".join(
        rf"(?<={_FIRST_CLASS}{CJK}{{{rest}}}{SEPARATOR}{{{separators}}}1)"
        for separators in range(3)
        for rest in range(1, 4)
    )
    + r")[3-9]\d(?:[ \-]?\d{4}){2}(?!\d)"
)
# A name and what may separate it from the number after it, led by its first character's class (which
# `re` tests faster than the alternation of surnames).
NAME_BEFORE = _lazy(
    "(?=[" + "".join(sorted(SURNAME_FIRST)) + rf"])(?:{lexicon.SURNAMES}){CJK}{{1,2}}{SEPARATOR}{{0,2}}$"
)
NAME_HEAD = _lazy(rf"(?:{lexicon.SURNAMES}){CJK}{{1,2}}")
# The longest NAME_BEFORE match (a compound surname, two more characters, two separators): where it is looked for.
NAME_BEFORE_WIDTH = max(map(len, lexicon.COMPOUND_SURNAMES)) + 2 + 2
# What marks a line as worth the name step (the hyperscan prefilter): a cue, a name key, or a Chinese
# character right before a mobile number.
PREFILTER = "|".join(
    (*lexicon.PERSON_CUE_WORDS, "姓名", "xm", r"[\x{4e00}-\x{9fff}][ \t:：,，\-/（(]{0,2}1[3-9]\d(?:[ \-]?\d{4}){2}")
)
# What marks a line for the prose step as well: a surname before a Chinese character, or two characters
# of a transliteration (`_sentences_with_name` decides on the line itself).
PROSE_PREFILTER = (
    "(?:" + "|".join(lexicon.COMPOUND_SURNAMES) + f"|[{lexicon.SINGLE_SURNAMES}])[\\x{{4e00}}-\\x{{9fff}}]"
    f"|[{lexicon.FOREIGN_NAME_CHARS}]{{2}}|" + PREFILTER
)
SURNAME_START = _lazy(rf"^(?:{lexicon.SURNAMES})")
# Only a dictionary name (nr) can be a name: a word the dictionary knows as anything else, even a
# place a person might share a name with (黄东 ns, 关联 ns), is not reported as one.
NAME_TAGS = ("nr",)
FUNCTION_TAGS = frozenset("cpu")  # conjunctions, prepositions, particles (和, 于, 与)
STRAY_TAGS = frozenset("cpudrvz")  # … and adverbs, pronouns, verbs, status words: 以, 您, 属
# The prose step tags one sentence at a time — the characters up to a sentence mark, which it keeps,
# or up to a line break — and only sentences where a name can start (the gate that keeps it cheap);
# the confidence is the model's smallest per-character marginal of a name.
SENTENCE_MARK = _lazy("[。！？；!?;\n]")
_ALL_CJK = _lazy(rf"{CJK}+")
SINGLE_SURNAME_SET = frozenset(lexicon.SINGLE_SURNAMES)
TITLE_AFTER = _lazy("|".join(sorted(lexicon.TITLE_WORDS, key=len, reverse=True)))
FOREIGN_RUN = _lazy(f"[{lexicon.FOREIGN_NAME_CHARS}]{{2}}")
FOREIGN_SET = frozenset(lexicon.FOREIGN_NAME_CHARS)
COMPOUND_SURNAME_SET = frozenset(lexicon.COMPOUND_SURNAMES)
COMPOUND_FIRST = frozenset(surname[0] for surname in lexicon.COMPOUND_SURNAMES)
# Where the gate looks: a character that begins a surname or is a transliteration's (all Chinese
# characters), before a Chinese character — one character class, not the alternation of surnames `re`
# would try at every position; which surname, if any, begins there is decided after. A long range is
# looked at with numpy (`_gate_candidates`), which finds the same in less than half the time.
GATE_SET = frozenset((*lexicon.SINGLE_SURNAMES, *lexicon.FOREIGN_NAME_CHARS, *COMPOUND_FIRST))
GATE_CHARACTER = _lazy("[" + "".join(sorted(GATE_SET)) + f"](?={CJK})")
LONG_RANGE = 4096  # characters
# From this long (characters), the gate's candidates are decided with numpy (`_gate_decisions_long`).
BULK_RANGE = 1 << 18
OPENS, COMPOUND = 1, 2  # what the gate finds at a candidate (`_gate`)
_START = re.Match.start
_SPAN = re.Match.span
_SPAN_V = methodcaller("span", "v")
FAMILIAR = frozenset("小老阿")  # 小张, 老王: a word that ends in a surname and still names a person
LIST_MARK = "、"  # the enumeration comma: the items it joins are of one kind
PROPER_TAGS = ("nr", "ns", "nt", "nz")  # names of people, places, organisations, other proper nouns
PROSE_CONFIDENCE = 0.5
# an organisation or a place word, possibly after a short Latin or digit part (高德3D 地图 SDK, 马拉维北部)
ORGANISATION_AFTER = _lazy(
    "[0-9A-Za-z ]{0,4}(?:"
    + "|".join(sorted((*lexicon.ORGANISATION_WORDS, *lexicon.PLACE_WORDS), key=len, reverse=True))
    + ")"
)
PROSE_NAME = _lazy(rf"{CJK}{{2,}}|{CJK}+(?:[·•・]{CJK}+)+")  # 李鹏, 本雅明·内塔尼亚胡; not Cookie, not 京


def _dictionary_path() -> Path:
    """jieba's dict.txt, located without importing jieba (its import alone costs a fifth of a second)."""
    from importlib.util import find_spec

    spec = find_spec("jieba")
    folders = spec.submodule_search_locations if spec is not None else None
    if not folders:
        raise ImportError("jieba is not installed")
    return Path(next(iter(folders))) / "dict.txt"


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, str]:
    """jieba's dictionary: word -> part-of-speech tag, the table `jieba.posseg` builds, read from its
    dict.txt in one pass (a sixth of a second, most of it making a third of a million strings;
    importing jieba.posseg and initialising its tokenizer takes two). Its lines are `word frequency tag`."""
    fields = _dictionary_path().read_bytes().decode("utf-8").split()
    if len(fields) % 3:  # not the layout this reader expects: let jieba read it
        import jieba.posseg

        tags: dict[str, str] = jieba.posseg.dt.word_tag_tab
        return tags
    words, tags_read = fields[0::3], fields[2::3]
    del fields  # the frequencies: a third of a million strings not kept
    shared = {tag: tag for tag in set(tags_read)}  # one string per tag, not one per word
    return dict(zip(words, [shared[tag] for tag in tags_read], strict=True))


class _FileWords(Mapping[str, str]):
    """`_dictionary` answered from dict.txt's bytes, one first character at a time: the first time a
    word beginning with a character is asked, the lines that begin with it are read into a table of
    their own, the later of a repeated word kept as the table keeps it. Where those lines lie comes
    from an index of the file's runs of lines by first character, made once with numpy (the file
    is grouped by first character nearly everywhere: some 12,000 runs) and kept on disk (`word_runs`). A scan of dense records asks
    some 4,000 words of 300 first characters, a report's sentences a few dozen: either way far less
    than reading the whole table (0.15 s)."""

    def __init__(self, data: bytes, runs: RunIndex | None = None) -> None:
        self.data = data
        self.by_first: dict[str, dict[str, str]] = {}
        self._runs: RunIndex | Runs | None = runs

    def __getitem__(self, word: str) -> str:
        tag = self._tag(word)
        if tag is None:
            raise KeyError(word)
        return tag

    def get(self, word: str, default: Any = None) -> Any:
        tag = self._tag(word)
        return default if tag is None else tag

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._tag(word) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(_dictionary())

    def __len__(self) -> int:
        return len(_dictionary())

    def _tag(self, word: str) -> str | None:
        if word.split() != [word]:  # empty or holding white space: no field of the file
            return None
        words = self.by_first.get(word[0])
        if words is None:
            words = self.by_first[word[0]] = self._lines_from(word[0])
        return words.get(word)

    def _lines_from(self, first: str) -> dict[str, str]:
        """Word -> tag of every line that begins with `first`."""
        try:
            key = int.from_bytes(first.encode("utf-8"), "big")
        except UnicodeEncodeError:  # a lone surrogate: no word of a UTF-8 file
            return {}
        if self._runs is None:
            self._runs = _runs_by_first(self.data)
        words: dict[str, str] = {}
        for low, high in self._runs.get(key, ()):
            # every line is `word frequency tag` (word_runs.laid_out): its fields, three by three
            fields = self.data[low : high - 1].decode("utf-8").replace("\n", " ").split(" ")
            words.update(zip(fields[0::3], fields[2::3], strict=True))
        return words


def _runs_by_first(data: bytes) -> Runs:
    """The runs of consecutive lines of `data` (lines ending in a line break) that begin with the same
    character: that character's UTF-8 as a big-endian integer -> (start, end) byte offsets of its
    runs, in the file's order."""
    import numpy as np

    codes = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(codes == 10)
    starts = np.concatenate(([0], breaks[:-1] + 1))
    last = len(codes) - 1
    lead = codes[starts].astype(np.uint32)
    key = lead << 24
    for shift, step in ((16, 1), (8, 2), (0, 3)):
        key |= codes[np.minimum(starts + step, last)].astype(np.uint32) << shift
    size = 1 + (lead >= 0xC0).astype(np.uint32) + (lead >= 0xE0) + (lead >= 0xF0)  # the first character's bytes
    key >>= 8 * (4 - size)
    cuts = np.flatnonzero(key[1:] != key[:-1]) + 1
    firsts = np.concatenate(([0], cuts))
    runs: Runs = {}
    ends = np.concatenate((starts[cuts], [len(data)]))
    for first, low, high in zip(key[firsts].tolist(), starts[firsts].tolist(), ends.tolist(), strict=True):
        runs.setdefault(first, []).append((low, high))
    return runs


@lru_cache(maxsize=1)
def _file_words() -> _FileWords | None:
    """dict.txt to search, or None where its lines are not all `word frequency tag` (two spaces each)."""
    data = _dictionary_path().read_bytes()
    runs = run_index(data, _runs_by_first)  # from disk where an earlier process indexed this file
    return None if runs is None else _FileWords(data, runs)


def _tags() -> Mapping[str, str]:
    """The dictionary to look words up in: dict.txt itself, a first character at a time, or the
    table read from it where the file is not laid out as expected. Both answer alike."""
    words = _file_words()
    return _dictionary() if words is None else words


def common_word(word: str) -> bool:
    """A word jieba's dictionary knows as something other than a person's name (信息, 电话, 方式)."""
    tag = _tags().get(word)
    return tag is not None and not tag.startswith(NAME_TAGS)


@lru_cache(maxsize=65536)
def plausible_name(value: str) -> bool:
    """A surname and one or two more characters (two or three after a compound surname) that is not
    a common word."""
    compound = value[:2] in lexicon.COMPOUND_SURNAMES
    if not 2 + compound <= len(value) <= 3 + compound or SURNAME_START.match(value) is None:
        return False
    tags = _tags()
    if common_word(value):
        return False
    head, last = tags.get(value[:2], ""), tags.get(value[2:3], "")
    if not compound and len(value) == 3 and common_word(value[:2]) and (head[:1] == "v" or last[:1] in STRAY_TAGS):
        return False  # 信息以…, 修改您…: a word and the next word's first character
    surname = value[: 1 + compound]
    rest = value[len(surname) :]
    # 和密码, 于是: a surname that is also a function word, before an ordinary word
    return not (tags.get(surname, "")[:1] in FUNCTION_TAGS and len(rest) >= 2 and common_word(rest))


def record_names(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """(start, end) of every name candidate in a record's shape within text[start:end], in order;
    no candidate reaches across a line break."""
    stop = len(text) if end is None else end
    yield from _record_spans(text, start, stop)


def _record_spans(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    """`record_names` as a sorted list of distinct spans."""
    spans = [*map(_SPAN_V, AFTER_CUE.finditer(text, start, stop)), *map(_SPAN_V, AFTER_KEY.finditer(text, start, stop))]
    search, head = NAME_BEFORE.search, NAME_HEAD.match
    for at, after in map(_SPAN, MOBILE_AFTER_CJK.finditer(text, start, stop)):
        if text[after : after + 1].isdigit():
            continue
        before = search(text, max(start, at - NAME_BEFORE_WIDTH), at)
        if before is not None:
            name = head(text, before.start(), at)
            assert name is not None
            spans.append((before.start(), name.end()))
    return sorted(set(spans))


def cuts_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a dictionary word and the first character of the next one (信用|代码):
    its last character belongs with what follows. A name the dictionary knows (江泽民 before
    主席, 民主 a word) is not cut."""
    if end - start < 3:
        return False
    tags = _tags()
    return text[start : end - 1] in tags and common_word(text[end - 1 : end + 1]) and not is_known_name(text[start:end])


def is_known_name(value: str) -> bool:
    return _tags().get(value, "").startswith(NAME_TAGS)


def listed_with_words(text: str, start: int, end: int) -> bool:
    """Whether a candidate with no surname to vouch for it (a transliteration's shape) is an item of a
    list beside an ordinary word (崩溃、闪退): the items of a list are of one kind."""
    if SURNAME_START.match(text[start:end]) is not None or is_known_name(text[start:end]):
        return False
    before = text[start - 1 : start] == LIST_MARK and ordinary_word(text[max(0, start - 3) : start - 1])
    return before or (text[end : end + 1] == LIST_MARK and ordinary_word(text[end + 1 : end + 3]))


def ordinary_word(word: str) -> bool:
    """A word jieba's dictionary knows, and not as a proper noun (异常, 姓名; not 智利, 美中)."""
    tag = _tags().get(word)
    return tag is not None and not tag.startswith(PROPER_TAGS)


def surname_with_title(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a surname alone before a title (江主席, 王先生), standing in no word of its
    own: not 全 of 全部长期, nor 同 of 陪同."""
    if end - start != 1 or text[start] not in SINGLE_SURNAME_SET or TITLE_AFTER.match(text, end) is None:
        return False
    return not ordinary_word(text[start : start + 2]) and not (start and ordinary_word(text[start - 1 : start + 1]))


def opens_name(text: str, position: int, end: int) -> bool:
    """Whether a name can start at text[position], a surname character: it does not finish a word begun
    before it (正常, 下周), and the two or three characters from it (three or four after a compound
    surname) can be a name — `plausible_name`, and not a word plus the start of the next (展示为, 信用代).
    It depends on the character before and the five from `position` only: decided once per such window."""
    head = 1 if position else 0
    return _opens_in(text[position - head : position + 5], head, min(end - position, 5))


@lru_cache(maxsize=65536)
def _opens_in(window: str, position: int, room: int) -> bool:
    if position and window[0] not in FAMILIAR and ordinary_word(window[:2]):
        return False
    compound = window[position : position + 2] in lexicon.COMPOUND_SURNAMES
    for size in (2 + compound, 3 + compound):
        stop = position + size
        if size > room or not _ALL_CJK.fullmatch(window, position, stop):
            return False
        if plausible_name(window[position:stop]) and not cuts_word(window, position, stop):
            return True
    return False


def prose_names(
    text: str, start: int = 0, end: int | None = None, taken: Sequence[tuple[int, int]] = ()
) -> Iterator[tuple[int, int]]:
    """(start, end) of the names in running text within text[start:end]: the person-name model's
    candidates (`person_model`) in each sentence where a name can start (`opens_name`: a surname
    character, not within the spans `taken` by record-shaped names, in order), kept when the model is
    confident and the candidate is not a dictionary word, a word cut from the next one, a list item
    beside ordinary words, or a brand. Sentences where no name can start are never tagged: that gate
    is what keeps the step cheap on records, where every surname character sits in a word or a name
    already found."""
    from lendguard.detect import person_model

    end = len(text) if end is None else end
    for low, high in _sentences_with_name(text, start, end, taken):
        for candidate in person_model.tag_names(text[low:high]):
            first, last = low + candidate.start, low + candidate.end
            value = text[first:last]
            if candidate.confidence < PROSE_CONFIDENCE or ordinary_word(value):
                continue
            if PROSE_NAME.fullmatch(value) is None and not surname_with_title(text, first, last):
                continue
            if cuts_word(text, first, last) or listed_with_words(text, first, last):
                continue
            if last - first == 1:  # a surname before its title: used as a person right there
                yield first, last
                continue
            line_start, line_end = text.rfind("\n", 0, first) + 1, text.find("\n", last)
            if not _named_as_brand(text, value, line_start, len(text) if line_end == -1 else line_end):
                yield first, last


def _sentences_with_name(
    text: str, start: int, end: int, taken: Sequence[tuple[int, int]] = ()
) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of text[start:end] worth the model, in order: a name can start at one
    of its surname characters (`opens_name`), or a character of the kind transliterations are written in
    stands beside another such character or begins a pair no dictionary word holds (塞迪略). The spans
    `taken` by record-shaped names count for neither. Every candidate of the range is decided first, each
    once per six-character window (`_gate_decisions`), and a sentence's bounds are found only where one
    opens it, so sentences without a surname or such a character cost nothing."""
    position = resume = start  # where the next sentence may begin; the first character to look at
    for at, decision in _gate_decisions(text, start, end, taken):
        if at < resume:  # inside a sentence already yielded, or the second character of a compound surname
            continue
        if decision & COMPOUND:
            resume = at + 2
        if decision & OPENS:
            low = max(position, text.rfind("\n", 0, at) + 1)
            for mark in SENTENCE_MARK.finditer(text, low, at):  # the last mark before it
                low = mark.end()
            after = SENTENCE_MARK.search(text, at, end)
            position = resume = end if after is None else after.start() + (after.group() != "\n")
            yield low, position


def _gate_decisions(text: str, start: int, end: int, taken: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """(position, `_gate`'s decision) of every candidate of the gate in text[start:end] where it decides
    something, in order. A position `taken` by a record-shaped name is not decided (a record's names
    vary, their windows would miss the cache): it only marks where a compound surname begins. A
    range under `BULK_RANGE` is decided a candidate at a time (found with numpy where it is long)."""
    if end - start < BULK_RANGE:
        inside = frozenset(itertools.chain.from_iterable(itertools.starmap(range, taken)))
        return [
            (at, decision)
            for at in _gate_candidates(text, start, end)
            if (decision := _taken_gate(text, at, end) if at in inside else _gate_at(text, at, end))
        ]
    return _gate_decisions_long(text, start, end, taken)


def _gate_at(text: str, at: int, end: int) -> int:
    """`_gate`, from the cache of six-character windows where the window lies within the range."""
    return _gate_in(text[at - 1 : at + 5]) if 0 < at <= end - 5 else _gate(text, at, end)


def _taken_gate(text: str, at: int, end: int) -> int:
    """What a position taken by a record-shaped name decides: where a compound surname begins."""
    return COMPOUND if text[at] in COMPOUND_FIRST and _compound_at(text, at, end) else 0


def _gate_decisions_long(text: str, start: int, end: int, taken: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """`_gate_decisions` of a long range, with numpy: the candidates' six-character windows are told
    apart as 24-byte rows of code points, and each distinct one decided once."""
    import numpy as np

    base = max(start - 1, 0)  # a window begins one character before its candidate
    codes = np.frombuffer(text[base:end].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    found = _gate_in_codes(codes[start - base :]) + start
    is_taken = np.zeros(len(found), dtype=bool)
    if taken:  # within a span: the spans that start at or before it reach past it
        spans = np.array(taken, dtype=np.int64)
        last = np.searchsorted(spans[:, 0], found, side="right") - 1
        is_taken = (last >= 0) & (np.maximum.accumulate(spans[:, 1])[last] > found)
    windowed = ~is_taken & (found > 0) & (found <= end - 5)
    decisions = np.zeros(len(found), dtype=np.int64)
    at_windows = found[windowed]
    if at_windows.size:
        rows = codes[(at_windows - 1 - base)[:, None] + np.arange(6)]
        windows, which = np.unique(np.ascontiguousarray(rows).view("V24").ravel(), return_inverse=True)
        table = np.array(
            [_gate_in(window.decode("utf-32-le", "surrogatepass")) for window in windows.tolist()],
            dtype=np.int64,
        )
        decisions[windowed] = table[which.ravel()]
    compound_first = _compound_table()[codes[found - base] - 0x4E00]
    for row in np.flatnonzero(~windowed & (compound_first | ~is_taken)).tolist():
        at = int(found[row])
        decisions[row] = _taken_gate(text, at, end) if is_taken[row] else _gate(text, at, end)
    kept = np.flatnonzero(decisions)
    return list(zip(found[kept].tolist(), decisions[kept].tolist(), strict=True))


def _gate_candidates(text: str, start: int, end: int) -> list[int]:
    """Where `GATE_CHARACTER` matches in text[start:end], in order."""
    if end - start < LONG_RANGE:
        return list(map(_START, GATE_CHARACTER.finditer(text, start, end)))
    import numpy as np

    codes = np.frombuffer(text[start:end].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    found: list[int] = (_gate_in_codes(codes) + start).tolist()
    return found


def _gate_in_codes(codes: Any) -> Any:
    """Where `GATE_CHARACTER` matches in an array of code points, as offsets into it: a character of
    `GATE_SET` (looked up in a table of every code point, which costs less than first narrowing to
    Chinese characters), then only those before a Chinese character."""
    import numpy as np

    found = np.flatnonzero(_gate_table()[codes[:-1]])
    return found[codes[found + 1] - 0x4E00 < 0x5200]  # below 0x5200 is a Chinese character (the rest wrap around)


@lru_cache(maxsize=1)
def _compound_table() -> Any:
    """Which Chinese characters (by code point less 0x4E00) begin a compound surname."""
    import numpy as np

    table = np.zeros(0x5200, dtype=bool)
    table[[ord(character) - 0x4E00 for character in COMPOUND_FIRST]] = True
    return table


@lru_cache(maxsize=1)
def _gate_table() -> Any:
    """Which code points are in `GATE_SET`."""
    import numpy as np

    table = np.zeros(0x110000, dtype=bool)
    table[[ord(character) for character in GATE_SET]] = True
    return table


def _gate(text: str, at: int, end: int) -> int:
    """What begins at text[at], a candidate of the gate: `OPENS` where a name or a transliteration can
    start there, plus `COMPOUND` where a compound surname does. `opens_name` looks to the end of the
    range, not of the sentence: it only takes Chinese characters from `at`, and a sentence ends at a
    character that is not one."""
    character = text[at]
    compound = character in COMPOUND_FIRST and _compound_at(text, at, end)
    found = COMPOUND if compound else 0
    if (compound or character in SINGLE_SURNAME_SET) and opens_name(text, at, end):
        return found | OPENS
    tags = _tags()
    if character in FOREIGN_SET and (
        FOREIGN_RUN.match(text, at) is not None or (text[at : at + 2] not in tags and text[at - 1 : at + 1] not in tags)
    ):
        return found | OPENS
    return found


def _compound_at(text: str, at: int, end: int) -> bool:
    """Whether a compound surname followed by a Chinese character begins at text[at] (within the range)."""
    return text[at : at + 2] in COMPOUND_SURNAME_SET and at + 2 < end and "\u4e00" <= text[at + 2] <= "\u9fff"


@lru_cache(maxsize=65536)
def _gate_in(window: str) -> int:
    """`_gate` of the second character of a six-character window within the range: it looks at nothing
    else."""
    return _gate(window, 1, 6)


def _named_as_brand(text: str, value: str, start: int, end: int) -> bool:
    """Whether `value` stands, somewhere in text[start:end] (the line being scanned), right before a word
    that makes it an organisation, a product or a place (高德 in 高德地图, 曹操 in 曹操出行, 马拉维 in
    马拉维北部): a brand or a country is named like a person, but not used like one. The line, not the buffer, so that a batch finds what scanning
    each line on its own finds."""
    found = text.find(value, start, end)
    while found != -1:
        if ORGANISATION_AFTER.match(text, found + len(value), end) is not None:
            return True
        found = text.find(value, found + 1, end)
    return False


def record_or_prose_names(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """The record-shaped names that `plausible_name` confirms and the prose step's names, in order;
    where both find a name the record's span is kept."""
    stop = len(text) if end is None else end
    records = [(a, b) for a, b in _record_spans(text, start, stop) if plausible_name(text[a:b])]
    if not records:
        yield from prose_names(text, start, stop)
        return
    prose = list(prose_names(text, start, stop, records))
    if prose:
        taken = frozenset(itertools.chain.from_iterable(itertools.starmap(range, records)))
        prose = [(a, b) for a, b in prose if taken.isdisjoint(range(a, b))]
    yield from sorted(records + prose) if prose else records
