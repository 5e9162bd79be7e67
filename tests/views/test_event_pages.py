"""Event pages as a user meets them: what they see, what they may do, what they are told."""

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse

from campaigns.models import AuditEntry, Event, Membership
from campaigns.services import events as services
from tests import factories as f
from tests.events_world import derived_report, member
from tests.markup import errors_shown, field_markup

pytestmark = pytest.mark.django_db


def _seen(world) -> int:
    """The version of the event as the person acting sees it: the one now stored."""
    return Event.objects.get(pk=world.event.pk).version


def _client(client, user, language="en"):
    """A client signed in as ``user`` whose interface language is ``language``."""
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _report_post(event, **overrides):
    data = {
        "version": event.version,
        "head_count": "80",
        "audience_farmers_herders": "60",
        "audience_women": "35",
        "staff_count": "6",
        "summary": "",
        "handouts-TOTAL_FORMS": "0",
        "handouts-INITIAL_FORMS": "0",
        "services-TOTAL_FORMS": "0",
        "services-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def _reported(world):
    services.event_report_save(
        user=world.organizer,
        event_id=world.event.pk,
        expected_version=1,
        figures={"head_count": 40},
        audience={"women": 35},
    )
    return services.event_submit(user=world.organizer, event_id=world.event.pk, expected_version=2)


def test_another_branchs_event_is_404(client, world):
    _client(client, world.other_organizer)
    for name in ("event_detail", "event_report", "event_edit"):
        assert client.get(reverse(name, args=[world.event.pk])).status_code == 404


def test_my_events_lists_visible_events_only(client, world):
    f.EventFactory(org_unit=world.units["central_b"], county=world.other_county, title="长沙活动")
    response = _client(client, world.organizer).get(reverse("event_list"))
    assert world.event.title in response.text
    assert "长沙活动" not in response.text


def test_overdue_planned_event_needs_the_organizers_action(client, world):
    response = _client(client, world.organizer).get(reverse("event_list"))
    assert "Needs your action" in response.text
    assert "The date has passed" in response.text


def test_list_filters_by_status_and_search(client, world):
    f.EventFactory(
        org_unit=world.units["central_a"], county=world.county, title="校园讲座", status="approved"
    )
    client = _client(client, world.organizer)
    by_status = client.get(reverse("event_list"), {"status": "approved"})
    assert "校园讲座" in by_status.text
    listed = by_status.text.split("Filter and search", 1)[1]
    assert world.event.title not in listed
    by_search = client.get(reverse("event_list"), {"q": "校园"})
    assert "校园讲座" in by_search.text
    nothing = client.get(reverse("event_list"), {"q": "不存在的活动"})
    assert "No event matches these filters." in nothing.text


def test_the_list_names_the_filters_in_effect_and_keeps_its_panel_closed(client, world):
    client = _client(client, world.organizer)

    html = client.get(reverse("event_list"), {"status": "approved", "q": "校园"}).text

    assert '<details class="card filters">' in html
    chosen = _between(html, '<ul class="chosen-filters"', "</ul>")
    assert '<span class="chosen-label">Status:</span> approved</li>' in chosen
    assert '<span class="chosen-label">Search by title:</span> 校园</li>' in chosen


def test_the_list_opens_its_filter_panel_to_show_a_mistake(client, world):
    client = _client(client, world.organizer)

    html = client.get(reverse("event_list"), {"starts_on": "not a date"}).text

    assert '<details class="card filters" open>' in html
    assert 'class="chosen-filters"' not in html


def test_list_is_paginated_keeping_filters(client, world):
    for number in range(25):
        f.EventFactory(
            org_unit=world.units["central_a"], county=world.county, title=f"宣讲{number}"
        )
    response = _client(client, world.organizer).get(reverse("event_list"), {"q": "宣讲"})
    assert "Page 1 of 2" in response.text
    assert "?q=%E5%AE%A3%E8%AE%B2&amp;page=2" in response.text


def test_plan_form_resolves_county_by_name(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_plan"),
        {
            "campaign": world.campaign.pk,
            "org_unit": world.units["central_a"].pk,
            "title": "红原县安曲牧场宣讲",
            "county": "红原",
            "venue_name": "安曲牧场",
            "venue_type": "village",
            "format": "lecture",
            "channel": "offline",
            "topics": ["eight_rights"],
            "language": "both",
            "starts_at": "2025-03-20T10:00",
        },
    )
    event = Event.objects.get(title="红原县安曲牧场宣讲")
    assert response.status_code == 302
    assert event.county == world.county


def test_plan_form_keeps_input_and_says_why_county_is_refused(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_plan"),
        {
            "campaign": world.campaign.pk,
            "org_unit": world.units["central_a"].pk,
            "title": "越界的活动",
            "county": "430102",
            "venue_type": "community",
            "format": "lecture",
            "channel": "offline",
            "topics": ["anti_fraud"],
            "language": "zh",
            "starts_at": "2025-03-20T10:00",
        },
    )
    assert response.status_code == 200
    assert "is not in the service area of this unit" in response.text
    assert 'value="越界的活动"' in response.text


def _plan_post(world, **overrides):
    return {
        "campaign": world.campaign.pk,
        "org_unit": world.units["central_a"].pk,
        "title": "红原县安曲牧场宣讲",
        "county": "513233",
        "venue_name": "安曲牧场",
        "venue_type": "village",
        "format": "lecture",
        "channel": "offline",
        "topics": ["eight_rights"],
        "language": "both",
        "starts_at": "2025-03-20T10:00",
    } | overrides


def test_plan_form_finds_a_county_typed_as_code_and_name_without_a_space(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_plan"), _plan_post(world, county="513233红原县")
    )
    assert response.status_code == 302
    assert Event.objects.get(title="红原县安曲牧场宣讲").county == world.county


def test_plan_form_tells_an_unknown_county_from_one_outside_the_area(client, world):
    client = _client(client, world.organizer)
    unknown = client.post(reverse("event_plan"), _plan_post(world, county="999999"))
    outside = client.post(reverse("event_plan"), _plan_post(world, county="430102 芙蓉区"))
    assert unknown.context["form"].errors["county"] == ["No county is called or numbered “999999”."]
    assert outside.context["form"].errors["county"] == [
        "“430102 芙蓉区” is not in the service area of this unit."
    ]


def test_an_end_before_the_start_is_shown_at_the_end_time(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_plan"), _plan_post(world, ends_at="2025-03-20T09:00")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["ends_at"] == ["An event cannot end before it starts."]
    assert not form.non_field_errors()
    assert "An event cannot end before it starts." in response.text
    assert not Event.objects.filter(title="红原县安曲牧场宣讲").exists()


def test_changing_a_plan_to_end_before_its_start_is_shown_at_the_end_time(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_edit", args=[world.event.pk]),
        _plan_post(
            world,
            title=world.event.title,
            starts_at="2025-03-12T10:00",
            ends_at="2025-03-12T08:30",
            version=world.event.version,
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["ends_at"] == ["An event cannot end before it starts."]
    assert not form.non_field_errors()
    assert Event.objects.get(pk=world.event.pk).ends_at is None


def test_date_outside_campaign_is_a_warning_not_an_error(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_plan"),
        {
            "campaign": world.campaign.pk,
            "org_unit": world.units["central_a"].pk,
            "title": "四月宣讲",
            "county": "513233",
            "venue_name": "县城广场",
            "venue_type": "community",
            "format": "stall",
            "channel": "offline",
            "topics": ["anti_fraud"],
            "language": "zh",
            "starts_at": "2025-04-20T10:00",
        },
        follow=True,
    )
    assert Event.objects.filter(title="四月宣讲").exists()
    assert "outside the campaign" in response.text


def test_report_form_shows_errors_next_to_fields_and_keeps_input(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_report", args=[world.event.pk]),
        _report_post(world.event, audience_women="-3", audience_elderly="2.5", summary="好"),
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in errors_shown(response.text)
    assert "Enter a whole number." in errors_shown(response.text)
    assert 'value="60"' in response.text
    assert world.event.audience_counts.count() == 0


def test_a_refused_field_does_not_hide_the_reports_other_mistakes(client, world):
    # The organizer sees the negative staff count and the group above the head count
    # together, not the second only after fixing the first.
    response = _client(client, world.organizer).post(
        reverse("event_report", args=[world.event.pk]),
        _report_post(world.event, head_count="40", audience_women="55", staff_count="-2"),
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in errors_shown(response.text)
    assert "At most the head count (40): a group is part of it." in errors_shown(response.text)
    assert Event.objects.get(pk=world.event.pk).version == 1


def test_a_refused_head_count_is_said_alone_not_at_every_group(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_report", args=[world.event.pk]),
        _report_post(world.event, head_count="forty"),
    )
    assert "Enter a whole number." in errors_shown(response.text)
    assert "Give the head count first" not in errors_shown(response.text)


def test_report_form_in_chinese_shows_chinese_messages(client, world):
    world.event.format = "gm_reception_day"
    world.event.save()
    signed_in = _client(client, world.organizer, "zh-hans")
    url = reverse("event_report", args=[world.event.pk])
    refused_by_the_form = signed_in.post(url, _report_post(world.event, audience_women="-3"))
    # The rule is the event's own (the service's), checked once the form reads as numbers.
    refused_by_the_rule = signed_in.post(
        url, _report_post(world.event, matters_raised="1", matters_resolved="2")
    )
    assert "确保该值大于或等于0。" in refused_by_the_form.text
    assert "当场解决数不能多于受理诉求数" in refused_by_the_rule.text


def test_concurrent_edit_is_refused_with_the_users_input_kept(client, world):
    opened = _report_post(world.event, audience_women="35")
    services.event_report_save(
        user=world.organizer,
        event_id=world.event.pk,
        expected_version=1,
        figures={"head_count": 80},
        audience={"women": 40},
    )
    response = _client(client, world.organizer).post(
        reverse("event_report", args=[world.event.pk]), {**opened, "audience_women": "36"}
    )
    assert response.status_code == 200
    assert "Someone else saved this event after you opened it" in response.text
    assert 'value="36"' in response.text
    assert world.event.audience_counts.get(group="women").count == 40


def test_save_and_submit_sends_the_report(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_report", args=[world.event.pk]),
        _report_post(world.event, submit="1"),
    )
    assert response.status_code == 302
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.REPORTED


def test_a_translator_cannot_submit(client, world):
    services.event_report_save(
        user=world.organizer,
        event_id=world.event.pk,
        expected_version=1,
        figures={"head_count": 40},
        audience={"women": 35},
    )
    client = _client(client, world.translator)
    response = client.post(reverse("event_submit", args=[world.event.pk]), {"version": 2})
    assert response.status_code == 403
    assert client.get(reverse("event_report", args=[world.event.pk])).status_code == 403
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.PLANNED


def test_a_reviewer_outside_the_subtree_cannot_approve(client, world):
    _reported(world)
    response = _client(client, world.other_reviewer).post(
        reverse("event_approve", args=[world.event.pk])
    )
    assert response.status_code == 404
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.REPORTED


def test_reviewer_sees_the_queue_and_approves_in_bulk(client, world):
    _reported(world)
    client = _client(client, world.reviewer)
    queue = client.get(reverse("review_queue"))
    assert world.event.title in queue.text
    assert f'name="version-{world.event.pk}" value="3"' in queue.text
    response = client.post(
        reverse("event_approve_bulk"),
        {"events": [world.event.pk], f"version-{world.event.pk}": 3},
        follow=True,
    )
    assert "1 reports approved." in response.text or "1 report" in response.text
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.APPROVED


def test_bulk_approval_names_a_report_changed_after_the_list_was_opened(client, world):
    _reported(world)
    response = _client(client, world.reviewer).post(
        reverse("event_approve_bulk"),
        {"events": [world.event.pk], f"version-{world.event.pk}": 2},
        follow=True,
    )
    assert "Changed after you opened the list, so not approved: " + world.event.title in (
        response.text
    )
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.REPORTED


@pytest.mark.parametrize(
    ("name", "user", "extra"),
    [
        ("event_approve", "reviewer", {}),
        ("event_return", "reviewer", {"text": "请补充照片。"}),
        ("event_submit", "organizer", {}),
    ],
)
def test_a_transition_not_from_the_version_seen_gives_the_conflict_message(
    client, world, name, user, extra
):
    posted = {"version": 2}
    if name == "event_submit":
        services.event_report_save(
            user=world.organizer,
            event_id=world.event.pk,
            expected_version=1,
            figures={"head_count": 40},
            audience={"women": 35},
        )
        services.event_plan_update(
            user=world.organizer,
            event_id=world.event.pk,
            expected_version=2,
            topics=["eight_rights"],
            title="红原牧区宣讲（改期）",
        )
    else:
        _reported(world)
    before = Event.objects.get(pk=world.event.pk)

    response = _client(client, getattr(world, user)).post(
        reverse(name, args=[world.event.pk]), extra | posted, follow=True
    )

    assert "Someone else saved this event after you opened it" in response.text
    after = Event.objects.get(pk=world.event.pk)
    assert (after.status, after.version) == (before.status, before.version)


def test_a_second_press_of_approve_by_the_same_reviewer_says_approved(client, world):
    # A double tap the page could not hold back, or a retry after a lost answer: the
    # reviewer's own approval is not "someone else saved this event".
    _reported(world)
    client = _client(client, world.reviewer)
    url = reverse("event_approve", args=[world.event.pk])
    client.post(url, {"version": 3})
    response = client.post(url, {"version": 3}, follow=True)
    assert "The report is approved." in response.text
    assert "Someone else saved" not in response.text
    assert Event.objects.get(pk=world.event.pk).version == 4


def test_approve_after_another_reviewer_approved_still_says_someone_else_did(client, world):
    _reported(world)
    colleague = member(world.units["branch_a"], Membership.Role.REVIEWER, "sc-reviewer-2")
    services.event_approve(user=colleague, event_id=world.event.pk, expected_version=3)
    response = _client(client, world.reviewer).post(
        reverse("event_approve", args=[world.event.pk]), {"version": 3}, follow=True
    )
    assert "Someone else saved this event after you opened it" in response.text


def test_a_repeated_save_and_submit_of_the_same_report_says_sent(client, world):
    url = reverse("event_report", args=[world.event.pk])
    posted = _report_post(world.event, submit="1")
    client = _client(client, world.organizer)
    client.post(url, posted)
    response = client.post(url, posted, follow=True)
    assert "The report is sent for review." in response.text
    assert "Someone else saved" not in response.text
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.REPORTED


def test_a_second_save_with_other_figures_after_ones_own_submit_shows_the_conflict(client, world):
    url = reverse("event_report", args=[world.event.pk])
    client = _client(client, world.organizer)
    client.post(url, _report_post(world.event, submit="1"))
    response = client.post(url, _report_post(world.event, head_count="95", submit="1"))
    assert response.status_code == 200
    assert 'value="95"' in response.text
    assert Event.objects.get(pk=world.event.pk).head_count == 80


VERSION_MISSING = "Nothing was changed: the page this came from did not say which version"


@pytest.mark.parametrize("version", [None, "", "latest", "-1"])
@pytest.mark.parametrize(
    ("name", "user", "data", "reported"),
    [
        ("event_submit", "organizer", {}, False),
        ("event_cancel", "organizer", {"text": "暴雪封路。"}, False),
        ("event_approve", "reviewer", {}, True),
        ("event_return", "reviewer", {"text": "请补充照片。"}, True),
        ("event_head_count_confirm", "reviewer", {"head_count": "45"}, True),
    ],
)
def test_a_change_that_names_no_version_is_refused_as_such_and_changes_nothing(
    client, world, name, user, data, reported, version
):
    if reported:
        _reported(world)
    else:  # a report to submit
        services.event_report_save(
            user=world.organizer,
            event_id=world.event.pk,
            expected_version=1,
            figures={"head_count": 40},
            audience={"women": 35},
        )
    before = Event.objects.get(pk=world.event.pk)
    if version is not None:
        data = data | {"version": version}

    response = _client(client, getattr(world, user)).post(
        reverse(name, args=[world.event.pk]), data, follow=True
    )

    assert VERSION_MISSING in response.text
    assert "Someone else saved this event" not in response.text
    after = Event.objects.get(pk=world.event.pk)
    assert (after.status, after.version, after.head_count) == (
        before.status,
        before.version,
        before.head_count,
    )


def test_a_plan_change_that_names_no_version_is_refused_as_such(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_edit", args=[world.event.pk]),
        _plan_post(world, title="红原牧区宣讲（改期）") | {"version": ""},
    )
    assert VERSION_MISSING in response.text
    assert Event.objects.get(pk=world.event.pk).version == 1


def test_a_bulk_approval_with_a_report_of_no_version_approves_none(client, world):
    _reported(world)
    other = f.EventFactory(org_unit=world.event.org_unit, campaign=world.event.campaign)
    services.event_report_save(
        user=world.organizer,
        event_id=other.pk,
        expected_version=1,
        figures={"head_count": 20},
        audience={},
    )
    services.event_submit(user=world.organizer, event_id=other.pk, expected_version=2)

    response = _client(client, world.reviewer).post(
        reverse("event_approve_bulk"),
        {"events": [world.event.pk, other.pk], f"version-{world.event.pk}": _seen(world)},
        follow=True,
    )

    assert VERSION_MISSING in response.text
    assert set(Event.objects.values_list("status", flat=True)) == {Event.Status.REPORTED}


def test_return_without_a_note_keeps_the_report_and_asks_for_one(client, world):
    _reported(world)
    response = _client(client, world.reviewer).post(
        reverse("event_return", args=[world.event.pk]), {"text": "", "version": 3}
    )
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.REPORTED


def test_organizer_sees_the_reviewers_note_and_history(client, world):
    _reported(world)
    services.event_return(
        user=world.reviewer,
        event_id=world.event.pk,
        note="请补充照片。",
        expected_version=_seen(world),
    )
    response = _client(client, world.organizer).get(reverse("event_detail", args=[world.event.pk]))
    assert "Returned by the reviewer" in response.text
    assert "请补充照片。" in response.text
    assert "report returned" in response.text
    assert "Fix the report" in response.text


def test_cancel_a_planned_event_with_a_reason(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_cancel", args=[world.event.pk]), {"text": "暴雪封路", "version": 1}
    )
    assert response.status_code == 302
    assert Event.objects.get(pk=world.event.pk).cancel_reason == "暴雪封路"


def test_event_page_query_count_does_not_grow_with_the_report(
    client, world, django_assert_max_num_queries
):
    hospital = f.PartnerFactory(org_unit=world.units["branch_a"])
    for group in ("women", "elderly", "youth", "farmers_herders"):
        f.AudienceCountFactory(event=world.event, group=group)
    for _ in range(3):
        f.PartnerServiceFactory(event=world.event, partner=hospital)
        f.MaterialUseFactory(event=world.event)
    client = _client(client, world.organizer)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("event_detail", args=[world.event.pk]))
    assert response.status_code == 200


def test_report_form_works_without_javascript(client, world):
    response = _client(client, world.organizer).get(reverse("event_report", args=[world.event.pk]))
    html = response.text
    assert '<form method="post" class="report-form"' in html
    assert 'name="audience_women"' in html
    assert 'name="submit"' in html
    assert "hx-" not in html.split('class="report-form"')[1].split("</form>")[0]


def test_event_date_is_shown_in_beijing_time(client, world):
    world.event.starts_at = dt.datetime(2025, 3, 12, 2, tzinfo=dt.UTC)
    world.event.save()
    response = _client(client, world.organizer).get(reverse("event_detail", args=[world.event.pk]))
    assert "2025-03-12 10:00" in response.text


def test_online_event_reports_reach_instead_of_head_counts(client, world):
    world.event.channel = "wechat_article"
    world.event.save()
    response = _client(client, world.organizer).get(reverse("event_report", args=[world.event.pk]))
    assert 'name="online_reach"' in response.text
    assert 'name="audience_women"' not in response.text
    assert 'name="head_count"' not in response.text


def test_the_history_names_the_system_for_an_entry_no_person_made(client, world):
    # A scheduled job (the retention purge, the sweeper) acts without a person.
    f.AuditEntryFactory(
        org_unit=world.event.org_unit,
        object_type="campaigns.event",
        object_id=str(world.event.pk),
        action="campaigns.event.submitted",
        actor=None,
    )
    client.force_login(world.organizer)

    response = client.get(reverse("event_detail", args=[world.event.pk]))

    assert response.status_code == 200
    assert "report sent for review · system" in response.text


def _history_entry(world, action, data):
    return f.AuditEntryFactory(
        org_unit=world.event.org_unit,
        object_type="campaigns.event",
        object_id=str(world.event.pk),
        action=action,
        actor=world.organizer,
        data=data,
    )


def test_the_history_puts_every_action_and_its_data_into_words(client, world):
    _history_entry(world, "campaigns.event.photo_added", {"photo": 7, "width": 1600})
    _history_entry(world, "campaigns.event.plan_changed", {"fields": ["venue_name", "starts_at"]})
    _history_entry(world, "campaigns.event.import_created", {"file": "aba.xlsx", "row": 4})

    html = _client(client, world.organizer).get(reverse("event_detail", args=[world.event.pk])).text

    history = _between(html, '<ol class="history">', "</ol>")
    assert "Photos added to an event" in history
    assert "Photo: 7; Width: 1600" in history
    assert "Event plan changed" in history
    assert "Changed: Venue, Starts at" in history
    assert "Event created by an import" in history
    assert "File: aba.xlsx; Row: 4" in history


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_the_history_shows_no_raw_code_or_key_in_any_language(client, world, language):
    _history_entry(world, "campaigns.event.photo_added", {"photo": 7, "width": 1600})
    _history_entry(world, "campaigns.event.plan_changed", {"fields": ["venue_name"]})
    client = _client(client, world.organizer, language)

    html = client.get(reverse("event_detail", args=[world.event.pk])).text

    history = _between(html, '<ol class="history">', "</ol>")
    assert history.count('<p class="history-details">') == 2
    for raw in ("campaigns.event", "photo:", "width:", "fields:", "venue_name"):
        assert raw not in history


# ---- the head count: the people figure of an in-person event; groups are "of whom" ----


def _between(html: str, start: str, end: str) -> str:
    """The part of ``html`` from ``start`` to the next ``end``."""
    return html.split(start, 1)[1].split(end, 1)[0]


def test_the_report_page_asks_the_head_count_before_the_groups(client, world):
    html = _client(client, world.organizer).get(reverse("event_report", args=[world.event.pk])).text
    form = _between(html, 'class="report-form"', "</form>")
    head_count = form.index('name="head_count"')
    assert head_count < form.index("Of whom, by group") < form.index('name="audience_elderly"')
    assert head_count < form.index('name="staff_count"')
    assert "One person may count in several groups" in _between(form, "Of whom", "</p>")


def test_a_group_above_the_head_count_is_refused_at_that_field_and_nothing_is_saved(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_report", args=[world.event.pk]),
        _report_post(world.event, head_count="50", submit="1"),
    )
    assert response.status_code == 200
    herders = field_markup(response.text, "audience_farmers_herders")
    assert "At most the head count (50): a group is part of it." in herders
    assert 'value="60"' in herders
    assert "At most the head count" not in field_markup(response.text, "audience_women")
    event = Event.objects.get(pk=world.event.pk)
    assert (event.version, event.status, event.head_count) == (1, Event.Status.PLANNED, None)
    assert not event.audience_counts.exists()


def test_groups_without_a_head_count_ask_for_it_at_each_group(client, world):
    response = _client(client, world.organizer).post(
        reverse("event_report", args=[world.event.pk]), _report_post(world.event, head_count="")
    )
    assert response.status_code == 200
    assert "Give the head count first" in field_markup(response.text, "audience_women")
    assert not Event.objects.get(pk=world.event.pk).audience_counts.exists()


def test_an_in_person_report_cannot_be_submitted_without_a_head_count(client, world):
    client = _client(client, world.organizer)
    url = reverse("event_report", args=[world.event.pk])
    posted = _report_post(
        world.event,
        head_count="",
        audience_farmers_herders="",
        audience_women="",
        summary="牧民踊跃参加。",
        submit="1",
    )

    refused = client.post(url, posted)

    assert refused.status_code == 200
    assert "Give the head count (everyone who came) before you submit the report." in field_markup(
        refused.text, "head_count"
    )
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.PLANNED
    # The report was saved; the form now carries the saved version, so sending it again
    # with the head count is not taken for someone else's edit.
    assert 'name="version" value="2"' in refused.text
    sent = client.post(url, {**posted, "version": "2", "head_count": "80"})
    assert sent.status_code == 302
    event = Event.objects.get(pk=world.event.pk)
    assert (event.status, event.head_count) == (Event.Status.REPORTED, 80)


def test_the_event_page_shows_the_head_count_not_the_sum_of_the_groups(client, world):
    services.event_report_save(
        user=world.organizer,
        event_id=world.event.pk,
        expected_version=1,
        figures={"head_count": 80},
        audience={"farmers_herders": 60, "women": 35},
    )
    html = _client(client, world.organizer).get(reverse("event_detail", args=[world.event.pk])).text
    report = _between(html, "<h2>Report</h2>", "</section>")
    assert "<dt>Head count</dt><dd>80</dd>" in _between(report, "People reached", "</dl>")
    groups = _between(report, "Of whom, by group", "</dl>")
    assert "<dd>60</dd>" in groups
    assert "<dd>35</dd>" in groups
    assert "95" not in report
    assert "derived from the groups" not in html


@pytest.mark.parametrize("role", ["organizer", "reviewer"])
def test_the_organizer_and_reviewer_are_asked_to_check_a_derived_head_count(client, world, role):
    derived_report(world)
    html = (
        _client(client, getattr(world, role))
        .get(reverse("event_detail", args=[world.event.pk]))
        .text
    )
    notice = _between(html, 'id="head-count"', "</section>")
    assert "Check the head count" in notice
    assert "worked out from the sum of the audience groups" in notice
    assert "may count some people twice" in notice
    assert f'action="{reverse("event_head_count_confirm", args=[world.event.pk])}"' in notice
    assert 'name="head_count" value="95"' in notice
    assert 'type="hidden" name="version" value="3"' in notice


def test_others_who_see_a_derived_head_count_see_it_marked_without_the_form(client, world):
    derived_report(world)
    html = (
        _client(client, world.translator).get(reverse("event_detail", args=[world.event.pk])).text
    )
    assert "Check the head count" not in html
    assert 'name="head_count"' not in html
    head_count = _between(html, "People reached", "</dl>")
    assert "<dd>95</dd>" in head_count
    assert "derived from the groups" in head_count


def test_correcting_a_derived_head_count_clears_the_notice_and_writes_history(client, world):
    derived_report(world)
    client = _client(client, world.reviewer)
    url = reverse("event_detail", args=[world.event.pk])

    response = client.post(
        reverse("event_head_count_confirm", args=[world.event.pk]),
        {"head_count": "80", "version": "3"},
        follow=True,
    )

    assert response.redirect_chain == [(url, 302)]
    html = response.text
    assert "The head count is saved." in html
    assert "Check the head count" not in html
    assert "derived from the groups" not in html
    assert "<dt>Head count</dt><dd>80</dd>" in html
    history = _between(html, '<ol class="history">', "</ol>")
    details = '<p class="history-details">Changed from: 95; Changed to: 80</p>'
    assert f"· {world.reviewer.username}{details}</li>" in history
    entry = AuditEntry.objects.get(action="campaigns.event.head_count_confirmed")
    assert (entry.actor, entry.data) == (world.reviewer, {"from": 95, "to": 80})
    event = Event.objects.get(pk=world.event.pk)
    assert (event.head_count, event.head_count_derived, event.people_reached) == (80, False, 80)


def test_confirming_a_derived_head_count_as_it_stands_clears_the_notice(client, world):
    derived_report(world)
    response = _client(client, world.organizer).post(
        reverse("event_head_count_confirm", args=[world.event.pk]),
        {"head_count": "95", "version": "3"},
        follow=True,
    )
    assert "Check the head count" not in response.text
    assert not Event.objects.get(pk=world.event.pk).head_count_derived


def test_a_head_count_below_the_largest_group_is_refused_at_thefield_markup(client, world):
    derived_report(world)
    response = _client(client, world.organizer).post(
        reverse("event_head_count_confirm", args=[world.event.pk]),
        {"head_count": "50", "version": "3"},
    )
    assert response.status_code == 200
    field = field_markup(_between(response.text, 'id="head-count"', "</section>"), "head_count")
    assert "At least 60: the largest audience group is part of the head count." in field
    assert 'value="50"' in field
    event = Event.objects.get(pk=world.event.pk)
    assert (event.head_count, event.head_count_derived) == (95, True)


def test_a_head_count_confirmed_from_an_old_page_gives_the_conflict_message(client, world):
    derived_report(world)
    response = _client(client, world.organizer).post(
        reverse("event_head_count_confirm", args=[world.event.pk]),
        {"head_count": "80", "version": "1"},
    )
    assert response.status_code == 200
    notice = _between(response.text, 'id="head-count"', "</section>")
    assert "Someone else saved this event after you opened it" in notice
    assert Event.objects.get(pk=world.event.pk).head_count == 95


def test_a_head_count_refused_as_stale_can_be_sent_again_from_the_page_shown(client, world):
    derived_report(world)
    client = _client(client, world.organizer)
    url = reverse("event_head_count_confirm", args=[world.event.pk])
    refused = client.post(url, {"head_count": "80", "version": "1"})
    notice = _between(refused.text, 'id="head-count"', "</section>")
    version = re.search(r'name="version" value="(\d+)"', notice).group(1)

    again = client.post(url, {"head_count": "80", "version": version}, follow=True)

    assert "The head count is saved." in again.text
    assert Event.objects.get(pk=world.event.pk).head_count == 80


def test_a_translator_cannot_confirm_a_head_count(client, world):
    derived_report(world)
    response = _client(client, world.translator).post(
        reverse("event_head_count_confirm", args=[world.event.pk]),
        {"head_count": "80", "version": "3"},
    )
    assert response.status_code == 403
    assert Event.objects.get(pk=world.event.pk).head_count_derived


def test_the_review_queue_shows_the_head_count_before_the_groups(client, world):
    services.event_report_save(
        user=world.organizer,
        event_id=world.event.pk,
        expected_version=1,
        figures={"head_count": 80},
        audience={"farmers_herders": 60, "women": 35},
    )
    services.event_submit(user=world.organizer, event_id=world.event.pk, expected_version=2)
    html = _client(client, world.reviewer).get(reverse("review_queue")).text
    line = _between(html, 'class="meta figures-line"', "</span>")
    assert line.index("Head count 80") < line.index("of whom") < line.index("60")
    assert "95" not in line


def test_a_sent_report_shows_its_organizer_no_empty_actions_box(client, world):
    # Once sent, the organizer has nothing to do on the page; the reviewer has the verdict.
    _reported(world)
    page = _client(client, world.organizer).get(reverse("event_detail", args=[world.event.pk]))
    assert 'class="card actions-card"' not in page.content.decode()
    page = _client(client, world.reviewer).get(reverse("event_detail", args=[world.event.pk]))
    actions = re.search(
        r'<section class="card actions-card">(.*?)</section>', page.content.decode(), re.S
    )
    assert actions is not None
    assert "Approve" in actions.group(1)


def _announced(world, count: int) -> list[uuid.UUID]:
    """Photos a report sent from a phone said it would send."""
    photos = [uuid.uuid4() for _ in range(count)]
    Event.objects.filter(pk=world.event.pk).update(photos_expected=[str(p) for p in photos])
    return photos


def test_the_page_says_how_many_announced_photos_arrived(client, world):
    announced = _announced(world, 3)
    f.EventPhotoFactory(event=world.event, uuid=announced[0])
    f.EventPhotoFactory(event=world.event)  # uploaded on the web: not one of those announced

    page = _client(client, world.reviewer).get(reverse("event_detail", args=[world.event.pk]))

    assert "1 of 3 photos received." in page.content.decode()


def test_the_page_says_nothing_of_announced_photos_once_all_arrived(client, world):
    for photo in _announced(world, 2):
        f.EventPhotoFactory(event=world.event, uuid=photo)

    page = _client(client, world.organizer).get(reverse("event_detail", args=[world.event.pk]))

    assert "photos received" not in page.content.decode()
