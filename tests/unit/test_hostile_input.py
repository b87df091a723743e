"""Hostile input (issue #12): every case ends in one line on stderr and exit 2 (or an inconclusive
target), never a traceback, a hang, a huge output or lost data."""

from __future__ import annotations

import base64
import gzip
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import zlib
from pathlib import Path
from typing import Any
from unittest import mock

import brotli
import pytest
from tests.conftest import run_cli
from tests.fixtures import lending_data

from lendguard.engine import audit_datastore
from lendguard.probes import ProbeError, jsonsafe, traffic
from lendguard.probes.datastore import probe_datastore
from lendguard.probes.policy.probe import _html_text, probe_policy
from lendguard.probes.traffic import probe_traffic
from lendguard.probes.yamlsafe import YamlLimits, load_yaml, loads_yaml
from lendguard.rulebase import RuleBase

BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
ALIAS_BOMB = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + BILLION_LAUGHS


def _one_line_exit_2(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (ALIAS_BOMB, "aliases expand beyond"),
        ("x: &x " + "[" * 20_000 + "]" * 20_000 + "\n", "nested deeper than"),
        ("[" * 20_000 + "]" * 20_000, "nested deeper than"),
        ("as_of: 2026-02-30\n", "impossible date '2026-02-30'"),
        ("n: " + "9" * 5000 + "\n", "unusable number"),
        ("a: &a [*a]\n", "aliases expand beyond"),
        ("!!python/object/apply:os.system ['true']\n", "could not determine a constructor"),
        ("a: 1\n---\nb: 2\n", "another document"),
        ("a: \x1f\n", "unacceptable character #x001f at position 3"),  # found by test_fuzz_parsers
    ],
)
def test_yaml_loader_refuses_bombs_depth_and_bad_values(text: str, problem: str) -> None:
    with pytest.raises(ProbeError, match=r"x\.yaml: ") as raised:
        loads_yaml(text, "x.yaml")
    assert problem in str(raised.value) and "\n" not in str(raised.value)


def test_yaml_loader_bounds_aliases_strings_and_size(tmp_path: Path) -> None:
    small = YamlLimits(max_bytes=1000, max_aliases=3, max_scalar=10)
    with pytest.raises(ProbeError, match="more than 3 aliases"):
        loads_yaml("a: &a 1\nb: [*a, *a, *a, *a]\n", "x", small)
    with pytest.raises(ProbeError, match="longer than 10 characters"):
        loads_yaml("a: 01234567890\n", "x", small)
    with pytest.raises(ProbeError, match="larger than 1,000 bytes"):
        loads_yaml("a: 1\n" * 300, "x", small)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * 300)
    with pytest.raises(ProbeError, match="larger than 1,000 bytes"):
        load_yaml(big, small)
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("平台: 快借".encode("gbk"))
    with pytest.raises(ProbeError, match="not UTF-8"):
        load_yaml(gbk)


def test_yaml_loader_keeps_ordinary_documents() -> None:
    document = loads_yaml("a: &a {x: 1}\nb: {<<: *a, y: 2}\nwhen: 2026-02-28\nlist: [1, 2]\n", "x")
    assert document["b"] == {"x": 1, "y": 2} and str(document["when"]) == "2026-02-28"


def test_governance_yaml_impossible_date_and_deep_sequence_exit_2(tmp_path: Path) -> None:
    for name, text in (
        ("date.yaml", "platform: x\nas_of: 2026-02-30\n"),
        ("deep.yaml", "platform: x\nas_of: 2026-01-01\nbreaches: " + "[" * 20_000 + "]" * 20_000 + "\n"),
        ("bomb.yaml", ALIAS_BOMB + "platform: *i\nas_of: 2026-01-01\n"),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        stderr = _one_line_exit_2(run_cli("org", str(path)))
        assert str(path) in stderr


def test_manifest_alias_bomb_is_refused_before_any_report(tmp_path: Path) -> None:
    manifest = tmp_path / "inspection.yaml"
    manifest.write_text(ALIAS_BOMB + "platform: *i\ntargets: {org: [governance.yaml]}\n", encoding="utf-8")
    stderr = _one_line_exit_2(run_cli("audit", str(manifest), "--output", str(tmp_path / "out")))
    assert "aliases expand beyond" in stderr and not (tmp_path / "out" / "report.html").exists()


def _har(tmp_path: Path, name: str, request: dict[str, Any]) -> Path:
    entry = {"startedDateTime": "2026-11-29T10:00:00+08:00", "request": {"method": "POST", "url": URL, **request}}
    path = tmp_path / name
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}), encoding="utf-8")
    return path


URL = "https://api.kuaijie-loan.example.cn/v1/apply"


@pytest.mark.parametrize(
    ("request_fields", "problem"),
    [
        ({"postData": {"mimeType": "application/json", "text": 5}}, "request.postData.text is a number, not a string"),
        ({"postData": {"text": {"a": 1}}}, "request.postData.text is an object, not a string"),
        ({"cookies": 5}, "request.cookies is a number, not an array"),
        ({"headers": "x"}, "request.headers is a string, not an array"),
        ({"postData": [1]}, "request.postData is an array, not an object"),
        ({"postData": {"params": {"a": 1}}}, "request.postData.params is an object, not an array"),
        ({"postData": {"text": "[" * 100_000 + "]" * 100_000}}, "request body nested deeper than 64 levels"),
        ({"postData": {"text": "[" * 500 + "]" * 500}}, "request body nested deeper than 64 levels"),
    ],
)
def test_har_fields_of_the_wrong_type_or_depth_name_the_entry(
    tmp_path: Path, request_fields: dict[str, Any], problem: str
) -> None:
    path = _har(tmp_path, "bad.har", request_fields)
    with pytest.raises(ProbeError, match="entry 0: ") as raised:
        probe_traffic(path)
    assert problem in str(raised.value)


def test_a_har_nested_100000_deep_is_refused_before_parsing_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "deep.har"
    nested = "[" * 100_000 + "]" * 100_000
    path.write_text(f'{{"log": {{"entries": [{{"request": {{"url": "{URL}", "x": {nested}}}}}]}}}}', encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ProbeError, match=r"nested 100,005 levels deep \(limit 64\)"):
        probe_traffic(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB: no quadratic blow-up


def test_depth_check_skips_brackets_inside_strings(tmp_path: Path) -> None:
    # brackets inside strings and escaped quotes/backslashes do not count, also across block edges
    text = json.dumps({"a": "x\\", "b": ['["{' * 100, {"c": [1]}], "d": '\\"[[[[' * 50})
    path = tmp_path / "strings.json"
    path.write_text(text, encoding="utf-8")
    assert jsonsafe.file_depth_exceeds(path, 4) is None
    assert jsonsafe.file_depth_exceeds(path, 3) == 4
    for block in (1, 2, 3, 7):
        with mock.patch.object(jsonsafe, "BLOCK", block):
            assert jsonsafe.file_depth_exceeds(path, 4) is None and jsonsafe.file_depth_exceeds(path, 3) == 4


def test_gzip_body_expands_no_further_than_the_body_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(traffic, "MAX_BODY", 1 << 20)
    bomb = gzip.compress(b'{"phone": "13812345678", "pad": "' + b"0" * (50 << 20) + b'"}')
    text = base64.b64encode(bomb).decode()
    path = _har(
        tmp_path, "bomb.har", {"postData": {"mimeType": "application/json", "text": text, "encoding": "base64"}}
    )
    assert len(text) < 200_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    probe_traffic(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 40_000  # KiB, not the 50 MB expansion
    assert len(traffic._decode_body(text, "base64", "gzip")) == 1 << 20
    assert (
        len(traffic._decode_body(base64.b64encode(zlib.compress(b"1" * (3 << 20))).decode(), "base64", "deflate"))
        == 1 << 20
    )
    assert (
        len(traffic._decode_body(base64.b64encode(brotli.compress(b"1" * (3 << 20))).decode(), "base64", "br"))
        == 1 << 20
    )


def test_one_bad_har_makes_its_target_inconclusive_and_the_audit_and_batch_go_on(
    tmp_path: Path, captures: dict[str, Path]
) -> None:
    folder = tmp_path / "captures"
    folder.mkdir()
    _har(folder, "bad.har", {"cookies": 5})
    shutil.copy(captures["harvesting_har"], folder / "good.har")
    result = run_cli("batch", str(folder), "--output", str(tmp_path / "league"), "--jobs", "1")
    # The batch goes on and writes its league; the unreadable file makes the exit code 2 (README: exit codes).
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "request.cookies is a number" in result.stderr
    league = (tmp_path / "league" / "league.csv").read_text(encoding="utf-8")
    unreadable = (tmp_path / "league" / "unreadable.csv").read_text(encoding="utf-8")
    assert "good.har" in league and "bad.har" in unreadable and "bad.har" not in league  # listed apart, not graded
    manifest = folder / "inspection.yaml"
    manifest.write_text("platform: x\ntargets:\n  traffic: [bad.har, good.har]\n", encoding="utf-8")
    result = run_cli("audit", str(manifest), "--output", str(tmp_path / "audit"), "--fail-on", "none")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    report = json.loads((tmp_path / "audit" / "report.json").read_text(encoding="utf-8"))
    bad = next(t for t in report["targets"] if t["target"]["file"].endswith("bad.har"))
    assert "request.cookies is a number" in bad["error"]
    assert bad["findings"] and all(f["outcome"] == "inconclusive" for f in bad["findings"])


def test_policy_html_of_200000_nested_divs_never_reaches_the_tree_builder(
    tmp_path: Path, rulebase: RuleBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 215 s before: the tree builder's scope checks are quadratic in depth, so a deep document is read flat
    def no_tree(html: str) -> None:
        raise AssertionError("a document nested this deep must not be parsed into a tree")

    monkeypatch.setattr("lendguard.probes.policy.probe.HTMLParser", no_tree)
    path = tmp_path / "nested.html"
    path.write_text("<html><body>" + "<div>" * 200_000 + "我们收集您的手机号码。</body></html>", encoding="utf-8")
    evidence = probe_policy(path, rulebase)
    assert evidence.text == "我们收集您的手机号码。"
    closed = (
        "<html><body>" + "<div><p>第一条。</p>" * 2000 + "</div>" * 2000 + "<script>if (a<b) {}</script></body></html>"
    )
    assert _html_text(closed) == "\n".join(["第一条。"] * 2000)  # the flat reading keeps lines, drops scripts


def test_policy_longer_than_any_real_policy_is_refused(tmp_path: Path, rulebase: RuleBase) -> None:
    path = tmp_path / "huge.txt"
    path.write_text("我们收集您的手机号码。" * 300_000, encoding="utf-8")
    with pytest.raises(ProbeError, match="too long for a privacy policy"):
        probe_policy(path, rulebase)


def test_key_and_signature_files_that_are_missing_folders_or_garbage_exit_2(tmp_path: Path) -> None:
    garbage = tmp_path / "random.key"
    garbage.write_bytes(bytes(range(256)) * 3)
    table = tmp_path / "data.csv"
    table.write_text("name,phone\n张三,13812345678\n", encoding="utf-8")
    missing = tmp_path / "no-such-folder"
    cases = [
        (("keys", "generate", str(missing / "k.json")), "does not exist"),
        (("keys", "generate", "--signing", str(missing / "s.pem")), "does not exist"),
        (("protect", str(table), "--key-file", str(garbage)), "not a LendGuard key file"),
        (("keys", "rotate", str(garbage)), "not a LendGuard key file"),
        (("scan", "oracle://user:secret@db.example.cn/loans"), "database driver oracledb is not installed"),
    ]
    for args, problem in cases:
        stderr = _one_line_exit_2(run_cli(*args))
        assert problem in stderr and "secret" not in stderr
    signing = tmp_path / "sign.pem"
    assert run_cli("keys", "generate", "--signing", str(signing)).returncode == 0
    manifest = tmp_path / "inspection.yaml"
    manifest.write_text("platform: x\ntargets:\n  datastore: [data.csv]\n", encoding="utf-8")
    run_cli("audit", str(manifest), "--output", str(tmp_path / "out"), "--sign-key", str(signing))
    report = tmp_path / "out" / "report.json"
    assert run_cli("verify", str(report), "--public-key", f"{signing}.pub").returncode == 0
    stderr = _one_line_exit_2(run_cli("verify", str(report), "--public-key", str(garbage)))
    assert "not a PEM public key" in stderr


def test_ids_stored_as_blobs_are_read_as_text_and_flagged(tmp_path: Path, rulebase: RuleBase) -> None:
    """Before: every BLOB cell counted as "encrypted or random", so an ID stored as bytes was never flagged."""
    database = tmp_path / "blobs.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE borrowers (id_no BLOB, phone BLOB, name BLOB, secret BLOB)")
        connection.executemany(
            "INSERT INTO borrowers VALUES (?, ?, ?, ?)",
            [(b"11010519491231002X", b"13812345678", "张三".encode("gbk"), os.urandom(24)) for _ in range(20)],
        )
    evidence = probe_datastore(f"sqlite:///{database}")
    columns = {c.name: c for c in evidence.tables[0].columns}
    assert columns["id_no"].classification == "plaintext" and columns["id_no"].detail == "CN_RESIDENT_ID"
    assert columns["phone"].detail == "CN_MOBILE" and columns["name"].detail == "PERSON"  # GBK bytes too
    assert columns["secret"].classification == "encrypted"  # random bytes stay what they were
    assert columns["id_no"].examples[0] == "110***********002X"
    failed = {f.rule for f in audit_datastore(f"sqlite:///{database}", rulebase).findings if f.outcome.value == "fail"}
    assert {"DATA-PLAINTEXT-ID", "DATA-PLAINTEXT-PHONE"} <= failed
    # protect writes text tokens: it refuses binary cells by name instead of corrupting them
    key_file = tmp_path / "keys.json"
    assert run_cli("keys", "generate", str(key_file)).returncode == 0
    stderr = _one_line_exit_2(run_cli("protect", f"sqlite:///{database}", "--key-file", str(key_file)))
    assert "borrowers.id_no, borrowers.phone, borrowers.name hold personal data as binary (BLOB) cells" in stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT id_no FROM borrowers LIMIT 1").fetchone() == (b"11010519491231002X",)


@pytest.mark.parametrize(("content", "line"), [("null\n", 1), ("\n\n  null\n", 3), ("[1]\n", 1), ('"x"\n', 1)])
def test_a_jsonl_row_that_is_not_an_object_is_one_line_not_a_crash(tmp_path: Path, content: str, line: int) -> None:
    """Found by test_fuzz_parsers: pyarrow's JSON reader crashed the process (SIGSEGV) on `null`."""
    path = tmp_path / "rows.jsonl"
    path.write_text(content, encoding="utf-8")
    stderr = _one_line_exit_2(run_cli("scan", str(path)))
    assert f"{path}: unreadable JSONL: line {line} is not a JSON object" in stderr


ID, PHONE = "11010519491231002X", "13812345678"
CARD = lending_data.unionpay_card(random.Random(5))


def _no_raw_values(*outputs: str) -> None:
    for output in outputs:
        for value in (ID, PHONE, CARD):
            assert value not in output, f"{value} printed raw in: {output[:300]}"


def test_seeded_personal_values_never_leave_unmasked(tmp_path: Path, captures: dict[str, Path]) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(f"name,id_no,phone\n张三,{ID}\n李四,{ID},{PHONE},{CARD}\n", encoding="utf-8")
    key_file = tmp_path / "keys.json"
    assert run_cli("keys", "generate", str(key_file)).returncode == 0
    loans = tmp_path / "loans.csv"
    loans.write_text(f"loan_id,borrower_phone\nL1,{PHONE}\n", encoding="utf-8")
    for args in (
        ("scan", str(broken)),
        ("protect", str(broken), "--key-file", str(key_file)),
        ("collection", str(broken), "--loans", str(loans)),
    ):
        result = run_cli(*args)
        assert result.returncode == 2 and "Expected 3 columns, got 2" in result.stderr, result.stderr
        _no_raw_values(result.stdout, result.stderr)

    har_path = _har(tmp_path, "path.har", {"headers": [], "postData": {"mimeType": "application/json", "text": "{}"}})
    har_path.write_text(
        har_path.read_text().replace(
            URL, f"http://api.tracker.example.com/v1/user/{PHONE}/profile?imei=356938035643809"
        ),
        encoding="utf-8",
    )
    for output_format in ("json", "table"):
        result = run_cli("traffic", str(har_path), "--format", output_format, "--fail-on", "none")
        assert result.returncode == 0, result.stderr
        assert "/v1/user/138****5678/profile" in result.stdout or output_format == "table"
        _no_raw_values(result.stdout, result.stderr)

    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text("隐私政策\n一、我们收集的信息\n我们收集您的手机号码。\n", encoding="utf-8")
    new.write_text(
        f"隐私政策\n一、我们收集的信息\n例如身份证号{ID}、手机号{PHONE}、银行卡号{CARD}。[/bold]\n", encoding="utf-8"
    )
    for output_format in ("json", "table"):
        result = run_cli("policy-diff", str(old), str(new), "--format", output_format)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        _no_raw_values(result.stdout, result.stderr)
