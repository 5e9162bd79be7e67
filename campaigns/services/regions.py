"""Writes about regions: a native reader of Tibetan confirms or corrects a region's Tibetan
name, which the seeds (and anyone but a native reader) leave awaiting review."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.errors import NotAllowed, StaleEdit
from campaigns.models import Region
from campaigns.services.audit import audit_record
from portal.access import is_native_reader

# A Tibetan name holds Tibetan letters (U+0F40–U+0FBC); its tsheg and shad alone are none.
TIBETAN_LETTER = re.compile(r"[\u0f40-\u0fbc]")

ERRORS = {
    "not_native_reader": _(
        "Only a native reader of Tibetan reviews Tibetan names. An administrator marks "
        "native readers on the members page."
    ),
    "changed": _(
        "Someone else changed this name after you opened the page; it is now “%(name)s”. "
        "Read it again, then confirm or correct it."
    ),
    "empty": _("Write the Tibetan name; to confirm it, leave it as it is."),
    "not_tibetan": _("Write the name in Tibetan script."),
}


@transaction.atomic
def region_name_bo_review(*, user, region_id: int, name_bo: str, seen_name_bo: str) -> Region:
    """A native reader confirms a region's Tibetan name as it is, or corrects it; either way
    it no longer awaits review, and the region records who reviewed it and when.

    ``seen_name_bo`` is the name the reader read: a name changed since is not confirmed.
    """
    if not is_native_reader(user):
        raise NotAllowed(ERRORS["not_native_reader"])
    region = Region.objects.select_for_update().get(pk=region_id)
    if region.name_bo != seen_name_bo:
        raise StaleEdit(
            {"name_bo": ValidationError(ERRORS["changed"], params={"name": region.name_bo})},
            current=region,
        )
    name_bo = name_bo.strip()
    if not name_bo:
        raise ValidationError({"name_bo": ERRORS["empty"]})
    if not TIBETAN_LETTER.search(name_bo):
        raise ValidationError({"name_bo": ERRORS["not_tibetan"]})
    before = region.name_bo
    region.name_bo = name_bo
    region.name_bo_needs_review = False
    region.name_bo_reviewed_by = user
    region.name_bo_reviewed_at = timezone.now()
    region.full_clean()
    region.save(
        update_fields=[
            "name_bo",
            "name_bo_needs_review",
            "name_bo_reviewed_by",
            "name_bo_reviewed_at",
        ]
    )
    if name_bo != before:
        audit_record(
            actor=user,
            obj=region,
            action="campaigns.region.name_bo_corrected",
            data={"code": region.code, "before": before, "after": name_bo},
        )
    else:
        audit_record(
            actor=user,
            obj=region,
            action="campaigns.region.name_bo_confirmed",
            data={"code": region.code},
        )
    return region
