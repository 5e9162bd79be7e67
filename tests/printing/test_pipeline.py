"""The print pipeline's PDF: the text as typed, fonts embedded, the page as ordered."""

import logging
import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from campaigns.printing.layouts import page_css, page_size_mm
from campaigns.printing.pipeline import PRINT_CSS, edition_pdf, handout_html
from tests.printing.conftest import (
    CALLOUT_BO,
    CALLOUT_ZH,
    CONTACT_LINE,
    HEADING_BO,
    HEADING_ZH,
    PUBLIC_URL,
    RIGHTS_BO,
    RIGHTS_ZH,
)
from tests.printing.pdf_tools import (
    page_png,
    pdf_fonts,
    pdf_info,
    pdf_object_text,
    pdf_page_count,
    pdf_page_size,
    pdf_text,
    without_whitespace,
)

REFERENCE = Path(__file__).parent / "reference" / "a5_side_by_side.png"
MM = 72 / 25.4
# Mean absolute difference of grey levels (0–255) a page may have from the reference. The same
# render gives 0.0; the Tibetan subjoined letters drawn as tofu boxes gave 2.2.
REFERENCE_TOLERANCE = 0.75


def render(tmp_path, edition, **options) -> Path:
    settings = {
        "paper_size": "A5",
        "layout": "side_by_side",
        "bleed": False,
        "crop_marks": False,
        "contact_line": CONTACT_LINE,
        "public_url": PUBLIC_URL,
    } | options
    path = tmp_path / "handout.pdf"
    path.write_bytes(edition_pdf(edition=edition, **settings).content)
    return path


@pytest.mark.parametrize("layout", ["side_by_side", "sequential"])
def test_pdf_holds_the_tibetan_and_chinese_text_code_point_for_code_point(
    tmp_path, leaflet, layout
):
    text = without_whitespace(pdf_text(render(tmp_path, leaflet, layout=layout)))
    for typed in [HEADING_ZH, HEADING_BO, CALLOUT_ZH, CALLOUT_BO, "第3版"]:
        assert without_whitespace(typed) in text
    for line in RIGHTS_ZH.splitlines() + RIGHTS_BO.splitlines():
        assert line in text


def test_pdf_embeds_the_tibetan_and_cjk_fonts(tmp_path, leaflet):
    fonts = pdf_fonts(render(tmp_path, leaflet))
    names = {font["name"] for font in fonts}
    assert all(font["embedded"] for font in fonts)
    assert "Noto-Serif-Tibetan" in names
    # Noto Serif CJK SC cut down to the common characters (printing.fonts), in both weights;
    # the headings' bold is the collection's own Bold face, not a smeared regular.
    assert "Noto-Serif-CJK-SC-Common" in names
    assert "Noto-Serif-CJK-SC-Common-Bold" in names


def test_pipeline_page_looks_the_same_as_a_plain_render_with_the_system_fonts(tmp_path, leaflet):
    from weasyprint import HTML

    html = handout_html(
        edition=leaflet,
        paper_size="A5",
        layout="side_by_side",
        contact_line=CONTACT_LINE,
        public_url=PUBLIC_URL,
    )
    css = PRINT_CSS.read_text(encoding="utf-8") + page_css(
        paper_size="A5", bleed=False, crop_marks=False
    )
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(
        HTML(string=html.replace("</head>", f"<style>{css}</style></head>")).write_pdf()
    )
    ours = page_png(render(tmp_path, leaflet), tmp_path / "ours", dpi=100)
    theirs = page_png(plain, tmp_path / "theirs", dpi=100)
    difference = ImageChops.difference(Image.open(ours), Image.open(theirs))
    assert ImageStat.Stat(difference).mean[0] < 0.05, f"see {ours} and {theirs}"


@pytest.mark.parametrize("layout", ["side_by_side", "sequential"])
def test_the_bullets_sit_where_outside_list_markers_would(tmp_path, leaflet, layout):
    # The print CSS draws each item's bullet as text of its first line (cheaper to lay out);
    # the page must be the one that WeasyPrint's own outside markers give, in both languages.
    from weasyprint import CSS, HTML

    from campaigns.printing.pipeline import font_configuration, stylesheets, url_fetcher

    html = handout_html(
        edition=leaflet,
        paper_size="A5",
        layout=layout,
        contact_line=CONTACT_LINE,
        public_url=PUBLIC_URL,
    )
    markers = CSS(
        string="ul.block li { list-style: disc; } ul.block li::before { content: none; } "
        "ul.block li::marker { color: #a1262b; }",
        font_config=font_configuration(),
    )
    with_markers = tmp_path / "markers.pdf"
    with_markers.write_bytes(
        HTML(string=html, url_fetcher=url_fetcher()).write_pdf(
            stylesheets=[*stylesheets(paper_size="A5", bleed=False, crop_marks=False), markers],
            font_config=font_configuration(),
        )
    )
    ours = page_png(render(tmp_path, leaflet, layout=layout), tmp_path / "ours", dpi=100)
    theirs = page_png(with_markers, tmp_path / "theirs", dpi=100)
    difference = ImageChops.difference(Image.open(ours), Image.open(theirs))
    assert ImageStat.Stat(difference).mean[0] < 0.01, f"see {ours} and {theirs}"


def _callout_rendered(tmp_path, leaflet, text: str) -> tuple[str, set[str]]:
    """The leaflet with ``text`` opening its (bold) callout: the PDF's text, its fonts."""
    block = leaflet.blocks.get(position=3)
    block.text_zh = text + CALLOUT_ZH
    block.save()
    pdf = render(tmp_path, leaflet)
    return without_whitespace(pdf_text(pdf)), {font["name"] for font in pdf_fonts(pdf)}


def test_a_rare_character_falls_back_to_the_full_font(tmp_path, leaflet):
    # 䶮 (CJK extension A) and 彧 (GB 2312 has neither) are not in the common copy.
    text, names = _callout_rendered(tmp_path, leaflet, "刘䶮与荀彧的故事：")
    assert "刘䶮与荀彧的故事" in text
    assert "Noto-Serif-CJK-SC-Bold" in names  # the callout is bold
    assert "Noto-Serif-CJK-SC-Common-Bold" in names


def test_every_embedded_font_has_a_clean_name(tmp_path, leaflet):
    # Both weights of each copy, the full font and Tibetan: no name may end in a comma, which
    # preflight tools read as a style separator.
    block = leaflet.blocks.get(position=2)  # the list, regular
    block.text_zh = "联系人王睿婷与荀彧\n" + RIGHTS_ZH
    block.save()
    _text, names = _callout_rendered(tmp_path, leaflet, "联系人：王睿婷，刘䶮。")
    assert {
        "Noto-Serif-CJK-SC-Second-Level",
        "Noto-Serif-CJK-SC-Second-Level-Bold",
        "Noto-Serif-CJK-SC-Bold",
    } <= names
    assert [name for name in names if not re.fullmatch(r"[A-Za-z0-9-]+", name)] == []


def test_a_space_after_a_second_level_character_is_a_space(tmp_path, leaflet, caplog):
    # Pango sets a space in the font of the character before it: a copy without spaces drew
    # it as the crossed box of a missing glyph (WeasyPrint warns of a .notdef glyph).
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        text, _names = _callout_rendered(tmp_path, leaflet, "联系人：王睿婷 女士。")
    assert "王睿婷女士" in text
    assert [r.getMessage() for r in caplog.records if "notdef" in r.getMessage()] == []


def test_pdf_carries_the_handouts_title_and_language(tmp_path, leaflet):
    path = render(tmp_path, leaflet)
    assert pdf_info(path)["Title"] == f"{HEADING_ZH} · {HEADING_BO} · 第3版"
    assert re.findall(r"/Lang\s*\(([^)]*)\)", pdf_object_text(path)) == ["zh-Hans"]


def test_the_footer_prints_the_contact_line_given_and_none_without(tmp_path, leaflet):
    with_line = without_whitespace(pdf_text(render(tmp_path, leaflet)))
    without = without_whitespace(pdf_text(render(tmp_path, leaflet, contact_line="")))
    assert without_whitespace(CONTACT_LINE) in with_line
    assert "咨询电话" not in without
    assert "第3版/edition3" in without


def test_a_second_level_character_comes_from_the_second_copy(tmp_path, leaflet):
    # 睿 and 婷 are GB 2312 second-level hanzi: in the copy of their own, not the full font.
    text, names = _callout_rendered(tmp_path, leaflet, "联系人：王睿婷。")
    assert "联系人：王睿婷。" in text
    assert "Noto-Serif-CJK-SC-Second-Level-Bold" in names  # the callout is bold
    assert "Noto-Serif-CJK-SC-Bold" not in names


@pytest.mark.parametrize(
    ("paper_size", "bleed", "crop_marks", "expected_mm"),
    [
        ("A5", False, False, (148, 210)),
        ("A5", True, False, (154, 216)),
        ("A5", True, True, (168, 230)),
        ("A4", False, False, (297, 210)),
        ("A3", True, False, (303, 426)),
    ],
)
def test_page_is_the_size_ordered(tmp_path, leaflet, paper_size, bleed, crop_marks, expected_mm):
    pdf = render(tmp_path, leaflet, paper_size=paper_size, bleed=bleed, crop_marks=crop_marks)
    width, height = pdf_page_size(pdf)
    assert page_size_mm(paper_size=paper_size, bleed=bleed, crop_marks=crop_marks) == expected_mm
    assert width == pytest.approx(expected_mm[0] * MM, abs=0.01)
    assert height == pytest.approx(expected_mm[1] * MM, abs=0.01)


def test_a5_without_bleed_is_419_by_595_points(tmp_path, leaflet):
    assert pdf_page_size(render(tmp_path, leaflet)) == pytest.approx((419.53, 595.28), abs=0.01)


def test_crop_marks_get_room_outside_the_trim_and_the_bleed(tmp_path, leaflet):
    # 10 mm each side: the 3 mm bleed, then the marks from 5 to 10 mm outside the trim.
    width, _height = pdf_page_size(render(tmp_path, leaflet, crop_marks=True))
    assert "marks: crop" in page_css(paper_size="A5", bleed=False, crop_marks=True)
    assert width == pytest.approx(168 * MM, abs=0.01)


def test_a5_page_looks_like_the_reviewed_reference(tmp_path, leaflet):
    png = page_png(render(tmp_path, leaflet), tmp_path / "page")
    page = Image.open(png).convert("L")
    reference = Image.open(REFERENCE).convert("L")
    assert page.size == reference.size
    difference = ImageStat.Stat(ImageChops.difference(page, reference)).mean[0]
    assert difference <= REFERENCE_TOLERANCE, f"mean difference {difference:.2f}, see {png}"


def test_the_leaflet_fits_one_a5_page(tmp_path, leaflet):
    assert pdf_page_count(render(tmp_path, leaflet)) == 1


def test_font_subsetting_does_not_fall_back_to_fonttools(tmp_path, leaflet, caplog):
    # WeasyPrint warns "Using fontTools instead of HarfBuzz-Subset" when libharfbuzz-subset
    # is missing (7–9 s a page with the CJK collection), and "Unable to subset … with
    # HarfBuzz" when it then embeds the whole 20 MB font.
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render(tmp_path, leaflet)
    subsetting = [r.getMessage() for r in caplog.records if "subset" in r.getMessage().lower()]
    assert subsetting == []


def test_no_tibetan_line_starts_with_a_shad_or_breaks_a_syllable(tmp_path, leaflet):
    # A long paragraph in the narrow column breaks many times; each line must end after a
    # tsheg or a shad (and a space), never inside a syllable or at the non-breaking tsheg.
    block = leaflet.blocks.get(position=3)
    block.text_bo = (CALLOUT_BO + " " + RIGHTS_BO.replace("\n", " ") + " ཀ་ཁ་ག་ང༌ཅ་ཆ་ཇ་ཉ།") * 2
    block.save()
    pdf = render(tmp_path, leaflet, layout="side_by_side")
    tibetan_lines = [
        line.strip()
        for line in _logical_lines(pdf_text(pdf))
        if any("\u0f40" <= char <= "\u0fbc" for char in line)
    ]
    assert len(tibetan_lines) > 10
    for line in tibetan_lines:
        assert not line.startswith("\u0f0d"), line
        assert line[-1] in "\u0f0b\u0f0d\u0f14" or line[-1].isdigit(), line


def _is_tibetan_mark(char: str) -> bool:
    return "\u0f71" <= char <= "\u0f87" or "\u0f8d" <= char <= "\u0fbc"


def _logical_lines(raw: str) -> list[str]:
    """pdftotext -raw starts a new line at each Tibetan vowel sign: join it to its base."""
    lines: list[str] = []
    for line in raw.splitlines():
        text = line.strip()
        if lines and text and _is_tibetan_mark(text[0]):
            lines[-1] += text
        else:
            lines.append(text)
    return lines


CLOSING_PUNCTUATION = "，。、；：？！）」』》”’"
OPENING_PUNCTUATION = "（「『《“‘"


def test_chinese_breaks_between_characters_and_keeps_punctuation_with_its_text(tmp_path, leaflet):
    # Punctuation everywhere, in a narrow column: no line may start with a closing mark or
    # end with an opening one (the kinsoku rules of Chinese typesetting).
    block = leaflet.blocks.get(position=3)
    case = "请注意：「以案说险」，（一）冒充客服退款、（二）“投资”群聊、（三）冒充公检法。"
    block.text_zh = case * 6
    block.save()
    text = pdf_text(render(tmp_path, leaflet, layout="side_by_side"))
    chinese_lines = [
        line.strip()
        for line in text.splitlines()
        if any("\u4e00" <= char <= "\u9fff" for char in line)
    ]
    broken = [line for line in chinese_lines if "冒充" in line or "群聊" in line]
    assert len(broken) > 6
    for line in chinese_lines:
        assert line[0] not in CLOSING_PUNCTUATION, line
        assert line[-1] not in OPENING_PUNCTUATION, line
