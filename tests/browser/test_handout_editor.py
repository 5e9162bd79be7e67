"""The handout editor on a phone: text boxes that grow with their text, with CSS where the
browser has field-sizing and with the small script where it has not, under the
Content-Security-Policy; and "Return to draft with a note" drawn and worked as a button."""

import pytest

from campaigns.models import MaterialEdition, Membership
from tests import factories as f
from tests.browser.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TEXT = "\n".join(
    f"第{number}条：银行保险机构应当保障消费者的财产安全，不得挪用、占用消费者资金。"
    for number in range(1, 13)
)
# Makes this Chromium behave like a browser without CSS field-sizing (Safari, Firefox):
# CSS.supports says no, and the rule is taken out of the style sheet as it is served.
WITHOUT_FIELD_SIZING = """
const supports = CSS.supports.bind(CSS);
CSS.supports = (...query) =>
  String(query[0]).includes("field-sizing") ? false : supports(...query);
"""


@pytest.fixture
def handout(db):
    hq = f.OrgUnitFactory(code="HQ", name="总公司", kind="hq")
    sichuan = f.OrgUnitFactory(code="SC", name="四川分公司", kind="branch", parent=hq)
    material = f.MaterialFactory(org_unit=sichuan, title_zh="金融消费者八项基本权利")
    edition = f.MaterialEditionFactory(material=material, number=1)
    block = f.EditionBlockFactory(edition=edition, position=1, text_zh="财产安全权", text_bo="")
    for username, role in (
        ("sc-translator", Membership.Role.TRANSLATOR),
        ("sc-reviewer", Membership.Role.REVIEWER),
    ):
        f.MembershipFactory(user=f.UserFactory(username=username), org_unit=sichuan, role=role)
    return {"edition": edition, "block": block}


def _watched_page(browser, problems: list[str]):
    # No service worker: one answering the stylesheet from its cache would bypass the
    # page.route that takes a rule out of it below.
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        service_workers="block",
    )
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return context, page


@pytest.mark.parametrize("field_sizing", [True, False], ids=["css", "script"])
def test_a_handout_text_box_grows_with_its_text(
    browser, live_server, artifacts, handout, field_sizing
):
    problems: list[str] = []
    context, page = _watched_page(browser, problems)
    if not field_sizing:
        page.add_init_script(WITHOUT_FIELD_SIZING)

        def without_the_rule(route):
            served = route.fetch()
            css = served.text().replace("field-sizing: content;", "")
            route.fulfill(response=served, body=css)

        page.route("**/static/css/portal.css", without_the_rule)
    sign_in(page, live_server, "sc-translator")
    page.goto(f"{live_server.url}/editions/{handout['edition'].pk}/")
    box = page.locator(f"#block-{handout['block'].pk} textarea[name=text_zh]")
    sizing = box.evaluate("box => getComputedStyle(box).fieldSizing || ''")
    assert (sizing == "content") is field_sizing
    empty_height = box.bounding_box()["height"]

    box.fill(LONG_TEXT)  # typed as an input event, as a person's typing is
    page.wait_for_function(
        "box => box.scrollHeight <= box.clientHeight + 1", arg=box.element_handle()
    )

    assert box.bounding_box()["height"] > 3 * empty_height
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    kind = "css" if field_sizing else "script"
    page.screenshot(path=artifacts / f"handout-editor-grown-{kind}.png", full_page=True)
    assert problems == []
    context.close()


def test_return_to_draft_with_a_note_looks_and_works_like_a_button(
    browser, live_server, artifacts, handout
):
    edition = handout["edition"]
    MaterialEdition.objects.filter(pk=edition.pk).update(status=MaterialEdition.Status.TRANSLATED)
    problems: list[str] = []
    context, page = _watched_page(browser, problems)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    sign_in(page, live_server, "sc-reviewer")
    page.goto(f"{live_server.url}/editions/{edition.pk}/")

    opener = page.locator("summary", has_text="Return to draft with a note")
    confirm = page.locator("#edition-actions button", has_text="Confirm the translation")
    drawn = opener.evaluate(
        """summary => {
          const style = getComputedStyle(summary);
          return {border: style.borderTopStyle, radius: style.borderTopLeftRadius,
                  height: summary.getBoundingClientRect().height};
        }"""
    )
    assert drawn["border"] == "solid"
    assert drawn["radius"] == "8px"
    assert drawn["height"] >= 44
    assert abs(opener.bounding_box()["height"] - confirm.bounding_box()["height"]) <= 4
    page.screenshot(path=artifacts / "edition-return-closed.png")

    note = page.locator("#edition-actions textarea")
    assert not note.is_visible()
    opener.focus()
    page.keyboard.press("Enter")
    note.wait_for(state="visible")
    page.screenshot(path=artifacts / "edition-return-open.png")
    note.fill("第二段藏文漏译，请补上。")
    page.locator("#edition-actions button", has_text="Return to draft").last.click()
    page.wait_for_selector(".notice.returned")

    assert MaterialEdition.objects.get(pk=edition.pk).status == MaterialEdition.Status.DRAFT
    assert problems == []
    context.close()
