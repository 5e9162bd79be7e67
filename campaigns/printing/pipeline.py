"""The print-ready PDF of an edition: its blocks in Chinese and Tibetan, rendered by WeasyPrint.

What makes a render fast (bench/print.py measures each against a plain ``write_pdf``):
- the Chinese fonts embedded are copies cut down to GB 2312's characters (printing.fonts),
  so that subsetting them for each PDF walks at most 5,600 glyphs instead of 65,535;
- the embedded fonts are deflated at zlib's default level, not at pydyf's 9: half the time
  for a PDF 1 % larger;
- a worker keeps what does not change between renders at module level: the font
  configuration with those fonts loaded, the parsed print CSS, the QR codes;
- the QR code is a one-pixel-per-module PNG drawn without smoothing: as sharp as a vector
  on paper, and no SVG path of a thousand points to parse and draw for every PDF;
- the print CSS avoids what WeasyPrint lays out slowly: outside list markers, tables sized
  by their content (templates/print/handout.css).

WeasyPrint is imported inside functions only: importing it sets Pillow's
LOAD_TRUNCATED_IMAGES for the whole process, which web processes checking photos do not want.
"""

import atexit
import zlib
from functools import cache, lru_cache
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string

from campaigns.models import EditionBlock, MaterialEdition
from campaigns.pdf import RenderedPdf, pdf_render
from campaigns.printing.fonts import font_face_css, is_font_copy
from campaigns.printing.layouts import BLEED_MM, page_css, template_for

PRINT_CSS = Path(settings.BASE_DIR) / "templates" / "print" / "handout.css"


@cache
def url_fetcher():
    """Loads the font copies and inline images; refuses every other URL, whatever a text says."""
    from weasyprint import URLFetcher

    class HandoutFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:image/png;") or is_font_copy(url):
                return super().fetch(url, headers)
            raise ValueError(f"a handout fetches no other resources ({url[:40]})")

    return HandoutFetcher(allowed_protocols=("data", "file"))


@cache
def font_configuration():
    """One Fontconfig/Pango font map per process: loading it is a large part of a render."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@atexit.register
def _release_fonts() -> None:
    # WeasyPrint's FontConfiguration frees its fontconfig objects when it is collected; left
    # to the interpreter's last teardown, that runs after cffi is gone and prints a traceback.
    stylesheets.cache_clear()
    _shared_stylesheet.cache_clear()
    font_configuration.cache_clear()


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

    # The font copies' @font-face rules first: loading them is part of the worker's warm-up.
    return CSS(
        string=font_face_css() + "\n" + PRINT_CSS.read_text(encoding="utf-8"),
        font_config=font_configuration(),
        url_fetcher=url_fetcher(),
    )


def _deflate_fonts(pdf) -> None:
    """Deflates the font files at zlib's default level before pydyf writes them."""
    import pydyf

    for pdf_object in pdf.objects:
        # pydyf would deflate each at level 9: twice the time of the default level for a
        # file a few hundred bytes smaller (fonts are nine tenths of a handout's bytes).
        # Font files (and images) come to it as one block of bytes each.
        if (
            isinstance(pdf_object, pydyf.Stream)
            and pdf_object.compress
            and "Filter" not in pdf_object.extra  # already encoded: left as it is
            and len(pdf_object.stream) == 1
            and isinstance(pdf_object.stream[0], bytes)
        ):
            pdf_object.stream = [zlib.compress(pdf_object.stream[0])]
            pdf_object.extra["Filter"] = "/FlateDecode"
            pdf_object.compress = False


def _set_bleed_boxes(pdf, *, bleed_mm: float) -> None:
    """Sets each page's BleedBox ``bleed_mm`` beyond its TrimBox.

    WeasyPrint puts the BleedBox 10 points (3.5 mm) beyond the trim whenever the page box
    reaches that far, as it does with room for crop marks: a printer would take the marks'
    room for bleed. Its TrimBox is the CSS page box, the trimmed sheet.
    """
    import pydyf

    bleed = bleed_mm * 72 / 25.4
    for pdf_object in pdf.objects:
        if isinstance(pdf_object, pydyf.Dictionary) and pdf_object.get("Type") == "/Page":
            left, top, right, bottom = pdf_object["TrimBox"]
            pdf_object["BleedBox"] = pydyf.Array(
                [left - bleed, top - bleed, right + bleed, bottom + bleed]
            )


def finish_pdf(*, bleed: bool):
    """The finisher of a handout's PDF: fonts deflated, the BleedBox the bleed asked for."""

    def finish(document, pdf) -> None:
        _deflate_fonts(pdf)
        _set_bleed_boxes(pdf, bleed_mm=BLEED_MM if bleed else 0)

    return finish


@lru_cache(maxsize=256)
def qr_png_uri(url: str) -> str:
    """The QR code of ``url`` as a PNG data URI, one pixel a module, scaled by the print CSS."""
    return segno.make(url, error="m").png_data_uri(scale=1, border=0, dark="#1d1d1b")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def readable_address(url: str) -> str:
    """``url`` as printed beside its QR code, for a reader to type: no scheme, no last slash."""
    return url.split("://", 1)[-1].rstrip("/")


def _block(kind: str, text_zh: str, text_bo: str) -> dict:
    zh_lines, bo_lines = _lines(text_zh), _lines(text_bo)
    return {
        "kind": kind,
        "zh": text_zh,
        "bo": text_bo,
        "zh_lines": zh_lines,
        "bo_lines": bo_lines,
        # Side by side, a list's items are paired row by row when both languages have as
        # many, so that each right stays level with its translation.
        "items": list(zip(zh_lines, bo_lines, strict=True))
        if kind == "list" and len(zh_lines) == len(bo_lines)
        else [],
    }


def handout_html(
    *, edition: MaterialEdition, paper_size: str, layout: str, contact_line: str, public_url: str
) -> str:
    """The HTML of the handout; the page size and bleed come from the stylesheets.

    The QR code is printed once: side by side where the edition's first QR code block stands,
    one language after the other after both (it serves both), and at the end when the
    edition has no such block.
    """
    material = edition.material
    blocks, qr = [], None
    for block in edition.blocks.order_by("position"):
        if block.kind == EditionBlock.Kind.QR_CODE:
            if qr is not None:
                continue  # a second QR code block would print the same code again
            qr = _block(block.kind, block.text_zh.strip(), block.text_bo.strip())
            blocks.append(qr)
        else:
            blocks.append(_block(block.kind, block.text_zh, block.text_bo))
    if qr is None:
        qr = _block(EditionBlock.Kind.QR_CODE, "", "")
        blocks.append(qr)
    return render_to_string(
        template_for(kind=material.kind, paper_size=paper_size),
        {
            "material": material,
            "edition": edition,
            "org_unit_name": material.org_unit.name,
            "blocks": blocks,
            "qr": qr,
            "layout": layout,
            "paper_class": f"paper-{paper_size.lower()}",
            "qr_png_uri": qr_png_uri(public_url),
            "contact_line": contact_line.strip(),
            "public_address": readable_address(public_url),
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
) -> RenderedPdf:
    """The print-ready PDF of ``edition``: fonts embedded and subset, the page as ordered."""
    from weasyprint import HTML

    html = handout_html(
        edition=edition,
        paper_size=paper_size,
        layout=layout,
        contact_line=contact_line,
        public_url=public_url,
    )
    return pdf_render(
        HTML(string=html, url_fetcher=url_fetcher()),
        stylesheets=stylesheets(paper_size=paper_size, bleed=bleed, crop_marks=crop_marks),
        font_config=font_configuration(),
        finisher=finish_pdf(bleed=bleed),
    )
