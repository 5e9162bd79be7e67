"""Writes about partners: adding and editing partners and their signed agreements."""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from campaigns.models import OrgUnit, Partner, PartnerAgreement, Region, ServiceType
from campaigns.services.audit import audit_record
from portal.access import require, visible_to

AGREEMENT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# Pillow's format name of each accepted image type, with the extension the file is kept under.
DOCUMENT_IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png"}

ERRORS = {
    "duplicate_name": _("This unit already has a partner of this name."),
    "ends_before_start": _("An agreement cannot end before it starts."),
    "no_service": _("Choose at least one service."),
    "unknown_service": _("Choose services from the list."),
    "no_county": _("Choose at least one county."),
    "county_outside_area": _("These counties are outside the service area of %(unit)s: %(names)s."),
    "document_type": _("The signed document must be a PDF, JPEG or PNG file."),
    "document_size": _("The signed document must be at most %(size)s."),
}

PARTNER_FIELDS = ("org_unit", "name", "kind", "contact_name", "contact_phone", "notes")


def _check_name_free(partner: Partner) -> None:
    taken = Partner.objects.filter(org_unit=partner.org_unit, name=partner.name)
    if partner.pk:
        taken = taken.exclude(pk=partner.pk)
    if taken.exists():
        raise ValidationError({"name": ERRORS["duplicate_name"]})


@transaction.atomic
def partner_create(
    *,
    user,
    org_unit: OrgUnit,
    name: str,
    kind: str,
    contact_name: str = "",
    contact_phone: str = "",
    notes: str = "",
) -> Partner:
    """Add a partner to a unit the user may edit partners of."""
    require(user, "partner.edit", org_unit)
    partner = Partner(
        org_unit=org_unit,
        name=name,
        kind=kind,
        contact_name=contact_name,
        contact_phone=contact_phone,
        notes=notes,
    )
    _check_name_free(partner)
    partner.full_clean()
    partner.save()
    audit_record(actor=user, obj=partner, action="campaigns.partner.created")
    return partner


@transaction.atomic
def partner_update(
    *,
    partner_id: int,
    user,
    org_unit: OrgUnit,
    name: str,
    kind: str,
    contact_name: str = "",
    contact_phone: str = "",
    notes: str = "",
) -> Partner:
    """Change a partner's details; moving it to another unit needs the right in both units."""
    partner = visible_to(user, Partner).select_for_update(of=("self",)).get(pk=partner_id)
    require(user, "partner.edit", partner.org_unit)
    require(user, "partner.edit", org_unit)
    values = {
        "org_unit": org_unit,
        "name": name,
        "kind": kind,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "notes": notes,
    }
    changed = [field for field, value in values.items() if getattr(partner, field) != value]
    if not changed:
        return partner
    for field in changed:
        setattr(partner, field, values[field])
    _check_name_free(partner)
    partner.full_clean()
    partner.save(update_fields=changed)
    audit_record(
        actor=user, obj=partner, action="campaigns.partner.updated", data={"changed": changed}
    )
    return partner


def agreement_document_check(document: UploadedFile) -> str:
    """Refuse a signed document that is too large or is not really a PDF, JPEG or PNG.

    Returns the extension the file is to be stored under, from its content, never its name.
    """
    max_bytes = getattr(settings, "AGREEMENT_DOCUMENT_MAX_BYTES", AGREEMENT_DOCUMENT_MAX_BYTES)
    if document.size > max_bytes:
        raise ValidationError(
            {"document": ERRORS["document_size"] % {"size": filesizeformat(max_bytes)}}
        )
    document.seek(0)
    head = document.read(5)
    document.seek(0)
    if head == b"%PDF-":
        return ".pdf"
    try:
        with Image.open(document) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        image_format = None
    finally:
        document.seek(0)
    if image_format not in DOCUMENT_IMAGE_FORMATS:
        raise ValidationError({"document": ERRORS["document_type"]})
    return DOCUMENT_IMAGE_FORMATS[image_format]


def _check_agreement_terms(
    *,
    partner: Partner,
    starts_on: dt.date,
    ends_on: dt.date,
    services: list[str],
    counties: Iterable[Region],
) -> None:
    errors: dict[str, list] = {}
    if ends_on < starts_on:
        errors["ends_on"] = [ERRORS["ends_before_start"]]
    if not services:
        errors["services"] = [ERRORS["no_service"]]
    elif not set(services) <= set(ServiceType.values):
        errors["services"] = [ERRORS["unknown_service"]]
    county_ids = {county.pk for county in counties}
    if not county_ids:
        errors["counties"] = [ERRORS["no_county"]]
    else:
        inside = set(
            partner.org_unit.service_counties()
            .filter(pk__in=county_ids)
            .values_list("pk", flat=True)
        )
        outside = [county for county in counties if county.pk not in inside]
        if outside:
            errors["counties"] = [
                ERRORS["county_outside_area"]
                % {
                    "unit": partner.org_unit.name,
                    "names": ", ".join(county.name_zh for county in outside),
                }
            ]
    if errors:
        raise ValidationError(errors)


def _attach_document(agreement: PartnerAgreement, document: UploadedFile) -> None:
    extension = agreement_document_check(document)
    # The stored name comes from the partner and the period, never from the uploaded name.
    document.name = f"partner-{agreement.partner_id}-{agreement.starts_on:%Y%m%d}{extension}"
    agreement.document = document


def _service_values(services: list[str]) -> list[str]:
    """The chosen services in the order of the list, once each."""
    return [value for value in ServiceType.values if value in services]


@transaction.atomic
def agreement_create(
    *,
    partner_id: int,
    user,
    starts_on: dt.date,
    ends_on: dt.date,
    services: Iterable[str],
    counties: Iterable[Region],
    document: UploadedFile | None = None,
) -> PartnerAgreement:
    """Record a partner's signed agreement: period, services offered, counties covered."""
    partner = visible_to(user, Partner).select_related("org_unit").get(pk=partner_id)
    require(user, "partner.edit", partner.org_unit)
    services, counties = list(services), list(counties)
    _check_agreement_terms(
        partner=partner, starts_on=starts_on, ends_on=ends_on, services=services, counties=counties
    )
    services = _service_values(services)
    agreement = PartnerAgreement(
        partner=partner, starts_on=starts_on, ends_on=ends_on, services=services
    )
    if document is not None:
        _attach_document(agreement, document)
    agreement.full_clean()
    agreement.save()
    agreement.counties.set(counties)
    audit_record(
        actor=user,
        obj=agreement,
        action="campaigns.agreement.created",
        data={
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "services": services,
            "counties": sorted(county.pk for county in counties),
            "document": bool(agreement.document),
        },
    )
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement_id: int,
    user,
    starts_on: dt.date,
    ends_on: dt.date,
    services: Iterable[str],
    counties: Iterable[Region],
    document: UploadedFile | None = None,
) -> PartnerAgreement:
    """Change an agreement's terms; a new document replaces the old one, none keeps it."""
    agreement = (
        visible_to(user, PartnerAgreement)
        .select_for_update(of=("self",))
        .select_related("partner__org_unit")
        .get(pk=agreement_id)
    )
    partner = agreement.partner
    require(user, "partner.edit", partner.org_unit)
    services, counties = list(services), list(counties)
    _check_agreement_terms(
        partner=partner, starts_on=starts_on, ends_on=ends_on, services=services, counties=counties
    )
    services = _service_values(services)
    values = {"starts_on": starts_on, "ends_on": ends_on, "services": services}
    changed = [field for field, value in values.items() if getattr(agreement, field) != value]
    for field in changed:
        setattr(agreement, field, values[field])
    if document is not None:
        _attach_document(agreement, document)
        changed.append("document")
    old_counties = set(agreement.counties.values_list("pk", flat=True))
    new_counties = {county.pk for county in counties}
    if not changed and old_counties == new_counties:
        return agreement
    agreement.full_clean()
    if changed:
        agreement.save(update_fields=changed)
    if old_counties != new_counties:
        agreement.counties.set(counties)
        changed.append("counties")
    audit_record(
        actor=user,
        obj=agreement,
        action="campaigns.agreement.updated",
        data={
            "changed": changed,
            "counties_added": sorted(new_counties - old_counties),
            "counties_removed": sorted(old_counties - new_counties),
        },
    )
    return agreement
