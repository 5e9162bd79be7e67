"""The print fonts cut down to GB 2312's characters: made once, complete, the only files read."""

import io

import pytest
from django.core.management import call_command

from campaigns.printing.fonts import (
    COMMON,
    LEVEL_2,
    PARTS,
    SPACES,
    WEIGHTS,
    font_copy,
    is_font_copy,
    repertoire,
    source_font,
)
from campaigns.printing.pipeline import qr_png_uri, url_fetcher


@pytest.fixture
def font_dir(settings, tmp_path):
    settings.PRINT_FONT_DIR = tmp_path / "print-fonts"
    return settings.PRINT_FONT_DIR


def test_the_copy_is_made_once_and_then_reused(font_dir):
    first = font_copy(400)
    made_at = first.stat().st_mtime_ns
    again = font_copy(400)
    assert again == first
    assert again.stat().st_mtime_ns == made_at
    assert [path.name for path in font_dir.iterdir()] == [first.name]


def test_set_up_makes_every_copy_before_the_first_print_run(font_dir):
    out = io.StringIO()

    call_command("prepare_print_fonts", stdout=out)

    made = sorted(path.name for path in font_dir.iterdir())
    assert made == sorted(font_copy(w, part).name for part in PARTS for w in WEIGHTS)
    assert len(made) == len(PARTS) * len(WEIGHTS)
    assert all(name in out.getvalue() for name in made)


def test_the_copy_holds_every_common_character_the_font_has(font_dir):
    import uharfbuzz as hb

    source = source_font(700)
    full = hb.Face(hb.Blob.from_file_path(str(source.path)), source.index)
    copy = hb.Face(hb.Blob.from_file_path(str(font_copy(700))))
    assert copy.glyph_count < full.glyph_count / 10
    assert repertoire() & set(full.unicodes) <= set(copy.unicodes)
    assert {ord(char) for char in "金融消费者权益，。（）12378"} <= set(copy.unicodes)


def test_the_second_level_copy_holds_the_rest_of_gb2312(font_dir):
    import uharfbuzz as hb

    source = source_font(400)
    full = set(hb.Face(hb.Blob.from_file_path(str(source.path)), source.index).unicodes)
    second = set(hb.Face(hb.Blob.from_file_path(str(font_copy(400, LEVEL_2)))).unicodes)
    assert repertoire(LEVEL_2) & full <= second
    # Names' characters such as 睿 and 婷 are second-level; each character is in one part.
    assert {ord("睿"), ord("婷")} <= repertoire(LEVEL_2) - repertoire(COMMON)
    # Only the spaces are in both: Pango sets a space in the font of the character before it.
    assert repertoire(LEVEL_2) & repertoire(COMMON) == SPACES
    assert len(repertoire(COMMON) | repertoire(LEVEL_2)) > 6_763


def test_a_handout_reads_no_file_but_the_copies(font_dir):
    fetcher = url_fetcher()
    copy = font_copy(400)
    assert is_font_copy(copy.as_uri())
    assert fetcher.fetch(copy.as_uri()).read(4) == b"OTTO"
    assert fetcher.fetch(qr_png_uri("https://portal.example.cn/h/x/"))
    for url in [
        "file:///etc/passwd",
        f"{(font_dir / '..' / '..' / 'secret.otf').as_uri()}",
        f"{font_dir.as_uri()}/%2e%2e/secret.otf",
        "https://example.com/logo.png",
        "http://127.0.0.1:8000/admin/",
    ]:
        with pytest.raises(ValueError, match="fetches no other resources"):
            fetcher.fetch(url)


@pytest.mark.parametrize("part", PARTS, ids=lambda part: part.slug)
def test_pango_names_each_copy_after_its_family_as_it_is(part):
    # WeasyPrint names an embedded font after Pango's description of it: a family Pango would
    # misread ("… Level 2", a size) gets a comma, and the PDF a BaseFont "…-Level-2,".
    from weasyprint.text.ffi import ffi, pango

    description = ffi.gc(pango.pango_font_description_new(), pango.pango_font_description_free)
    pango.pango_font_description_set_family(description, part.family.encode())
    written = ffi.string(pango.pango_font_description_to_string(description)).decode()
    assert written == part.family


@pytest.mark.parametrize("weight", [400, 700])
def test_the_copy_kerns_and_ligates_latin_as_the_full_font(font_dir, weight):
    # The copies keep every OpenType feature the handouts use (HarfBuzz's default set dropped
    # kerning and ligatures: "//" and "ff" came out wider than with the full font).
    import uharfbuzz as hb

    def advances(face, text: str) -> list[int]:
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        buffer.language = "zh-hans"
        hb.shape(hb.Font(face), buffer, {})
        return [position.x_advance for position in buffer.glyph_positions]

    source = source_font(weight)
    full = hb.Face(hb.Blob.from_file_path(str(source.path)), source.index)
    copy = hb.Face(hb.Blob.from_file_path(str(font_copy(weight))))
    for text in ["//ff", "portal.example.cn/h/6f1c2a9e-3b7d", "（一）“投资”群聊。"]:
        assert advances(copy, text) == advances(full, text), text
