"""PDF rendering of the HTML report with WeasyPrint (CJK fonts: Debian's fonts-noto-cjk)."""

from __future__ import annotations

import logging

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)

PRINT_STYLE = "<style>@page{size:A4 landscape;margin:12mm} body{margin:0;max-width:none}</style></head>"


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # loads cairo/pango and fontTools: only when a PDF is written

    pdf: bytes = HTML(string=html.replace("</head>", PRINT_STYLE, 1)).write_pdf()
    return pdf
