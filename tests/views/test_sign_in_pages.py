"""The sign-in list as organizers and reviewers meet it on the event's pages."""

import pytest
from django.urls import reverse

from campaigns.models import AuditEntry, Event, SignIn
from tests import factories as f
from tests.downloads import attachment_name

pytestmark = pytest.mark.django_db


def url(world, name="event_sign_ins"):
    return reverse(name, args=[world.event.pk])


def test_organizer_records_a_sign_in_and_sees_the_phone_in_full(client, world):
    client.force_login(world.organizer)
    response = client.post(
        url(world),
        {"name": "卓玛", "phone": "13812341234", "audience_group": "women", "consent_given": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert "13812341234" in response.content.decode()


def test_without_consent_the_form_says_why_in_chinese(client, world):
    client.force_login(world.organizer)
    response = client.post(
        url(world),
        {"name": "卓玛", "phone": "13812341234", "audience_group": "women"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert not SignIn.objects.exists()
    assert 'class="error"' in response.content.decode()


def test_a_reviewer_sees_phones_masked(client, world):
    f.SignInFactory(event=world.event, phone="13812341234")
    client.force_login(world.reviewer)
    page = client.get(url(world)).content.decode()
    assert "138****1234" in page
    assert "13812341234" not in page
    assert url(world, "event_sign_ins_export") not in page


def test_export_asks_for_a_reason_then_downloads_an_attachment(client, world):
    f.SignInFactory(event=world.event)
    client.force_login(world.organizer)
    assert client.get(url(world, "event_sign_ins_export")).status_code == 200
    refused = client.post(url(world, "event_sign_ins_export"), {"reason": ""})
    assert refused.status_code == 200
    assert not refused.has_header("Content-Disposition")
    response = client.post(url(world, "event_sign_ins_export"), {"reason": "回访核实参加人数"})
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(action="campaigns.signin.exported").count() == 1


def test_the_sign_in_list_and_its_template_download_named_for_the_event(client, world):
    f.SignInFactory(event=world.event)
    client.force_login(world.organizer)
    exported = client.post(url(world, "event_sign_ins_export"), {"reason": "回访核实参加人数"})
    template = client.get(url(world, "event_sign_ins_template"))
    assert attachment_name(exported) == "签到名单-红原牧区金融知识宣讲.xlsx"
    assert attachment_name(template) == "签到表-红原牧区金融知识宣讲.xlsx"


def test_a_reviewer_cannot_export(client, world):
    client.force_login(world.reviewer)
    assert client.get(url(world, "event_sign_ins_export")).status_code == 403


def test_another_branch_gets_404_for_the_list(client, world):
    client.force_login(world.other_organizer)
    assert client.get(url(world)).status_code == 404


def test_the_list_pages_in_fifties(client, world):
    for _ in range(51):
        f.SignInFactory(event=world.event)
    client.force_login(world.organizer)
    page = client.get(url(world)).content.decode()
    assert "51 people signed in" in page
    assert "?page=2" in page


def test_the_event_page_keeps_who_read_or_exported_the_list_to_the_audit_page(client, world):
    f.SignInFactory(event=world.event)
    client.force_login(world.organizer)
    client.get(url(world))
    client.post(url(world, "event_sign_ins_export"), {"reason": "筛查后续电话回访"})

    client.force_login(world.translator)
    page = client.get(reverse("event_detail", args=[world.event.pk])).content.decode()

    assert "筛查后续电话回访" not in page
    assert "campaigns.signin" not in page


def test_removing_a_sign_in_of_another_event_is_404(client, world):
    other = f.SignInFactory(event=f.EventFactory(org_unit=world.event.org_unit))
    client.force_login(world.organizer)

    response = client.post(reverse("event_sign_in_remove", args=[world.event.pk, other.pk]))

    assert response.status_code == 404
    assert SignIn.objects.filter(pk=other.pk).exists()


def test_an_approved_events_list_is_closed_and_a_deletion_asks_why(client, world):
    sign_in = f.SignInFactory(event=world.event, phone="13812341234")
    Event.objects.filter(pk=world.event.pk).update(status=Event.Status.APPROVED)
    client.force_login(world.organizer)
    remove = reverse("event_sign_in_remove", args=[world.event.pk, sign_in.pk])

    page = client.get(url(world)).content.decode()
    refused = client.post(remove, {}, follow=True).content.decode()
    client.post(remove, {"reason": "本人要求删除。"})

    assert "Record the sign-in" not in page
    assert 'name="reason"' in page
    assert "say why this sign-in is deleted" in refused
    assert not SignIn.objects.filter(pk=sign_in.pk).exists()
    assert AuditEntry.objects.get(action="campaigns.signin.removed").comment == "本人要求删除。"


def test_a_reviewers_page_is_handed_no_full_phone(client, world):
    f.SignInFactory(event=world.event, phone="13812341234")
    client.force_login(world.reviewer)

    response = client.get(url(world))

    assert [sign_in.phone for sign_in in response.context["page"]] == ["138****1234"]
