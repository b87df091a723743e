"""The policy probe and its reader: formats, clauses with offsets, negation, the topic router, diff."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from tests.conftest import POLICIES, REPO, SHARED, run_cli

from lendguard.checks.policy_reader import reader
from lendguard.engine import TargetReport, audit_policy
from lendguard.findings import Outcome
from lendguard.probes import ProbeError
from lendguard.probes.policy import probe_policy, segment
from lendguard.probes.policy.router import router
from lendguard.rulebase import RuleBase

CAPP = SHARED / "datasets" / "CAPP-130"
sys.path.insert(0, str(REPO / "tools"))


def test_clauses_keep_offsets_and_headings(rulebase: RuleBase) -> None:
    evidence = probe_policy(POLICIES / "good_full.txt", rulebase)
    for clause in evidence.clauses:
        assert evidence.text[clause.start : clause.end] == clause.text
    retention = next(c for c in evidence.clauses if "保存期限" in c.text)
    assert retention.heading == "三、个人信息的保存"


def test_segmentation_of_numbered_headings() -> None:
    text = "一、收集\n（一）注册\n1.1 手机号\n我们收集手机号。用于登录；\n"
    assert [(text[s:e], h) for s, e, h in segment(text)] == [
        ("我们收集手机号。", "1.1 手机号"),
        ("用于登录；", "1.1 手机号"),
    ]


def test_html_is_read_without_scripts_and_gbk_is_decoded(rulebase: RuleBase) -> None:
    html = probe_policy(POLICIES / "loan_bad.html", rulebase)
    assert "不应被读入" not in html.text and "注册即视为同意" in html.text
    gbk = probe_policy(POLICIES / "gbk_policy.txt", rulebase)
    assert "诚信借" in gbk.text


@pytest.mark.parametrize(
    ("sentence", "collected"),
    [
        ("我们会收集您的通讯录。", True),
        ("我们不会收集您的通讯录。", False),
        ("我们不会要求您提供紧急联系人，但会读取您的通讯录。", True),
        ("未经您同意，我们不会读取通讯录。", False),
    ],
)
def test_negation_scope(sentence: str, collected: bool, rulebase: RuleBase) -> None:
    lexicon = rulebase.policy
    assert reader(rulebase).asserted(sentence, lexicon.collect_verbs, lexicon.data_terms["contacts"]) is collected


def test_policy_inside_an_apk_gets_cross_checks(reports: dict[str, TargetReport]) -> None:
    report = reports["loanapp_policy"]
    assert report.identity == "loanapp.apk:assets/privacy_policy.html"
    rules = {f.rule for f in report.findings}
    assert {"POL-CONTACTS-COLLECT", "X-UNDECLARED-DATA", "X-UNDECLARED-RECIPIENT"} <= rules


def test_topic_router_f1_on_capp130_test_split(record_property: pytest.RecordProperty) -> None:
    from train_policy_router import load_split

    texts, labels = load_split(CAPP, "test")
    predicted = router().topics(texts)
    names = router().labels
    true_positive = predicted_count = actual = 0
    for row, topics in zip(labels, predicted, strict=True):
        gold = {names[i] for i, flag in enumerate(row) if flag}
        true_positive += len(gold & set(topics))
        predicted_count += len(topics)
        actual += len(gold)
    precision, recall = true_positive / predicted_count, true_positive / actual
    micro_f1 = 2 * precision * recall / (precision + recall)
    record_property("pii:topic-router", f"CAPP-130 test split micro-F1={micro_f1:.3f} (n={len(texts)})")
    assert micro_f1 >= 0.78
    assert router().metadata["test_micro_f1"] == pytest.approx(micro_f1, abs=0.01)


def test_capp130_originals_are_read_without_crashing(rulebase: RuleBase) -> None:
    originals = sorted((CAPP / "CAPP_130_Corpus" / "Original_policies").glob("*.txt"))[:25]
    for path in originals:
        report = audit_policy(path, rulebase)
        assert report.error is None, path
        assert {f.outcome for f in report.findings} <= {Outcome.fail, Outcome.passed, Outcome.not_applicable}


def test_policy_diff_names_changes_and_their_findings(tmp_path: Path) -> None:
    old = POLICIES / "good_full.txt"
    new = tmp_path / "v2.txt"
    new.write_text(
        old.read_text(encoding="utf-8").replace(
            "我们不会收集您的通讯录、通话记录和短信", "我们会收集您的通讯录和通话记录用于风控"
        ),
        encoding="utf-8",
    )
    result = run_cli("policy-diff", str(old), str(new), "--format", "json")
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    assert [c["kind"] for c in diff["changes"]] == ["changed"]
    assert {f["rule"] for f in diff["new_findings"]} >= {"POL-CONTACTS-COLLECT"}
    assert diff["fixed_findings"] == []


def _ascii_pdf(text: str) -> bytes:
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(
        b"%010d 00000 n \n" % o for o in offsets
    )
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def test_pdf_policy_is_read(tmp_path: Path, rulebase: RuleBase) -> None:
    path = tmp_path / "policy.pdf"
    path.write_bytes(_ascii_pdf("Privacy policy of Example Lending Co., Ltd. Contact: privacy@example.cn"))
    assert "privacy@example.cn" in probe_policy(path, rulebase).text


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.html", b"<html><body>  </body></html>", "empty policy"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "binary file"),
        ("latin.txt", b"\xff\xfe\xff\xfe\x80\x80", "not UTF-8 or GB18030"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "unreadable PDF"),
    ],
)
def test_bad_policies_exit_2_with_one_line(
    tmp_path: Path, name: str, content: bytes, problem: str, rulebase: RuleBase
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ProbeError, match=problem):
        probe_policy(path, rulebase)
    result = run_cli("policy", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"lendguard: error: {path}: ") and "Traceback" not in result.stderr


COMPLETENESS = ("POL-PROCESSOR", "POL-RETENTION", "POL-RIGHTS", "POL-COMPLAINT", "POL-MINORS", "POL-NO-SDK-LIST")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_missing_element_is_named_not_counted_as_clauses(rulebase: RuleBase, lang: str) -> None:
    report = audit_policy(POLICIES / "loan_bad.html", rulebase, lang)  # type: ignore[arg-type]
    quotes = {f.rule: f.quote for f in report.findings if f.outcome is Outcome.fail and f.rule in COMPLETENESS}
    assert set(quotes) == set(COMPLETENESS)
    prefix = "缺少：" if lang == "zh" else "missing: "
    assert all(quote.startswith(prefix) and "clauses" not in quote for quote in quotes.values())
    rights = [rulebase.label(right, lang) for right in rulebase.policy.rights]  # every right loan_bad leaves out
    assert all(name in quotes["POL-RIGHTS"] for name in rights)
    assert rulebase.label("retention_period", lang) in quotes["POL-RETENTION"]
    assert rulebase.label("contact_channel", lang) in quotes["POL-PROCESSOR"]
