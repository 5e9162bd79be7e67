"""A refused save names every problem at the top of its form, each a link to the field that has
it, and keeps what was typed; a save that succeeds says so."""

import re

import pytest
from django.urls import reverse

from campaigns.models import CampaignTarget, EditionBlock, Event, Membership
from campaigns.models.materials import BLOCK_TEXT_LENGTH
from tests import factories as f

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    """The markup of the page's summary of problems."""
    assert html.count("data-error-summary") == 1
    return html.split("data-error-summary", 1)[1].split("</div>", 1)[0]


def _targets(summary: str) -> list[str]:
    return re.findall(r'href="#([^"]+)"', summary)


def _tag(html: str, element_id: str) -> str:
    """The opening tag of the element ``element_id``."""
    return re.search(rf'<[^>]*\bid="{re.escape(element_id)}"[^>]*>', html).group(0)


def _described_by_its_error(html: str, element_id: str, message: str) -> bool:
    """Whether the box ``element_id`` is marked invalid and described by its error text."""
    box = _tag(html, element_id)
    error_id = re.search(r'aria-describedby="([^"]*)"', box).group(1).split()[-1]
    error = html.split(f'id="{error_id}"', 1)[1].split("</div>", 1)[0]
    return 'aria-invalid="true"' in box and message in error


def _report_post(event, **overrides):
    data = {
        "version": event.version,
        "head_count": "80",
        "audience_farmers_herders": "60",
        "summary": "",
        "handouts-TOTAL_FORMS": "1",
        "handouts-INITIAL_FORMS": "0",
        "handouts-0-edition": "",
        "handouts-0-copies": "",
        "services-TOTAL_FORMS": "0",
        "services-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_a_refused_report_names_each_problem_at_the_top_with_a_link_to_its_field(client, world):
    client.force_login(world.organizer)
    response = client.post(
        reverse("event_report", args=[world.event.pk]),
        _report_post(world.event, audience_women="-3", **{"handouts-0-copies": "200"}),
    )

    html = response.text
    summary = _summary(html)
    assert "There is a problem" in summary
    assert "women: Ensure this value is greater than or equal to 0." in summary
    assert "Row 1 · Handout: Which handout was given out?" in summary
    assert _targets(summary) == ["id_audience_women", "id_handouts-0-edition"]
    form = html.split('class="report-form"', 1)[1]
    assert form.index("data-error-summary") < form.index('name="head_count"')
    assert _described_by_its_error(html, "id_audience_women", "greater than or equal to 0")
    assert _described_by_its_error(html, "id_handouts-0-edition", "Which handout was given out?")
    assert 'value="60"' in html
    assert 'value="200"' in html


def test_a_refusal_of_the_whole_report_is_in_the_summary_without_a_link(client, world):
    client.force_login(world.organizer)
    response = client.post(
        reverse("event_report", args=[world.event.pk]),
        _report_post(
            world.event,
            head_count="",
            audience_farmers_herders="",
            summary="牧民踊跃参加。",
            submit="1",
        ),
    )

    summary = _summary(response.text)
    assert "before you submit the report" in summary
    assert _targets(summary) == ["id_head_count"]


def test_a_refused_plan_links_a_group_of_checkboxes_to_its_first_box(client, world):
    client.force_login(world.organizer)
    response = client.post(
        reverse("event_plan"),
        {
            "campaign": world.campaign.pk,
            "org_unit": world.units["central_a"].pk,
            "title": "红原牧区金融知识宣讲",
            "county": "芙蓉区",
            "venue_name": "红原县安曲牧场",
            "venue_type": "village",
            "format": "lecture",
            "channel": "offline",
            "language": "zh",
            "starts_at": "2025-03-13T10:00",
        },
    )

    html = response.text
    summary = _summary(html)
    assert "Topics: This field is required." in summary
    assert "County: “芙蓉区” is not in the service area of this unit." in summary
    assert _targets(summary) == ["id_county", "id_topics_0"]
    assert _described_by_its_error(html, "id_county", "is not in the service area")
    topics = html.split("<legend>Topics</legend>", 1)[0].rsplit("<fieldset", 1)[1]
    assert 'aria-describedby="id_topics_error"' in topics
    assert "This field is required." in html.split('id="id_topics_error"', 1)[1]
    assert 'value="红原县安曲牧场"' in html


def test_a_refused_partner_names_its_problem_at_the_top(client, org_tree):
    organizer = f.MembershipFactory(
        org_unit=org_tree["branch_a"], role=Membership.Role.ORGANIZER
    ).user
    client.force_login(organizer)
    response = client.post(
        reverse("partner_create"),
        {"org_unit": org_tree["branch_a"].pk, "name": "", "contact_name": "王护士长"},
    )

    summary = _summary(response.text)
    assert _targets(summary) == ["id_name", "id_kind"]
    assert "Name: This field is required." in summary
    assert 'value="王护士长"' in response.text


def test_refused_targets_name_the_sub_unit_of_each_problem(client, coverage_world):
    url = reverse("targets_edit", args=[coverage_world.campaign.pk, coverage_world.units["hq"].pk])
    client.force_login(coverage_world.hq_reviewer)
    data = {"targets-TOTAL_FORMS": "2", "targets-INITIAL_FORMS": "2"}
    for index, special in enumerate((1, 4)):
        data.update(
            {
                f"targets-{index}-events": 7,
                f"targets-{index}-people_reached": 10,
                f"targets-{index}-counties_covered": 1,
                f"targets-{index}-special_area_counties_covered": special,
            }
        )

    response = client.post(url, data)

    summary = _summary(response.text)
    second = coverage_world.units["branch_b"]
    assert f"{second.name} · " in summary
    assert _targets(summary) == ["id_targets-1-special_area_counties_covered"]
    assert not CampaignTarget.objects.filter(org_unit=second, events=7).exists()


def test_a_refused_sign_in_names_its_problem_at_the_top_of_its_form(client, world):
    client.force_login(world.organizer)
    response = client.post(
        reverse("event_sign_ins", args=[world.event.pk]),
        {"name": "卓玛", "phone": "13812341234", "audience_group": "women"},
    )

    html = response.text
    form = html.split('aria-labelledby="add-sign-in"', 1)[1].split("</form>", 1)[0]
    assert "data-error-summary" in form
    assert form.index("data-error-summary") < form.index('name="name"')
    assert _targets(_summary(html)) == ["id_consent_given"]
    assert 'value="卓玛"' in html


def test_a_block_refused_without_javascript_keeps_the_text_and_names_the_problem(client, org_tree):
    unit = org_tree["branch_a"]
    block = f.EditionBlockFactory(edition__material__org_unit=unit)
    translator = f.MembershipFactory(org_unit=unit, role=Membership.Role.TRANSLATOR).user
    client.force_login(translator)
    too_long = "长" * (BLOCK_TEXT_LENGTH + 1)

    response = client.post(
        reverse("block_save", args=[block.pk]),
        {"text_zh": too_long, "text_bo": "", "kind": block.kind, "version": block.version},
    )

    assert response.status_code == 200
    target = f"id_b{block.pk}_text_zh"
    assert _targets(_summary(response.text)) == [target]
    assert _described_by_its_error(response.text, target, "Ensure this value has at most")
    assert too_long in response.text
    assert EditionBlock.objects.get(pk=block.pk).text_zh == block.text_zh


def test_the_summary_script_is_the_portals_own(client, world):
    """No inline script: the Content-Security-Policy allows only the portal's files."""
    client.force_login(world.organizer)
    response = client.post(
        reverse("event_report", args=[world.event.pk]), _report_post(world.event, head_count="x")
    )
    assert '<script src="/static/js/error-summary.js" defer></script>' in response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)


def _plan_post(world, **overrides):
    return {
        "campaign": world.campaign.pk,
        "org_unit": world.units["central_a"].pk,
        "title": "红原牧区金融知识宣讲",
        "county": "513233",
        "venue_name": "红原县安曲牧场",
        "venue_type": "village",
        "format": "lecture",
        "channel": "offline",
        "language": "zh",
        "topics": ["eight_rights"],
        "starts_at": "2025-03-13T10:00",
        **overrides,
    }


def test_every_successful_save_says_so(client, world, org_tree):
    client.force_login(world.organizer)
    event = world.event

    def said(url, data, message):
        response = client.post(url, data, follow=True)
        assert message in response.text, url

    said(reverse("event_plan"), _plan_post(world), "The event is planned.")
    said(
        reverse("event_edit", args=[event.pk]),
        _plan_post(world, version=event.version),
        "The plan is saved.",
    )
    said(
        reverse("event_report", args=[event.pk]),
        {**_report_post(Event.objects.get(pk=event.pk)), "handouts-TOTAL_FORMS": "0"},
        "The report is saved. Submit it when it is complete.",
    )
    said(
        reverse("event_sign_ins", args=[event.pk]),
        {
            "name": "卓玛",
            "phone": "13812341234",
            "audience_group": "women",
            "consent_given": "on",
        },
        "The sign-in is recorded.",
    )
    partner = f.PartnerFactory(org_unit=org_tree["central_a"], name="红原县总工会")
    said(
        reverse("partner_edit", args=[partner.pk]),
        {"org_unit": partner.org_unit.pk, "name": partner.name, "kind": "trade_union"},
        "The partner was saved.",
    )


def test_saved_targets_and_a_block_saved_without_javascript_say_so(
    client, coverage_world, org_tree
):
    client.force_login(coverage_world.hq_reviewer)
    url = reverse("targets_edit", args=[coverage_world.campaign.pk, coverage_world.units["hq"].pk])
    data = {"targets-TOTAL_FORMS": "2", "targets-INITIAL_FORMS": "2"}
    for index in range(2):
        data.update(
            {
                f"targets-{index}-events": 40,
                f"targets-{index}-people_reached": 1000,
                f"targets-{index}-counties_covered": 3,
                f"targets-{index}-special_area_counties_covered": 1,
            }
        )
    assert "The targets are saved." in client.post(url, data, follow=True).text

    block = f.EditionBlockFactory(edition__material__org_unit=org_tree["branch_a"])
    client.force_login(
        f.MembershipFactory(org_unit=org_tree["branch_a"], role=Membership.Role.TRANSLATOR).user
    )
    response = client.post(
        reverse("block_save", args=[block.pk]),
        {"text_zh": "改好", "text_bo": "", "kind": block.kind, "version": block.version},
        follow=True,
    )
    assert "The block is saved." in response.text
