"""Lists in request bodies recognised by the shape of their items, whatever their keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from faker import Faker
from tests.conftest import APK_FIXTURES
from tests.fixtures import har

from lendguard.engine import audit_traffic
from lendguard.findings import Outcome
from lendguard.probes.archive import open_apk
from lendguard.probes.payload import package_shaped
from lendguard.probes.traffic import probe_traffic
from lendguard.rulebase import RuleBase

FAKE = Faker("zh_CN")
FAKE.seed_instance(11)


def _capture(tmp_path: Path, path: str, body: Any) -> Path:
    entry = {
        "startedDateTime": "2026-11-20T10:00:00+08:00",
        "request": {
            "method": "POST",
            "url": f"https://api.loan.example.cn{path}",
            "headers": [],
            "postData": {"mimeType": "application/json", "text": json.dumps(body, ensure_ascii=False)},
        },
    }
    return har.write(tmp_path / "c.har", {"log": {"version": "1.2", "entries": [entry]}})


def _facts(tmp_path: Path, body: Any) -> dict[str, int]:
    endpoint = probe_traffic(_capture(tmp_path, "/v1/x", body)).endpoints
    if not endpoint:
        return {}
    e = endpoint[0]
    return {
        k: v
        for k, v in {
            "apps": e.app_packages,
            "contacts": e.contact_people,
            "calls": e.call_records,
            "sms": e.sms_messages,
        }.items()
        if v
    }


def test_the_issue_app_list_raises_net_applist_upload(tmp_path: Path, rulebase: RuleBase) -> None:
    body = {
        "uid": 1,
        "apps": ["com.tencent.mm", "com.eg.android.AlipayGphone", "com.xunmeng.pinduoduo", "com.jd.jrapp"],
    }
    report = audit_traffic(_capture(tmp_path, "/v1/risk/applist", body), rulebase, ("loan.example.cn",))
    found = [f for f in report.findings if f.rule == "NET-APPLIST-UPLOAD" and f.outcome is Outcome.fail]
    assert len(found) == 1 and found[0].location.path == "/v1/risk/applist"


def test_real_package_names_from_real_apks_under_any_key(tmp_path: Path) -> None:
    packages = sorted({open_apk(p).apk.get_package() for p in APK_FIXTURES.glob("*.apk") if p.name != "Invalid.apk"})
    assert len(packages) >= 4 and "a2dp.Vol" in packages  # two labels, no reverse-domain root: still a package
    assert _facts(tmp_path, {"d": {"x9": packages}}) == {"apps": len(packages)}
    assert _facts(tmp_path, {"q": ",".join(packages)}) == {"apps": len(packages)}  # one string, comma-joined
    items = [{"packageName": p, "appName": "应用", "firstInstallTime": 1763600000000} for p in packages]
    assert _facts(tmp_path, {"data": [{"list": items}]})["apps"] == len(packages)


def test_objects_with_app_keys_count_even_without_package_names(tmp_path: Path) -> None:
    assert _facts(tmp_path, {"z": [{"appName": n} for n in ("微信", "支付宝", "拼多多")]}) == {"apps": 3}


@pytest.mark.parametrize(
    "names",
    [
        ["api.example.com", "cdn.loan.example.cn", "img.alicdn.com"],  # hosts, not packages
        ["main.min.js", "vendor.bundle.js", "app.css"],  # files
        ["2.10.3", "1.0.0", "3.1.4"],  # versions
        ["com.tencent.mm", "com.jd.jrapp"],  # fewer than three
    ],
)
def test_look_alikes_are_not_app_lists(tmp_path: Path, names: list[str]) -> None:
    assert _facts(tmp_path, {"apps": names}) == {}


def test_package_shape() -> None:
    assert package_shaped("com.tencent.mm") and package_shaped("cn.wps.moffice_eng") and package_shaped("a2dp.Vol")
    assert not package_shaped("api.example.com") and not package_shaped("banner.png")


def test_address_book_call_log_and_sms_by_shape_under_meaningless_keys(tmp_path: Path) -> None:
    book = [{"a": FAKE.name(), "b": FAKE.phone_number()} for _ in range(6)]
    calls = [
        {"a": FAKE.phone_number(), "b": 30 + i, "c": 2, "d": 1763600000000 + i} for i in range(5)
    ]  # number, duration, type, date
    sms = [
        {
            "a": FAKE.phone_number(),
            "b": f"【某银行】您尾号{1000 + i}的储蓄卡消费{20 + i}元，余额充足",
            "c": 1763600000000,
        }
        for i in range(4)
    ]
    assert _facts(tmp_path, {"k1": book}) == {"contacts": 6}
    assert _facts(tmp_path, {"k2": calls}) == {"calls": 5}
    assert _facts(tmp_path, {"k3": sms}) == {"sms": 4}
    strings = [f"{FAKE.name()} {FAKE.phone_number()}" for _ in range(4)]
    assert _facts(tmp_path, {"k4": strings}) == {"contacts": 4}


def test_sms_from_short_codes_and_contacts_with_android_counters(tmp_path: Path) -> None:
    sms = [
        {"address": code, "body": "您的验证码是123456，5分钟内有效，请勿泄露"} for code in ("95588", "10086", "106900")
    ]
    assert _facts(tmp_path, {"list": sms}) == {"sms": 3}
    # the Android contacts provider's own fields (times_contacted, last_time_contacted) are not a call log
    book = [
        {
            "display_name": FAKE.name(),
            "number": FAKE.phone_number(),
            "times_contacted": 3,
            "last_time_contacted": 1763600000000,
        }
        for _ in range(4)
    ]
    assert _facts(tmp_path, {"list": book}) == {"contacts": 4}


def test_registered_emergency_contacts_are_not_an_address_book(tmp_path: Path) -> None:
    contacts = [{"n": FAKE.name(), "p": FAKE.phone_number(), "r": r} for r in ("父亲", "配偶", "同事")]
    assert _facts(tmp_path, {"emergency": contacts}) == {}
    orders = [{"id": 100000 + i, "created": 1763600000000 + i, "qty": 2} for i in range(5)]
    assert _facts(tmp_path, {"orders": orders}) == {}  # ids and times without a phone are no call log
