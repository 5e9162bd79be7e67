"""The Chinese print fonts, cut down once per machine to the characters handouts use.

Noto Serif CJK SC has 65,535 glyphs. WeasyPrint subsets every font it embeds and keeps the
glyph ids, so each render's subset of a font spans every glyph up to the highest one used:
subsetting and deflating it costs in proportion to that span, not to the few hundred glyphs
the text needs. Instead the pipeline embeds copies of each weight holding only GB 2312's
characters, made with HarfBuzz's subsetter in a fraction of a second and kept on disk, in two
parts as GB 2312 itself orders them:
- "common": its first level (the 3,755 hanzi of nearly all running text), its symbols, Latin,
  CJK and full-width punctuation, about 5,600 glyphs with their alternates;
- "second level": its 3,008 second-level hanzi (names, places, literary words), and the spaces,
  embedded only in the PDFs whose text uses one of them.
With a single copy of 8,300 glyphs, the fonts of a render took 6 ms longer to subset and deflate
and the eight-rights leaflet's PDF was a fifth larger (125 KB, not 106 KB; bench/print.py). The
outlines and metrics are the font's own, so the page looks the same. A rarer character is
not lost: the print CSS names the full system font right after the copies, and the text falls
back to it.
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

SOURCE_FAMILY = "Noto Serif CJK SC"
# CSS weights and their names, which fontconfig also takes (its numeric scale is its own).
WEIGHTS = {400: "regular", 700: "bold"}
# Raised whenever a repertoire below, or how a copy is made, changes: old copies are not reused.
REPERTOIRE_VERSION = 3
# Pango sets a space in the font of the character before it, not in the first font that has
# it: after a second-level hanzi, a copy without spaces drew a space as a crossed box.
SPACES = frozenset({0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000})


@dataclass(frozen=True)
class Part:
    """One copy's share of GB 2312: its family name in the print CSS and its rows."""

    # WeasyPrint names the embedded font after this family, as Pango writes it: a family
    # ending in a number or a style word ("Level 2", "… Bold") gets a comma appended
    # ("Noto-Serif-CJK-SC-Level-2,"), which preflight tools read as a style separator.
    family: str
    slug: str
    # The rows of the GB 2312 table (the first byte of its two-byte codes) it holds.
    rows: tuple[int, ...]
    with_punctuation: bool


# Rows 0xA1–0xA9 hold GB 2312's symbols, 0xB0–0xD7 its first-level hanzi, 0xD8–0xF7 its
# second level. The family names are those of templates/print/handout.css.
COMMON = Part(
    family="Noto Serif CJK SC Common",
    slug="common",
    rows=(*range(0xA1, 0xAA), *range(0xB0, 0xD8)),
    with_punctuation=True,
)
LEVEL_2 = Part(
    family="Noto Serif CJK SC Second Level",
    slug="level-2",
    rows=tuple(range(0xD8, 0xF8)),
    with_punctuation=False,
)
PARTS = (COMMON, LEVEL_2)


@dataclass(frozen=True)
class SourceFont:
    """One face of a system font file (a .ttc holds several), as fontconfig finds it."""

    path: Path
    index: int


def repertoire(part: Part = COMMON) -> frozenset[int]:
    """The code points a copy holds: the characters of its GB 2312 rows, the spaces (and
    punctuation)."""
    code_points = set(SPACES)
    if part.with_punctuation:
        code_points |= {
            *range(0x20, 0x7F),  # ASCII
            *range(0xA0, 0x180),  # Latin-1 and Latin Extended-A
            *range(0x2000, 0x2070),  # general punctuation: dashes, quotes, ellipsis
            *range(0x2100, 0x2200),  # letterlike symbols, numerals, arrows
            *range(0x2460, 0x2500),  # enclosed numbers ①
            *range(0x3000, 0x3040),  # CJK symbols and punctuation
            *range(0xFF00, 0xFFF0),  # full-width forms
        }
    for high in part.rows:
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


def _copy_path(source: SourceFont, weight: int, part: Part) -> Path:
    stat = source.path.stat()
    key = f"{source.path}:{source.index}:{stat.st_size}:{stat.st_mtime_ns}:{REPERTOIRE_VERSION}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    name = f"handout-serif-sc-{part.slug}-{WEIGHTS[weight]}-{digest}.otf"
    return Path(settings.PRINT_FONT_DIR) / name


def _subset(source: SourceFont, part: Part, target: Path) -> None:
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(source.path)), source.index)
    wanted = hb.SubsetInput()
    for code_point in repertoire(part):
        wanted.unicode_set.add(code_point)
    # Every name and OpenType feature stays, so that kerning, ligatures, punctuation width and
    # vertical forms keep working. Both sets start as HarfBuzz's defaults (kern, liga, vert…;
    # the family names): emptied first, as inverting them alone kept all but those.
    names = wanted.sets(hb.SubsetInputSets.NAME_ID)
    names.clear()
    names.invert()
    features = wanted.sets(hb.SubsetInputSets.LAYOUT_FEATURE_TAG)
    features.clear()
    features.invert()
    # But "locl": it swaps in the Japanese, Korean and traditional forms, 3,000 glyphs more
    # that simplified Chinese never uses, and other digits in text marked English (the QR
    # code's address is printed unmarked, so that it looks as with the full font).
    features.remove(int.from_bytes(b"locl", "big"))
    data = hb.subset(face, wanted).blob.data
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written under another name and renamed: two workers starting at once never read half.
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False) as unfinished:
        unfinished.write(data)
    os.chmod(unfinished.name, 0o644)  # workers may run as other users than the one who made it
    os.replace(unfinished.name, target)


def font_copy(weight: int, part: Part = COMMON) -> Path | None:
    """The copy of ``weight`` holding ``part``, made on first use; None if the font is missing."""
    source = source_font(weight)
    if source is None:
        logger.warning(
            "%s (weight %s) is not installed: handouts use the fallback fonts",
            SOURCE_FAMILY,
            weight,
        )
        return None
    target = _copy_path(source, weight, part)
    if not target.exists():
        _subset(source, part, target)
    return target


@cache
def font_face_css() -> str:
    """The @font-face rules of the copies, for the print stylesheet (once per process)."""
    rules = []
    for part in PARTS:
        for weight in WEIGHTS:
            copy = font_copy(weight, part)
            if copy is not None:
                rules.append(
                    f'@font-face {{ font-family: "{part.family}"; font-weight: {weight}; '
                    f'src: url("{copy.as_uri()}"); }}'
                )
    return "\n".join(rules)


def is_font_copy(url: str) -> bool:
    """Whether ``url`` names one of the copies: the only files a handout may load."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    # Resolved after unquoting, so that neither "%2e%2e" nor a link leads out of the folder.
    path = Path(url2pathname(parts.path)).resolve()
    return path.parent == Path(settings.PRINT_FONT_DIR).resolve() and path.suffix == ".otf"
