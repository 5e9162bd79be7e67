"""The partner pages as a user sees them (in English): list, page, forms and downloads."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from campaigns.models import AuditEntry, Membership, Partner, PartnerAgreement
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer(org_tree):
    return f.MembershipFactory(org_unit=org_tree["branch_a"], role=Membership.Role.ORGANIZER).user


@pytest.fixture
def signed_in(client):
    """Sign a user in, with English as their interface language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def _entries():
    """The audit entries about partners; signing in writes one about the user too."""
    return AuditEntry.objects.exclude(object_type="portal.user")


def _agreement_post(county, **overrides):
    data = {
        "starts_on": "2025-01-01",
        "ends_on": "2025-12-31",
        "services": ["health_screening", "counselling"],
        "counties": [county.pk],
    }
    data.update(overrides)
    return data


def test_an_organizer_of_another_branch_gets_404_on_the_partner_pages(
    signed_in, org_tree, hospital
):
    agreement = f.PartnerAgreementFactory(
        partner=hospital, document=ContentFile(b"%PDF-1.7", name="signed.pdf")
    )
    client = signed_in(f.MembershipFactory(org_unit=org_tree["branch_b"]).user)

    for url in (
        reverse("partner_detail", args=[hospital.pk]),
        reverse("partner_edit", args=[hospital.pk]),
        reverse("agreement_create", args=[hospital.pk]),
        reverse("agreement_edit", args=[agreement.pk]),
        reverse("agreement_document", args=[agreement.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert hospital.name not in client.get(reverse("partner_list")).text


def test_a_translator_gets_403_when_adding_a_partner(signed_in, org_tree):
    translator = f.MembershipFactory(
        org_unit=org_tree["branch_a"], role=Membership.Role.TRANSLATOR
    ).user
    client = signed_in(translator)

    assert client.get(reverse("partner_create")).status_code == 403
    posted = client.post(
        reverse("partner_create"),
        {"org_unit": org_tree["branch_a"].pk, "name": "某医院", "kind": "hospital"},
    )
    assert posted.status_code == 403
    assert "Add a partner" not in client.get(reverse("partner_list")).text
    assert not Partner.objects.exists()


def test_adding_a_partner_through_the_form_defaults_to_the_users_unit(
    signed_in, organizer, org_tree
):
    client = signed_in(organizer)
    form = client.get(reverse("partner_create"))
    assert f'<option value="{org_tree["branch_a"].pk}" selected>' in form.text
    assert org_tree["branch_b"] not in form.context["form"].fields["org_unit"].queryset

    response = client.post(
        reverse("partner_create"),
        {
            "org_unit": org_tree["sub_a"].pk,
            "name": "红原县总工会",
            "kind": "trade_union",
            "contact_phone": "0837-1234567",
        },
        follow=True,
    )

    partner = Partner.objects.get()
    assert response.redirect_chain[-1][0] == reverse("partner_detail", args=[partner.pk])
    assert "The partner was added." in response.text
    assert "0837-1234567" in response.text
    assert _entries().get().action == "campaigns.partner.created"


def test_editing_a_partner_keeps_what_was_typed_when_the_name_is_taken(
    signed_in, organizer, hospital
):
    f.PartnerFactory(org_unit=hospital.org_unit, name="红原县人民医院")
    client = signed_in(organizer)

    response = client.post(
        reverse("partner_edit", args=[hospital.pk]),
        {
            "org_unit": hospital.org_unit.pk,
            "name": "红原县人民医院",
            "kind": "hospital",
            "contact_name": "王护士长",
        },
    )

    assert response.status_code == 200
    assert "This unit already has a partner of this name." in response.text
    assert 'value="王护士长"' in response.text
    assert not _entries().exists()


def test_an_agreement_ending_in_20_days_is_flagged_on_the_list(signed_in, organizer, hospital):
    today = timezone.localdate()
    f.PartnerAgreementFactory(
        partner=hospital,
        starts_on=today - dt.timedelta(days=300),
        ends_on=today + dt.timedelta(days=20),
    )
    f.PartnerAgreementFactory(
        partner__org_unit=hospital.org_unit,
        partner__name="红原县中学",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=200),
    )
    f.PartnerFactory(org_unit=hospital.org_unit, name="若尔盖县总工会")

    page = signed_in(organizer).get(reverse("partner_list")).text

    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in page.split("<li>")[1:]}
    assert "agreement ends within 30 days" in rows["四川省妇幼保健院"]
    assert "agreement ends within" not in rows["红原县中学"]
    assert "no current agreement" not in rows["红原县中学"]
    assert "no current agreement" in rows["若尔盖县总工会"]


def test_a_signed_renewal_silences_the_ending_soon_flag(signed_in, organizer, hospital):
    today = timezone.localdate()
    f.PartnerAgreementFactory(
        partner=hospital,
        starts_on=today - dt.timedelta(days=300),
        ends_on=today + dt.timedelta(days=20),
    )
    f.PartnerAgreementFactory(
        partner=hospital,
        starts_on=today + dt.timedelta(days=21),
        ends_on=today + dt.timedelta(days=400),
    )

    page = signed_in(organizer).get(reverse("partner_list")).text

    assert hospital.name in page
    assert "agreement ends within" not in page
    assert "no current agreement" not in page


def test_the_list_filters_by_kind_and_name_and_keeps_the_filters_across_pages(
    signed_in, organizer, org_tree, hospital
):
    for number in range(30):
        f.PartnerFactory(org_unit=org_tree["sub_a"], name=f"学校{number:02d}", kind="school")
    client = signed_in(organizer)

    schools = client.get(reverse("partner_list"), {"kind": "school", "q": "学校"})

    assert schools.context["page"].paginator.count == 30
    assert hospital.name not in schools.text
    assert "?kind=school&amp;q=%E5%AD%A6%E6%A0%A1&amp;page=2" in schools.text
    only_one = client.get(reverse("partner_list"), {"q": "学校07"})
    assert [p.name for p in only_one.context["page"]] == ["学校07"]


def test_an_empty_list_says_so(signed_in, organizer):
    page = signed_in(organizer).get(reverse("partner_list")).text
    assert "No partners yet." in page
    assert reverse("partner_create") in page


def test_the_partner_page_shows_screening_totals_of_visible_events(
    signed_in, org_tree, hospital, hongyuan
):
    for unit, screened, referred in (("sub_a", 32, 3), ("central_a", 20, 1)):
        event = f.EventFactory(org_unit=org_tree[unit], county=hongyuan, title=f"{unit} 义诊")
        f.PartnerServiceFactory(event=event, partner=hospital, screened=screened, referred=referred)
    f.PartnerServiceFactory(
        event=f.EventFactory(org_unit=org_tree["sub_a"], county=hongyuan),
        partner=hospital,
        screening_type="other",
        screened=7,
        referred=0,
    )
    branch_reviewer = f.MembershipFactory(org_unit=org_tree["branch_a"], role="reviewer").user
    sub_organizer = f.MembershipFactory(org_unit=org_tree["sub_a"]).user

    page = signed_in(branch_reviewer).get(reverse("partner_detail", args=[hospital.pk]))

    totals = {(t.label, t.screened, t.referred) for t in page.context["totals"]}
    assert totals == {("cervical and breast cancer", 52, 4), ("other screening", 7, 0)}
    assert "<dd>52</dd>" in page.text
    assert "central_a 义诊" in page.text
    assert reverse("event_detail", args=[hospital.services.first().event_id]) in page.text

    # A sub-branch sees the branch's partner, but only what it did at the sub-branch's events.
    page = signed_in(sub_organizer).get(reverse("partner_detail", args=[hospital.pk]))
    assert "<dd>32</dd>" in page.text
    assert "central_a 义诊" not in page.text
    assert reverse("partner_edit", args=[hospital.pk]) not in page.text


def test_the_partner_page_flags_agreements_ending_soon_and_expired(signed_in, organizer, hospital):
    today = timezone.localdate()
    f.PartnerAgreementFactory(
        partner=hospital,
        starts_on=today - dt.timedelta(days=400),
        ends_on=today - dt.timedelta(days=35),
    )
    f.PartnerAgreementFactory(
        partner=hospital,
        starts_on=today - dt.timedelta(days=34),
        ends_on=today + dt.timedelta(days=12),
    )

    page = signed_in(organizer).get(reverse("partner_detail", args=[hospital.pk])).text

    assert "expired" in page
    assert "ends within 30 days" in page


def test_the_partner_page_reads_a_fixed_number_of_queries(
    signed_in, organizer, org_tree, hospital, hongyuan, django_assert_max_num_queries
):
    for number in range(10):
        agreement = f.PartnerAgreementFactory(
            partner=hospital,
            starts_on=dt.date(2015 + number, 1, 1),
            ends_on=dt.date(2015 + number, 12, 31),
            services=["health_screening"],
        )
        agreement.counties.add(hongyuan, f.RegionFactory())
        f.PartnerServiceFactory(
            event=f.EventFactory(org_unit=org_tree["sub_a"], county=f.RegionFactory()),
            partner=hospital,
        )
    client = signed_in(organizer)

    # Session, user, scope, roles, partner, agreements, their counties, services (count, page),
    # totals, unread notifications: none of them per agreement or per service.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("partner_detail", args=[hospital.pk]))

    assert response.status_code == 200


def test_adding_an_agreement_with_a_signed_pdf(signed_in, organizer, hospital, hongyuan):
    client = signed_in(organizer)
    data = _agreement_post(hongyuan, document=SimpleUploadedFile("合同.pdf", b"%PDF-1.7\n%%EOF"))

    response = client.post(reverse("agreement_create", args=[hospital.pk]), data, follow=True)

    agreement = PartnerAgreement.objects.get()
    assert "The agreement was added." in response.text
    assert (agreement.services, list(agreement.counties.all())) == (
        ["health_screening", "counselling"],
        [hongyuan],
    )
    assert _entries().get().action == "campaigns.agreement.created"
    download = client.get(reverse("agreement_document", args=[agreement.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == b"%PDF-1.7\n%%EOF"


def test_a_document_that_is_not_really_a_pdf_is_refused_with_a_message(
    signed_in, organizer, hospital, hongyuan
):
    data = _agreement_post(
        hongyuan, document=SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 not a pdf at all")
    )

    response = signed_in(organizer).post(reverse("agreement_create", args=[hospital.pk]), data)

    assert response.status_code == 200
    assert "The signed document must be a PDF, JPEG or PNG file." in response.text
    assert response.context["form"].errors["document"]
    assert 'value="2025-12-31"' in response.text  # what was typed is kept
    assert not PartnerAgreement.objects.exists()


def test_an_agreement_ending_before_it_starts_is_refused_next_to_the_end_date(
    signed_in, organizer, hospital, hongyuan
):
    data = _agreement_post(hongyuan, ends_on="2024-06-30")

    response = signed_in(organizer).post(reverse("agreement_create", args=[hospital.pk]), data)

    assert response.context["form"].errors["ends_on"] == [
        "An agreement cannot end before it starts."
    ]
    assert not PartnerAgreement.objects.exists()


def test_the_agreement_form_offers_only_the_units_counties(
    signed_in, organizer, hospital, hongyuan
):
    elsewhere = f.RegionFactory(code="430102", name_zh="芙蓉区")
    client = signed_in(organizer)

    form = client.get(reverse("agreement_create", args=[hospital.pk]))
    assert "红原县" in form.text
    assert "芙蓉区" not in form.text
    assert 'type="date"' in form.text

    refused = client.post(
        reverse("agreement_create", args=[hospital.pk]), _agreement_post(elsewhere)
    )
    assert refused.context["form"].errors["counties"]


def test_editing_an_agreement_without_a_new_document_keeps_the_old_one(
    signed_in, organizer, hospital, hongyuan
):
    agreement = f.PartnerAgreementFactory(
        partner=hospital,
        services=["talk"],
        document=ContentFile(b"%PDF-1.4", name="signed.pdf"),
    )
    agreement.counties.add(hongyuan)
    client = signed_in(organizer)

    form = client.get(reverse("agreement_edit", args=[agreement.pk]))
    assert 'value="2025-01-01"' in form.text
    response = client.post(
        reverse("agreement_edit", args=[agreement.pk]),
        _agreement_post(hongyuan, ends_on="2026-03-31", services=["talk"]),
    )

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.ends_on == dt.date(2026, 3, 31)
    assert agreement.document.read() == b"%PDF-1.4"
    entry = _entries().get()
    assert (entry.action, entry.data["changed"]) == ("campaigns.agreement.updated", ["ends_on"])


def test_an_agreement_without_a_document_has_nothing_to_download(signed_in, organizer, hospital):
    agreement = f.PartnerAgreementFactory(partner=hospital)
    response = signed_in(organizer).get(reverse("agreement_document", args=[agreement.pk]))
    assert response.status_code == 404
