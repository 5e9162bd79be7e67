"""How far the text of a print-ready PDF keeps from the trim, in each layout.

Renders every seeded handout and the Tibetan stress text in each layout, trimmed and with
bleed and crop marks, reads every word's box back with poppler (as tests/printing does) and
prints, per layout, the safe area it keeps and the smallest distance from any glyph box to the
trimmed page's edge.

    .venv/bin/python bench/print_safe_area.py
"""

import tempfile
from pathlib import Path

from throwaway_db import django_setup, in_test_database

django_setup("bench-print-safe-area")

CONTACT = "红原支公司 · 红原县邛溪镇 · 咨询电话 0837-2661234"
PUBLIC_URL = "https://portal.example.cn/h/example/"


def run() -> None:
    from campaigns.printing.layouts import PAPER_SIZES
    from campaigns.printing.pipeline import edition_pdf
    from tests.factories import OrgUnitFactory
    from tests.printing.conftest import seeded_handouts, tibetan_stress_edition
    from tests.printing.pdf_tools import MM, pdf_boxes, pdf_words
    from tests.printing.test_print_ready import FINISHES, LAYOUTS

    unit = OrgUnitFactory(code="BENCH-PRINT", kind="hq")
    editions = seeded_handouts(unit) | {"tibetan_stress": tibetan_stress_edition(unit)}
    print(
        f"{'layout':<24} {'safe area':>10} {'nearest glyph to trim':>22}  (over {len(editions)} "
        f"handouts, {len(FINISHES)} finishes)"
    )
    with tempfile.TemporaryDirectory() as folder:
        for layout, (paper_size, order) in LAYOUTS.items():
            nearest = float("inf")
            for name, edition in editions.items():
                for finish, (bleed, crop_marks) in FINISHES.items():
                    path = Path(folder) / f"{name}-{layout}-{finish}.pdf"
                    path.write_bytes(
                        edition_pdf(
                            edition=edition,
                            paper_size=paper_size,
                            layout=order,
                            bleed=bleed,
                            crop_marks=crop_marks,
                            contact_line=CONTACT,
                            public_url=PUBLIC_URL,
                        ).content
                    )
                    for words, boxes in zip(pdf_words(path), pdf_boxes(path), strict=True):
                        trim = boxes.trim_from_top_left()
                        for word in words:
                            nearest = min(
                                nearest,
                                word.left - trim.left,
                                trim.right - word.right,
                                word.top - trim.top,
                                trim.bottom - word.bottom,
                            )
            safe = PAPER_SIZES[paper_size].safe_mm
            print(f"{layout:<24} {safe:>8.1f} mm {nearest / MM:>19.2f} mm")


if __name__ == "__main__":
    in_test_database(run)
