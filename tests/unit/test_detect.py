"""The PII engine: validators, boundaries, context, overlaps, masking, and accuracy on a corpus."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
from stdnum import luhn
from stdnum.cn import ric
from tests.fixtures.cards import card_lines, card_number, printed
from tests.fixtures.pii_corpus import corpus

from lendguard.detect import ENTITIES, Scanner, mask_text, mask_value
from lendguard.detect.scanner import _spans_on_lines, hyperscan_available

SCANNER = Scanner(backend="re")


def entities(text: str, column: str | None = None) -> list[tuple[str, str]]:
    return [(m.entity, m.value) for m in SCANNER.scan(text, column)]


def _id(prefix17: str) -> str:
    return prefix17 + ric.calc_check_digit(prefix17 + "0")


def test_no_spec_uses_word_boundaries() -> None:
    assert not [s.name for s in ENTITIES if r"\b" in s.regex]


def test_resident_id_check_digit_x_fullwidth_and_legacy() -> None:
    with_x = next(_id(f"110105199001010{n:02d}") for n in range(100) if _id(f"110105199001010{n:02d}").endswith("X"))
    assert entities(f"身份证{with_x}已登记") == [("CN_RESIDENT_ID", with_x)]
    assert entities(f"身份证{with_x.lower()}") == [("CN_RESIDENT_ID", with_x.lower())]
    wide = with_x.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert entities(f"证件号{wide}") == [("CN_RESIDENT_ID", wide)]
    assert entities("身份证：110105900101123") == [("CN_RESIDENT_ID", "110105900101123")]


def test_resident_id_rejections_but_historic_county_accepted() -> None:
    valid = _id("11010519900101123")
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    assert entities(f"证件{wrong}") == []
    assert entities(f"证件{_id('11010519901301123')}") == []  # month 13
    assert entities(f"证件{_id('99010519900101123')}") == []  # no province 99
    daxing = _id("11011519800101123")  # 大兴区 code 110115 dates from 2001; the holder was born in 1980
    assert not ric.is_valid(daxing)
    assert entities(f"身份证{daxing}") == [("CN_RESIDENT_ID", daxing)]


@pytest.mark.parametrize(
    "written", ["13812345678", "+8613812345678", "0086 138 1234 5678", "138-1234-5678", "+86-138-1234-5678"]
)
def test_mobile_forms(written: str) -> None:
    assert entities(f"联系电话{written}，请回电") == [("CN_MOBILE", written)]


def test_mobile_inside_longer_digits_or_hex_is_not_a_mobile() -> None:
    assert entities("流水号213812345678901") == []
    assert entities("digest a13812345678f0") == []


def test_bank_cards_need_luhn_and_a_plausible_issuer() -> None:
    body = "622202123456789012"
    card = body + luhn.calc_check_digit(body)
    assert entities(f"卡号{card}") == [("CN_BANK_CARD", card)]
    spaced = " ".join(card[i : i + 4] for i in range(0, 19, 4))
    assert entities(f"还款卡 {spaced} 尾号") == [("CN_BANK_CARD", spaced)]
    assert entities(f"卡号{card[:-1]}{(int(card[-1]) + 1) % 10}") == []
    other = "95" + "".join(random.Random(1).choice("0123456789") for _ in range(13))
    other += luhn.calc_check_digit(other)
    assert entities(f"order {other}") == []  # legacy 95… BIN, ungrouped, no context: not enough
    assert entities(f"银行卡号 {other}") == [("CN_BANK_CARD", other)]


@pytest.mark.parametrize(
    ("prefix", "length"),
    [("436742", 16), ("524091", 16), ("222100", 16), ("272099", 16), ("356827", 16), ("377155", 15), ("817199", 19)],
)
def test_grouped_cards_of_every_family_are_found_without_a_label(prefix: str, length: int) -> None:
    card = card_number(random.Random(length), prefix, length)
    for separator in " -":
        shown = printed(card, separator)
        assert entities(f"请向 {shown} 转入本期应还金额") == [("CN_BANK_CARD", shown)]
    # ungrouped, a number outside UnionPay needs a label: order numbers pass Luhn one time in ten
    assert entities(f"订单 {card} 已创建") == []
    assert entities(f"卡号{card}") == [("CN_BANK_CARD", card)]


def test_cards_outside_every_family_or_mixed_grouping_are_not_cards() -> None:
    rng = random.Random(4)
    assert entities(f"卡号 {printed(card_number(rng, '7788', 16), ' ')}") == []  # no issuer uses 7…
    assert entities(f"卡号 {printed(card_number(rng, '5600', 16), ' ')}") == []  # Maestro-range, not 51-55
    mixed = printed(card_number(rng, "436742", 16), " ")
    assert entities(f"流水 {mixed[:4]}-{mixed[5:]}") == []  # one separator throughout, or none
    assert entities(f"卡号 {card_number(rng, '377155', 16)}") == []  # AmEx cards have 15 digits


def test_card_recall_on_the_labelled_card_set(record_property: pytest.RecordProperty) -> None:
    found = actual = false = 0
    for line in card_lines():
        truth = {value for entity, value in line.truth if entity == "CN_BANK_CARD"}
        actual += len(truth)
        hits = [m.value for m in SCANNER.scan(line.text) if m.entity == "CN_BANK_CARD"]
        found += sum(value in truth for value in hits)
        false += sum(value not in truth for value in hits)
    record_property("card_recall", found / actual)
    assert actual >= 700 and found / actual >= 0.98
    assert false <= 3  # UnionPay-shaped order numbers (62…, 16/19 digits, Luhn-valid): known, not new


def test_id_that_also_passes_luhn_is_reported_once_as_id() -> None:
    rng = random.Random(3)
    while True:
        candidate = _id(f"620102{rng.randint(1950, 2000)}0101{rng.randint(100, 999)}")
        if candidate.isdigit() and luhn.is_valid(candidate):
            break
    assert entities(f"身份证号{candidate}") == [("CN_RESIDENT_ID", candidate)]


def test_passport_and_imei_need_context() -> None:
    assert entities("编号E12345678") == []
    assert entities("护照E12345678") == [("CN_PASSPORT", "E12345678")]
    assert entities("sn 490154203237518") == []
    assert entities("IMEI:490154203237518") == [("IMEI", "490154203237518")]


def test_email_next_to_chinese_label_keeps_only_the_address() -> None:
    assert entities("邮箱zhangsan@163.com，请查收") == [("EMAIL_ADDRESS", "zhangsan@163.com")]


def test_names_need_a_cue_in_text_or_a_column_hint_without_the_prose_step() -> None:
    from lendguard.detect.entities import RECORD_ENTITIES

    records = Scanner(entities=RECORD_ENTITIES, backend="re")
    assert [(m.entity, m.value) for m in records.scan("借款人张三已还款")] == [("PERSON", "张三")]
    assert [(m.entity, m.value) for m in records.scan("欧阳娜娜", "contact_name")] == [("PERSON", "欧阳娜娜")]
    assert records.scan("欧阳娜娜", "remark") == []
    # the default scan: the same with a cue or a hint, and a full name standing alone is one too
    assert entities("借款人张三已还款") == [("PERSON", "张三")]
    assert entities("欧阳娜娜", column="contact_name") == [("PERSON", "欧阳娜娜")]
    assert entities("欧阳娜娜", column="remark") == [("PERSON", "欧阳娜娜")]


def test_masking_per_entity() -> None:
    assert mask_value("CN_RESIDENT_ID", "11010519491231002X") == "110***********002X"
    assert mask_value("CN_MOBILE", "13812345678") == "138****5678"
    assert mask_value("CN_BANK_CARD", "6222 0212 3456 7890 128") == "622202*********0128"
    assert mask_value("PERSON", "欧阳娜娜") == "欧***"
    assert mask_text("借款人张三手机13812345678") == "借款人张*手机138****5678"


def _metrics(lines: list, scanner: Scanner) -> dict[str, tuple[float, float, int]]:  # type: ignore[type-arg]
    true_positive, predicted, actual = Counter(), Counter(), Counter()  # type: ignore[var-annotated]
    for line in lines:
        truth = Counter(line.truth)
        found = Counter((m.entity, m.value) for m in scanner.scan(line.text))
        for (entity, _), count in truth.items():
            actual[entity] += count
        for key, count in found.items():
            predicted[key[0]] += count
            true_positive[key[0]] += min(count, truth.get(key, 0))
    return {
        e: (true_positive[e] / max(predicted[e], 1), true_positive[e] / max(actual[e], 1), actual[e]) for e in actual
    }


def test_accuracy_on_the_labelled_corpus(record_property: pytest.RecordProperty) -> None:
    metrics = _metrics(corpus(), SCANNER)
    for entity, (precision, recall, support) in sorted(metrics.items()):
        record_property(f"pii:{entity}", f"precision={precision:.3f} recall={recall:.3f} n={support}")
        assert precision >= 0.98 and recall >= 0.98, (entity, precision, recall)
    assert set(metrics) == {s.name for s in ENTITIES} - {"CN_ADDRESS"}


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan is an optional extra")
def test_hyperscan_backend_gives_the_same_results() -> None:
    text = "\n".join(line.text for line in corpus(seed=9, lines=600))
    fast, plain = Scanner(backend="hyperscan"), Scanner(backend="re")
    assert list(fast.scan_lines(text)) == list(plain.scan_lines(text))
    assert re.search(r"\S", text)


def _access_log(records: list[str], seed: int, share: float) -> str:
    """An access log where `share` of the lines carry a labelled record (the shape of a real
    gateway log: timestamps, hex trace ids and latencies, which look like digits to every spec)."""
    rng = random.Random(seed)
    lines = []
    for number in range(3000):
        stamp = f"2026-11-29 10:{number % 60:02d}:{number % 59:02d}.{number % 1000:03d}"
        if rng.random() < share:
            lines.append(f"{stamp} INFO [loan-worker-{number % 8}] c.l.loan.Apply - {rng.choice(records)}")
        else:
            lines.append(f"{stamp} INFO [exec-{number % 50}] GET /api/v2/loan?trace={rng.getrandbits(64):016x} 200")
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan is an optional extra")
def test_a_sparse_log_scanned_as_its_touched_lines_gives_what_the_whole_buffer_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lendguard.detect import scanner as scanner_module

    records = [line.text for line in corpus(seed=11, lines=400)]
    for share in (0.02, 0.1):
        text = _access_log(records, seed=5, share=share)
        data = text.encode("utf-8")
        fast = Scanner(backend="hyperscan")
        prepared = fast._prepare(text, True, data, top_level=False)
        assert prepared.subset is not None  # the touched lines are scanned instead
        touched = len(prepared.subset.touched)
        assert 0 < touched < text.count("\n") / scanner_module.SUBSET_SHARE
        assert scanner_module._has_fullwidth(data)  # the corpus writes some digits full-width
        subset = fast.scan_records(text, data=data)
        # the next buffer after a log's is first scanned as written and undecoded (only its picked
        # lines decoded and normalised; the pass's reports on them moved, not found again, except on
        # the lines with full-width digits)
        assert fast._sparse
        assert fast.scan_records(text, data=data) == subset
        assert fast.scan_columns(None, data=data).records() == subset
        dense = "\n".join(records)  # and a dense one after it is normalised and scanned whole
        assert fast.scan_records(dense) == Scanner(backend="re").scan_records(dense) and not fast._sparse
        monkeypatch.setattr(scanner_module, "SUBSET_MIN_LINES", 10**9)  # the whole buffer at once
        assert fast._prepare(text, True, data, top_level=False).subset is None
        whole = fast.scan_records(text, data=data)
        monkeypatch.undo()
        assert subset == whole == Scanner(backend="re").scan_records(text)
        assert len({line for line, *_ in subset}) > 20


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan is an optional extra")
def test_a_sparse_log_s_values_at_its_very_start_and_end_are_found_as_on_their_own_lines() -> None:
    records = [line.text for line in corpus(seed=11, lines=400)]
    log = _access_log(records, seed=7, share=0.02)
    fast = Scanner(backend="hyperscan")
    fast.scan_records(log)
    assert fast._sparse  # the next buffers' first pass is over their bytes as written, unpadded
    for first, last in (("13812345678 借款人张三", "电话13912345678"), ("１３８１２３４５６７８ 手机", "\n")):
        text = first + "\n" + log + last
        assert fast.scan_records(text, data=text.encode("utf-8")) == Scanner(backend="re").scan_records(text)
        assert fast._sparse
        found = {line for line, *_ in fast.scan_records(text)}
        assert 1 in found and (text.count("\n") + 1 in found or last == "\n")


def test_continuation_bytes_counted_before_every_offset_as_a_count_of_the_bytes_would() -> None:
    import numpy as np

    from lendguard.detect.scanner import _Continuation, _Lines

    rng = random.Random(8)
    alphabet = "a1 \n-é中𠀀ｘ"  # characters of one to four bytes
    for size in (0, 1, 7, 8, 9, 15, 16, 17, 300):
        text = "".join(rng.choice(alphabet) for _ in range(size))
        data = text.encode("utf-8")
        offsets = np.arange(len(data) + 2, dtype=np.int64)  # up to one past the end, as a padded buffer asks
        expected = [sum((byte & 0xC0) == 0x80 for byte in data[:offset]) for offset in offsets.tolist()]
        assert _Continuation(data).before(offsets).tolist() == expected
        lines = _Lines(text, data)
        starts = [0, *(n + 1 for n, character in enumerate(text) if character == "\n")]
        assert lines.starts.tolist() == starts


def test_line_breaks_handed_in_are_moved_past_the_full_width_digits_normalised() -> None:
    import numpy as np

    from lendguard.detect.scanner import _byte_newlines, _normalise

    records = [line.text for line in corpus(seed=12, lines=300)]
    text = "\n".join(records)
    data = text.encode("utf-8")
    normalised, normalised_data, rewritten = _normalise(text, data)
    assert len(normalised) == len(text)
    assert rewritten is not None and len(rewritten) and normalised_data != data
    newlines = _byte_newlines(data)
    moved = newlines - 2 * np.searchsorted(rewritten, newlines)
    assert moved.tolist() == _byte_newlines(normalised_data).tolist()
    fast = Scanner(backend="hyperscan") if hyperscan_available() else SCANNER
    given = fast.scan_columns(text, data=data, byte_newlines=newlines).records()
    assert given == fast.scan_columns(text).records() == SCANNER.scan_records(text)
    assert _normalise("plain 13812345678", b"plain 13812345678")[2] is None


def test_distinct_and_among_answer_as_numpy_unique_and_isin() -> None:
    import numpy as np

    from lendguard.detect.scanner import _among, _distinct

    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 50, 3000):
        values = rng.integers(0, 200, size)
        chosen = np.unique(rng.integers(0, 200, size // 3))
        assert _distinct(values).tolist() == np.unique(values).tolist()
        assert _distinct(values).dtype == np.unique(values).dtype
        assert _among(values, chosen).tolist() == np.isin(values, chosen).tolist()


def test_full_width_digits_rewritten_alike_by_runs_or_in_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    from lendguard.detect import scanner as scanner_module

    records = [line.text for line in corpus(seed=13, lines=300)] + ["身份证１１０１０５１９４９１２３１００２ｘ、Ｘ中"]
    text = "\n".join(records)
    data = text.encode("utf-8")
    found = []
    for runs, run_bytes in ((10**9, 0), (0, 0)):  # each run translated; the bytes rewritten in numpy
        monkeypatch.setattr(scanner_module, "FULLWIDTH_RUNS", runs)
        monkeypatch.setattr(scanner_module, "FULLWIDTH_RUN_BYTES", run_bytes)
        normalised, normalised_data, rewritten = scanner_module._normalise(text, data)
        assert normalised_data == normalised.encode("utf-8") and "１" not in normalised and "ｘ" not in normalised
        found.append((normalised, rewritten.tolist()))
    assert found[0] == found[1]


@pytest.mark.parametrize("pattern", [r"[a-z]+@[a-z]+", r"(?P<v>\d+)?", r"(?<=x)(?P<v>y*)", r"ab|b"])
def test_spans_searched_line_by_line_are_what_finditer_finds_on_each_line(pattern: str) -> None:
    regex = re.compile(pattern)
    text = "a@b c@d\nxyy x 12\n\nab ab\nab@cd 7 x"
    bounds = [0, *(i + 1 for i, c in enumerate(text) if c == "\n"), len(text) + 1]
    lines = [0, 1, 2, 4, 3]  # any lines, in any order
    group = regex.groupindex.get("v", 0)
    expected = [m.span(group) for line in lines for m in regex.finditer(text, bounds[line], bounds[line + 1] - 1)]
    assert _spans_on_lines(regex, group, text, bounds, lines) == expected
