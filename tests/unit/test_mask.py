from __future__ import annotations

import random

import numpy as np
import pytest
from tests.fixtures.pii_corpus import corpus

from lendguard.detect import ENTITIES, Scanner, arrow, mask_text, mask_value
from lendguard.detect.mask import mask_array, mask_columns


def test_long_numbers_are_masked_next_to_chinese_text() -> None:
    assert mask_text("借款人手机13812345678已逾期") == "借款人手机138****5678已逾期"
    assert mask_text("身份证11010519491231002X") == "身份证110***********002X"


def test_emails_keep_only_the_first_character() -> None:
    assert mask_text("联系 zhangsan@example.cn") == "联系 z***@example.cn"


def test_short_numbers_and_code_members_are_left_alone() -> None:
    text = "Landroid/telephony/TelephonyManager;->getDeviceId targetSdk=30 v1.2.0"
    assert mask_text(text) == text


# Bulk masking (detect.mask.mask_array / mask_columns) must give mask_value's strings exactly.
_ALPHABET = '0123456789 -+@.xXab张三李欧阳先生女士１２Ｘ😀\t"\\'
_RNG = random.Random(7)
_RANDOM = ["".join(_RNG.choice(_ALPHABET) for _ in range(_RNG.randrange(0, 26))) for _ in range(3000)]
_EDGES = [
    *("", "a", "ab", "abc", "-", " ", "  ", "a-b c", "x" * 40, "😀" * 9, "１２３４５６７８９０１２"),
    *("先生", "女士", "张先生", "欧阳女士", "女士x", "张三先生 "),
    *("a@b", "@", "@@", "@d", "ab@c@d", "noat", "x@", "new\nline@x.cn"),
    *("1.2", ".", "..", "a..b", "a.b.", "1.2.3.4", "1.2.3.4.5", "fe80::1", "1.2.3.4\n"),
    *("+86 138 1234 5678", "138-1234-5678", "6222 0220 8859 7404 428", "３５０２０１１９８６０８１０２２０２"),
]


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    """The values the scanner finds in the labelled corpus, per entity."""
    text = "\n".join(line.text for line in corpus(seed=5, lines=3000))
    values: dict[str, list[str]] = {}
    for _, entity, _, _, _, value in Scanner().scan_records(text):
        values.setdefault(entity, []).append(value)
    return values


@pytest.mark.parametrize("entity", [*(spec.name for spec in ENTITIES), "SOME_OTHER_ENTITY"])
def test_bulk_masking_gives_the_strings_of_mask_value(entity: str, found: dict[str, list[str]]) -> None:
    values = found.get(entity, []) + _EDGES + _RANDOM
    assert arrow_masked(entity, values) == [mask_value(entity, value) for value in values]
    real = found.get(entity, ["x@y.cn", "1.2.3.4"])  # the scanner's values alone take shorter ways
    assert arrow_masked(entity, real) == [mask_value(entity, value) for value in real]
    assert arrow_masked(entity, []) == []
    for size in range(30):  # a group of one length takes a shorter way
        same = [value for value in values if len(value) == size] + ["1" * size, "-" * size]
        assert arrow_masked(entity, same) == [mask_value(entity, value) for value in same], size


@pytest.mark.parametrize("entity", [*(spec.name for spec in ENTITIES), "SOME_OTHER_ENTITY"])
def test_bulk_masking_of_ascii_values_gives_the_strings_of_mask_value(entity: str) -> None:
    """All-ASCII groups are masked in numpy: separators, short values, quotes, tabs."""
    values = [value for value in _EDGES + _RANDOM if value.isascii()]
    assert arrow_masked(entity, values) == [mask_value(entity, value) for value in values]
    for size in range(8):
        same = ["1" * size, "-" * size, " -" * size, "1-" * size]
        assert arrow_masked(entity, same) == [mask_value(entity, value) for value in same], size
    sliced = mask_array(entity, arrow.strings(["+86 138 1234 5678", *values[:50]]).slice(1, 40)).to_pylist()
    assert sliced == [mask_value(entity, value) for value in values[:40]]


def test_bulk_masking_of_mixed_entities_keeps_each_value_in_its_place(found: dict[str, list[str]]) -> None:
    names = tuple(sorted(found))
    rng = random.Random(3)
    pairs = [(rng.randrange(len(names)), value) for _ in range(2000) for value in [rng.choice(_EDGES + _RANDOM)]]
    pairs += [(names.index(entity), value) for entity, values in found.items() for value in values]
    rng.shuffle(pairs)
    kinds = np.array([kind for kind, _ in pairs])
    masked = mask_columns(names, kinds, arrow.strings([value for _, value in pairs])).to_pylist()
    assert masked == [mask_value(names[kind], value) for kind, value in pairs]
    assert len(mask_columns(names, kinds[:0], arrow.strings([]))) == 0


def test_bulk_masking_of_a_slice_of_every_entity_at_once(found: dict[str, list[str]]) -> None:
    """One call over all entities' rules (a name without a rule of its own too), from a slice."""
    names = (*sorted(found), "SOME_OTHER_ENTITY")
    rng = random.Random(11)
    values = [rng.choice(_EDGES + _RANDOM + [v for vs in found.values() for v in vs]) for _ in range(4000)]
    kinds = np.array([rng.randrange(len(names)) for _ in values], dtype=np.int8)
    sliced = arrow.strings(["+86 138 1234 5678", *values, "张先生"]).slice(1, len(values))
    masked = mask_columns(names, kinds, sliced).to_pylist()
    assert masked == [mask_value(names[kind], value) for kind, value in zip(kinds.tolist(), values, strict=True)]


def arrow_masked(entity: str, values: list[str]) -> list[str]:
    return mask_array(entity, arrow.strings(values)).to_pylist()  # type: ignore[no-any-return]


def test_the_report_masker_leaves_the_catalogues_own_texts_and_masks_the_rest() -> None:
    from lendguard.reports.masking import masked
    from lendguard.rulebase import load_rulebase

    rulebase = load_rulebase()
    rule = next(iter(rulebase.rules.values()))
    assert {rule.title.zh, rule.title.en} <= rulebase.authored_texts
    quoted = "借款人张伟 手机 13812345678"
    out = masked(
        {"title": rule.title.zh, "quote": quoted, "joined": f"{rule.title.zh}：{quoted}"},
        False,
        rulebase.authored_texts,
    )
    assert out["title"] == rule.title.zh
    assert "13812345678" not in out["quote"] and "13812345678" not in out["joined"]  # quoted beside it: masked
