"""Two people save one event: the second is shown, field by field, what the first saved beside
what they typed, and keeps theirs with one more save or takes the other's, retyping nothing."""

import re

import pytest
from django.urls import reverse

from campaigns.models import AuditEntry, Event, Membership
from campaigns.services import events as services
from tests import factories as f
from tests.events_world import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(world):
    """A second organizer of the event's unit, who saves first."""
    user = member(world.units["central_a"], Membership.Role.ORGANIZER, "aba-colleague")
    user.first_name = "卓玛"
    user.save(update_fields=["first_name"])
    return user


@pytest.fixture
def handout(world):
    return f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=world.units["hq"], title_zh="八项基本权利"),
        number=2,
        status="approved",
    )


@pytest.fixture
def union(world):
    return f.PartnerFactory(
        org_unit=world.units["branch_a"], name="红原县总工会", kind="trade_union"
    )


def _report_post(version, **overrides):
    data = {
        "version": version,
        "head_count": "80",
        "audience_farmers_herders": "60",
        "audience_women": "36",
        "staff_count": "6",
        "summary": "我的小结",
        "handouts-TOTAL_FORMS": "0",
        "handouts-INITIAL_FORMS": "0",
        "services-TOTAL_FORMS": "0",
        "services-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def _colleague_saves_the_report(world, colleague, handout, union):
    services.event_report_save(
        user=colleague,
        event_id=world.event.pk,
        expected_version=1,
        figures={"head_count": 80, "staff_count": 6},
        audience={"farmers_herders": 60, "women": 40},
        handouts=[services.HandoutGiven(edition=handout, copies=200)],
        partner_services=[
            services.PartnerServiceReport(partner=union, service_type="talk", people_served=50)
        ],
        summary="他们的小结",
    )


def _panel(html: str) -> str:
    return html.split('id="edit-conflict"', 1)[1].split("</section>", 1)[0]


def _differences(panel: str) -> dict[str, tuple[str, str]]:
    """Each field the panel names: (theirs, yours), as the page shows them."""
    found = {}
    for label, theirs, yours in re.findall(
        r"<dt>(.*?)</dt>\s*<dd class=\"theirs\">.*?<span class=\"value\">(.*?)</span></dd>"
        r"\s*<dd class=\"yours\">.*?<span class=\"value\">(.*?)</span></dd>",
        panel,
        flags=re.S,
    ):
        found[label] = (theirs, yours)
    return found


def test_a_refused_report_shows_each_differing_field_theirs_beside_mine(
    client, world, colleague, handout, union
):
    _colleague_saves_the_report(world, colleague, handout, union)
    client.force_login(world.organizer)

    response = client.post(reverse("event_report", args=[world.event.pk]), _report_post(1))

    assert response.status_code == 200
    html = response.text
    panel = _panel(html)
    saved = AuditEntry.objects.filter(action="campaigns.event.report_saved").get().created_at
    at = saved.astimezone(world.event.starts_at.tzinfo)
    assert f"Saved by 卓玛 at {at:%Y-%m-%d %H:%M}:" in panel
    assert _differences(panel) == {
        "women": ("40", "36"),
        "Handouts given": ("八项基本权利, edition 2: 200 copies", "—"),
        "Partner services": ("红原县总工会, talk, People served: 50", "—"),
        "Summary": ("他们的小结", "我的小结"),
    }
    assert 'name="save">Keep mine and save</button>' in panel
    assert f'href="{reverse("event_report", args=[world.event.pk])}">Take theirs</a>' in panel
    assert '<a href="#edit-conflict">Someone else saved this event' in html
    # The form carries the version now stored, and what was typed.
    assert '<input type="hidden" name="version" value="2"' in html
    assert 'value="36"' in html
    assert Event.objects.get(pk=world.event.pk).summary == "他们的小结"


def test_keeping_mine_after_a_conflict_saves_it_and_the_history_shows_both_saves(
    client, world, colleague, handout, union
):
    _colleague_saves_the_report(world, colleague, handout, union)
    client.force_login(world.organizer)
    url = reverse("event_report", args=[world.event.pk])
    refused = client.post(url, _report_post(1))
    version = re.search(r'name="version" value="(\d+)"', refused.text).group(1)

    kept = client.post(url, {**_report_post(version), "save": ""})

    assert kept.status_code == 302
    event = Event.objects.get(pk=world.event.pk)
    assert (event.summary, event.version) == ("我的小结", 3)
    assert event.audience_counts.get(group="women").count == 36
    assert not event.material_uses.exists()
    history = client.get(reverse("event_detail", args=[event.pk])).text
    saves = history.split('<ol class="history">', 1)[1].split("</ol>", 1)[0]
    assert re.findall(r"report saved · (\S+)</li>", saves) == ["卓玛", "aba-organizer"]


def test_a_save_that_changed_nothing_on_the_form_says_so_and_still_offers_to_keep_mine(
    client, world, colleague
):
    services.event_report_save(
        user=colleague,
        event_id=world.event.pk,
        expected_version=1,
        figures={"head_count": 80, "staff_count": 6},
        audience={"farmers_herders": 60, "women": 36},
        summary="我的小结",
    )
    client.force_login(world.organizer)

    response = client.post(reverse("event_report", args=[world.event.pk]), _report_post(1))

    panel = _panel(response.text)
    assert "nothing on this form differs from what you typed" in panel
    assert "Keep mine and save" in panel


def test_a_refused_plan_shows_what_differs_and_keeping_mine_saves_it(client, world, colleague):
    event = world.event
    services.event_plan_update(
        user=colleague,
        event_id=event.pk,
        expected_version=1,
        topics=["eight_rights", "anti_fraud"],
        **{name: getattr(event, name) for name in services.PLAN_FIELDS if name != "title"},
        title="红原牧区反诈宣讲",
    )
    client.force_login(world.organizer)
    url = reverse("event_edit", args=[event.pk])
    mine = {
        "campaign": event.campaign.pk,
        "org_unit": event.org_unit.pk,
        "title": event.title,
        "county": "513233",
        "venue_name": "红原县安曲牧场",
        "venue_type": "village",
        "format": event.format,
        "channel": "offline",
        "language": event.language,
        "topics": ["eight_rights"],
        "starts_at": "2025-03-12T10:00",
        "version": "1",
    }

    refused = client.post(url, mine)

    differences = _differences(_panel(refused.text))
    assert differences["Title"] == ("红原牧区反诈宣讲", "红原牧区金融知识宣讲")
    assert set(differences) == {"Title", "Topics"}
    kept = client.post(url, {**mine, "version": "2"})
    assert kept.status_code == 302
    assert Event.objects.get(pk=event.pk).title == "红原牧区金融知识宣讲"


def test_a_report_sent_meanwhile_is_shown_but_mine_cannot_replace_it(
    client, world, colleague, handout, union
):
    _colleague_saves_the_report(world, colleague, handout, union)
    services.event_submit(user=colleague, event_id=world.event.pk, expected_version=2)
    client.force_login(world.organizer)

    response = client.post(reverse("event_report", args=[world.event.pk]), _report_post(1))

    panel = _panel(response.text)
    assert _differences(panel)["women"] == ("40", "36")
    assert "The event is reported now and can no longer be changed here" in panel
    assert "Keep mine and save" not in panel
