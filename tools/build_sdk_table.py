"""Build the rule base's SDK signature table from LibChecker-Rules (Apache-2.0).

Run `python tools/build_sdk_table.py ../shared/datasets/libchecker-rules
src/lendguard/rulebase/data/sdk_libchecker.json`. Only SDKs whose kind collects personal data
(push, analytics, ads, location, login, payment, biometrics, risk control, crash reporting) and app
packers are kept; each keeps the component or native-library name it is matched by, its label
and vendor, and the category inferred from LibChecker's label and description.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

KINDS = {
    "activities-libs": "component",
    "services-libs": "component",
    "receivers-libs": "component",
    "providers-libs": "component",
    "native-libs": "native_lib",
}
# First match wins; order goes from the most specific wording to the most general.
CATEGORY_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("packer", ("加固", "加壳", "packer", "protector", "梆梆", "爱加密", "乐固")),
    ("risk", ("风控", "反欺诈", "设备指纹", "anti-fraud", "antifraud", "risk control", "fingerprint")),
    ("biometric", ("人脸", "活体", "face", "liveness", "实人认证")),
    ("login", ("一键登录", "本机号码", "号码认证", "one-click login", "onelogin")),
    ("push", ("推送", "push")),
    ("ads", ("广告", "ads", "advert", "admob", "变现")),
    ("analytics", ("统计", "分析", "analytics", "埋点", "tracking", "attribution")),
    ("location", ("定位", "地图", "location", "map sdk", "lbs")),
    ("crash", ("崩溃", "crash", "bugly", "apm")),
    ("payment", ("支付", "payment", " pay")),
]


def _pattern(word: str) -> str:
    # English words must stand alone ("face" is not "interface"); Chinese words match anywhere.
    return rf"\b{re.escape(word.strip())}\b" if word.isascii() else re.escape(word)


def categorise(label: str, description: str) -> str | None:
    text = f"{label} {description}".lower()
    for category, words in CATEGORY_WORDS:
        if any(re.search(_pattern(word), text) for word in words):
            return category
    return None


def build(root: Path) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    for folder, kind in KINDS.items():
        for path in sorted((root / folder).glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8-sig"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue  # a few upstream files are empty
            label, team = record.get("label") or "", record.get("team") or ""
            category = categorise(label, record.get("description") or "")
            if category is None:
                continue
            entries.append({"match": kind, "name": path.stem, "label": label, "vendor": team, "category": category})
    return entries


def main() -> None:
    root, target = Path(sys.argv[1]), Path(sys.argv[2])
    entries = build(root)
    document = {
        "source": "LibChecker/LibChecker-Rules @3ec8753a (Apache-2.0)",
        "entries": entries,
    }
    target.write_text(json.dumps(document, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(entries)} signatures -> {target}")


if __name__ == "__main__":
    main()
