"""Journey 1 on a phone: an Aba organizer plans an event at Hongyuan pasture, reports it with
photos and submits it; a reviewer returns it with a note; the organizer fixes and resubmits;
the reviewer approves it."""

import datetime as dt
import io

import pytest
from PIL import Image

from campaigns.models import Event, Membership
from tests import factories as f
from tests.browser.conftest import PHONE, open_section, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def aba(db):
    hq = f.OrgUnitFactory(code="HQ", name="总公司", kind="hq")
    sichuan = f.OrgUnitFactory(code="SC", name="四川分公司", kind="branch", parent=hq)
    aba_unit = f.OrgUnitFactory(
        code="SC-ABA", name="阿坝中心支公司", kind="central_sub_branch", parent=sichuan
    )
    hongyuan = f.RegionFactory(code="513233", name_zh="红原县", name_bo="རྨ་ཐང་རྫོང་")
    aba_unit.service_area.add(hongyuan)
    sichuan.service_area.add(hongyuan)
    campaign = f.CampaignFactory(
        name="2025年“3·15”金融消费者权益保护教育宣传周",
        starts_on=dt.date(2025, 3, 1),
        ends_on=dt.date(2025, 3, 31),
    )
    hospital = f.PartnerFactory(org_unit=sichuan, name="四川省妇幼保健院", kind="hospital")
    f.PartnerAgreementFactory(partner=hospital, services=["health_screening"])
    edition = f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=hq, title_zh="金融消费者八项基本权利"),
        status="approved",
    )
    organizer = f.UserFactory(username="aba-organizer")
    f.MembershipFactory(user=organizer, org_unit=aba_unit, role=Membership.Role.ORGANIZER)
    reviewer = f.UserFactory(username="sc-reviewer")
    f.MembershipFactory(user=reviewer, org_unit=sichuan, role=Membership.Role.REVIEWER)
    return {"campaign": campaign, "hospital": hospital, "edition": edition, "unit": aba_unit}


def _photo(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (60, 120, 200)).save(buffer, "JPEG")
    path = tmp_path / "hongyuan.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_organizer_plans_reports_and_submits_and_reviewer_approves(  # noqa: PLR0915 — one story
    browser, phone_page, live_server, artifacts, aba, tmp_path
):
    page = phone_page
    sign_in(page, live_server, "aba-organizer")

    # Plan.
    open_section(page, "/events/")
    page.click("a[href='/events/new']")
    page.fill("input[name=title]", "红原牧区金融知识宣讲")
    page.fill("input[name=county]", "红原")
    page.fill("input[name=venue_name]", "红原县安曲牧场")
    page.select_option("select[name=venue_type]", "village")
    page.select_option("select[name=format]", "county_tour_stop")
    page.check("input[name=topics][value=eight_rights]")
    page.check("input[name=language][value=both]")
    page.fill("input[name=starts_at]", "2025-03-13T10:00")
    page.check(f"input[name=expected_partners][value='{aba['hospital'].pk}']")
    _fits_the_phone(page)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/events/*/")
    event = Event.objects.get(title="红原牧区金融知识宣讲")
    assert event.county.code == "513233"

    # Report.
    page.click(f"a[href='/events/{event.pk}/report']")
    # 80 came, of whom 60 herders and 35 women: the groups overlap.
    page.fill("input[name=head_count]", "80")
    page.fill("input[name=audience_farmers_herders]", "60")
    page.fill("input[name=audience_women]", "35")
    page.fill("input[name=staff_count]", "6")
    page.select_option("select[name=handouts-0-edition]", str(aba["edition"].pk))
    page.fill("input[name=handouts-0-copies]", "200")
    page.select_option("select[name=services-0-partner]", str(aba["hospital"].pk))
    page.select_option("select[name=services-0-service_type]", "health_screening")
    page.select_option("select[name=services-0-screening_type]", "cervical_breast")
    page.fill("input[name=services-0-screened]", "32")
    page.fill("textarea[name=summary]", "藏汉双语讲解八项基本权利，妇幼保健院为牧区妇女两癌筛查。")
    _fits_the_phone(page)
    page.screenshot(path=artifacts / "journey-report-form-filled.png", full_page=True)
    page.click("button[name=save]")
    page.wait_for_url(f"**/events/{event.pk}/")

    # Photos, then submit.
    page.set_input_files("input[name=photos]", str(_photo(tmp_path)))
    page.click("form.photo-upload button[type=submit]")
    page.wait_for_selector(".photo-grid img")
    page.click(f"form[action='/events/{event.pk}/submit'] button")
    page.wait_for_selector(".badge.status-reported")
    event.refresh_from_db()
    assert event.status == Event.Status.REPORTED
    assert (event.head_count, event.people_reached) == (80, 80)
    assert dict(event.audience_counts.values_list("group", "count")) == {
        "farmers_herders": 60,
        "women": 35,
    }
    assert event.partner_services.get().screened == 32
    assert event.material_uses.get().copies == 200
    assert event.photos.count() == 1

    # The reviewer returns it with a note.
    reviewer_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    reviewer = reviewer_context.new_page()
    sign_in(reviewer, live_server, "sc-reviewer")
    open_section(reviewer, "/events/review/")
    reviewer.click(f"a[href='/events/{event.pk}/']")
    reviewer.click("details.inline-form summary >> nth=0")
    reviewer.fill(
        "form[action$='/return'] textarea[name=text]", "请补充参加活动的工作人员所在网点数。"
    )
    reviewer.click("form[action$='/return'] button[type=submit]")
    reviewer.wait_for_selector(".badge.status-returned")

    # The organizer sees the note, fixes the report and resubmits it.
    page.goto(f"{live_server.url}/events/")
    page.click(f".attention a[href='/events/{event.pk}/report']")
    assert "请补充参加活动的工作人员所在网点数。" in page.inner_text(".notice.returned")
    page.fill("input[name=outlets_count]", "1")
    page.click("button[name=submit]")
    page.wait_for_selector(".badge.status-reported")

    # The reviewer approves it from the queue.
    reviewer.goto(f"{live_server.url}/events/review/")
    reviewer.check(f"input[name=events][value='{event.pk}']")
    reviewer.click("form[action='/events/review/approve'] button[type=submit]")
    reviewer.wait_for_selector(".messages")
    _fits_the_phone(reviewer)
    reviewer.screenshot(path=artifacts / "journey-review-queue-after-approval.png", full_page=True)
    reviewer.goto(f"{live_server.url}/events/{event.pk}/")
    assert reviewer.locator(".badge.status-approved").count() == 1
    history = reviewer.inner_text("ol.history")
    assert "请补充参加活动的工作人员所在网点数。" in history
    reviewer.screenshot(path=artifacts / "journey-event-approved.png", full_page=True)
    reviewer_context.close()
    event.refresh_from_db()
    assert event.status == Event.Status.APPROVED
    assert event.outlets_count == 1


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_report_form_fits_a_phone_in_each_language(
    phone_page, live_server, artifacts, aba, language
):
    event = f.EventFactory(
        campaign=aba["campaign"],
        org_unit=aba["unit"],
        county=aba["unit"].service_area.get(),
        title="红原牧区金融知识宣讲",
        venue_name="红原县安曲牧场",
        venue_type="village",
    )
    sign_in(phone_page, live_server, "aba-organizer")
    phone_page.click(f"nav.languages button[value={language}]")
    phone_page.wait_for_load_state()
    phone_page.goto(f"{live_server.url}/events/{event.pk}/report")
    assert phone_page.locator("input[name=audience_women]").is_visible()
    _fits_the_phone(phone_page)
    phone_page.screenshot(path=artifacts / f"report-form-{language}.png", full_page=True)
