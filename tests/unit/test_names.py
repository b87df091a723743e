"""Person names: record shapes confirmed by jieba's dictionary; no false names in real policy prose."""

from __future__ import annotations

from collections import Counter

from tests.conftest import SHARED
from tests.fixtures.name_records import name_lines

from lendguard.detect import Scanner, mask_text
from lendguard.detect.names import plausible_name, prose_names

SCANNER = Scanner(backend="re")
POLICIES = SHARED / "datasets" / "CAPP-130" / "CAPP_130_Corpus" / "Original_policies"


def names(text: str) -> list[str]:
    return [m.value for m in SCANNER.scan(text) if m.entity == "PERSON"]


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
        hit += sum((truth & found).values())
        predicted += sum(found.values())
        actual += sum(truth.values())
    precision, recall = hit / predicted, hit / actual
    assert 2 * precision * recall / (precision + recall) >= 0.90 and precision >= 0.98


def test_prose_names_from_jieba_with_confirmation() -> None:
    text = "国务院总理李鹏今天会见了本雅明·内塔尼亚胡，赵桂花老人笑着说"
    assert [text[a:b] for a, b in prose_names(text)] == ["李鹏", "本雅明·内塔尼亚胡", "赵桂花"]
    assert prose_names("请在设置中开启通讯录权限") == []


def test_dictionary_read_directly_equals_jiebas_own_table() -> None:
    import jieba.posseg

    from lendguard.detect.names import _dictionary

    assert _dictionary() == jieba.posseg.dt.word_tag_tab
