"""The print-ready PDF of an edition: its blocks in Chinese and Tibetan, rendered by WeasyPrint.

A worker keeps what does not change between renders (the font configuration, the parsed
print CSS, the QR codes) at module level; see bench/print.py for what that saves.
WeasyPrint is imported inside functions only: importing it sets Pillow's
LOAD_TRUNCATED_IMAGES for the whole process, which web processes checking photos do not want.
"""

from functools import cache, lru_cache
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string

from campaigns.models import MaterialEdition
from campaigns.printing.layouts import page_css, template_for

PRINT_CSS = Path(settings.BASE_DIR) / "templates" / "print" / "handout.css"


def _refuse_fetch(url: str, *args, **kwargs):
    # A handout holds everything inline; nothing in its text may make the worker fetch a URL.
    raise ValueError(f"a handout fetches no resources ({url[:40]})")


@cache
def font_configuration():
    """One Fontconfig/Pango font map per process: loading it is a large part of a render."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def stylesheets(*, paper_size: str, bleed: bool, crop_marks: bool) -> tuple:
    """The print CSS and the page rule of one paper size, parsed once per process."""
    from weasyprint import CSS

    fonts = font_configuration()
    shared = _shared_stylesheet()
    page = CSS(
        string=page_css(paper_size=paper_size, bleed=bleed, crop_marks=crop_marks),
        font_config=fonts,
    )
    return (shared, page)


@cache
def _shared_stylesheet():
    from weasyprint import CSS

    return CSS(filename=str(PRINT_CSS), font_config=font_configuration())


@lru_cache(maxsize=256)
def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG, scaled by the print CSS."""
    return segno.make(url, error="m").svg_inline(border=0, scale=4, dark="#1d1d1b")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def handout_html(
    *, edition: MaterialEdition, paper_size: str, layout: str, contact_line: str, public_url: str
) -> str:
    """The HTML of the handout; the page size and bleed come from the stylesheets."""
    material = edition.material
    blocks = []
    for block in edition.blocks.order_by("position"):
        zh_lines, bo_lines = _lines(block.text_zh), _lines(block.text_bo)
        blocks.append(
            {
                "kind": block.kind,
                "zh": block.text_zh,
                "bo": block.text_bo,
                "zh_lines": zh_lines,
                "bo_lines": bo_lines,
                # Side by side, a list's items are paired row by row when both languages
                # have as many, so that each right stays level with its translation.
                "items": list(zip(zh_lines, bo_lines, strict=True))
                if block.kind == "list" and len(zh_lines) == len(bo_lines)
                else [],
            }
        )
    return render_to_string(
        template_for(kind=material.kind, paper_size=paper_size),
        {
            "material": material,
            "edition": edition,
            "org_unit_name": material.org_unit.name,
            "blocks": blocks,
            "layout": layout,
            "paper_class": f"paper-{paper_size.lower()}",
            "qr_svg": qr_svg(public_url),
            "contact_line": contact_line,
            "public_url": public_url,
        },
    )


def edition_pdf(
    *,
    edition: MaterialEdition,
    paper_size: str,
    layout: str,
    bleed: bool,
    crop_marks: bool,
    contact_line: str,
    public_url: str,
) -> bytes:
    """The print-ready PDF of ``edition``: fonts embedded and subset, the page as ordered."""
    from weasyprint import HTML

    html = handout_html(
        edition=edition,
        paper_size=paper_size,
        layout=layout,
        contact_line=contact_line,
        public_url=public_url,
    )
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(
        stylesheets=stylesheets(paper_size=paper_size, bleed=bleed, crop_marks=crop_marks),
        font_config=font_configuration(),
    )
