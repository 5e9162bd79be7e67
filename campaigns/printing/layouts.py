"""What each handout needs on paper: the page box, its safe area, the panels, bleed and crop marks.

Every length a printer checks is here, and the @page rule is written from them (page_css), so
that the print CSS holds no page geometry of its own and the tests read the same numbers.
"""

from dataclasses import dataclass

# Printers ask for 3 mm of background beyond the trim on every side; it is added to the page
# box, so an A5 page with bleed is 154 × 216 mm.
BLEED_MM = 3
# Crop marks need room of their own outside the bleed, or a cut 1 mm off shows them. WeasyPrint
# draws them in the outer half of the room around the trim: 10 mm of room puts them from 5 to
# 10 mm outside the trim, clear of the bleed. The page box then is 168 × 230 mm on A5.
MARKS_ROOM_MM = 10


@dataclass(frozen=True)
class PaperSize:
    """A trimmed sheet, in millimetres: its panels, its safe area, its text box and footer."""

    code: str
    width_mm: int
    height_mm: int
    # The safe area: no glyph box (as a PDF reader measures it, from its font's ascent and
    # descent) and no image stands nearer than this to the trim, nor to a fold.
    safe_mm: float
    # The text box's distance from the trim on every side (and from each fold), the footer
    # included. Wider than the safe area: Noto Serif Tibetan's glyph boxes are 2.8 em tall, so
    # a Tibetan line's boxes reach 0.6 em above and below its line box (2.9 mm for an A5
    # heading, 6.4 mm for an A3 one).
    margin_mm: float
    # The band above the bottom margin holding the footer: the unit's contact line and the
    # edition, three lines at most.
    footer_mm: float
    panels: int = 1

    @property
    def panel_width_mm(self) -> float:
        return self.width_mm / self.panels

    @property
    def text_width_mm(self) -> float:
        """The width of one panel's text (the whole text box when there is one panel)."""
        return self.panel_width_mm - 2 * self.margin_mm


PAPER_SIZES = {
    "A5": PaperSize("A5", 148, 210, safe_mm=7, margin_mm=11, footer_mm=13),
    # The tri-fold is printed landscape and folded twice into three panels of 99 mm; the text
    # flows through them in columns 2 × 11 mm apart, so that each fold has 11 mm either side.
    "A4": PaperSize("A4", 297, 210, safe_mm=7, margin_mm=11, footer_mm=13, panels=3),
    # Read from a few steps away: larger type, so wider margins.
    "A3": PaperSize("A3", 297, 420, safe_mm=9, margin_mm=16, footer_mm=18),
}

# The template of each kind of material, and the paper it is usually printed on.
KIND_TEMPLATES = {
    "a5_leaflet": "print/a5_leaflet.html",
    "a4_trifold": "print/a4_trifold.html",
    "a3_poster": "print/a3_poster.html",
    # A banner is printed by a sign maker from the poster's layout, scaled.
    "banner": "print/a3_poster.html",
}
KIND_PAPER = {"a5_leaflet": "A5", "a4_trifold": "A4", "a3_poster": "A3", "banner": "A3"}
# Which template a paper size prints with when it differs from the material's own kind.
PAPER_TEMPLATES = {
    "A5": "print/a5_leaflet.html",
    "A4": "print/a4_trifold.html",
    "A3": "print/a3_poster.html",
}


def template_for(*, kind: str, paper_size: str) -> str:
    """The print template for a material of ``kind`` printed on ``paper_size``."""
    if KIND_PAPER.get(kind) == paper_size:
        return KIND_TEMPLATES[kind]
    return PAPER_TEMPLATES[paper_size]


def room_mm(*, bleed: bool, crop_marks: bool) -> int:
    """How far the page box reaches beyond the trim on each side."""
    if crop_marks:
        return MARKS_ROOM_MM
    return BLEED_MM if bleed else 0


def page_size_mm(*, paper_size: str, bleed: bool, crop_marks: bool = False) -> tuple[int, int]:
    """The page box of the PDF: the trimmed sheet, plus the bleed (or marks' room) each side."""
    paper = PAPER_SIZES[paper_size]
    extra = 2 * room_mm(bleed=bleed, crop_marks=crop_marks)
    return paper.width_mm + extra, paper.height_mm + extra


def page_css(*, paper_size: str, bleed: bool, crop_marks: bool) -> str:
    """The page geometry of one paper size: @page (size, margins, bleed, marks) and the footer."""
    paper = PAPER_SIZES[paper_size]
    margin, bottom = paper.margin_mm, paper.margin_mm + paper.footer_mm
    rules = [
        f"size: {paper.width_mm}mm {paper.height_mm}mm;",
        f"margin: {margin}mm {margin}mm {bottom}mm;",
    ]
    # WeasyPrint adds the bleed to the page box itself, beyond the trim; the pipeline sets
    # the PDF's BleedBox to the 3 mm actually asked for (pipeline.finish_pdf).
    room = room_mm(bleed=bleed, crop_marks=crop_marks)
    if room:
        rules.append(f"bleed: {room}mm;")
    if crop_marks:
        rules.append("marks: crop;")
    # The footer's last line ends on the text box's edge, whatever its number of lines.
    footer_box = (
        f"@bottom-left {{ content: element(footer); width: 100%; vertical-align: bottom; "
        f"padding-bottom: {margin}mm; }}"
    )
    css = "@page { " + " ".join(rules) + " " + footer_box + " }"
    if paper.panels > 1:
        # Text flows through the panels as columns; the gap is each fold's margin twice, and
        # the footer keeps to the first panel so that it never crosses a fold.
        css += (
            f"\nmain {{ column-count: {paper.panels}; column-gap: {2 * margin}mm; }}"
            f"\n.handout-footer {{ width: {paper.text_width_mm}mm; }}"
        )
    return css
