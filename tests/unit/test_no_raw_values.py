"""No raw personal value leaves the program without --show-values (issue #12): every command runs on
inputs seeded with a valid resident ID, a mobile number and two Luhn-valid bank cards, and every
output (stdout, stderr, every file written, the PDF's text) is searched for them.

The seeds sit where the masker is easiest to bypass: a loan key that is a phone number, request
references such as `R-11010519491231002X`, a URL path, a HAR header, a BLOB, a broken CSV row,
policy clauses, the platform's name and a waiver's reason. A control run with --show-values proves
the search finds a value when one is there.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from stdnum import luhn
from tests.conftest import REPO, CliResult, invoke_cli
from tests.fixtures import lending_data

from lendguard.detect import mask_value

ID, PHONE = "11010519491231002X", "13812345678"
UNIONPAY = lending_data.unionpay_card(random.Random(5))
VISA = "436742000000000" + luhn.calc_check_digit("436742000000000")
RAW = (ID, PHONE, UNIONPAY, VISA)
SECOND_PHONE = "13900000001"  # an emergency contact: masked too
FORMATS = ("table", "json", "sarif", "csv")


def _har(url: str) -> str:
    entry = {
        "startedDateTime": "2026-11-29T10:00:00+08:00",
        "request": {
            "method": "POST",
            "url": url,
            "headers": [{"name": "X-User-Phone", "value": PHONE}],
            "cookies": [{"name": "uid", "value": ID}],
            "queryString": [{"name": "card", "value": VISA}],
            "postData": {
                "mimeType": "application/json",
                "text": json.dumps({"contacts": [{"name": "张三", "phone": PHONE}], "idCard": ID, "card": UNIONPAY}),
            },
        },
        "response": {"status": 200, "content": {"mimeType": "application/json", "text": json.dumps({"id": ID})}},
    }
    return json.dumps({"log": {"version": "1.2", "entries": [entry]}})


POLICY = f"""<html><body><h1>闪电贷隐私政策</h1>
<h2>一、我们收集的信息</h2><p>我们收集您的手机号码、身份证号码和银行卡号，例如身份证号{ID}、手机号{PHONE}、
银行卡号{UNIONPAY}或{VISA}。我们会读取您的通讯录。</p>
<h2>二、联系我们</h2><p>客服电话 {PHONE}，个人信息保护负责人 {PHONE}。</p></body></html>"""

ORG = f"""platform: 闪电贷
as_of: 2026-11-29
persons_processed: 2400000
officer: {{name: 王芳, contact: "{PHONE}"}}
requests:
  - {{id: R-{ID}, type: 删除, received: 2026-09-28, answered: 2026-10-30}}
complaints:
  - {{id: C-{PHONE}, received: 2026-10-08}}
breaches:
  - {{id: B-{VISA}, discovered: "2026-06-01T09:00:00+08:00", severity: 较大}}
"""


def _write_platform(folder: Path) -> None:
    folder.mkdir()
    (folder / "policy.html").write_text(POLICY, encoding="utf-8")
    (folder / "policy_old.txt").write_text("隐私政策\n一、我们收集的信息\n我们收集您的手机号码。\n", encoding="utf-8")
    (folder / "policy_new.txt").write_text(
        f"隐私政策\n一、我们收集的信息\n例如身份证号{ID}、手机号{PHONE}、银行卡号{UNIONPAY}。[/bold]\n",
        encoding="utf-8",
    )
    (folder / "app.har").write_text(
        _har(f"http://api.tracker.example.com/v1/user/{PHONE}/profile?idno={ID}&imei=356938035643809"),
        encoding="utf-8",
    )
    (folder / "org.yaml").write_text(ORG, encoding="utf-8")
    (folder / "data.csv").write_text(
        f"name,id_no,phone,card\n张三,{ID},{PHONE},{UNIONPAY}\n李四,{ID},{PHONE},{VISA}\n", encoding="utf-8"
    )
    (folder / "broken.csv").write_text(f"name,id_no,phone\n张三,{ID}\n李四,{ID},{PHONE},{UNIONPAY}\n", encoding="utf-8")
    (folder / "app.log").write_text(
        f"2026-11-29 10:00:00 INFO apply user={PHONE} idno={ID} card={UNIONPAY}\n", encoding="utf-8"
    )
    with sqlite3.connect(folder / "store.db") as connection:
        connection.execute("CREATE TABLE borrowers (user_id TEXT, id_no BLOB, phone TEXT, card TEXT)")
        connection.executemany(
            "INSERT INTO borrowers VALUES (?, ?, ?, ?)",
            [(PHONE, ID.encode(), PHONE, VISA) for _ in range(5)],
        )
    (folder / "loans.csv").write_text(
        f'loan_id,borrower_phone,emergency_contacts\n{PHONE},13800000000,"[{{""phone"": ""{SECOND_PHONE}""}}]"\n'
        f"L-{ID},13800000002,{{not json {PHONE}\n",
        encoding="utf-8",
    )
    (folder / "log.csv").write_text(
        "time,loan_id,phone,content\n"
        f"2026-11-20 23:10:00,{PHONE},{SECOND_PHONE},你欠钱不还，身份证{ID}\n"
        f"2026-11-20 23:20:00,{PHONE},15000000000,告诉他银行卡{UNIONPAY}欠款\n"
        f"明天下午,L-{ID},13800000002,你好\n",
        encoding="utf-8",
    )
    (folder / "waivers.yaml").write_text(
        f"waivers:\n  - rule: ORG-MLPS\n    target: 闪电贷\n    reason: 客户 {PHONE} 同意\n"
        "    approved_by: 合规部\n    expires: 2099-01-01\n",
        encoding="utf-8",
    )
    (folder / "inspection.yaml").write_text(
        f"platform: 闪电贷（客服 {PHONE}）\n"
        "first_party: [kuaijie-loan.example.cn]\n"
        "waivers: waivers.yaml\n"
        "targets:\n"
        "  policy: [policy.html]\n"
        "  traffic: [app.har]\n"
        "  datastore: [data.csv, sqlite:///store.db]\n"
        "  collection:\n"
        "    - {log: log.csv, loans: loans.csv, map: {loan: loan_id, loans.loan: loan_id, number: phone,\n"
        "       loans.borrower: borrower_phone, loans.contacts: emergency_contacts}}\n"
        "  org: [org.yaml]\n",
        encoding="utf-8",
    )
    batch = folder / "batch"
    batch.mkdir()
    shutil.copy(folder / "policy.html", batch / "policy.html")
    shutil.copy(folder / "app.har", batch / f"{PHONE}.har")
    (batch / "bad.har").write_text(_har(f"http://x.example.com/{ID}").replace('"cookies": [', '"cookies": 5, "x": ['))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliResult | str]:
    """Every command once per format; each result, and the text of every file the commands wrote."""
    root = tmp_path_factory.mktemp("seeded")
    folder = root / "platform"
    _write_platform(folder)
    f = {name: str(folder / name) for name in ("policy.html", "app.har", "org.yaml", "data.csv", "app.log")}
    store = f"sqlite:///{folder / 'store.db'}"
    keys, signing, written = root / "keys.json", root / "sign.pem", root / "written"
    written.mkdir()
    assert invoke_cli("keys", "generate", str(keys)).returncode == 0
    assert invoke_cli("keys", "generate", "--signing", str(signing)).returncode == 0
    runs: dict[str, list[str]] = {}
    for output_format in FORMATS:
        runs[f"scan {output_format}"] = ["scan", f["data.csv"], f["app.log"], store, "--format", output_format]
        runs[f"policy {output_format}"] = ["policy", f["policy.html"], "--format", output_format]
        runs[f"traffic {output_format}"] = ["traffic", f["app.har"], "--format", output_format]
        runs[f"org {output_format}"] = ["org", f["org.yaml"], "--format", output_format]
        runs[f"collection {output_format}"] = [
            "collection",
            str(folder / "log.csv"),
            "--loans",
            str(folder / "loans.csv"),
            *("--map", "loan=loan_id", "--map", "loans.loan=loan_id", "--map", "number=phone"),
            *("--map", "loans.borrower=borrower_phone", "--map", "loans.contacts=emergency_contacts"),
            "--format",
            output_format,
        ]
    runs["scan jsonl"] = ["scan", f["data.csv"], f["app.log"], store, "--format", "jsonl"]
    for command in ("scan", "policy", "traffic", "org"):
        target = {"scan": f["data.csv"], "policy": f["policy.html"], "traffic": f["app.har"], "org": f["org.yaml"]}
        runs[f"{command} --output-dir"] = [command, target[command], "--output-dir", str(written / command)]
    runs["scan broken csv"] = ["scan", str(folder / "broken.csv")]
    for output_format in ("table", "json"):
        runs[f"policy-diff {output_format}"] = [
            "policy-diff",
            str(folder / "policy_old.txt"),
            str(folder / "policy_new.txt"),
            "--format",
            output_format,
        ]
    audit, again = root / "audit", root / "audit-again"
    runs["audit"] = ["audit", str(folder / "inspection.yaml"), "--output", str(audit), "--sign-key", str(signing)]
    runs["audit again"] = ["audit", str(folder / "inspection.yaml"), "--output", str(again), "--fail-on", "none"]
    runs["verify"] = ["verify", str(audit / "report.json"), "--public-key", f"{signing}.pub"]
    runs["diff table"] = ["diff", str(audit / "report.json"), str(again / "report.json")]
    runs["diff json"] = ["diff", str(audit / "report.json"), str(again / "report.json"), "--format", "json"]
    runs["batch"] = ["batch", str(folder / "batch"), "--output", str(root / "league"), "--jobs", "1"]
    protected = written / "protected.csv"
    runs["protect"] = [
        "protect",
        f["data.csv"],
        "--key-file",
        str(keys),
        "--output",
        str(protected),
        "--manifest",
        str(written / "protect-manifest.json"),
    ]
    runs["protect broken csv"] = ["protect", str(folder / "broken.csv"), "--key-file", str(keys)]
    runs["protect garbage key"] = ["protect", f["data.csv"], "--key-file", f["app.log"]]
    runs["protect onto input"] = ["protect", f["data.csv"], "--key-file", str(keys), "--output", f["data.csv"]]
    runs["unprotect"] = ["unprotect", str(protected), "--key-file", str(keys), "--output", str(root / "restored.csv")]
    found: dict[str, CliResult | str] = {name: invoke_cli(*args, columns=2000) for name, args in runs.items()}
    for path in [*audit.iterdir(), *again.iterdir(), *(root / "league").iterdir(), *written.rglob("*")]:
        found[f"name of {path.relative_to(root)}"] = path.name  # file names are output too
        if path.is_file():
            found[f"file {path.relative_to(root)}"] = _text_of(path)
    return found


def _text_of(path: Path) -> str:
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return path.read_text(encoding="utf-8")


def _leaks(name: str, output: str) -> list[str]:
    """The raw values in `output`, also when a line break or table padding split one."""
    squeezed = re.sub(r"[\s│┃|]", "", output)
    return [f"{name}: {value}" for value in (*RAW, SECOND_PHONE) if value in output or value in squeezed]


def test_every_command_ran_and_wrote_what_is_searched(outputs: dict[str, CliResult | str]) -> None:
    """The search below is only worth something if the commands did their work."""
    results = {name: r for name, r in outputs.items() if isinstance(r, CliResult)}
    assert all(r.returncode in (0, 1, 2) and "Traceback" not in r.stderr for r in results.values())
    expected_errors = {"scan broken csv", "protect broken csv", "protect garbage key", "protect onto input", "batch"}
    for name, result in results.items():
        if name in expected_errors:
            assert result.returncode == 2 and result.stderr.startswith("lendguard: "), (name, result.stderr)
        elif name not in ("audit", "audit again"):
            assert result.returncode in (0, 1), (name, result.returncode, result.stderr)
    files = {name.split("/")[-1] for name in outputs if name.startswith("file ")}
    report = {f"report.{ext}" for ext in ("json", "md", "html", "pdf", "sarif", "csv")}
    assert report | {"league.csv", "league.html", "unreadable.csv", "protected.csv", "138_5678.har.json"} <= files
    pdf = outputs["file audit/report.pdf"]
    assert isinstance(pdf, str) and "闪电贷" in pdf and "ORG-REQUESTS-LATE" in pdf  # the PDF's text was read


def test_no_output_of_any_command_holds_a_raw_personal_value(outputs: dict[str, CliResult | str]) -> None:
    leaks = []
    for name, output in outputs.items():
        if isinstance(output, CliResult):
            leaks += _leaks(f"{name} (stdout)", output.stdout) + _leaks(f"{name} (stderr)", output.stderr)
        else:
            leaks += _leaks(name, output)
    assert leaks == []


def test_the_search_finds_a_value_that_is_shown(outputs: dict[str, CliResult | str], tmp_path: Path) -> None:
    """The control: with --show-values the same search reports the values (so it can fail)."""
    data = tmp_path / "data.csv"
    data.write_text(f"name,id_no,phone\n张三,{ID},{PHONE}\n", encoding="utf-8")
    shown = invoke_cli("scan", str(data), "--show-values", "--format", "json", columns=2000)
    assert shown.returncode in (0, 1) and _leaks("scan --show-values", shown.stdout)
    assert _leaks("wrapped", "│ 1381234 │\n│ 5678 │") == ["wrapped: 13812345678"]


def test_batch_report_names_are_masked_and_stay_apart(tmp_path: Path) -> None:
    from lendguard.cli import _report_paths

    items = [tmp_path / "13812345678.har", tmp_path / "13899995678.har", tmp_path / "policy.html"]
    names = [path.name for path in _report_paths(tmp_path, items, tmp_path / "out").values()]
    assert names == ["138_5678.har.json", "138_5678.har-2.json", "policy.html.json"]


@pytest.mark.integration
def test_apk_outputs_hold_no_raw_personal_value(tmp_path: Path) -> None:
    """The app itself carries the seeds: a hard-coded cleartext URL with a phone and an ID in its path
    and query, and the bundled privacy policy quoting all four; `apk` in every format, its report files
    and the masked values that show they were reported."""
    source = tmp_path / "seeded-src"
    shutil.copytree(REPO / "tests" / "fixtures" / "apps" / "cleanloan", source, ignore=shutil.ignore_patterns("build"))
    smali = source / "smali" / "com" / "example" / "anxin" / "MainActivity.smali"
    url = f"http://api.anxin.example.cn/v1/user/{PHONE}/apply?idno={ID}"
    smali.write_text(smali.read_text(encoding="utf-8").replace("https://api.anxin.example.cn/v1/apply", url))
    policy = source / "assets" / "privacy.html"
    seeded = f"<p>例如身份证号{ID}、手机号{PHONE}、银行卡号{UNIONPAY}或{VISA}。客服电话 {PHONE}。</p></body>"
    policy.write_text(policy.read_text(encoding="utf-8").replace("</body>", seeded), encoding="utf-8")
    apk = tmp_path / "seeded.apk"
    subprocess.run(["apktool", "-q", "b", str(source), "-o", str(apk)], check=True, capture_output=True)
    outputs: dict[str, str] = {}
    for output_format in FORMATS:
        result = invoke_cli("apk", str(apk), "--format", output_format, columns=2000)
        assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
        outputs[f"apk {output_format}"] = result.stdout + result.stderr
    written = tmp_path / "written"
    assert invoke_cli("apk", str(apk), "--output-dir", str(written)).returncode in (0, 1)
    for path in written.rglob("*"):
        outputs[f"name of {path.name}"] = path.name
        if path.is_file():
            outputs[f"file {path.name}"] = _text_of(path)
    # the control: the seeded URL and policy clause were reported, with the values masked
    assert any("APP-CLEARTEXT" in text and mask_value("CN_MOBILE", PHONE) in text for text in outputs.values())
    assert [leak for name, text in outputs.items() for leak in _leaks(name, text)] == []
