"""Journey 3's first half on a phone: a translator writes a handout's Tibetan in the Tibetan
interface (autosaved), marks the edition translated; a reviewer confirms the translation but
is not offered the approval while the Tibetan awaits native review; a native reader of
Tibetan reads and clears it block by block; the reviewer approves it; anyone with the link
reads it on its public page."""

import pytest

from campaigns.models import EditionBlock, MaterialEdition, Membership
from tests import factories as f
from tests.browser.conftest import PHONE, open_section, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIBETAN = "ནོར་རྫས་བདེ་འཇགས་ཀྱི་ཐོབ་ཐང་། དངུལ་ཁང་གིས་ཚོང་མཁན་གྱི་ནོར་རྫས་སྲུང་སྐྱོབ་བྱེད་དགོས།"


@pytest.fixture
def leaflet(db):
    hq = f.OrgUnitFactory(code="HQ", name="总公司", kind="hq")
    sichuan = f.OrgUnitFactory(code="SC", name="四川分公司", kind="branch", parent=hq)
    material = f.MaterialFactory(
        org_unit=sichuan, title_zh="金融消费者八项基本权利", title_bo="དངུལ་རྩིས་ཐོབ་ཐང་བརྒྱད།"
    )
    edition = f.MaterialEditionFactory(material=material, number=1)
    f.EditionBlockFactory(
        edition=edition, position=1, kind="heading", text_zh="财产安全权", text_bo="ནོར་རྫས་བདེ་འཇགས།"
    )
    block = f.EditionBlockFactory(
        edition=edition,
        position=2,
        text_zh="银行保险机构应当保障消费者的财产安全。",
        text_bo="",
    )
    translator = f.UserFactory(username="sc-translator")
    f.MembershipFactory(user=translator, org_unit=sichuan, role=Membership.Role.TRANSLATOR)
    reviewer = f.UserFactory(username="sc-reviewer")
    f.MembershipFactory(user=reviewer, org_unit=sichuan, role=Membership.Role.REVIEWER)
    native_reader = f.UserFactory(username="sc-native-reader", is_native_reader=True)
    f.MembershipFactory(user=native_reader, org_unit=sichuan, role=Membership.Role.TRANSLATOR)
    return {"material": material, "edition": edition, "block": block}


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_translator_writes_tibetan_and_reviewer_approves(  # noqa: PLR0915 — one story
    browser, phone_page, live_server, artifacts, leaflet
):
    edition, block = leaflet["edition"], leaflet["block"]
    page = phone_page
    sign_in(page, live_server, "sc-translator")
    page.click("nav.languages button[value=bo]")
    page.wait_for_load_state()

    open_section(page, "/materials/")
    page.click(f"a[href='/materials/{leaflet['material'].pk}/']")
    page.click(f"a[href='/editions/{edition.pk}/']")
    # Autosave listens once htmx has read the page; a click only waits for the navigation
    # to begin, and on a busy machine the typing below came first and was never saved.
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "bo"

    # Autosave: typing is enough; the block reports it saved and takes the new version.
    textarea = page.locator(f"#block-{block.pk} textarea[name=text_bo]")
    assert textarea.get_attribute("lang") == "bo"
    textarea.fill(TIBETAN)
    page.wait_for_selector(f"#block-{block.pk}-state .saved")
    assert page.input_value(f"#block-{block.pk}-version") == "2"
    saved = EditionBlock.objects.get(pk=block.pk)
    assert (saved.text_bo, saved.version, saved.needs_native_review) == (TIBETAN, 2, True)
    _fits_the_phone(page)
    page.screenshot(path=artifacts / "translation-editor-bo.png", full_page=True)

    page.click(f"form[action='/editions/{edition.pk}/transition/translate'] button")
    page.wait_for_selector(".badge.status-translated")
    assert MaterialEdition.objects.get(pk=edition.pk).status == "translated"

    # The reviewer, another user, confirms; the approval waits for native review.
    reviewer_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    reviewer = reviewer_context.new_page()
    sign_in(reviewer, live_server, "sc-reviewer")
    reviewer.goto(f"{live_server.url}/editions/{edition.pk}/")
    assert reviewer.locator(".native-flag").count() >= 1
    reviewer.click(f"form[action='/editions/{edition.pk}/transition/review'] button")
    reviewer.wait_for_selector(".badge.status-reviewed")
    clear = f"form[action='/editions/{edition.pk}/transition/clear_native_review'] button"
    approve = f"form[action='/editions/{edition.pk}/transition/approve'] button"
    assert reviewer.locator(clear).count() == 0
    assert reviewer.locator(approve).count() == 0
    assert "#1, #2" in reviewer.inner_text(".native-review-missing")
    _fits_the_phone(reviewer)
    reviewer.screenshot(path=artifacts / "translation-approval-waits.png", full_page=True)

    # A native reader reads each block and clears it; each block says who cleared it.
    reader_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    reader = reader_context.new_page()
    sign_in(reader, live_server, "sc-native-reader")
    reader.goto(f"{live_server.url}/editions/{edition.pk}/")
    for _ in range(2):
        reader.locator(".block-head form.inline button").first.click()
        reader.wait_for_selector(".messages")
    assert reader.locator(".native-flag").count() == 0
    assert reader.locator(".native-cleared").count() == 2
    _fits_the_phone(reader)
    reader.screenshot(path=artifacts / "translation-native-review.png", full_page=True)
    reader_context.close()

    reviewer.reload()
    reviewer.click(approve)
    reviewer.wait_for_selector(".badge.status-approved")
    assert reviewer.locator(f"a[href='/h/{edition.public_token}/']").count() == 1
    _fits_the_phone(reviewer)
    reviewer.screenshot(path=artifacts / "translation-edition-approved.png", full_page=True)
    reviewer_context.close()
    edition.refresh_from_db()
    assert edition.status == "approved"
    assert edition.translated_by.username == "sc-translator"
    assert edition.reviewed_by.username == "sc-reviewer"

    # Anyone with the link reads the handout, without signing in.
    public_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    public = public_context.new_page()
    public.goto(f"{live_server.url}/h/{edition.public_token}/")
    assert TIBETAN in public.inner_text("main")
    assert public.locator(f"p[lang=bo]:has-text('{TIBETAN[:10]}')").count() == 1
    assert public.locator(".review-notice").count() == 0
    _fits_the_phone(public)
    public.screenshot(path=artifacts / "translation-public-page.png", full_page=True)
    public_context.close()
