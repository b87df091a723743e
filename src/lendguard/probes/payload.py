"""What the lists in a request body are, judged by the shape of their items, not by their keys.

An app list is ≥ 3 package-name-shaped strings (or objects with packageName / appName / pkg); an
address book is objects or strings holding a name and a phone; a call log is number + date +
duration or type; SMS are address + message text. Key names (duration, body, …) are only hints
that settle an item whose values alone are ambiguous. Every list level counts: a list of users each
holding an app list is seen both as one list of users and as each user's app list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ITEMS_MIN = 3
INDEX = re.compile(r"\[(\d+)\]")
# A Java package: dot-separated identifiers (com.tencent.mm, a2dp.Vol, cn.wps.moffice_eng).
PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+$")
PACKAGE_LIST = re.compile(r"[,;|\s]+")
# Reverse-domain roots; a dotted name that ends with one of these and does not start with one is a host.
DOMAIN_ROOTS = frozenset(
    [
        "com",
        "cn",
        "net",
        "org",
        "io",
        "tv",
        "me",
        "top",
        "app",
        "cc",
        "co",
        "info",
        "biz",
        "gov",
        "edu",
        "mobi",
        "xyz",
        "vip",
        "wang",
        "club",
        "site",
        "ltd",
        "hk",
        "tw",
        "mo",
        "uk",
        "us",
        "jp",
        "de",
    ]
)
FILE_SUFFIXES = frozenset(
    [
        "js",
        "css",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "svg",
        "ico",
        "html",
        "htm",
        "json",
        "xml",
        "txt",
        "apk",
        "so",
        "dex",
        "jar",
        "mp3",
        "mp4",
        "zip",
        "map",
        "log",
        "db",
        "woff",
        "ttf",
    ]
)
APP_KEYS = re.compile(r"^(?:package_?name|pkg_?name|pkg|package|app_?name|apk_?name|bundle_?id|app_?package)$")
PHONE_KEYS = re.compile(r"(?:phone|mobile|number|tel|address|sender|手机|电话|号码)")
NAME_KEYS = re.compile(r"(?:^|_)(?:name|姓名|contact_?name|display_?name|nickname|备注名)$")
CALL_KEYS = re.compile(r"duration|call_?type|call_?time|calltype|通话")
CONTACT_KEYS = re.compile(r"contacted|starred|display_?name|contact_?name|联系人")
SMS_KEYS = re.compile(r"^(?:body|content|msg|message|sms_?body|短信内容|短信)$")
DIGITS = re.compile(r"^\+?[0-9][0-9 \-]{2,18}[0-9]$")
DATE_TEXT = re.compile(r"^(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])")
CJK = re.compile(r"[\u4e00-\u9fff]")
MESSAGE_MARKS = re.compile(r"[【】，。！？：；、!?]")
CALL_TYPES = frozenset({"incoming", "outgoing", "missed", "rejected", "呼入", "呼出", "未接", "已接", "拒接"})
# Relations of registered emergency contacts: such a short list is not the address book.
RELATIONS = frozenset(
    [
        "父亲",
        "母亲",
        "父母",
        "配偶",
        "丈夫",
        "妻子",
        "老公",
        "老婆",
        "儿子",
        "女儿",
        "子女",
        "兄弟",
        "姐妹",
        "兄弟姐妹",
        "亲属",
        "朋友",
        "同事",
        "同学",
        "其他",
        "father",
        "mother",
        "parent",
        "spouse",
        "husband",
        "wife",
        "child",
        "sibling",
        "brother",
        "sister",
        "relative",
        "friend",
        "colleague",
    ]
)
EMERGENCY_MAX = 5


@lru_cache(maxsize=8192)
def package_shaped(text: str) -> bool:
    """com.tencent.mm, a2dp.Vol — not api.example.com, not main.min.js."""
    if len(text) > 150 or not PACKAGE.match(text):
        return False
    labels = text.lower().split(".")
    if labels[-1] in FILE_SUFFIXES:
        return False
    return labels[0] in DOMAIN_ROOTS or labels[-1] not in DOMAIN_ROOTS


def _timestamp(value: Any, text: str) -> bool:
    if isinstance(value, int | float) or text.isdigit():
        number = float(text) if text.replace(".", "", 1).isdigit() else 0.0
        return 946_684_800 <= number <= 4_102_444_800 or 946_684_800_000 <= number <= 4_102_444_800_000
    return bool(DATE_TEXT.match(text))


def _small_number(value: Any, text: str) -> bool:
    """A call's duration in seconds or its type code."""
    if text.lower() in CALL_TYPES:
        return True
    return (isinstance(value, int) or text.isdigit()) and len(text) <= 5


def _message(text: str) -> bool:
    """Free text of the kind an SMS body holds: a sentence, longer than a contact's display name."""
    chinese = len(CJK.findall(text))
    if chinese >= 12 or (chinese >= 8 and (MESSAGE_MARKS.search(text) or any(c.isdigit() for c in text))):
        return True
    return chinese == 0 and len(text) >= 20 and text.count(" ") >= 3


@dataclass
class _Item:
    phones: set[str] = field(default_factory=set)
    phone_like: bool = False
    package: bool = False
    name: bool = False
    message: bool = False
    time: bool = False
    small: bool = False
    relation: bool = False
    call_hint: bool = False
    sms_hint: bool = False
    contact_hint: bool = False

    def observe(self, key: str, value: Any, text: str, mobiles: set[str]) -> None:
        self.phones |= mobiles
        digits = bool(DIGITS.match(text))
        self.phone_like |= bool(mobiles) or (digits and bool(PHONE_KEYS.search(key)) and not _timestamp(value, text))
        self.package |= package_shaped(text) or (bool(APP_KEYS.match(key)) and bool(text))
        self.relation |= text.lower() in RELATIONS
        self.call_hint |= bool(CALL_KEYS.search(key))
        self.sms_hint |= bool(SMS_KEYS.match(key))
        self.contact_hint |= bool(CONTACT_KEYS.search(key))
        if digits or isinstance(value, int | float):
            self.time |= _timestamp(value, text)
            self.small |= _small_number(value, text)
        elif DATE_TEXT.match(text):
            self.time = True
        elif text.lower() in CALL_TYPES:
            self.small = True
        elif _message(text):
            self.message = True
        else:
            self.name |= bool(NAME_KEYS.search(key)) or bool(CJK.search(text))

    def kind(self) -> str | None:
        if not self.phone_like:
            return None
        if self.sms_hint or (self.message and not self.call_hint):
            return "sms"
        if self.call_hint or (self.time and self.small and not self.contact_hint):
            return "call"
        return "contact"


@dataclass(frozen=True)
class Lists:
    """The largest list of each kind in one request."""

    contact_people: int = 0
    call_records: int = 0
    sms_messages: int = 0
    app_packages: int = 0


def _list_levels(path: str) -> Iterable[tuple[str, str]]:
    """(list path, item index) for every list the leaf sits in: a[1].b[2] -> (a, 1), (a[1].b, 2)."""
    for found in INDEX.finditer(path):
        yield path[: found.start()], found.group(1)


def lists_in(leaves: list[tuple[str, str, Any]], mobiles: dict[int, set[str]]) -> Lists:
    """`leaves` are (field path, normalised last key, value); `mobiles` the mobiles found per leaf."""
    groups: dict[str, dict[str, _Item]] = {}
    packed_packages = 0
    for index, (path, key, value) in enumerate(leaves):
        text = str(value).strip()
        if isinstance(value, str) and any(mark in text for mark in ",;|"):
            tokens = [t for t in PACKAGE_LIST.split(text) if t]
            if len(tokens) >= ITEMS_MIN and sum(map(package_shaped, tokens)) >= ITEMS_MIN:
                packed_packages = max(packed_packages, sum(map(package_shaped, tokens)))
        found = mobiles.get(index, set())
        for list_path, item in _list_levels(path):
            groups.setdefault(list_path, {}).setdefault(item, _Item()).observe(key, value, text, found)
    contacts = calls = sms = 0
    apps = packed_packages
    for items in groups.values():
        if len(items) < ITEMS_MIN:
            continue
        apps = max(apps, sum(item.package for item in items.values()))
        kinds = [kind for item in items.values() if (kind := item.kind()) is not None]
        if len(kinds) < ITEMS_MIN:
            continue
        kind = max(("sms", "call", "contact"), key=kinds.count)
        if kind == "sms":
            sms = max(sms, kinds.count("sms"))
        elif kind == "call":
            calls = max(calls, kinds.count("call"))
        else:
            people = [item for item in items.values() if item.kind() == "contact"]
            distinct = len(set().union(*(item.phones for item in people)))
            emergency = len(people) <= EMERGENCY_MAX and sum(item.relation for item in people) * 2 > len(people)
            if distinct >= ITEMS_MIN and not emergency:
                contacts = max(contacts, distinct)
    return Lists(contacts, calls, sms, apps)
