"""Person names: record shapes confirmed by jieba's dictionary, the prose model, and no false names in real
policy prose."""

from __future__ import annotations

from collections import Counter

from tests.conftest import SHARED
from tests.fixtures.name_records import name_lines
from tools.corpora import corpus_file, person_spans, policy_split, sentences

from lendguard.detect import Scanner, lexicon, mask_text, person_model
from lendguard.detect.entities import RECORD_ENTITIES
from lendguard.detect.names import (
    cuts_word,
    listed_with_words,
    opens_name,
    plausible_name,
    prose_names,
    surname_with_title,
)

SCANNER = Scanner(backend="re")
RECORD_SCANNER = Scanner(entities=RECORD_ENTITIES, backend="re")
FINANCIAL_HELD_OUT = ("中国农业银行", "建行", "数字人民币", "国家反诈中心", "交管12123", "电信营业厅")
POLICIES = SHARED / "datasets" / "CAPP-130" / "CAPP_130_Corpus" / "Original_policies"


def names(text: str) -> list[str]:
    return [m.value for m in SCANNER.scan(text) if m.entity == "PERSON"]


def record_names(text: str) -> list[str]:
    return [m.value for m in RECORD_SCANNER.scan(text) if m.entity == "PERSON"]


def test_the_issue_records() -> None:
    assert names("通讯录上传：邓刚 15212345678；钟子 13112345678") == ["邓刚", "钟子"]
    assert names("联系人2：王小明，电话13812345678") == ["王小明"]
    assert names("紧急联系人（配偶）：李四 13912345678") == ["李四"]
    assert names("催收员致电张三丰（13812345678），未接通") == ["张三丰"]
    assert names('{"uid": 7, "contact_name": "欧阳娜娜", "mobile": "13812345678"}') == ["欧阳娜娜"]
    assert names("借款人张三已还款") == ["张三"]


def test_phrases_around_people_name_nobody() -> None:
    for text in ("我们会收集您的联系人信息", "需提供紧急联系人姓名及电话", "联系人电话为空", "姓名和密码错误"):
        assert names(text) == [], text
    assert mask_text("我们会收集您的联系人信息") == "我们会收集您的联系人信息"  # no 「联系人信*」
    assert not plausible_name("信息") and not plausible_name("和密码") and plausible_name("王建国")


def test_real_policy_sentences_name_nobody() -> None:
    """CAPP-130: 建行, 钉钉 and 交管12123 say 联系人信息 / 联系人姓名 / 您本人关联 — the old cue rule
    reported 「信息」 and 「关联」 as names."""
    files = [POLICIES / f"{name}.txt" for name in ("建行", "钉钉", "交管12123", "美团外卖", "斗鱼直播", "全民k歌")]
    lines = [line for path in files for line in path.read_text(encoding="utf-8").splitlines()]
    assert sum("联系人信息" in line for line in lines) >= 5
    found = Counter(value for line in lines for value in names(line))
    assert not found, found


def test_lending_records_f1(record_property: object) -> None:
    hit = predicted = actual = 0
    for line in name_lines():
        truth = Counter(v for e, v in line.truth if e == "PERSON")
        found = Counter(names(line.text))
        assert set(record_names(line.text)) <= set(found.elements()), line.text  # the prose step only adds
        hit += sum((truth & found).values())
        predicted += sum(found.values())
        actual += sum(truth.values())
    precision, recall = hit / predicted, hit / actual
    assert 2 * precision * recall / (precision + recall) >= 0.90 and precision >= 0.98


def prose(text: str) -> list[str]:
    return names(text)


def test_prose_names_by_default() -> None:
    text = "国务院总理李鹏今天会见了本雅明·内塔尼亚胡，赵桂花老人笑着说"
    assert names(text) == ["李鹏", "本雅明·内塔尼亚胡", "赵桂花"]
    assert record_names(text) == []  # --no-prose-names: record shapes only
    assert names("请在设置中开启通讯录权限，我们会调用您的麦克风和高德地图定位") == []
    # record shapes still come first: the cue's span, not the model's
    assert names("借款人张三已还款；通讯录上传：邓刚 15212345678") == ["张三", "邓刚"]
    assert mask_text("催收会议纪要：王建国表示将于月底前还清欠款。") == "催收会议纪要：王**表示将于月底前还清欠款。"


def test_msra_sentences_name_people_by_default() -> None:
    """Real People's Daily sentences (MSRA NER test split, held out from training): the default scan
    finds names in prose that no record shape introduces, with the gold spans."""
    found = hit = 0
    for text, tags in list(sentences(corpus_file("test")))[2000:2200]:
        truth, got = person_spans(tags), {(m.start, m.end) for m in SCANNER.scan(text) if m.entity == "PERSON"}
        found += len(got)
        hit += len(truth & got)
    assert found >= 40 and hit / found >= 0.9


def test_where_a_name_can_start() -> None:
    """The gate that keeps the model off records: a surname character inside a word (正常, 下周), or
    one that starts a word followed by the next word's start (展示为, 信用代), opens no name."""
    for text, position in (("出入境记录正常", 6), ("客户表示下周还款", 5), ("展示为138", 0), ("社会信用代码", 2)):
        assert not opens_name(text, position, len(text)), text
    for text, position in (("记者王建国报道", 2), ("小张倩的母亲", 1), ("和欧阳娜娜", 1)):
        assert opens_name(text, position, len(text)), text
    assert cuts_word("统一社会信用代码", 4, 7) and not cuts_word("江泽民主席", 0, 3)
    assert listed_with_words("应用出现崩溃、闪退问题时", 7, 9) and not listed_with_words("会见了江泽民、李鹏", 7, 9)


def test_a_surname_before_a_title_names_a_person() -> None:
    """MSRA tags the surname alone (江 of 江主席); one standing inside a word does not (全部长期, 陪同)."""
    assert names("在陪同江主席访问期间") == ["江"]  # 同江 is a place: it does not hold 江
    assert surname_with_title("在陪同江主席访问期间", 3, 4) and not surname_with_title("数据全部长期保存", 2, 3)
    assert mask_text("在陪同江主席访问期间") == "在陪同*主席访问期间"


def test_a_transliteration_opens_a_sentence_without_a_surname() -> None:
    """An MSRA test sentence of the tuning range (0–2,000): 塞迪略 has no Chinese surname to open the sentence."""
    assert names("我高兴地看到，塞迪略总统执政以来，两国关系又有新的发展。") == ["塞迪略"]


def test_foreign_name_characters_are_derived_from_msra() -> None:
    from tools.corpora import foreign_name_characters

    assert foreign_name_characters() == lexicon.FOREIGN_NAME_CHARS


def test_prose_names_on_held_out_news() -> None:
    """MSRA NER test sentences 2,000–2,500 (People's Daily; never trained or tuned on)."""
    pairs = [
        (person_spans(tags), set(prose_names(text))) for text, tags in list(sentences(corpus_file("test")))[2000:2500]
    ]
    hit = sum(len(truth & found) for truth, found in pairs)
    precision = hit / sum(len(found) for _, found in pairs)
    recall = hit / sum(len(truth) for truth, _ in pairs)
    assert 2 * precision * recall / (precision + recall) >= 0.80 and precision >= 0.90


def test_default_scan_on_held_out_policies() -> None:
    """CAPP-130 policies the model never learnt from, each scanned whole as `lendguard scan` reads it:
    none names anybody (brands used like names, 高德 and 拉扎斯, are not reported; words cut from the
    next one and list items beside ordinary words neither); the jieba tagger the model replaced
    reported 1,312 over the 130."""
    held_out = policy_split()[1]
    assert len(held_out) == 65
    found = {path.stem: Counter(names(path.read_text(encoding="utf-8"))) for path in held_out}
    assert not any(found[name] for name in FINANCIAL_HELD_OUT), {name: found[name] for name in FINANCIAL_HELD_OUT}
    assert not any(found.values()), {k: v for k, v in found.items() if v}


def test_brands_named_like_people_are_not_names() -> None:
    """Real VioDroid-Finder policy sentences: a brand is followed by what makes it one somewhere in the
    text (曹操出行, 金山办公, 苏帕用户信息中心); a person named beside it still is a name."""
    assert prose("4.2.2目前曹操出行不存在向境外传输个人信息的情况，曹操会在必要时告知您。") == []
    assert prose("您理解并同意，由于金山办公通过遍布全球的服务器提供服务") == []
    assert prose("您可以在苏帕用户信息中心页面撤回同意") == []
    assert prose("个人信息保护负责人：潘伟，使用高德地图定位时") == ["潘伟"]


def test_places_named_like_people_are_not_names() -> None:
    """A real MSRA sentence of the tuning range: 扎伊尔 stands before 首都, a word that follows places in
    MSRA's training split and never a person's name."""
    assert names("1．5月17日，扎伊尔反政府军攻占扎伊尔首都金沙萨。") == []


def test_model_spans_and_confidence() -> None:
    assert person_model.spans("OBEONSBMEO") == [(1, 3), (5, 6), (6, 9)]
    assert person_model.spans("OMEBO") == []  # a run without its beginning or end is no name
    candidates = person_model.tag_names("新华社记者王建国报道")
    assert [(c.start, c.end) for c in candidates] == [(5, 8)]
    assert 0.5 <= candidates[0].confidence <= 1.0
    assert person_model.tag_names("") == []


def test_dictionary_read_directly_equals_jiebas_own_table() -> None:
    import jieba.posseg

    from lendguard.detect.names import _dictionary

    assert _dictionary() == jieba.posseg.dt.word_tag_tab


def test_dict_txt_searched_answers_as_its_table() -> None:
    import random

    from lendguard.detect import names as module

    table = module._dictionary()
    searched = module._FileWords(module._dictionary_path().read_bytes())
    words = random.Random(15).sample(sorted(table), 200)
    # the file's first and last lines, a repeated word (the table keeps its last line), a word that
    # begins others, non-words, white space, a frequency, a tag, a lone surrogate
    odd = ["AT&T", "龢", "B超", "文", "文件", "策文", "", " ", "中 国", "AT&T 3", "3", "nz", "\n", "\ud800"]
    for word in [*words, *odd]:
        assert (searched.get(word), word in searched) == (table.get(word), word in table), word
        assert searched.get(word, "") == table.get(word, "")


# Masks a report's sentence in a fresh interpreter and prints whether jieba's table was read.
MASK_ONE = """
from lendguard.detect import mask_text, names
text = "assets/res 中没有隐私政策文件，字符串中也没有隐私政策链接；联系人王小明 13812345678"
print(mask_text(text), names._dictionary.cache_info().currsize)
"""


def test_masking_a_short_text_searches_dict_txt_without_reading_its_table() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", MASK_ONE], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == [
        "assets/res",
        "中没有隐私政策文件，字符串中也没有隐私政策链接；联系人王**",
        "138****5678",
        "0",
    ]


# Scans many record lines in a fresh interpreter: their names are confirmed from dict.txt's lines,
# a first character at a time, and jieba's table is never read.
SCAN_MANY = """
from lendguard.detect import Scanner, names
people = zip("王李张刘陈杨赵黄周吴" * 40, "明芳伟强" * 100)
lines = [f"借款人{s}{g}，手机1381234{n:04d}" for n, (s, g) in enumerate(people)]
found = [m.value for m in Scanner(backend="re").scan("；".join(lines)) if m.entity == "PERSON"]
print(len(found), found[0], found[-1], names._dictionary.cache_info().currsize)
"""


def test_a_long_scan_looks_words_up_without_reading_the_table() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SCAN_MANY], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["400", "王明", "吴强", "0"]


def test_dict_txt_lines_grouped_by_first_character_as_its_table_reads_them() -> None:
    from lendguard.detect import names as module

    # 文 in two runs (its repeated word keeps the later line), first characters of 1 to 4 bytes
    lines = ["文件 9 n", "ab 3 x", "文 5 ng", "é 2 e", "é字 2 f", "文件 7 vn", "𠀀 1 z", "𠀀甲 1 nr", "z 1 y"]
    data = "".join(f"{line}\n" for line in lines).encode()
    searched = module._FileWords(data)
    table = {"文件": "vn", "ab": "x", "文": "ng", "é": "e", "é字": "f", "𠀀": "z", "𠀀甲": "nr", "z": "y"}
    for word in [*table, "文本", "a", "é字字", "𠀀乙", "y", "", "\ud800"]:
        assert searched.get(word) == table.get(word), word
    at = [0]
    for line in lines:
        at.append(at[-1] + len(line.encode()) + 1)
    runs = module._runs_by_first(data)
    assert runs[int.from_bytes("文".encode(), "big")] == [(at[0], at[1]), (at[2], at[3]), (at[5], at[6])]
    assert runs[int.from_bytes("é".encode(), "big")] == [(at[3], at[5])]
    assert runs[int.from_bytes("𠀀".encode(), "big")] == [(at[6], at[8])]
    assert runs[ord("a")] == [(at[1], at[2])] and runs[ord("z")] == [(at[8], at[9])]


def test_a_name_before_a_mobile_is_looked_for_as_far_back_as_its_longest_match() -> None:
    import re._parser as parser

    from lendguard.detect import names as module

    assert parser.parse(module.NAME_BEFORE.pattern).getwidth()[1] == module.NAME_BEFORE_WIDTH
    text = "备注：欧阳娜娜, 13812345678；通讯录上传：邓刚 15212345678"
    assert [text[a:b] for a, b in module.record_names(text)] == ["欧阳娜娜", "邓刚"]


def test_the_name_patterns_compile_on_first_use_and_match_as_compiled() -> None:
    import re
    import subprocess
    import sys

    from lendguard.detect import names as module

    # a fresh interpreter: importing the module compiles none of them
    probe = (
        "from lendguard.detect import names\n"
        "print(sum('pattern' in vars(p) for p in vars(names).values() if isinstance(p, names._LazyPattern)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["0"]
    text = "借款人王小明，手机13812345678；联系人：李四 13912345678。本雅明·内塔尼亚胡先生在高德地图工作"
    lazy = {name: p for name, p in vars(module).items() if isinstance(p, module._LazyPattern)}
    assert len(lazy) >= 10
    for name, pattern in lazy.items():
        compiled = re.compile(pattern.pattern)
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in compiled.finditer(text)], name
        found, expected = pattern.search(text, 3), compiled.search(text, 3)
        assert (found and found.span()) == (expected and expected.span()), name
