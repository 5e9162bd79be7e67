"""Print-ready for a real printer: in every layout, with and without bleed, the text and the QR
code stay inside the safe area, the columns are even, the boxes are declared, the marks stand
outside the bleed, and the handout's one QR code is never alone on a page.

Every seeded handout and a Tibetan stress text are rendered once for the module, in each
layout and finish; each test reads the PDFs back with poppler, as a printer's prepress would.
"""

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from campaigns.printing.layouts import BLEED_MM, MARKS_ROOM_MM, PAPER_SIZES, room_mm
from campaigns.printing.pipeline import edition_pdf, handout_html, readable_address
from tests.module_world import module_world
from tests.printing.conftest import PUBLIC_URL, seeded_handouts, tibetan_stress_edition
from tests.printing.pdf_tools import (
    MM,
    Box,
    page_png,
    page_pngs,
    pdf_boxes,
    pdf_object_text,
    pdf_text,
    pdf_words,
    without_whitespace,
)

# The PDFs are made once, in the module's own transaction (tests/module_world.py); the mark has
# pytest-django set up the test database for it.
pytestmark = pytest.mark.django_db

# The layouts a print run can be ordered in: the tri-fold ignores the order of the languages.
LAYOUTS = {
    "A5-side-by-side": ("A5", "side_by_side"),
    "A5-one-after-the-other": ("A5", "sequential"),
    "A4-tri-fold": ("A4", "side_by_side"),
    "A3-side-by-side": ("A3", "side_by_side"),
    "A3-one-after-the-other": ("A3", "sequential"),
}
# (bleed, crop marks)
FINISHES = {"trimmed": (False, False), "bleed-and-marks": (True, True)}
HANDOUTS = ["a5_leaflet", "a4_trifold", "a3_poster", "tibetan_stress"]
CASES = [
    pytest.param(handout, layout, finish, id=f"{handout}-{layout}-{finish}")
    for handout in HANDOUTS
    for layout in LAYOUTS
    for finish in FINISHES
]
CONTACT_LINE = "红原支公司 · 红原县邛溪镇 · 咨询电话 0837-2661234"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Rasterised at 72 dpi a pixel is 0.35 mm: ink is allowed one pixel of smoothing.
INK_DPI = 72
INK_TOLERANCE_MM = 0.4
# The QR code's modules are 0.6 mm or larger: 2.5 pixels each at 100 dpi.
QR_DPI = 100


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory):
    """The PDF (and HTML) of every handout in every layout and finish, by (handout, layout,
    finish)."""
    folder = tmp_path_factory.mktemp("print-ready")

    def build():
        from tests.factories import OrgUnitFactory

        unit = OrgUnitFactory(code="PRINT-HQ", kind="hq")
        editions = seeded_handouts(unit) | {"tibetan_stress": tibetan_stress_edition(unit)}
        files = {}
        for handout, edition in editions.items():
            for layout, (paper_size, order) in LAYOUTS.items():
                html = handout_html(
                    edition=edition,
                    paper_size=paper_size,
                    layout=order,
                    contact_line=CONTACT_LINE,
                    public_url=PUBLIC_URL,
                )
                for finish, (bleed, crop_marks) in FINISHES.items():
                    path = folder / f"{handout}-{layout}-{finish}.pdf"
                    pdf = edition_pdf(
                        edition=edition,
                        paper_size=paper_size,
                        layout=order,
                        bleed=bleed,
                        crop_marks=crop_marks,
                        contact_line=CONTACT_LINE,
                        public_url=PUBLIC_URL,
                    )
                    path.write_bytes(pdf.content)
                    files[handout, layout, finish] = (path, html)
        return files

    yield from module_world(build, django_db_blocker=django_db_blocker, media_root=folder / "media")


def safe_areas(layout: str, trim: Box) -> list[Box]:
    """The safe area of each panel of the trimmed page, in points from the page box's corner."""
    paper = PAPER_SIZES[LAYOUTS[layout][0]]
    safe, panel = paper.safe_mm * MM, paper.panel_width_mm * MM
    return [
        Box(
            trim.left + index * panel + safe,
            trim.top + safe,
            trim.left + (index + 1) * panel - safe,
            trim.bottom - safe,
        )
        for index in range(paper.panels)
    ]


def inside(box: Box, area: Box, *, tolerance: float = 0.0) -> bool:
    return (
        box.left >= area.left - tolerance
        and box.top >= area.top - tolerance
        and box.right <= area.right + tolerance
        and box.bottom <= area.bottom + tolerance
    )


@pytest.mark.parametrize(("handout", "layout", "finish"), CASES)
def test_every_glyph_lies_inside_the_safe_area(rendered, handout, layout, finish):
    path, _html = rendered[handout, layout, finish]
    outside = []
    for number, (words, boxes) in enumerate(
        zip(pdf_words(path), pdf_boxes(path), strict=True), start=1
    ):
        areas = safe_areas(layout, boxes.trim_from_top_left())
        # A word inside no panel's safe area is too near the trim or straddles a fold.
        outside += [
            (number, word) for word in words if not any(inside(word, area) for area in areas)
        ]
    assert outside == [], f"glyphs outside the safe area of {path}"


@pytest.mark.parametrize(("handout", "layout", "finish"), CASES)
def test_no_ink_on_the_trimmed_page_lies_outside_the_safe_area(rendered, handout, layout, finish):
    # Images too (the QR code), and each glyph's real ink, not only the box of its font. The
    # pages are kept in test-artifacts/ for a person to look at.
    path, _html = rendered[handout, layout, finish]
    scale = INK_DPI / 72
    tolerance = INK_TOLERANCE_MM * MM
    ARTIFACTS.mkdir(exist_ok=True)
    pngs = page_pngs(path, ARTIFACTS / f"print-{handout}-{layout}-{finish}", dpi=INK_DPI)
    for number, (png, boxes) in enumerate(zip(pngs, pdf_boxes(path), strict=True), start=1):
        trim = boxes.trim_from_top_left()
        # Ink is any pixel darker than near-white; the safe areas are blanked out of it.
        ink = Image.open(png).convert("L").point(lambda grey: 255 if grey < 250 else 0)
        draw = ImageDraw.Draw(ink)
        for area in safe_areas(layout, trim):
            draw.rectangle(
                [
                    (area.left - tolerance) * scale,
                    (area.top - tolerance) * scale,
                    (area.right + tolerance) * scale,
                    (area.bottom + tolerance) * scale,
                ],
                fill=0,
            )
        # What stays, on the trimmed page (the crop marks stand outside it), is out of place.
        on_page = ink.crop(
            tuple(round(v * scale) for v in (trim.left, trim.top, trim.right, trim.bottom))
        )
        stray = on_page.getbbox()
        assert stray is None, (
            f"ink from {stray[0] / scale / MM:.1f}, {stray[1] / scale / MM:.1f} mm to "
            f"{stray[2] / scale / MM:.1f}, {stray[3] / scale / MM:.1f} mm of the trim's corner "
            f"on page {number}, see {png}"
        )


def _pair_cells(document) -> list[list]:
    """The table cells of each side-by-side row (.pair), as WeasyPrint laid them out."""
    rows = []
    for page in document.pages:
        # The page's box tree is WeasyPrint's own (Page._page_box): there is no public one.
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if (
                type(box).__name__ == "TableRowBox"
                and element is not None
                and "pair" in (element.get("class") or "").split()
            ):
                rows.append(list(box.children))
    return rows


@pytest.mark.parametrize("layout", ["A5-side-by-side", "A3-side-by-side"])
@pytest.mark.parametrize("handout", HANDOUTS)
def test_the_language_columns_are_equally_wide_and_fill_the_text_box(rendered, handout, layout):
    from weasyprint import HTML

    from campaigns.printing.pipeline import font_configuration, stylesheets, url_fetcher

    _path, html = rendered[handout, layout, "trimmed"]
    paper = PAPER_SIZES[LAYOUTS[layout][0]]
    document = HTML(string=html, url_fetcher=url_fetcher()).render(
        stylesheets=stylesheets(paper_size=paper.code, bleed=False, crop_marks=False),
        font_config=font_configuration(),
    )
    rows = _pair_cells(document)
    assert rows
    px = 96 / 25.4  # WeasyPrint lays out in CSS pixels
    for chinese, tibetan in rows:
        # The text inside each cell: its content box, the gap being the cells' paddings.
        assert chinese.width == pytest.approx(tibetan.width, abs=0.01)
        assert chinese.border_box_x() == pytest.approx(paper.margin_mm * px, abs=0.01)
        right_edge = tibetan.border_box_x() + tibetan.border_width()
        assert right_edge == pytest.approx((paper.width_mm - paper.margin_mm) * px, abs=0.01)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("finish", FINISHES)
def test_pdf_declares_the_trim_and_bleed_of_each_page(rendered, layout, finish):
    path, _html = rendered["a5_leaflet", layout, finish]
    bleed, crop_marks = FINISHES[finish]
    paper = PAPER_SIZES[LAYOUTS[layout][0]]
    room = room_mm(bleed=bleed, crop_marks=crop_marks) * MM
    bleed_pt = (BLEED_MM if bleed else 0) * MM
    width, height = paper.width_mm * MM, paper.height_mm * MM
    for boxes in pdf_boxes(path):
        left, bottom = boxes.trim[:2]
        assert boxes.trim == pytest.approx((left, bottom, left + width, bottom + height), abs=0.02)
        assert boxes.media == pytest.approx(
            (left - room, bottom - room, left + width + room, bottom + height + room), abs=0.02
        )
        assert boxes.bleed == pytest.approx(
            (
                left - bleed_pt,
                bottom - bleed_pt,
                left + width + bleed_pt,
                bottom + height + bleed_pt,
            ),
            abs=0.02,
        )


def test_each_page_object_names_its_trim_and_bleed_box(rendered):
    # pdfinfo shows a missing TrimBox as the page box: the PDF's own objects must name it.
    path, _html = rendered["a5_leaflet", "A5-side-by-side", "trimmed"]
    objects = pdf_object_text(path)
    pages = len(pdf_boxes(path))
    assert objects.count("/TrimBox") == pages
    assert objects.count("/BleedBox") == pages


def _span(edge: float, outward: int, near: float, far: float) -> tuple[float, float]:
    """From ``near`` to ``far`` points beyond ``edge``, lowest first."""
    return tuple(sorted((edge + outward * near, edge + outward * far)))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_crop_marks_stand_outside_the_bleed(rendered, layout, tmp_path):
    path, _html = rendered["a5_leaflet", layout, "bleed-and-marks"]
    dpi = 150
    scale = dpi / 72
    png = page_png(path, tmp_path / "page", dpi=dpi)
    boxes = pdf_boxes(path)[0]
    trim = boxes.trim_from_top_left()
    bleed = BLEED_MM * MM
    ink = Image.open(png).convert("L").point(lambda grey: 255 if grey < 128 else 0)

    def ink_in(box: Box):
        return ink.crop(
            tuple(round(value * scale) for value in (box.left, box.top, box.right, box.bottom))
        ).getbbox()

    # At each corner a mark along each trim line, from the bleed's edge to the page box's...
    room = MARKS_ROOM_MM * MM
    for x, outward_x in ((trim.left, -1), (trim.right, 1)):
        for y, outward_y in ((trim.top, -1), (trim.bottom, 1)):
            left, right = _span(x, outward_x, bleed + 1, room)
            top, bottom = _span(y, outward_y, bleed + 1, room)
            assert ink_in(Box(left, y - 2, right, y + 2)), (x, y, png)
            assert ink_in(Box(x - 2, top, x + 2, bottom)), (x, y, png)
    # ...and none in the bleed itself, around the trimmed page.
    for band in [
        Box(trim.left - bleed, trim.top - bleed, trim.right + bleed, trim.top - 1),
        Box(trim.left - bleed, trim.bottom + 1, trim.right + bleed, trim.bottom + bleed),
        Box(trim.left - bleed, trim.top, trim.left - 1, trim.bottom),
        Box(trim.right + 1, trim.top, trim.right + bleed, trim.bottom),
    ]:
        assert ink_in(band) is None, (band, png)


@pytest.mark.parametrize(("handout", "layout", "finish"), [c for c in CASES if "trimmed" in c.id])
def test_the_handout_has_one_qr_code_and_it_is_never_alone_on_a_page(
    rendered, handout, layout, finish, tmp_path
):
    import zxingcpp

    path, _html = rendered[handout, layout, finish]
    codes = []
    for png in page_pngs(path, tmp_path / "page", dpi=QR_DPI):
        codes += [code.text for code in zxingcpp.read_barcodes(Image.open(png))]
    assert codes == [PUBLIC_URL]
    # Each page holds text of the handout itself, not only the QR code's address and the
    # footer: the QR code is kept with the block before it.
    paper = PAPER_SIZES[LAYOUTS[layout][0]]
    address = readable_address(PUBLIC_URL)
    for number, (words, boxes) in enumerate(
        zip(pdf_words(path), pdf_boxes(path), strict=True), start=1
    ):
        footer_top = boxes.trim_from_top_left().bottom - (paper.margin_mm + paper.footer_mm) * MM
        body = [w for w in words if w.bottom <= footer_top and w.text not in address]
        assert len(body) >= 3, f"page {number} of {path} holds only {body}"


def test_the_printed_address_is_the_qr_codes_own(rendered):
    path, _html = rendered["a5_leaflet", "A5-side-by-side", "trimmed"]
    text = without_whitespace(pdf_text(path))
    assert (
        readable_address(PUBLIC_URL) == "portal.example.cn/h/6f1c2a9e-3b7d-4e15-9a0c-1d2e3f4a5b6c"
    )
    assert readable_address(PUBLIC_URL) in text
