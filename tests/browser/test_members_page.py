"""The members page on a phone: a branch administrator gives a new person a role."""

import pytest

from campaigns.models import Membership, OrgUnit
from tests import factories as f
from tests.browser.conftest import open_section, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def branch(db):
    hq = f.OrgUnitFactory(code="HQ", name="总公司", kind=OrgUnit.Kind.HQ)
    branch = f.OrgUnitFactory(code="SC", name="四川分公司", kind=OrgUnit.Kind.BRANCH, parent=hq)
    f.OrgUnitFactory(
        code="ABA", name="阿坝中心支公司", kind=OrgUnit.Kind.CENTRAL_SUB_BRANCH, parent=branch
    )
    admin = f.MembershipFactory(
        user__username="sc-admin", org_unit=branch, role=Membership.Role.ADMIN
    ).user
    f.MembershipFactory(user=admin, org_unit=branch, role=Membership.Role.ORGANIZER)
    return branch


def test_an_admin_gives_a_new_person_a_role_after_a_refused_password(
    zh_phone_page, live_server, branch, artifacts
):
    page = zh_phone_page
    sign_in(page, live_server, "sc-admin")
    open_section(page, "/members/")
    page.click("text=为某人授予角色")
    page.select_option("select[name=org_unit]", label="阿坝中心支公司 (中心支公司)")
    page.select_option("select[name=role]", "organizer")
    page.fill("input[name=username]", "yangjin")
    page.fill("input[name=full_name]", "央金")
    page.fill("input[name=password]", "123")
    page.click("main button[type=submit]")

    error = page.locator(".field.has-error .error").first
    error.wait_for()
    # Every refusal in the organizer's language, Django's own password rules included.
    assert "密码太短" in error.inner_text()
    assert "password" not in page.inner_text(".field.has-error").lower()
    assert page.locator("input[name=username]").input_value() == "yangjin"
    page.screenshot(path=artifacts / "members-refused.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("input[name=password]", "pasture-2026-hongyuan")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/members/")
    page.screenshot(path=artifacts / "members-list.png", full_page=True)

    assert "yangjin" in page.inner_text("main")
    assert Membership.objects.get(user__username="yangjin").org_unit.code == "ABA"
