"""Who came to an event, for the events that keep a sign-in list: personal information.

A sign-in holds a name, a phone number, the audience group and the consent the person gave
(which text, and when). It holds nothing about health: a screening's results belong to the
hospital and the person, and the portal keeps screening figures only as counts per event
(PartnerService). Sign-ins are deleted SIGN_IN_RETENTION_DAYS after they were collected.
"""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models.events import AudienceGroup
from portal.access import OrgScopedQuerySet

# The consent text a person agrees to, by version. A new wording gets a new version, and
# the old one stays here so that what each person agreed to can still be shown.
CONSENT_TEXTS = {
    "2026-1": _(
        "I agree that the company keeps my name, phone number and audience group to record "
        "this event and to contact me about financial education. They are kept for at most "
        "180 days, are not given to anyone else, and I may ask for them to be deleted at any "
        "time."
    ),
}
CONSENT_VERSION = "2026-1"
# How long each consent text promises the sign-in is kept: SIGN_IN_RETENTION_DAYS may not
# be longer (campaigns/checks.py).
CONSENT_RETENTION_DAYS = {"2026-1": 180}

MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
NOT_A_MOBILE = _("A mainland mobile number of 11 digits, such as 13812341234.")


def phone_cleaned(value) -> str:
    """A phone as typed (full-width digits, spaces, dashes, +86) as 11 digits, or a
    ValidationError."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not MAINLAND_MOBILE.fullmatch(digits):
        raise ValidationError(NOT_A_MOBILE, code="phone")
    return digits


def phone_masked(phone: str) -> str:
    """A phone as those without the permission see it: 138****1234."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


class SignInQuerySet(OrgScopedQuerySet):
    owner_path = "event__org_unit__path"


class SignIn(models.Model):
    event = models.ForeignKey(
        "campaigns.Event", models.CASCADE, related_name="sign_ins", verbose_name=_("event")
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(
        _("phone"),
        max_length=11,
        validators=[RegexValidator(MAINLAND_MOBILE, NOT_A_MOBILE)],
    )
    audience_group = models.CharField(
        _("audience group"), max_length=32, choices=AudienceGroup.choices
    )
    consent_version = models.CharField(_("consent text version"), max_length=16)
    consented_at = models.DateTimeField(_("consent given at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # The retention period runs from here: when the portal got the information.
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    objects = SignInQuerySet.as_manager()

    class Meta:
        ordering = ["event", "pk"]
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        constraints = [
            models.UniqueConstraint(fields=["event", "phone"], name="sign_in_once_per_event"),
            models.CheckConstraint(
                condition=~models.Q(consent_version=""), name="sign_in_has_consent"
            ),
        ]

    def __str__(self):
        # Never the name or the phone: this string lands in audit entries and logs.
        return f"sign-in {self.pk} of event {self.event_id}"
