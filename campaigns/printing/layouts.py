"""What each handout needs on paper: the page box, the panels, the bleed and crop marks."""

from dataclasses import dataclass

# Printers ask for 3 mm of background beyond the trim on every side; it is added to the page
# box, so an A5 page with bleed is 154 × 216 mm.
BLEED_MM = 3


@dataclass(frozen=True)
class PaperSize:
    """A trimmed sheet, in millimetres, and how many panels its text flows through."""

    code: str
    width_mm: int
    height_mm: int
    panels: int = 1


PAPER_SIZES = {
    "A5": PaperSize("A5", 148, 210),
    # The tri-fold is printed landscape and folded twice into three panels of 99 mm.
    "A4": PaperSize("A4", 297, 210, panels=3),
    "A3": PaperSize("A3", 297, 420),
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


def page_size_mm(*, paper_size: str, bleed: bool, crop_marks: bool = False) -> tuple[int, int]:
    """The page box of the PDF: the trimmed sheet, plus the bleed (or marks' room) each side."""
    paper = PAPER_SIZES[paper_size]
    extra = 2 * BLEED_MM if bleed or crop_marks else 0
    return paper.width_mm + extra, paper.height_mm + extra


def page_css(*, paper_size: str, bleed: bool, crop_marks: bool) -> str:
    """The @page rule of one paper size; WeasyPrint adds the bleed to the page box itself."""
    paper = PAPER_SIZES[paper_size]
    rules = [f"size: {paper.width_mm}mm {paper.height_mm}mm;"]
    # Crop marks are drawn in the bleed area, so they get one even if no bleed was asked.
    if bleed or crop_marks:
        rules.append(f"bleed: {BLEED_MM}mm;")
    if crop_marks:
        rules.append("marks: crop;")
    return "@page { " + " ".join(rules) + " }"
