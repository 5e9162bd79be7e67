"""Django's admin cannot be used to step outside one's subtree or around a workflow.

The first tests are the requests of the security probe that found the back door: a branch
administrator with staff status and every model permission (as the demo data once gave them)
granting themselves a role at headquarters, making a new headquarters, moving and approving
an event, approving an edition, moving a partner. Each answers with the admin's sign-in page
and changes nothing. Then: what a superuser may do there is audited, with the unit set, and
models with a workflow are read-only for them too.
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.models import (
    AuditEntry,
    Event,
    MaterialEdition,
    Membership,
    OrgUnit,
    Partner,
)
from portal.access import scope_of
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch_admin(org_tree):
    """Sichuan's administrator, with the staff status and permissions the admin once took."""
    user = f.UserFactory(username="sc-admin", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    f.MembershipFactory(user=user, org_unit=org_tree["branch_a"], role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def superuser(db):
    return f.UserFactory(username="hq-admin", is_staff=True, is_superuser=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _refused(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_a_branch_admin_cannot_grant_themselves_a_role_at_headquarters(branch_admin, org_tree):
    response = _client(branch_admin).post(
        "/admin/campaigns/membership/add/",
        {"user": branch_admin.pk, "org_unit": org_tree["hq"].pk, "role": "admin"},
    )

    assert _refused(response)
    assert not Membership.objects.filter(user=branch_admin, org_unit=org_tree["hq"]).exists()
    branch_admin._access_scope = None
    assert not scope_of(branch_admin).everything


def test_a_branch_admin_cannot_make_a_new_headquarters(branch_admin):
    units = OrgUnit.objects.count()

    response = _client(branch_admin).post(
        "/admin/campaigns/orgunit/add/",
        {
            "code": "FAKE-HQ",
            "name": "假总部",
            "kind": "hq",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": branch_admin.pk,
            "memberships-0-role": "reviewer",
        },
    )

    assert _refused(response)
    assert OrgUnit.objects.count() == units


def test_a_branch_admin_cannot_move_or_approve_an_event_in_the_admin(
    branch_admin, org_tree, hongyuan
):
    event = f.EventFactory(org_unit=org_tree["central_a"], county=hongyuan)

    response = _client(branch_admin).post(
        f"/admin/campaigns/event/{event.pk}/change/",
        {"org_unit": org_tree["branch_b"].pk, "status": "approved", "title": event.title},
    )

    assert _refused(response)
    event.refresh_from_db()
    assert (event.org_unit, event.status, event.version) == (org_tree["central_a"], "planned", 1)


def test_a_branch_admin_cannot_approve_an_edition_or_move_a_partner(branch_admin, org_tree):
    edition = f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=org_tree["branch_a"]),
        status=MaterialEdition.Status.TRANSLATED,
        needs_native_review=True,
    )
    partner = f.PartnerFactory(org_unit=org_tree["branch_a"])
    client = _client(branch_admin)

    edition_response = client.post(
        f"/admin/campaigns/materialedition/{edition.pk}/change/",
        {"status": "approved", "needs_native_review": ""},
    )
    partner_response = client.post(
        f"/admin/campaigns/partner/{partner.pk}/change/",
        {"org_unit": org_tree["branch_b"].pk, "name": partner.name, "kind": partner.kind},
    )

    assert _refused(edition_response)
    assert _refused(partner_response)
    edition.refresh_from_db()
    partner.refresh_from_db()
    assert (edition.status, edition.needs_native_review) == ("translated", True)
    assert partner.org_unit == org_tree["branch_a"]


def test_no_admin_page_opens_below_the_superuser(branch_admin):
    client = _client(branch_admin)

    for url in ("/admin/", "/admin/campaigns/", "/admin/campaigns/membership/"):
        assert _refused(client.get(url)), url


def test_workflow_models_are_read_only_for_a_superuser_too(superuser, org_tree, hongyuan):
    event = f.EventFactory(org_unit=org_tree["central_a"], county=hongyuan)
    edition = f.MaterialEditionFactory(material=f.MaterialFactory(org_unit=org_tree["hq"]))
    partner = f.PartnerFactory(org_unit=org_tree["branch_a"])
    client = _client(superuser)

    for model, obj in (("event", event), ("materialedition", edition), ("partner", partner)):
        page = client.get(f"/admin/campaigns/{model}/{obj.pk}/change/")
        assert page.status_code == 200
        assert 'name="status"' not in page.content.decode()
        assert 'name="org_unit"' not in page.content.decode()
        assert client.post(f"/admin/campaigns/{model}/{obj.pk}/change/", {}).status_code == 403
        assert client.get(f"/admin/campaigns/{model}/add/").status_code == 403
        assert (
            client.post(f"/admin/campaigns/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code
            == 403
        )
    event.refresh_from_db()
    assert event.status == Event.Status.PLANNED
    assert Partner.objects.filter(pk=partner.pk).exists()


def test_admin_additions_changes_and_deletions_are_audited_with_the_unit(superuser, org_tree):
    person = f.UserFactory(username="new-reviewer")
    client = _client(superuser)

    client.post(
        "/admin/campaigns/membership/add/",
        {"user": person.pk, "org_unit": org_tree["central_a"].pk, "role": "reviewer"},
    )
    membership = Membership.objects.get(user=person)
    client.post(
        f"/admin/campaigns/membership/{membership.pk}/change/",
        {"user": person.pk, "org_unit": org_tree["central_a"].pk, "role": "organizer"},
    )
    client.post(f"/admin/campaigns/membership/{membership.pk}/delete/", {"post": "yes"})

    entries = AuditEntry.objects.filter(object_type="campaigns.membership").order_by("pk")
    assert [(e.action, e.org_unit, e.actor) for e in entries] == [
        ("admin.campaigns.membership.added", org_tree["central_a"], superuser),
        ("admin.campaigns.membership.changed", org_tree["central_a"], superuser),
        ("admin.campaigns.membership.deleted", org_tree["central_a"], superuser),
    ]
    assert entries[1].data["changes"] == [{"changed": {"fields": ["Role"]}}]
    assert not Membership.objects.filter(user=person).exists()
    audit_page = client.get(reverse("audit_log"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Changed in the Django admin" in audit_page


def test_lifting_a_lockout_by_deleting_its_sign_in_record_is_audited(superuser):
    attempt = f.AccessAttemptFactory(failures_since_start=5)

    _client(superuser).post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="admin.axes.accessattempt.deleted")
    assert entry.actor == superuser


def test_a_tibetan_name_changed_in_the_admin_waits_for_a_native_reader_again(superuser, hongyuan):
    hongyuan.name_bo = "ཧོང་ཡོན།"
    hongyuan.name_bo_needs_review = False
    hongyuan.name_bo_reviewed_at = timezone.now()
    hongyuan.save()
    change_url = reverse("admin:campaigns_region_change", args=[hongyuan.pk])
    form = _client(superuser).get(change_url).context["adminform"].form
    posted = {name: value for name, value in form.initial.items() if value is not None}
    posted.update(name_bo="རྨ་ཐང་།", name_bo_needs_review="")

    response = _client(superuser).post(change_url, posted)

    assert response.status_code == 302, response.context["adminform"].form.errors
    hongyuan.refresh_from_db()
    assert hongyuan.name_bo == "རྨ་ཐང་།"
    assert hongyuan.name_bo_needs_review is True
    assert hongyuan.name_bo_reviewed_at is None
