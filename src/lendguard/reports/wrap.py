"""Wrapping for terminal cells: break at token boundaries (after / . $ ; > _ , : ? & = -, between
CJK characters, at spaces), never inside an identifier when a boundary fits."""

from __future__ import annotations

import re

from rich.cells import cell_len

_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_BOUNDARY = "/.$;>_,:?&=\\-|·"
_CLOSING = "、，。；：）」』】！？"  # CJK punctuation never starts a line: it stays with what it follows
_CHUNK = re.compile(rf"[{_CJK}][{_CLOSING}]*\s*|[^\s{_CJK}{_BOUNDARY}]*[{_BOUNDARY}]*[{_CLOSING}]*\s*")


def _chunks(text: str) -> list[str]:
    return [chunk for chunk in _CHUNK.findall(text) if chunk]


def _hard_split(chunk: str, width: int) -> list[str]:
    pieces, piece = [], ""
    for char in chunk:
        if piece and cell_len(piece + char) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece] if piece else pieces


def wrap(text: str, width: int) -> str:
    """`text` with newlines so that no line is wider than `width` cells."""
    if width < 1:
        return text
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for chunk in _chunks(paragraph):
            if cell_len((line + chunk).rstrip()) <= width:
                line += chunk
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = ""
            for piece in _hard_split(chunk.rstrip(), width) if cell_len(chunk.rstrip()) > width else [chunk]:
                if cell_len((line + piece).rstrip()) > width and line.strip():
                    lines.append(line.rstrip())
                    line = ""
                line += piece
        lines.append(line.rstrip())
    return "\n".join(lines)
