"""PDF rendering of the HTML report with WeasyPrint (CJK fonts: Debian's fonts-noto-cjk): a cover
page, a running header with the platform, page numbers "n / total", rows never split across pages."""

from __future__ import annotations

import logging

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)

PRINT_STYLE = """<style>
@page{size:A4;margin:20mm 14mm 18mm;
  @top-left{content:string(platform);font-size:8pt;color:#616161}
  @top-right{content:"LendGuard";font-size:8pt;color:#616161}
  @bottom-right{content:counter(page) " / " counter(pages);font-size:8pt}}
@page:first{@top-left{content:none}@top-right{content:none}}
body{margin:0;max-width:none;font-size:10pt}
h1.platform{string-set:platform content()}
.cover{display:block;page-break-after:always;padding-top:40mm}
.cover h1{font-size:20pt} .cover h2{border:0;font-size:16pt}
.summary{page-break-after:always;font-size:8pt;gap:.3rem 1rem;padding:.5rem .7rem;grid-template-columns:42% 58%}
.summary li{margin:0} .summary h3{margin:.3rem 0 .2rem}
tr,li,dt,dd,.remedy,summary{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
h2,h3{break-after:avoid;page-break-after:avoid}
</style></head>"""


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # loads cairo/pango and fontTools: only when a PDF is written

    pdf: bytes = HTML(string=html.replace("</head>", PRINT_STYLE, 1)).write_pdf()
    return pdf
