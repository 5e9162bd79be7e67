"""How fast the print pipeline renders the seeded bilingual A5 eight-rights leaflet.

Three ways in one run, each the median of RUNS renders of the same HTML:
- layout only: ``HTML(string=...).render()`` with WeasyPrint's defaults (the floor);
- naive: ``HTML(string=...).write_pdf()`` with the defaults and the print CSS inline;
- pipeline: ``campaigns.printing.pipeline.edition_pdf``, warm as a worker after its first job.
Then the worker's memory (VmRSS) growth over MEMORY_RENDERS pipeline renders, and how far
the pipeline's first page is from the naive one's (mean grey-level difference at 100 dpi, 0
to 255): the pipeline embeds cut-down copies of the fonts, so the pages must look the same.

The edition is built in a throw-away test database (TEST_SQLITE_NAME, or SQLite in /tmp)
from the seed file. The last line is
``layout_s=L naive_s=A pipeline_s=B ratio=A/B floor_ratio=B/L pdf_kb=K``.

    .venv/bin/python bench/print.py
"""

import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from throwaway_db import django_setup, in_test_database

django_setup("print-bench")


ROOT = Path(__file__).resolve().parent.parent
TITLE = "金融消费者八项基本权利"
RUNS = 7
MEMORY_RENDERS = 200
PUBLIC_URL = "https://portal.example.cn/h/6f1c2a9e-3b7d-4e15-9a0c-1d2e3f4a5b6c/"
CONTACT = "红原县支行 · 金融消费者权益保护咨询电话 0837-2661234"


def seeded_material() -> dict:
    """The eight-rights leaflet's seed entry, from seeds/materials.json if it exists."""
    for name in ("materials.json", "campaigns.json"):
        path = ROOT / "seeds" / name
        if not path.exists():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data if isinstance(data, list) else data.get("materials", [])
        for entry in entries:
            if entry.get("title_zh") == TITLE:
                return entry
    sys.exit(f"no material titled {TITLE} in seeds/")


def seeded_edition():
    from campaigns.models import EditionBlock, Material, MaterialEdition, OrgUnit

    entry = seeded_material()
    unit = OrgUnit.objects.create(code="BENCH", name="红原县支行", kind=OrgUnit.Kind.HQ)
    material = Material.objects.create(
        org_unit=unit,
        title_zh=entry["title_zh"],
        title_bo=entry.get("title_bo", ""),
        topic=entry.get("topic", "eight_rights"),
        kind=Material.Kind.A5_LEAFLET,
    )
    edition = MaterialEdition.objects.create(
        material=material, number=1, status=MaterialEdition.Status.APPROVED
    )
    blocks = entry.get("blocks") or entry.get("editions", [{}])[-1].get("blocks", [])
    for position, block in enumerate(blocks, start=1):
        EditionBlock.objects.create(
            edition=edition,
            position=position,
            kind=block["kind"],
            text_zh=block.get("text_zh", ""),
            text_bo=block.get("text_bo", ""),
        )
    return MaterialEdition.objects.select_related("material__org_unit").get(pk=edition.pk)


def timed(function) -> float:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def page_difference(first: bytes, second: bytes) -> float:
    """Mean grey-level difference of the two PDFs' first pages, rendered by poppler."""
    from PIL import Image, ImageChops, ImageStat

    with tempfile.TemporaryDirectory() as folder:
        images = []
        for name, pdf in (("first", first), ("second", second)):
            path = Path(folder) / f"{name}.pdf"
            path.write_bytes(pdf)
            stem = Path(folder) / name
            subprocess.run(
                ["pdftoppm", "-r", "100", "-gray", "-png", "-singlefile", "-l", "1", path, stem],
                check=True,
            )
            images.append(Image.open(stem.with_suffix(".png")))
        return ImageStat.Stat(ImageChops.difference(*images)).mean[0]


def run() -> None:
    from weasyprint import HTML

    from campaigns.printing.layouts import page_css
    from campaigns.printing.pipeline import PRINT_CSS, edition_pdf, handout_html

    edition = seeded_edition()
    options = {
        "edition": edition,
        "paper_size": "A5",
        "layout": "side_by_side",
        "bleed": False,
        "crop_marks": False,
        "contact_line": CONTACT,
        "public_url": PUBLIC_URL,
    }
    # The naive render gets the very same page: the print CSS inline, every default kept.
    css = PRINT_CSS.read_text(encoding="utf-8") + page_css(
        paper_size="A5", bleed=False, crop_marks=False
    )
    html = handout_html(
        edition=edition,
        paper_size="A5",
        layout="side_by_side",
        contact_line=CONTACT,
        public_url=PUBLIC_URL,
    ).replace("</head>", f"<style>{css}</style></head>", 1)

    layout_s = timed(lambda: HTML(string=html).render())
    naive_s = timed(lambda: HTML(string=html).write_pdf())
    pdf = edition_pdf(**options).content  # the worker's first job: fonts and CSS loaded
    pipeline_s = timed(lambda: edition_pdf(**options))

    # The naive renders leave cyclic garbage behind (a font configuration each, with the full
    # CJK fonts loaded): collected during the loop below, it made the growth come out at
    # -150 MB. Collected first, it is not counted against the pipeline either way.
    gc.collect()
    before = rss_kb()
    for _ in range(MEMORY_RENDERS):
        edition_pdf(**options)
    growth_mb = (rss_kb() - before) / 1024

    pages = len(HTML(string=html).render().pages)
    look_difference = page_difference(HTML(string=html).write_pdf(), pdf)
    print(f"edition blocks={edition.blocks.count()} runs={RUNS} (median of each)")
    print(f"pages={pages} pdf_kb_per_page={len(pdf) / 1024 / pages:.0f}")
    print(f"rss_growth_mb={growth_mb:.1f} over {MEMORY_RENDERS} pipeline renders")
    print(f"look_difference={look_difference:.3f} (pipeline against naive, first page)")
    # A pipeline still has to lay the page out: even one that did nothing else could not be
    # faster than naive_s / layout_s times the naive render.
    print(f"ceiling_ratio={naive_s / layout_s:.2f} (naive against layout only)")
    print(
        f"layout_s={layout_s:.3f} naive_s={naive_s:.3f} pipeline_s={pipeline_s:.3f} "
        f"ratio={naive_s / pipeline_s:.2f} floor_ratio={pipeline_s / layout_s:.2f} "
        f"pdf_kb={len(pdf) / 1024:.0f}"
    )


if __name__ == "__main__":
    in_test_database(run)
