"""Reading PDFs back with poppler-utils, as a printer's prepress would."""

import re
import subprocess
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
