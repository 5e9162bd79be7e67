"""Sign-ins are personal information: kept only with consent, masked for most, exported
only with a reason, audited without the information itself, and deleted after retention."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from campaigns.imports.sign_ins_sheet import HEADERS
from campaigns.models import AuditEntry, Membership, PartnerService, SignIn
from campaigns.models.signins import phone_masked
from campaigns.services import events as event_services
from campaigns.services import signins as services
from campaigns.services.retention import retention_purge
from tests import factories as f
from tests.events_world import member

pytestmark = pytest.mark.django_db


def add(world, **changes):
    arguments = {
        "user": world.organizer,
        "event_id": world.event.pk,
        "name": "卓玛",
        "phone": "138 1234 1234",
        "audience_group": "women",
        "consent_given": True,
    } | changes
    return services.sign_in_add(**arguments)


def sheet(*rows) -> bytes:
    book = Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_sign_in_keeps_the_consent_text_version_and_time(world):
    sign_in = add(world, phone="＋86 １３８-1234-1234")
    assert sign_in.phone == "13812341234"
    assert sign_in.consent_version == "2026-1"
    assert timezone.now() - sign_in.consented_at < dt.timedelta(minutes=1)


def test_without_consent_nothing_is_kept(world):
    with pytest.raises(ValidationError) as refused:
        add(world, consent_given=False)
    assert "consent_given" in refused.value.error_dict
    assert not SignIn.objects.exists()


def test_a_phone_that_is_not_a_mainland_mobile_is_refused(world):
    with pytest.raises(ValidationError):
        add(world, phone="12345")


def test_the_same_phone_twice_at_one_event_is_refused(world):
    add(world)
    with pytest.raises(ValidationError) as refused:
        add(world, name="另一个人")
    assert "phone" in refused.value.error_dict


def test_a_reviewer_may_not_record_sign_ins(world):
    with pytest.raises(PermissionDenied):
        add(world, user=world.reviewer)


def test_phones_are_masked_except_for_the_roles_allowed(world):
    add(world)
    assert phone_masked("13812341234") == "138****1234"
    _sign_ins, in_full = services.sign_ins_listed(user=world.reviewer, event=world.event)
    assert not in_full
    _sign_ins, in_full = services.sign_ins_listed(user=world.organizer, event=world.event)
    assert in_full


def test_seeing_phones_in_full_is_audited_without_them(world):
    add(world)
    services.sign_ins_listed(user=world.organizer, event=world.event)
    entry = AuditEntry.objects.get(action="campaigns.signin.viewed")
    assert entry.data == {"sign_ins": 1}
    assert "13812341234" not in str(entry.data) + entry.object_repr + entry.comment
    assert "卓玛" not in str(entry.data) + entry.object_repr + entry.comment


def test_export_needs_a_reason_and_the_permission(world):
    add(world)
    with pytest.raises(ValidationError):
        services.sign_ins_export(user=world.organizer, event_id=world.event.pk, reason=" ")
    with pytest.raises(PermissionDenied):
        services.sign_ins_export(user=world.reviewer, event_id=world.event.pk, reason="回访核实")
    assert not AuditEntry.objects.filter(action="campaigns.signin.exported").exists()


def test_export_holds_the_list_as_text_and_is_audited_with_the_reason(world):
    add(world, name="=HYPERLINK(1)")
    filename, data = services.sign_ins_export(
        user=world.organizer, event_id=world.event.pk, reason="回访核实参加人数"
    )
    sheet_ = load_workbook(io.BytesIO(data)).active
    assert sheet_["A2"].value == "=HYPERLINK(1)"
    assert sheet_["A2"].data_type == "s"
    assert sheet_["B2"].value == "13812341234"
    assert sheet_["B2"].data_type == "s"
    entry = AuditEntry.objects.get(action="campaigns.signin.exported")
    assert entry.data == {"sign_ins": 1, "reason": "回访核实参加人数"}
    assert entry.actor == world.organizer
    assert filename.endswith(".xlsx")


def test_a_unit_admin_may_export_but_another_branchs_admin_may_not_see_the_event(world):
    add(world)
    admin = member(world.units["branch_a"], Membership.Role.ADMIN, "sc-admin")
    services.sign_ins_export(user=admin, event_id=world.event.pk, reason="监管检查需要")
    outsider = member(world.units["branch_b"], Membership.Role.ADMIN, "hn-admin")
    with pytest.raises(world.event.DoesNotExist):
        services.sign_ins_export(user=outsider, event_id=world.event.pk, reason="监管检查需要")


def test_a_clean_paper_list_is_imported_in_full(world):
    result = services.sign_ins_import(
        user=world.organizer,
        event_id=world.event.pk,
        data=sheet(("卓玛", "13812341234", "妇女", "是"), ("扎西", 13912341234, "农牧民", "是")),
    )
    assert result.saved, result.problems
    assert result.created == 2
    assert SignIn.objects.get(phone="13912341234").consented_at == world.event.starts_at


def test_a_paper_list_with_faults_names_each_and_saves_nothing(world):
    add(world, phone="13712341234")
    result = services.sign_ins_import(
        user=world.organizer,
        event_id=world.event.pk,
        data=sheet(
            ("卓玛", "13812341234", "妇女", "否"),  # no consent
            ("", "13912341234", "妇女", "是"),  # no name
            ("扎西", "1391234", "妇女", "是"),  # short phone
            ("拉姆", "13812341234", "学生们", "是"),  # phone twice, unknown group
            ("次仁", "13712341234", "妇女", "是"),  # signed in already
        ),
    )
    assert not result.saved
    found = {(p.row, p.column.split()[0]) for p in result.problems}
    assert found == {(2, "D"), (3, "A"), (4, "B"), (5, "B"), (5, "C"), (6, "B")}
    assert SignIn.objects.count() == 1


def test_the_purge_deletes_old_sign_ins_and_leaves_an_audit_entry(world, settings):
    settings.SIGN_IN_RETENTION_DAYS = 180
    old = [f.SignInFactory(event=world.event) for _ in range(3)]
    SignIn.objects.filter(pk__in=[s.pk for s in old]).update(
        created_at=timezone.now() - dt.timedelta(days=181)
    )
    recent = f.SignInFactory(event=world.event)
    counts = retention_purge(now=timezone.now())
    assert counts["campaigns.signin"] == 3
    assert list(SignIn.objects.all()) == [recent]
    entry = AuditEntry.objects.get(action="campaigns.signin.purged")
    assert entry.data["count"] == 3
    assert entry.actor is None


def test_no_model_has_a_place_for_a_persons_screening_result():
    """Screening figures are counts per event; nothing ties a result to a person."""
    sign_in_fields = {field.name for field in SignIn._meta.get_fields()}
    assert not sign_in_fields & {"screened", "screening", "result", "diagnosis", "referred"}
    service_fields = {field.name for field in PartnerService._meta.get_fields()}
    assert not service_fields & {"name", "phone", "person", "sign_in", "id_number"}


def test_a_paper_list_typed_in_late_is_purged_counting_from_the_event(world, settings):
    settings.SIGN_IN_RETENTION_DAYS = 180
    # Signed on paper at an event 200 days ago, typed into the portal 30 days ago.
    late = f.SignInFactory(event=world.event, consented_at=timezone.now() - dt.timedelta(days=200))
    SignIn.objects.filter(pk=late.pk).update(created_at=timezone.now() - dt.timedelta(days=30))

    assert retention_purge(now=timezone.now())["campaigns.signin"] == 1
    assert not SignIn.objects.exists()


def test_removing_a_sign_in_that_is_gone_changes_and_audits_nothing(world):
    sign_in = add(world)
    services.sign_in_remove(user=world.organizer, event_id=world.event.pk, sign_in_id=sign_in.pk)

    with pytest.raises(SignIn.DoesNotExist):
        services.sign_in_remove(
            user=world.organizer, event_id=world.event.pk, sign_in_id=sign_in.pk
        )
    assert AuditEntry.objects.filter(action="campaigns.signin.removed").count() == 1


def test_a_retention_longer_than_the_consent_text_promises_stops_the_portal(settings):
    from campaigns.checks import sign_in_retention_within_consent

    settings.SIGN_IN_RETENTION_DAYS = 180
    assert sign_in_retention_within_consent(None) == []
    settings.SIGN_IN_RETENTION_DAYS = 365
    [error] = sign_in_retention_within_consent(None)
    assert error.id == "campaigns.E001"
    assert "at most 180 days" in error.msg


def _report_sent(world, status):
    """The event's report sent (and approved, for ``approved``) through the services."""
    event_services.event_report_save(
        user=world.organizer,
        event_id=world.event.pk,
        expected_version=1,
        figures={"head_count": 40},
        audience={"women": 35},
    )
    event_services.event_submit(user=world.organizer, event_id=world.event.pk, expected_version=2)
    if status == "approved":
        event_services.event_approve(
            user=world.reviewer, event_id=world.event.pk, expected_version=3
        )


@pytest.mark.parametrize("status", ["reported", "approved"])
def test_nobody_is_added_to_the_sign_ins_of_a_sent_report(world, status):
    add(world)
    _report_sent(world, status)

    with pytest.raises(ValidationError) as refused:
        add(world, phone="13900001111")
    with pytest.raises(ValidationError):
        services.sign_ins_import(
            user=world.organizer,
            event_id=world.event.pk,
            data=sheet(["拉姆", "13900002222", "妇女", "是"]),
        )

    assert refused.value.code == "report_sent"
    assert list(SignIn.objects.values_list("phone", flat=True)) == ["13812341234"]


def test_a_sign_in_of_an_approved_report_is_deleted_only_with_a_reason_kept_in_the_audit(world):
    sign_in = add(world)
    _report_sent(world, "approved")

    with pytest.raises(ValidationError) as refused:
        services.sign_in_remove(
            user=world.organizer, event_id=world.event.pk, sign_in_id=sign_in.pk, reason=" "
        )
    assert "reason" in refused.value.message_dict
    assert SignIn.objects.filter(pk=sign_in.pk).exists()

    services.sign_in_remove(
        user=world.organizer,
        event_id=world.event.pk,
        sign_in_id=sign_in.pk,
        reason="本人来电要求删除。",
    )

    assert not SignIn.objects.filter(pk=sign_in.pk).exists()
    entry = AuditEntry.objects.get(action="campaigns.signin.removed")
    assert (entry.comment, entry.data) == (
        "本人来电要求删除。",
        {"sign_ins": 1, "after_report": True},
    )


@pytest.mark.parametrize("role", [Membership.Role.ORGANIZER, Membership.Role.ADMIN])
def test_headquarters_sees_a_branchs_phones_masked_and_its_own_in_full(world, org_tree, role):
    add(world)
    headquarters = member(org_tree["hq"], role, f"hq-{role}")
    own_event = f.EventFactory(org_unit=org_tree["hq"], county=world.county)
    f.SignInFactory(event=own_event)

    _sign_ins, branch_in_full = services.sign_ins_listed(user=headquarters, event=world.event)
    _sign_ins, own_in_full = services.sign_ins_listed(user=headquarters, event=own_event)

    assert (branch_in_full, own_in_full) == (False, True)
    with pytest.raises(PermissionDenied):
        services.sign_ins_export(user=headquarters, event_id=world.event.pk, reason="总部抽查回访")
