"""Partner services and selectors: audit entries, permissions, agreement rules, warnings."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from campaigns.models import AuditEntry, Membership, Partner, PartnerAgreement
from campaigns.selectors.partners import agreements_ending_soon, partner_service_warnings
from campaigns.services import partners as services
from tests import factories as f
from tests.events_world import BEIJING

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer(org_tree):
    return f.MembershipFactory(org_unit=org_tree["branch_a"], role=Membership.Role.ORGANIZER).user


def _actions(obj):
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def _agree(user, partner, county, **overrides):
    arguments = {
        "user": user,
        "partner_id": partner.pk,
        "starts_on": dt.date(2025, 1, 1),
        "ends_on": dt.date(2025, 12, 31),
        "services": ["health_screening"],
        "counties": [county],
    }
    arguments.update(overrides)
    return services.agreement_create(**arguments)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_adding_a_partner_writes_an_audit_entry(organizer, org_tree):
    partner = services.partner_create(
        user=organizer, org_unit=org_tree["sub_a"], name="红原县总工会", kind="trade_union"
    )

    assert partner.org_unit == org_tree["sub_a"]
    assert _actions(partner) == ["campaigns.partner.created"]
    assert AuditEntry.objects.get().org_unit == org_tree["sub_a"]


def test_editing_a_partner_records_which_fields_changed(organizer, hospital):
    services.partner_update(
        partner_id=hospital.pk,
        user=organizer,
        org_unit=hospital.org_unit,
        name=hospital.name,
        kind=hospital.kind,
        contact_name="李医生",
        contact_phone="028-12345678",
    )

    entry = AuditEntry.objects.get()
    assert entry.action == "campaigns.partner.updated"
    assert entry.data == {"changed": ["contact_name", "contact_phone"]}


def test_a_second_partner_of_the_same_name_in_a_unit_is_refused(organizer, hospital):
    with pytest.raises(ValidationError) as refused:
        services.partner_create(
            user=organizer, org_unit=hospital.org_unit, name=hospital.name, kind="hospital"
        )
    assert "name" in refused.value.message_dict


def test_a_translator_may_not_add_a_partner(org_tree):
    translator = f.MembershipFactory(
        org_unit=org_tree["branch_a"], role=Membership.Role.TRANSLATOR
    ).user
    with pytest.raises(PermissionDenied):
        services.partner_create(
            user=translator, org_unit=org_tree["branch_a"], name="某医院", kind="hospital"
        )
    assert not Partner.objects.exists()


def test_a_sub_branch_organizer_sees_but_may_not_edit_the_branchs_partner(org_tree, hospital):
    organizer = f.MembershipFactory(org_unit=org_tree["sub_a"]).user
    with pytest.raises(PermissionDenied):
        services.partner_update(
            partner_id=hospital.pk,
            user=organizer,
            org_unit=org_tree["sub_a"],
            name=hospital.name,
            kind=hospital.kind,
        )


def test_adding_and_editing_an_agreement_writes_audit_entries(organizer, hospital, hongyuan):
    agreement = _agree(organizer, hospital, hongyuan)
    services.agreement_update(
        agreement_id=agreement.pk,
        user=organizer,
        starts_on=agreement.starts_on,
        ends_on=dt.date(2026, 6, 30),
        services=["health_screening", "talk"],
        counties=[hongyuan],
    )

    assert _actions(agreement) == ["campaigns.agreement.created", "campaigns.agreement.updated"]
    updated = AuditEntry.objects.filter(action="campaigns.agreement.updated").get()
    assert updated.data["changed"] == ["ends_on", "services"]
    assert updated.org_unit == hospital.org_unit
    agreement.refresh_from_db()
    assert (agreement.ends_on, agreement.services) == (
        dt.date(2026, 6, 30),
        ["health_screening", "talk"],
    )


def test_saving_an_agreement_unchanged_writes_no_audit_entry(organizer, hospital, hongyuan):
    agreement = _agree(organizer, hospital, hongyuan)
    services.agreement_update(
        agreement_id=agreement.pk,
        user=organizer,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        services=agreement.services,
        counties=[hongyuan],
    )
    assert _actions(agreement) == ["campaigns.agreement.created"]


def test_an_agreement_cannot_end_before_it_starts(organizer, hospital, hongyuan):
    with pytest.raises(ValidationError) as refused:
        _agree(organizer, hospital, hongyuan, ends_on=dt.date(2024, 12, 31))
    assert list(refused.value.message_dict) == ["ends_on"]


def test_an_agreement_covers_only_counties_the_unit_serves(organizer, hospital, hongyuan):
    elsewhere = f.RegionFactory(code="430102", name_zh="芙蓉区")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _agree(organizer, hospital, hongyuan, counties=[hongyuan, elsewhere])
    assert "芙蓉区" in refused.value.message_dict["counties"][0]
    assert not PartnerAgreement.objects.exists()


def test_headquarters_agreements_cover_the_counties_of_its_subtree(org_tree, hongyuan):
    hq_reviewer = f.MembershipFactory(org_unit=org_tree["hq"], role="reviewer").user
    partner = f.PartnerFactory(org_unit=org_tree["hq"])
    agreement = _agree(hq_reviewer, partner, hongyuan)
    assert list(agreement.counties.all()) == [hongyuan]


def test_a_document_that_is_not_really_a_pdf_is_refused(organizer, hospital, hongyuan):
    fake = SimpleUploadedFile("agreement.pdf", b"<html>not a pdf</html>")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _agree(organizer, hospital, hongyuan, document=fake)
    assert refused.value.message_dict == {
        "document": ["The signed document must be a PDF, JPEG or PNG file."]
    }


@pytest.mark.parametrize(
    ("content", "extension"), [(b"%PDF-1.7\n%%EOF\n", ".pdf"), (_png(), ".png")]
)
def test_a_pdf_or_an_image_is_kept_under_a_name_from_its_content(
    organizer, hospital, hongyuan, content, extension
):
    upload = SimpleUploadedFile("../../scan.exe", content)
    agreement = _agree(organizer, hospital, hongyuan, document=upload)
    assert agreement.document.name.startswith("agreements/")
    assert agreement.document.name.endswith(extension)
    assert agreement.document.read() == content


def test_a_document_over_the_size_cap_is_refused(organizer, hospital, hongyuan, settings):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        _agree(
            organizer, hospital, hongyuan, document=SimpleUploadedFile("a.pdf", b"%PDF-" + b"x" * 6)
        )
    assert "document" in refused.value.message_dict


def test_agreements_ending_soon_leaves_out_renewed_and_distant_ones(organizer, org_tree):
    today = dt.date(2025, 6, 1)
    ending = f.PartnerAgreementFactory(
        partner__org_unit=org_tree["sub_a"], ends_on=today + dt.timedelta(days=20)
    )
    renewed = f.PartnerAgreementFactory(
        partner__org_unit=org_tree["sub_a"], ends_on=today + dt.timedelta(days=10)
    )
    f.PartnerAgreementFactory(
        partner=renewed.partner,
        starts_on=today + dt.timedelta(days=11),
        ends_on=dt.date(2026, 6, 1),
    )
    f.PartnerAgreementFactory(ends_on=today + dt.timedelta(days=40))
    f.PartnerAgreementFactory(ends_on=today - dt.timedelta(days=1))
    f.PartnerAgreementFactory(
        partner__org_unit=org_tree["sub_b"], ends_on=today + dt.timedelta(days=5)
    )

    assert list(agreements_ending_soon(user=organizer, today=today)) == [ending]


class TestPartnerServiceWarnings:
    """An event in Hongyuan on 2025-03-10; the hospital's agreement covers screenings there."""

    @pytest.fixture
    def event(self, org_tree, hongyuan):
        return f.EventFactory(
            org_unit=org_tree["sub_a"],
            county=hongyuan,
            starts_at=dt.datetime(2025, 3, 10, 9, tzinfo=BEIJING),
        )

    @pytest.fixture
    def agreement(self, hospital, hongyuan):
        agreement = f.PartnerAgreementFactory(
            partner=hospital,
            starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2025, 12, 31),
            services=["health_screening"],
        )
        agreement.counties.add(hongyuan)
        return agreement

    def _warnings(self, event, hospital, **service):
        served = f.PartnerServiceFactory(event=event, partner=hospital, **service)
        with translation.override("en"):
            return partner_service_warnings(services=[served]).get(served.pk, [])

    def test_no_warning_for_a_covered_service(self, event, hospital, agreement):
        assert self._warnings(event, hospital) == []

    def test_warns_for_an_event_outside_the_agreement_period(self, event, hospital, agreement):
        agreement.starts_on = dt.date(2025, 3, 11)
        agreement.save()
        assert self._warnings(event, hospital) == [
            "No agreement with 四川省妇幼保健院 covers 2025-03-10."
        ]

    def test_the_period_is_read_on_the_local_date_of_the_event(self, event, hospital, agreement):
        # 00:30 in Beijing is still the previous day in UTC.
        event.starts_at = dt.datetime(2025, 1, 1, 0, 30, tzinfo=BEIJING)
        event.save()
        assert self._warnings(event, hospital) == []

    def test_warns_for_an_event_outside_the_agreement_counties(self, event, hospital, agreement):
        agreement.counties.set([f.RegionFactory(name_zh="若尔盖县")])
        assert self._warnings(event, hospital) == [
            "No agreement with 四川省妇幼保健院 covers 红原县 on 2025-03-10."
        ]

    def test_warns_for_a_service_the_agreement_does_not_offer(self, event, hospital, agreement):
        warnings = self._warnings(
            event,
            hospital,
            service_type="counselling",
            screening_type="",
            screened=None,
            referred=None,
        )
        assert warnings == ["The agreement with 四川省妇幼保健院 does not include counselling."]

    def test_warns_for_a_partner_without_any_agreement(self, event, org_tree):
        partner = f.PartnerFactory(org_unit=org_tree["sub_a"], name="红原县中医院")
        assert self._warnings(event, partner) == [
            "No agreement with 红原县中医院 covers 2025-03-10."
        ]

    def test_reads_a_fixed_number_of_queries(
        self, event, hospital, agreement, org_tree, django_assert_num_queries
    ):
        for _ in range(5):
            partner = f.PartnerFactory(org_unit=org_tree["sub_a"])
            f.PartnerAgreementFactory(partner=partner, services=["health_screening"]).counties.add(
                event.county
            )
            f.PartnerServiceFactory(event=event, partner=partner)
        f.PartnerServiceFactory(event=event, partner=hospital)
        services_loaded = list(event.partner_services.select_related("partner"))

        with django_assert_num_queries(3):
            warnings = partner_service_warnings(services=services_loaded)

        assert warnings == {}
