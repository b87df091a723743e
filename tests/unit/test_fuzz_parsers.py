"""Fuzzing every parser a user's file reaches (issue #12): HAR, policy HTML/PDF, inspection manifests,
governance YAML, CSV/JSONL tables and collection logs. Whatever hypothesis generates, the command
ends with exit code 0, 1 or 2 and a clean stderr, never a traceback.

The CLI runs in this process through its real entry point (tests.conftest.invoke_cli), so an
exception it does not handle fails the test with its traceback and hypothesis shrinks the input.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.conftest import CliResult, invoke_cli

from lendguard.engine import run_inspection
from lendguard.manifest import ManifestError
from lendguard.reports.findings_csv import findings_csv
from lendguard.reports.html import render_html
from lendguard.reports.inspection import build_inspection
from lendguard.reports.markdown import render_markdown
from lendguard.reports.sarif import render_sarif
from lendguard.rulebase import load_rulebase

FUZZ = settings(
    max_examples=int(os.environ.get("LENDGUARD_FUZZ_EXAMPLES", "40")),  # more for a longer campaign
    deadline=None,
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PHONE, ID, CARD = "13812345678", "11010519491231002X", "6222021234567890128"
_names = itertools.count()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _file(folder: Path, suffix: str, content: str | bytes) -> Path:
    path = folder / f"f{next(_names)}{suffix}"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


def _ended_cleanly(result: CliResult) -> None:
    assert result.returncode in (0, 1, 2), (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    if result.returncode == 2:  # an input error: said in one line per target, naming the problem
        assert result.stderr.startswith("lendguard: "), result.stderr


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), TEXT, st.just(PHONE)
)
JSON_VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=True)


def _or_junk(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the plausible shape, sometimes any JSON value in its place (the wrong type)."""
    return st.sampled_from([True, True, False]).flatmap(lambda keep: plausible if keep else JSON_VALUE)


# --- HAR -------------------------------------------------------------------------------------
URL = st.one_of(
    st.sampled_from(
        [
            f"http://api.tracker.example.com/v1/user/{PHONE}/profile?imei=356938035643809",
            "https://api.kuaijie-loan.example.cn/v1/apply",
            "https://[::1]:99999/x",
            "http://",
            "not a url",
            "https://xn--/%zz",
        ]
    ),
    TEXT,
)
BODY = st.one_of(
    TEXT,
    JSON_VALUE.map(_dumps),
    st.just(_dumps({"contacts": [{"name": "张三", "phone": PHONE}], "idCard": ID})),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.just("H4sIAAAAAAAA/w=="),  # a truncated gzip stream
    st.just("%%%not base64%%%"),
)
NAME_VALUE = st.fixed_dictionaries({"name": _or_junk(TEXT), "value": _or_junk(TEXT)})
POST_DATA = st.fixed_dictionaries(
    {},
    optional={
        "mimeType": _or_junk(
            st.sampled_from(["application/json", "application/x-www-form-urlencoded", "multipart/form-data; b=x"])
        ),
        "text": _or_junk(BODY),
        "encoding": _or_junk(st.sampled_from(["base64", "gzip", ""])),
        "params": _or_junk(st.lists(NAME_VALUE, max_size=3)),
    },
)
REQUEST = st.fixed_dictionaries(
    {"url": _or_junk(URL)},
    optional={
        "method": _or_junk(st.sampled_from(["GET", "POST", ""])),
        "headers": _or_junk(st.lists(NAME_VALUE, max_size=3)),
        "cookies": _or_junk(st.lists(NAME_VALUE, max_size=3)),
        "queryString": _or_junk(st.lists(NAME_VALUE, max_size=3)),
        "postData": _or_junk(POST_DATA),
    },
)
ENTRY = st.fixed_dictionaries(
    {"request": _or_junk(REQUEST)},
    optional={
        "startedDateTime": _or_junk(st.sampled_from(["2026-11-29T10:00:00+08:00", "2026-13-45T99:99:00", "昨天"])),
        "response": _or_junk(
            st.fixed_dictionaries(
                {},
                optional={
                    "status": _or_junk(st.integers(0, 999)),
                    "headers": _or_junk(st.lists(NAME_VALUE, max_size=2)),
                    "content": _or_junk(
                        st.fixed_dictionaries(
                            {}, optional={"text": _or_junk(BODY), "encoding": _or_junk(st.just("base64"))}
                        )
                    ),
                },
            )
        ),
    },
)
HAR_TEXT = st.one_of(
    st.fixed_dictionaries(
        {"log": _or_junk(st.fixed_dictionaries({"entries": _or_junk(st.lists(ENTRY, max_size=4))}))}
    ).map(_dumps),
    JSON_VALUE.map(_dumps),
    TEXT,
)


@FUZZ
@given(content=st.one_of(HAR_TEXT, HAR_TEXT.map(lambda text: text[: len(text) // 2]), st.binary(max_size=200)))
def test_traffic_on_generated_har_files(folder: Path, content: str | bytes) -> None:
    _ended_cleanly(invoke_cli("traffic", str(_file(folder, ".har", content))))


# --- policy HTML (and PDF, text) ------------------------------------------------------------------
HTML_PIECES = st.sampled_from(
    [
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<h1>",
        "</h1>",
        "<script>",
        "</script>",
        "<style>",
        "<!--",
        "-->",
        "<br/>",
        "<table><tr><td>",
        "&amp;",
        "&#0;",
        "&#99999999;",
        "&nbsp;",
        "<",
        ">",
        "\x00",
        "\r",
        "<![CDATA[",
        "<?xml version='1.0'?>",
        '<meta charset="gbk">',
        "一、我们收集的信息",
        "我们收集您的手机号码、通讯录。",
        f"例如身份证号{ID}。",
        "第一条",
    ]
)
HTML = st.lists(st.one_of(HTML_PIECES, TEXT), max_size=60).map("".join)


@FUZZ
@given(
    content=st.one_of(HTML, HTML.map(lambda html: html.encode("gb18030", "replace")), st.binary(max_size=300)),
    suffix=st.sampled_from([".html", ".htm", ".txt", ".pdf"]),
)
def test_policy_on_generated_documents(folder: Path, content: str | bytes, suffix: str) -> None:
    pdf = b"%PDF-1.4\n" + (content if isinstance(content, bytes) else content.encode("utf-8", "replace"))
    _ended_cleanly(invoke_cli("policy", str(_file(folder, suffix, pdf if suffix == ".pdf" else content))))


# --- inspection manifests -------------------------------------------------------------------------
def _rarely_junk(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Four times in five the plausible shape: enough manifests get through to be audited."""
    return st.sampled_from([True, True, True, True, False]).flatmap(lambda keep: plausible if keep else JSON_VALUE)


PATHS = st.one_of(
    st.sampled_from(["policy.txt", "missing.har", "../outside.txt", "/etc/hostname", "", " ", "sub/../policy.txt"]),
    TEXT,
)
TARGET_LIST = _rarely_junk(st.lists(_rarely_junk(PATHS), max_size=3))
MANIFEST = st.fixed_dictionaries(
    {
        "platform": _rarely_junk(st.sampled_from(["闪电贷", "x" * 300, f"R-{ID}"])),
        "targets": _rarely_junk(
            st.fixed_dictionaries(
                {"policy": st.lists(st.sampled_from(["policy.txt", "missing.txt"]), min_size=1, max_size=2)},
                optional={
                    "traffic": TARGET_LIST,
                    "org": TARGET_LIST,
                    "collection": _rarely_junk(
                        st.lists(
                            _rarely_junk(st.fixed_dictionaries({"log": PATHS, "loans": PATHS})),
                            max_size=2,
                        )
                    ),
                },
            )
        ),
    },
    optional={
        "first_party": _rarely_junk(st.lists(TEXT, max_size=2)),
        "consent_at": _rarely_junk(st.sampled_from(["2026-11-29", "2026-02-30", "2026-11-29T10:00:00+08:00", "明天"])),
        "waivers": _rarely_junk(st.sampled_from(["waivers.yaml", "missing.yaml"])),
    },
)
UNKNOWN_KEYS = st.dictionaries(st.sampled_from(["extra", "target", "Platform"]), JSON_VALUE, min_size=1, max_size=2)
MANIFEST_TEXT = st.sampled_from([True, True, True, False]).flatmap(
    lambda known: (
        MANIFEST.map(lambda value: yaml.safe_dump(value, allow_unicode=True))
        if known
        else st.tuples(MANIFEST, UNKNOWN_KEYS).map(
            lambda pair: yaml.safe_dump({**pair[0], **pair[1]}, allow_unicode=True)
        )
    )
)
YAML_TEXT = st.one_of(
    st.lists(
        st.sampled_from(["a: ", "- ", "&x ", "*x ", "[", "]", "{", "}", ": ", "\n", "  ", "!!str ", "'", '"'])
    ).map("".join),
    TEXT,
)


@FUZZ
@given(text=st.sampled_from([True, True, False]).flatmap(lambda shaped: MANIFEST_TEXT if shaped else YAML_TEXT))
def test_audit_on_generated_manifests(folder: Path, text: str) -> None:
    """What `lendguard audit` does short of the PDF (the renderers are the same; the PDF is slow)."""
    rulebase = load_rulebase()
    place = folder / f"m{next(_names)}"
    place.mkdir()
    (place / "policy.txt").write_text("我们收集您的手机号码。\n", encoding="utf-8")
    manifest = _file(place, ".yaml", text)
    try:
        inspection = run_inspection(manifest, rulebase)
    except ManifestError as error:
        assert str(error).startswith(str(place)) and "\n" not in str(error)  # the manifest, or its waiver file
        event("manifest refused")
        return
    event("manifest audited")
    document = build_inspection(inspection, rulebase, "zh")
    assert render_html(document, rulebase) and render_markdown(document, rulebase)
    assert render_sarif(document, rulebase) and findings_csv(document.targets) is not None


# --- governance YAML -----------------------------------------------------------------------------
DATE = st.one_of(
    st.sampled_from(["2026-11-29", "2026-02-30", "2026-11-29T10:00:00+08:00", "明天", "0000-00-00"]), st.dates()
)
RECORD = st.fixed_dictionaries(
    {"id": _or_junk(st.sampled_from([f"R-{ID}", "B-1", "C-7"]))},
    optional={"received": _or_junk(DATE), "answered": _or_junk(DATE), "discovered": _or_junk(DATE)},
)
GOVERNANCE = st.fixed_dictionaries(
    {},
    optional={
        "platform": _or_junk(st.just("闪电贷")),
        "as_of": _or_junk(DATE),
        "persons_processed": _or_junk(st.integers()),
        "mlps_level": _or_junk(st.integers(-5, 9)),
        "officer": _or_junk(st.fixed_dictionaries({"name": _or_junk(TEXT)}, optional={"contact": _or_junk(TEXT)})),
        "breaches": _or_junk(st.lists(_or_junk(RECORD), max_size=3)),
        "requests": _or_junk(st.lists(_or_junk(RECORD), max_size=3)),
        "complaints": _or_junk(st.lists(_or_junk(RECORD), max_size=3)),
        "impact_assessments": _or_junk(st.lists(_or_junk(st.fixed_dictionaries({"subject": TEXT, "date": DATE})))),
    },
)


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=None)


@FUZZ
@given(text=st.one_of(GOVERNANCE.map(_yaml), YAML_TEXT))
def test_org_on_generated_governance_records(folder: Path, text: str) -> None:
    _ended_cleanly(invoke_cli("org", str(_file(folder, ".yaml", text))))


# --- CSV / JSONL tables and collection logs ----------------------------------------------------------
CELL = st.one_of(
    TEXT,
    st.sampled_from([PHONE, ID, CARD, "", '"', '""', ",", "\n", "\r\n", "\x00", "张三", "明天下午", "{not json"]),
)
CSV_TEXT = st.lists(st.lists(CELL, min_size=1, max_size=5).map(",".join), min_size=1, max_size=8).map("\n".join)
JSONL_TEXT = st.lists(st.one_of(JSON_VALUE.map(_dumps), TEXT), min_size=1, max_size=8).map("\n".join)


@FUZZ
@given(
    table=st.one_of(
        CSV_TEXT.map(lambda t: (".csv", t)),
        JSONL_TEXT.map(lambda t: (".jsonl", t)),
        st.binary(max_size=200).map(lambda b: (".csv", b)),
        CSV_TEXT.map(lambda t: (".csv", t.encode("gb18030", "replace"))),
    )
)
def test_scan_on_generated_tables(folder: Path, table: tuple[str, str | bytes]) -> None:
    suffix, content = table
    _ended_cleanly(invoke_cli("scan", str(_file(folder, suffix, content))))


TIME = st.one_of(
    st.sampled_from(["2026-11-20 10:00:00", "2026-11-20 23:30:00", "明天下午", "2026-13-45 99:99:00", "", "9" * 30]),
    st.datetimes().map(str),
    st.integers().map(str),
    TEXT,
)
LOG_ROW = st.tuples(TIME, st.sampled_from(["L1", "L2", PHONE, ""]), st.one_of(st.just(PHONE), CELL), CELL)
CONTACTS = st.one_of(
    st.just(_dumps([{"name": "王芳", "phone": "13900000001"}])), st.sampled_from(["{not json", "[1", "[]", "{}"]), CELL
)


def _csv(rows: list[tuple[str, ...]]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


@FUZZ
@given(
    log=st.lists(LOG_ROW, min_size=1, max_size=8),
    contacts=st.lists(CONTACTS, min_size=2, max_size=2),
    raw_log=st.one_of(st.none(), CSV_TEXT),
)
def test_collection_on_generated_logs_and_loans(
    folder: Path, log: list[tuple[str, ...]], contacts: list[str], raw_log: str | None
) -> None:
    loans = _file(
        folder,
        ".csv",
        _csv(
            [
                ("loan_id", "borrower_phone", "emergency_contacts"),
                ("L1", PHONE, contacts[0]),
                ("L2", "13800000002", contacts[1]),
            ]
        ),
    )
    content = raw_log if raw_log is not None else _csv([("time", "loan_id", "phone", "content"), *log])
    _ended_cleanly(invoke_cli("collection", str(_file(folder, ".csv", content)), "--loans", str(loans)))
