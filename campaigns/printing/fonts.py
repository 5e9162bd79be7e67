"""The Chinese print fonts, cut down once per machine to the characters handouts use.

Noto Serif CJK SC has 65,535 glyphs. WeasyPrint subsets every font it embeds and keeps the
glyph ids, so each render of a handout walks all of them, twice (regular and bold): about
three quarters of a second-long render here, and most of the PDF's bytes (bench/print.py).
Instead the pipeline embeds a copy of each weight holding only the common characters (GB
2312's hanzi and symbols, Latin, CJK and full-width punctuation: about 8,000 glyphs),
made with HarfBuzz's subsetter in a fraction of a second and kept on disk. The outlines and
metrics are the font's own, so the page looks the same. A rarer character is not lost: the
print CSS names the full system font right after the copy, and the text falls back to it.
"""

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings

logger = logging.getLogger(__name__)

# The family name of the copies in the print CSS (templates/print/handout.css).
FAMILY = "Noto Serif CJK SC Common"
SOURCE_FAMILY = "Noto Serif CJK SC"
# CSS weights and their names, which fontconfig also takes (its numeric scale is its own).
WEIGHTS = {400: "regular", 700: "bold"}
# Raised whenever the repertoire below changes, so that old copies are not reused.
REPERTOIRE_VERSION = 1


@dataclass(frozen=True)
class SourceFont:
    """One face of a system font file (a .ttc holds several), as fontconfig finds it."""

    path: Path
    index: int


def repertoire() -> frozenset[int]:
    """The code points the copies hold: every character GB 2312 encodes, and punctuation."""
    code_points = {
        *range(0x20, 0x7F),  # ASCII
        *range(0xA0, 0x180),  # Latin-1 and Latin Extended-A
        *range(0x2000, 0x2070),  # general punctuation: dashes, quotes, ellipsis
        *range(0x2100, 0x2200),  # letterlike symbols, numerals, arrows
        *range(0x2460, 0x2500),  # enclosed numbers ①
        *range(0x3000, 0x3040),  # CJK symbols and punctuation
        *range(0xFF00, 0xFFF0),  # full-width forms
    }
    # Rows 0xA1–0xA9 hold GB 2312's symbols, rows 0xB0–0xF7 its 6,763 hanzi. Keeping only
    # the 3,755 first-level ones made PDFs a fifth smaller but no render measurably faster,
    # and would send every second-level character (names, places) to the full font.
    for high in (*range(0xA1, 0xAA), *range(0xB0, 0xF8)):
        for low in range(0xA1, 0xFF):
            try:
                code_points.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue  # an unassigned cell of the GB 2312 table
    return frozenset(code_points)


def source_font(weight: int) -> SourceFont | None:
    """The system's Noto Serif CJK SC file of ``weight``, or None if fontconfig has none."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    found = subprocess.run(  # noqa: S603 (a fixed program, our own arguments)
        [
            fc_match,
            "-f",
            "%{family}\n%{file}\n%{index}",
            f"{SOURCE_FAMILY}:weight={WEIGHTS[weight]}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = found.stdout.splitlines()
    # fontconfig answers with its nearest font when the one asked for is missing.
    if found.returncode != 0 or len(lines) != 3 or SOURCE_FAMILY not in lines[0].split(","):
        return None
    return SourceFont(path=Path(lines[1]), index=int(lines[2]))


def _copy_path(source: SourceFont, weight: int) -> Path:
    stat = source.path.stat()
    key = f"{source.path}:{source.index}:{stat.st_size}:{stat.st_mtime_ns}:{REPERTOIRE_VERSION}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(settings.PRINT_FONT_DIR) / f"handout-serif-sc-{WEIGHTS[weight]}-{digest}.otf"


def _subset(source: SourceFont, target: Path) -> None:
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(source.path)), source.index)
    wanted = hb.SubsetInput()
    for code_point in repertoire():
        wanted.unicode_set.add(code_point)
    # Every OpenType feature and name stays: punctuation width and vertical forms keep working.
    wanted.sets(hb.SubsetInputSets.LAYOUT_FEATURE_TAG).invert()
    wanted.sets(hb.SubsetInputSets.NAME_ID).invert()
    data = hb.subset(face, wanted).blob.data
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written under another name and renamed: two workers starting at once never read half.
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False) as part:
        part.write(data)
    os.chmod(part.name, 0o644)  # workers may run as other users than the one who made it
    os.replace(part.name, target)


def common_character_copy(weight: int) -> Path | None:
    """The cut-down copy of ``weight``, made on first use; None if the system font is missing."""
    source = source_font(weight)
    if source is None:
        logger.warning(
            "%s (weight %s) is not installed: handouts use the fallback fonts",
            SOURCE_FAMILY,
            weight,
        )
        return None
    target = _copy_path(source, weight)
    if not target.exists():
        _subset(source, target)
    return target


@cache
def font_face_css() -> str:
    """The @font-face rules of the copies, for the print stylesheet (once per process)."""
    rules = []
    for weight in WEIGHTS:
        copy = common_character_copy(weight)
        if copy is not None:
            rules.append(
                f'@font-face {{ font-family: "{FAMILY}"; font-weight: {weight}; '
                f'src: url("{copy.as_uri()}"); }}'
            )
    return "\n".join(rules)


def is_font_copy(url: str) -> bool:
    """Whether ``url`` names one of the copies: the only file a handout may load."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    # Resolved after unquoting, so that neither "%2e%2e" nor a link leads out of the folder.
    path = Path(url2pathname(parts.path)).resolve()
    return path.parent == Path(settings.PRINT_FONT_DIR).resolve() and path.suffix == ".otf"
