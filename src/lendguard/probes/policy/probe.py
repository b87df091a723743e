"""Read a privacy policy and cut it into clauses that keep their offsets and section heading."""

from __future__ import annotations

import hashlib
import logging
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from importlib.metadata import version
from itertools import accumulate
from pathlib import Path
from typing import Literal

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from lendguard.evidence import Clause, PolicyEvidence, Provenance
from lendguard.probes.apk import probe_apk
from lendguard.probes.datastore.files import read_text
from lendguard.probes.errors import ProbeError
from lendguard.probes.policy.router import router
from lendguard.rulebase import RuleBase

logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its warnings would add lines to our one-line errors

HEADING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百]+[章节部分条]|[一二三四五六七八九十]+[、.．]|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)"
    r"|\d+(?:\.\d+)*[\.、．]?\s*(?=\S)|[•·■◆]\s*)"
)
SENTENCE_END = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")
HEADING_MAX = 40
MAX_POLICY_CHARS = 2_000_000  # the longest real policies run to ~100,000 characters
BLOCK_TAGS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "section", "article")


# Start and end tags of elements that nest (void and auto-closing ones left out): their running
# count estimates the depth, and parsers check scope against every open element, so depth costs time.
NESTING_TAG = re.compile(
    r"<(/?)(?!(?:area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr|p|li|dt|dd|option|tr|td|th)\b)"
    r"[a-zA-Z][^>]*?(?<!/)>"
)
MAX_TREE_DEPTH = 512
BLOCK_TAG = re.compile(r"<\s*/?\s*(?:" + "|".join(BLOCK_TAGS) + r")\b[^>]*>", re.IGNORECASE)
ANY_TAG = re.compile(r"<[^>]*>")


def _nesting(html: str) -> int:
    return max(accumulate(-1 if closing else 1 for closing in NESTING_TAG.findall(html)), default=0)


def _without(html: str, tags: tuple[str, ...]) -> str:
    """`html` without these elements and their content; linear even when one is never closed."""
    lower, position = html.lower(), 0
    pieces: list[str] = []
    upcoming = {tag: lower.find(f"<{tag}") for tag in tags}
    while live := {tag: at for tag, at in upcoming.items() if at >= 0}:
        tag = min(live, key=live.__getitem__)
        pieces.append(html[position : live[tag]])
        end = lower.find(f"</{tag}", live[tag])
        position = len(html) if end < 0 else (lower.find(">", end) + 1 or len(html))
        for other, at in upcoming.items():
            if 0 <= at < position:
                upcoming[other] = lower.find(f"<{other}", position)
    return "".join([*pieces, html[position:]])


def _flat_text(html: str) -> str:
    """Text of a document nested too deep for a tree: tags become line breaks (block) or nothing."""
    text = ANY_TAG.sub("", BLOCK_TAG.sub("\n", _without(html, ("script", "style", "noscript"))))
    return "\n".join(line.strip() for line in unescape(text).splitlines() if line.strip())


def _html_text(html: str) -> str:
    if _nesting(html) > MAX_TREE_DEPTH:
        return _flat_text(html)
    tree = HTMLParser(html)
    for tag in ("script", "style", "noscript"):
        for node in tree.css(tag):
            node.decompose()
    for tag in BLOCK_TAGS:
        for node in tree.css(tag):
            node.insert_after("\n")
    body = tree.body or tree.root
    text = body.text(separator="", strip=False) if body is not None else ""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader  # only for PDF policies
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        return "\n".join((page.extract_text() or "") for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise ProbeError(path, f"unreadable PDF ({type(error).__name__})") from error


def _is_apk(path: Path) -> bool:
    if path.suffix.lower() == ".apk":
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            return "AndroidManifest.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def segment(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, heading) of each clause: headings set the section, sentences are clauses."""
    heading, offset = "", 0
    for line in text.split("\n"):
        stripped = line.strip()
        if (
            stripped
            and HEADING.match(stripped)
            and len(stripped) <= HEADING_MAX
            and not stripped.endswith(("。", "；"))
        ):
            heading = stripped
        elif stripped:
            for sentence in SENTENCE_END.finditer(line):
                piece = sentence.group()
                if piece.strip():
                    lead = len(piece) - len(piece.lstrip())
                    yield offset + sentence.start() + lead, offset + sentence.end(), heading
        offset += len(line) + 1


def _read(path: Path, rulebase: RuleBase) -> tuple[str, Literal["txt", "html", "pdf", "apk"], str | None]:
    if path.is_dir():
        raise ProbeError(path, "is a directory, not a policy file")
    if not path.exists():
        raise ProbeError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _pdf_text(path), "pdf", None
    if _is_apk(path):
        apk = probe_apk(path, rulebase)
        documents = [d for d in apk.policy_files if d.text.strip()]
        if not documents:
            urls = ", ".join(apk.policy_urls[:3]) or "none"
            raise ProbeError(path, f"no privacy-policy file inside the APK (policy URLs found: {urls})")
        document = documents[0]
        is_html = document.entry.lower().endswith((".html", ".htm"))
        return (_html_text(document.text) if is_html else document.text), "apk", document.entry
    text = read_text(path)
    if suffix in (".html", ".htm") or text.lstrip()[:200].lower().startswith(("<!doctype html", "<html")):
        return _html_text(text), "html", None
    return text, "txt", None


def probe_policy(path: Path, rulebase: RuleBase) -> PolicyEvidence:
    """The policy's clauses; ProbeError (one line) when the file holds no usable policy text."""
    text, kind, entry = _read(path, rulebase)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ProbeError(path, "empty policy: no text could be extracted")
    if len(text) > MAX_POLICY_CHARS:
        raise ProbeError(
            path, f"{len(text):,} characters of text: too long for a privacy policy (limit {MAX_POLICY_CHARS:,})"
        )
    pieces = list(segment(text))
    topics = router().topics([text[start:end] for start, end, _ in pieces])
    clauses = tuple(
        Clause(index=i, start=start, end=end, heading=heading, text=text[start:end], topics=topics[i])
        for i, (start, end, heading) in enumerate(pieces)
    )
    data = path.read_bytes()
    return PolicyEvidence(
        provenance=Provenance(
            path=str(path),
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            tool="lendguard-policy",
            tool_version=version("lendguard"),
            collected_at=datetime.now(UTC),
        ),
        source_kind=kind,
        entry=entry,
        text=text,
        clauses=clauses,
    )
