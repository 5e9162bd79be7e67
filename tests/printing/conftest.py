"""An approved bilingual leaflet owned by headquarters, and who may order it at branch A."""

from types import SimpleNamespace

import pytest

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
