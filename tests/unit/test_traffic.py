"""The traffic probe: HAR streaming, body decoding, judgements that need configuration, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.fixtures import har

from lendguard.engine import audit_traffic
from lendguard.findings import Outcome
from lendguard.probes import ProbeError
from lendguard.probes.traffic import probe_traffic
from lendguard.rulebase import RuleBase


def test_every_encoding_is_opened(captures: dict[str, Path]) -> None:
    requests = {r.path: r for r in probe_traffic(captures["harvesting_har"], ("kuaijie-loan.example.cn",)).endpoints}
    assert requests["/risk/upload"].contact_people == 30  # gzip + base64 JSON over http
    assert requests["/risk/calllog"].call_records == 12  # JSON inside a JSON string
    assert requests["/risk/sms"].sms_messages == 8  # multipart part holding JSON
    assert requests["/v2/collect"].app_packages == 7  # brotli
    assert {"IMEI", "android_id"} <= set(requests["/v1/config"].device_ids)  # query string and header
    apply = set(requests["/v1/apply"].entity_counts)  # form body
    assert {"CN_RESIDENT_ID", "CN_MOBILE"} <= apply


def test_values_are_masked_unless_asked(captures: dict[str, Path]) -> None:
    masked = probe_traffic(captures["harvesting_har"])
    raw = probe_traffic(captures["harvesting_har"], show_values=True)
    mobiles = [v.value for r in masked.endpoints for v in r.examples if v.entity == "CN_MOBILE"]
    assert mobiles and all("****" in m for m in mobiles)
    assert any("****" not in v.value for r in raw.endpoints for v in r.examples if v.entity == "CN_MOBILE")


def test_judgements_that_need_configuration_are_inconclusive_without_it(
    captures: dict[str, Path], rulebase: RuleBase, tmp_path: Path
) -> None:
    report = audit_traffic(captures["harvesting_har"], rulebase)  # no --first-party
    third = {f.outcome for f in report.findings if f.rule == "NET-THIRD-PARTY"}
    assert third == {Outcome.inconclusive}
    capture = har.harvesting_app()
    capture["log"]["entries"] = [e for e in capture["log"]["entries"] if "agree" not in e["request"]["url"]]
    no_consent = audit_traffic(har.write(tmp_path / "x.har", capture), rulebase, ("kuaijie-loan.example.cn",))
    assert {f.outcome for f in no_consent.findings if f.rule == "NET-BEFORE-CONSENT"} == {Outcome.inconclusive}
    given = audit_traffic(
        tmp_path / "x.har",
        rulebase,
        ("kuaijie-loan.example.cn",),
        consent_at=datetime(2026, 11, 20, 10, 0, 30, tzinfo=UTC),
    )
    early = [f for f in given.findings if f.rule == "NET-BEFORE-CONSENT" and f.outcome is Outcome.fail]
    assert {f.location.path for f in early} >= {"/risk/upload", "/v1/config"}


def test_cli_consent_at_and_exit_codes(captures: dict[str, Path]) -> None:
    bad = run_cli(
        "traffic", str(captures["harvesting_har"]), "--first-party", "kuaijie-loan.example.cn", "--format", "json"
    )
    assert bad.returncode == 1
    document = json.loads(bad.stdout)
    contacts = next(f for f in document["findings"] if f["rule"] == "NET-CONTACTS-UPLOAD")
    assert contacts["location"]["host"] == "api.kuaijie-loan.example.cn" and contacts["location"]["request"] == 3
    good = run_cli("traffic", str(captures["careful_har"]), "--first-party", "api.anxin.example.cn", "--fail-on", "low")
    assert good.returncode == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"this is not json", "not JSON"),
        (
            b'{"log": {"version": "1.2", "entries": [{"request": {"method": "GET", "url": "https://a.cn/"}}, {"req',
            "truncated or invalid JSON",
        ),
        (b'{"log": {"version": "1.2", "entries": []}}', "no log.entries"),
        (b'{"something": "else"}', "no log.entries"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "binary file"),
        (b'{"log": {"entries": [42]}}', "no request object"),
    ],
)
def test_unusable_captures_exit_2_with_one_line(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "capture.har"
    path.write_bytes(content)
    with pytest.raises(ProbeError, match=problem):
        probe_traffic(path)
    result = run_cli("traffic", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"lendguard: error: {path}: ") and "Traceback" not in result.stderr


def test_binary_bodies_do_not_stop_the_audit(tmp_path: Path, rulebase: RuleBase) -> None:
    capture = har.careful_app()
    capture["log"]["entries"][0]["request"]["postData"] = {
        "mimeType": "application/octet-stream",
        "encoding": "base64",
        "text": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB",
    }
    report = audit_traffic(har.write(tmp_path / "bin.har", capture), rulebase, ("anxin.example.cn",))
    assert report.error is None
