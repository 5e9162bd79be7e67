"""An approved bilingual leaflet owned by headquarters, and who may order it at branch A; the
seeded handouts and a Tibetan stress text, for the layout tests."""

import json
from types import SimpleNamespace

import pytest
from django.conf import settings

from campaigns.models import EditionBlock, Material, MaterialEdition, Membership
from tests.factories import (
    EditionBlockFactory,
    MaterialEditionFactory,
    MaterialFactory,
    MembershipFactory,
)

# The reference image was made from exactly this text, URL and contact line.
HEADING_ZH = "金融消费者八项基本权利"
HEADING_BO = "དངུལ་རྩིས་ཉོ་སྤྱོད་པའི་ཐོབ་ཐང་གཞི་རྩ་བརྒྱད།"
RIGHTS_ZH = "财产安全权\n知情权\n自主选择权\n公平交易权\n依法求偿权\n受教育权\n受尊重权\n信息安全权"
RIGHTS_BO = (
    "རྒྱུ་ནོར་བདེ་འཇགས་ཀྱི་ཐོབ་ཐང་།\nཤེས་རྟོགས་ཀྱི་ཐོབ་ཐང་།\nརང་མོས་འདེམས་པའི་ཐོབ་ཐང་།\n"
    "ཚོང་འབྲེལ་དྲང་བདེན་གྱི་ཐོབ་ཐང་།\nཁྲིམས་ལྟར་འཇལ་བ་རྩད་པའི་ཐོབ་ཐང་།\n"
    "སློབ་གསོ་ལེན་པའི་ཐོབ་ཐང་།\nགུས་བཀུར་ཐོབ་པའི་ཐོབ་ཐང་།\nཆ་འཕྲིན་བདེ་འཇགས་ཀྱི་ཐོབ་ཐང་།"
)
CALLOUT_ZH = "遇到纠纷，请拨打12378银行保险消费者投诉维权热线。"
CALLOUT_BO = "རྩོད་གཞི་བྱུང་ཚེ། ཁ་པར་12378ལ་གླེང་མོལ་བྱེད་རོགས།"
PUBLIC_URL = "https://portal.example.cn/h/6f1c2a9e-3b7d-4e15-9a0c-1d2e3f4a5b6c/"
CONTACT_LINE = "红原县支行 · 咨询电话 0837-2661234"


def leaflet_edition(
    org_unit, *, status=MaterialEdition.Status.APPROVED, material=None, number=3
) -> MaterialEdition:
    """Edition ``number`` of the eight-rights leaflet (a new material unless one is given)."""
    material = material or MaterialFactory(
        org_unit=org_unit, title_zh=HEADING_ZH, title_bo=HEADING_BO, kind=Material.Kind.A5_LEAFLET
    )
    edition = MaterialEditionFactory(material=material, number=number, status=status)
    for position, (kind, zh, bo) in enumerate(
        [
            (EditionBlock.Kind.HEADING, HEADING_ZH, HEADING_BO),
            (EditionBlock.Kind.LIST, RIGHTS_ZH, RIGHTS_BO),
            (EditionBlock.Kind.CALLOUT, CALLOUT_ZH, CALLOUT_BO),
        ],
        start=1,
    ):
        EditionBlockFactory(edition=edition, position=position, kind=kind, text_zh=zh, text_bo=bo)
    return edition


# Long Tibetan, as a handout's worst case: a heading over several lines, tall stacks (ཀྵྨྱཱ, སྒྲོ,
# ཧྥྱཱུ), a run of 60 letters with no tsheg to break at, long list items and a long callout.
STRESS_SYLLABLES = "བསྒྲུབས་ སྐྱོང་ ཀྵྨྱཱ་ སྒྲོ་ ཧྥྱཱུ་ རྒྱུ་ བརྙན་ ཛྙཱ་ ཐོབ་ཐང་ ".replace(" ", "")
STRESS_HEADING_BO = "དངུལ་རྩིས་ཉོ་སྤྱོད་པའི་ཐོབ་ཐང་སྲུང་སྐྱོབ་ཀྱི་བསྒྲུབས་ཕྱོགས་ཀྱི་ལམ་སྟོན་རྒྱས་པ།"
STRESS_BLOCKS = [
    (EditionBlock.Kind.HEADING, "金融消费者权益保护长文本测试", STRESS_HEADING_BO * 2),
    (
        EditionBlock.Kind.PARAGRAPH,
        "请仔细阅读以下内容。" * 8,
        (STRESS_SYLLABLES * 6)
        + " "
        + "ཀཁགངཅཆཇཉཏཐདནཔཕབམཙཚཛཝཞཟའཡརལཤསཧཨ" * 2
        + "། "
        + STRESS_SYLLABLES * 6,
    ),
    (
        EditionBlock.Kind.LIST,
        "\n".join(f"第{n}条：请保护好您的账户和验证码。" for n in range(1, 13)),
        "\n".join(f"{n}. " + STRESS_SYLLABLES * 3 for n in range(1, 13)),
    ),
    (
        EditionBlock.Kind.CALLOUT,
        "遇到纠纷，请拨打12378银行保险消费者投诉维权热线。",
        (STRESS_SYLLABLES + "ཁ་པར་12378ལ་གླེང་མོལ་བྱེད་རོགས། ") * 5,
    ),
    (EditionBlock.Kind.QR_CODE, "扫码阅读电子版", "ཞིབ་ཕྱོགས་ཀློག་པར་གསང་ཨང་ཞིབ་བཤེར་གནང་རོགས།"),
]


def _edition_with(org_unit, *, title_zh, title_bo, kind, blocks) -> MaterialEdition:
    material = MaterialFactory(org_unit=org_unit, title_zh=title_zh, title_bo=title_bo, kind=kind)
    edition = MaterialEditionFactory(
        material=material, number=1, status=MaterialEdition.Status.APPROVED
    )
    for position, (block_kind, zh, bo) in enumerate(blocks, start=1):
        EditionBlockFactory(
            edition=edition, position=position, kind=block_kind, text_zh=zh, text_bo=bo
        )
    return edition


def seeded_handouts(org_unit) -> dict[str, MaterialEdition]:
    """Each handout of seeds/materials.json as an approved edition 1, by its kind."""
    entries = json.loads((settings.BASE_DIR / "seeds" / "materials.json").read_text("utf-8"))
    return {
        entry["kind"]: _edition_with(
            org_unit,
            title_zh=entry["title_zh"],
            title_bo=entry["title_bo"],
            kind=entry["kind"],
            blocks=[(b["kind"], b["text_zh"], b["text_bo"]) for b in entry["blocks"]],
        )
        for entry in entries["materials"]
    }


def tibetan_stress_edition(org_unit) -> MaterialEdition:
    """A leaflet whose Tibetan is as long and as tall as handouts get, and longer."""
    return _edition_with(
        org_unit,
        title_zh="长文本测试",
        title_bo=STRESS_HEADING_BO,
        kind=Material.Kind.A5_LEAFLET,
        blocks=STRESS_BLOCKS,
    )


@pytest.fixture
def leaflet(org_tree):
    return leaflet_edition(org_tree["hq"])


@pytest.fixture
def printing(org_tree, leaflet):
    """The leaflet, an organizer and a translator at branch A, an organizer at branch B."""
    return SimpleNamespace(
        tree=org_tree,
        edition=leaflet,
        organizer=MembershipFactory(org_unit=org_tree["branch_a"]).user,
        translator=MembershipFactory(
            org_unit=org_tree["branch_a"], role=Membership.Role.TRANSLATOR
        ).user,
        other_organizer=MembershipFactory(org_unit=org_tree["branch_b"]).user,
    )
