"""Entity specs: the one definition of each kind of personal information, shared by every probe.

A spec is a regex core between explicit boundaries (never `\\b`, which fails next to Chinese
text), an optional validator, context words looked for in a character window around the match,
column-name hints, and a priority used when two entities claim the same characters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from lendguard.detect import lexicon, names, validators

NOT_DIGIT_BEFORE = r"(?<![0-9０-９])"
NOT_DIGIT_AFTER = r"(?![0-9０-９])"
NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"


@dataclass(frozen=True)
class EntitySpec:
    name: str
    pattern: str
    score: float
    priority: int
    validator: Callable[[str], bool] | None = None
    context: tuple[str, ...] = ()
    column_hints: tuple[str, ...] = ()
    # Score added when a context word is near (or, for tables, a column hint matches).
    context_boost: float = 0.35
    # Characters one of which must occur in the text for the pattern to be worth running.
    anchor: str = "0123456789"
    before: str = NOT_DIGIT_BEFORE
    after: str = NOT_DIGIT_AFTER
    # A whole table cell in a hinted column that fully matches this is the entity (names).
    cell_pattern: str | None = None
    # What hyperscan looks for to mark a line as worth scanning; the core pattern by default.
    prefilter: str | None = None
    # Base score from the value itself, where its shape says more than the pattern (card BINs).
    scorer: Callable[[str], float] | None = None
    # The highest base score `scorer` can give (used to skip specs that cannot reach the threshold).
    peak_score: float | None = None
    # Finds the spans itself instead of `pattern` (which then documents it and feeds other engines);
    # what it finds on a line must depend on that line alone: the scanner hands it a buffer's marked
    # lines joined.
    finder: Callable[[str, int, int], Iterable[tuple[int, int]]] | None = None
    # Entities recognised by a checksum alone: random digit strings pass 1 time in 10-31, so a column
    # where few values pass is noise unless its name says otherwise.
    checksum_only: bool = False
    # From each start, `re`'s match is the longest one whose end passes `after` (no alternatives
    # that can both match at one start, greedy quantifiers): hyperscan's start-of-match reports
    # then give the spec's matches without `re` (detect/leftmost.py). False is always safe.
    longest_first: bool = False
    # Alternatives of `pattern` ("|".join of them is `pattern`) that hyperscan runs as expressions of
    # their own where the spec's matches come from its start-of-match reports: it tracks the start
    # of each for less than that of their union (the card's three shapes: an eighth of a dense pass).
    hyperscan_parts: tuple[str, ...] = ()
    # Every character `pattern` matches is one that `before` excludes: a value is a whole run of
    # them, so its start follows from its end, and hyperscan reports ends only (start-of-match
    # tracking of these five costs a sixth of a dense pass). False is always safe.
    whole_run: bool = False

    @property
    def regex(self) -> str:
        return f"{self.before}(?:{self.pattern}){self.after}"


# Grouped with one kind of separator throughout (4-4-4-4, 4-4-4-4-3, AmEx 4-6-5), or ungrouped.
CARD_SHAPES = (
    *(
        rf"[1-9]\d{{3}}{s}\d{{4}}{s}\d{{4}}{s}\d{{4}}(?:{s}\d{{1,3}})?|3[47]\d{{2}}{s}\d{{6}}{s}\d{{5}}"
        for s in (" ", "-")
    ),
    r"[1-9]\d{12,18}",
)
CARD = "|".join(CARD_SHAPES)
DATE = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
SHORT_DATE = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"

ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec(
        "CN_RESIDENT_ID",
        rf"[1-9]\d{{5}}{DATE}\d{{3}}[\dXx]|[1-9]\d{{5}}{SHORT_DATE}\d{{3}}",
        0.85,
        100,
        validators.resident_id,
        context=("身份证", "证件号", "公民身份", "身份号", "idcard", "id_card", "id_no", "sfz"),
        column_hints=(
            "身份证",
            "证件",
            "sfz",
            "sfzh",
            "idcard",
            "id_card",
            "id_no",
            "idno",
            "id_number",
            "cert_no",
            "identity",
        ),
        before=r"(?<![0-9A-Za-z])",
        after=r"(?![0-9A-Za-z])",
        longest_first=True,
        whole_run=True,
    ),
    EntitySpec(
        "CN_USCC",
        r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}",
        0.6,
        90,
        validators.uscc_code,
        checksum_only=True,
        context=("统一社会信用代码", "信用代码", "营业执照", "uscc", "credit code"),
        column_hints=("uscc", "信用代码", "credit_code", "license_no", "营业执照"),
        anchor="0123456789",
        before=NOT_ALNUM_BEFORE,
        after=NOT_ALNUM_AFTER,
        longest_first=True,
        whole_run=True,
    ),
    EntitySpec(
        "CN_BANK_CARD",
        CARD,
        0.45,
        80,
        validators.bank_card,
        scorer=validators.bank_card_score,
        hyperscan_parts=CARD_SHAPES,
        peak_score=validators.STRONG_CARD_SCORE,
        checksum_only=True,
        context=(
            "银行卡",
            "卡号",
            "储蓄卡",
            "信用卡",
            "借记卡",
            "账号",
            "绑卡",
            "银联",
            "bank",
            "card",
            "visa",
            "mastercard",
            "jcb",
            "amex",
        ),
        column_hints=(
            "银行卡",
            "卡号",
            "bank_card",
            "card_no",
            "cardno",
            "card_number",
            "bankcard",
            "account_no",
            "acct",
        ),
        before=NOT_ALNUM_BEFORE,
        after=NOT_ALNUM_AFTER,
        longest_first=True,
    ),
    EntitySpec(
        "CN_MOBILE",
        r"(?:(?:\+|00)86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}",
        0.75,
        70,
        validators.mobile,
        context=("手机", "电话", "联系方式", "mobile", "phone", "tel"),
        column_hints=("手机", "电话", "mobile", "phone", "tel", "cellphone", "sjh"),
        before=r"(?<![0-9０-９A-Za-z+])",
        after=NOT_ALNUM_AFTER,
        longest_first=True,
    ),
    EntitySpec(
        "IMEI",
        r"\d{15}",
        0.2,
        60,
        validators.imei,
        checksum_only=True,
        context=("imei", "设备号", "设备标识", "device_id", "deviceid", "串号"),
        column_hints=("imei", "device_id", "deviceid", "设备"),
        context_boost=0.5,
        before=NOT_ALNUM_BEFORE,
        after=NOT_ALNUM_AFTER,
        longest_first=True,
        whole_run=True,
    ),
    EntitySpec(
        "CN_LANDLINE",
        r"\(0\d{2,3}\)[ \-]?\d{7,8}|0\d{2,3}-\d{7,8}",
        0.6,
        50,
        context=("电话", "座机", "固话", "tel", "phone"),
        column_hints=("tel", "landline", "座机", "固话", "phone"),
        longest_first=True,
    ),
    EntitySpec(
        "CN_PASSPORT",
        r"[EG]\d{8}|E[A-HJ-NP-Z]\d{7}|[PSD]E?\d{7}",
        0.15,
        40,
        context=("护照", "passport", "出入境"),
        column_hints=("passport", "护照"),
        context_boost=0.6,
        anchor="EGPSD",
        before=NOT_ALNUM_BEFORE,
        after=NOT_ALNUM_AFTER,
        longest_first=True,
        whole_run=True,
    ),
    EntitySpec(
        "EMAIL_ADDRESS",
        r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
        0.85,
        30,
        context=("邮箱", "email", "e-mail", "mail"),
        column_hints=("email", "mail", "邮箱"),
        anchor="@",
        before=r"(?<![A-Za-z0-9._%+\-])",
        after=r"(?![A-Za-z0-9\-])",
    ),
    EntitySpec(
        "IP_ADDRESS",
        r"(?:\d{1,3}\.){3}\d{1,3}",
        0.4,  # dotted version numbers (2.10.3.1) look the same: an IP needs a context word
        20,
        validators.ipv4,
        context=("ip", "地址", "client", "remote", "host", "addr", "访问"),
        column_hints=("ip", "client_ip", "remote_addr"),
        anchor=".",
        before=r"(?<![0-9.])",
        after=r"(?![0-9]|\.[0-9])",
        longest_first=True,
        whole_run=True,
    ),
    # A Chinese name in a record's shape — after a word that introduces a person (借款人张三, 联系人2：李四),
    # as a name key's value, as a list item before its phone number — confirmed by jieba's dictionary;
    # and in running prose, from the person-name model, in sentences where a name can start
    # (names.record_or_prose_names). `RECORD_ENTITIES` below has the record shapes only.
    EntitySpec(
        "PERSON",
        names.RECORD_NAME,
        0.7,
        10,
        None,  # the finder confirms each candidate itself (record shape or model)
        finder=names.record_or_prose_names,
        column_hints=("name", "姓名", "xm", "contact_name", "realname", "real_name", "holder", "联系人"),
        context_boost=0.2,
        anchor="",
        before="",
        after="",
        cell_pattern=rf"(?:{lexicon.SURNAMES})[\u4e00-\u9fff]{{1,2}}|(?:{lexicon.SURNAMES})(?:先生|女士)",
        prefilter=names.PROSE_PREFILTER,
    ),
    EntitySpec(
        "CN_ADDRESS",
        rf"(?:{lexicon.PROVINCES})(?:省|市|自治区|特别行政区)?[\u4e00-\u9fff0-9A-Za-z\-]{{2,40}}"
        r"(?:号楼|号院|号|室|栋|单元|村|组|弄|巷|路|街|大道)(?:[0-9A-Za-z\-]{1,6}(?:号|室|楼))?",
        0.6,
        15,
        context=("地址", "住址", "居住", "家庭", "address", "户籍"),
        column_hints=("address", "addr", "地址", "住址", "residence"),
        anchor="",
        before="",
        after="",
        prefilter="|".join(lexicon.PROVINCE_NAMES),
    ),
)

BY_NAME = {spec.name: spec for spec in ENTITIES}

# Names in record shapes only, without the prose step (`lendguard scan --no-prose-names`): the
# person-name model is never loaded, and a line is looked at only where a cue, a name key or a name
# before a phone number occurs.
RECORD_PERSON = replace(
    BY_NAME["PERSON"],
    validator=names.plausible_name,
    finder=names.record_names,
    prefilter=names.PREFILTER,
)
RECORD_ENTITIES = tuple(RECORD_PERSON if spec.name == "PERSON" else spec for spec in ENTITIES)
