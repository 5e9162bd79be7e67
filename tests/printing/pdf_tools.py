"""Reading PDFs back with poppler-utils, as a printer's prepress would."""

import html
import re
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_text(path: Path) -> str:
    """The text in content-stream order (-raw keeps Tibetan vowel signs after their base)."""
    return _run("pdftotext", "-raw", "-enc", "UTF-8", str(path), "-")


def without_whitespace(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_fonts(path: Path) -> list[dict]:
    """One row of pdffonts per font: its name (without the subset tag) and whether embedded."""
    lines = _run("pdffonts", str(path)).splitlines()[2:]
    fonts = []
    for line in lines:
        name = line.split()[0]
        columns = line.split()
        # name type… encoding emb sub uni object ID: emb is the fifth column from the end.
        fonts.append({"name": name.split("+", 1)[-1], "embedded": columns[-5] == "yes"})
    return fonts


def pdf_page_size(path: Path) -> tuple[float, float]:
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", _run("pdfinfo", str(path)))
    return float(match.group(1)), float(match.group(2))


def pdf_page_count(path: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path))).group(1))


def page_png(path: Path, out_stem: Path, *, dpi: int = 50, page: int = 1) -> Path:
    """Page ``page`` as a greyscale PNG, as the reference image was made."""
    _run(
        "pdftoppm",
        "-r",
        str(dpi),
        "-gray",
        "-png",
        "-f",
        str(page),
        "-l",
        str(page),
        "-singlefile",
        str(path),
        str(out_stem),
    )
    return out_stem.with_suffix(".png")


MM = 72 / 25.4


@dataclass(frozen=True)
class Box:
    """A rectangle in points, from the page's top left corner: x to the right, y down."""

    left: float
    top: float
    right: float
    bottom: float
    text: str = ""


@dataclass(frozen=True)
class PageBoxes:
    """A page's MediaBox, BleedBox and TrimBox, in PDF user space (y up)."""

    media: tuple[float, float, float, float]
    bleed: tuple[float, float, float, float]
    trim: tuple[float, float, float, float]

    def trim_from_top_left(self) -> Box:
        """The trimmed sheet as pdftotext and pdftoppm see it: from the page box's top left."""
        media_left, _, _, media_top = self.media
        left, bottom, right, top = self.trim
        return Box(left - media_left, media_top - top, right - media_left, media_top - bottom)


def pdf_boxes(path: Path) -> list[PageBoxes]:
    """Each page's boxes as pdfinfo reads them (a box the PDF leaves out shows its default)."""
    out = _run("pdfinfo", "-box", "-f", "1", "-l", str(pdf_page_count(path)), str(path))
    boxes: dict[int, dict[str, tuple]] = {}
    for match in re.finditer(r"Page\s+(\d+) (\w+)Box:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", out):
        page, name, *numbers = match.groups()
        boxes.setdefault(int(page), {})[name] = tuple(float(n) for n in numbers)
    return [
        PageBoxes(media=page["Media"], bleed=page["Bleed"], trim=page["Trim"])
        for _number, page in sorted(boxes.items())
    ]


def pdf_words(path: Path) -> list[list[Box]]:
    """Each page's words with the boxes poppler gives their glyphs (the fonts' ascent and
    descent high, the advances wide), from the page box's top left corner."""
    out = _run("pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-")
    pages = []
    for page in re.finditer(r"<page [^>]*>(.*?)</page>", out, re.DOTALL):
        pages.append(
            [
                Box(*(float(n) for n in word.groups()[:4]), text=html.unescape(word.group(5)))
                for word in re.finditer(
                    r'<word xMin="(\S+)" yMin="(\S+)" xMax="(\S+)" yMax="(\S+)">(.*?)</word>',
                    page.group(1),
                )
            ]
        )
    return pages


def pdf_info(path: Path) -> dict[str, str]:
    """pdfinfo's fields (Title, Author, Pages…) by name."""
    lines = _run("pdfinfo", "-enc", "UTF-8", str(path)).splitlines()
    fields = (line.split(":", 1) for line in lines if ":" in line)
    return {name.strip(): value.strip() for name, value in fields}


def pdf_object_text(path: Path) -> str:
    """The PDF's objects as text, those packed in compressed object streams unpacked: where
    the catalog's /Lang and each page's boxes are written."""
    data = path.read_bytes()
    parts = [data]
    for stream in re.finditer(rb"/Type\s*/ObjStm.*?stream\r?\n", data, re.DOTALL):
        decompressor = zlib.decompressobj()
        parts.append(decompressor.decompress(data[stream.end() :]))
    return b"\n".join(parts).decode("latin-1")


def page_pngs(path: Path, out_stem: Path, *, dpi: int) -> list[Path]:
    """Every page as a greyscale PNG, in order (those of an earlier run removed first)."""
    for old in out_stem.parent.glob(f"{out_stem.name}-*.png"):
        old.unlink()
    _run("pdftoppm", "-r", str(dpi), "-gray", "-png", str(path), str(out_stem))
    return sorted(out_stem.parent.glob(f"{out_stem.name}-*.png"))
