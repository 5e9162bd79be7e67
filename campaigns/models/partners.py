from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.models.constraints import FieldCheck
from portal.access import OrgScopedQuerySet


class ServiceType(models.TextChoices):
    HEALTH_SCREENING = "health_screening", _("health screening")
    COUNSELLING = "counselling", _("counselling")
    TALK = "talk", _("talk")
    ANTI_FRAUD_CASE_TALK = "anti_fraud_case_talk", _("anti-fraud case talk")


class ScreeningType(models.TextChoices):
    CERVICAL_BREAST = "cervical_breast", _("cervical and breast cancer")
    OTHER = "other", _("other screening")


class PartnerQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"
    # A provincial hospital that works with a branch also serves the branch's sub-branches.
    shared_with_subunits = True


class Partner(models.Model):
    """An outside organisation that works with an org unit at events."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("hospital")
        TRADE_UNION = "trade_union", _("trade union")
        SCHOOL = "school", _("school")
        COUNSELLING_CENTRE = "counselling_centre", _("counselling centre")
        POLICE_ANTI_FRAUD = "police_anti_fraud", _("police anti-fraud centre")
        OTHER = "other", _("other")

    org_unit = models.ForeignKey(
        "campaigns.OrgUnit", models.PROTECT, related_name="partners", verbose_name=_("org unit")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "name"], name="partner_unique_name_per_unit"
            ),
            models.CheckConstraint(
                condition=bounds.lengths_within(bounds.LONG_TEXT_LENGTH, "notes"),
                name="partner_notes_in_bounds",
                violation_error_message=_("The notes are too long."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerAgreementQuerySet(OrgScopedQuerySet):
    owner_path = "partner__org_unit__path"
    shared_with_subunits = True


class PartnerAgreement(models.Model):
    """A signed agreement: which services a partner offers, when, and in which counties."""

    partner = models.ForeignKey(
        Partner, models.CASCADE, related_name="agreements", verbose_name=_("partner")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    services = models.JSONField(_("services offered"), default=list, blank=True)
    counties = models.ManyToManyField(
        "campaigns.Region",
        blank=True,
        limit_choices_to={"level": "county"},
        verbose_name=_("counties covered"),
    )
    document = models.FileField(_("signed document"), upload_to="agreements/%Y/", blank=True)

    objects = PartnerAgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("partner agreement")
        verbose_name_plural = _("partner agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="agreement_ends_after_start",
                violation_error_message=_("An agreement cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=bounds.days_within("starts_on", "ends_on"),
                name="agreement_days_in_bounds",
                violation_error_message=bounds.DAY_REFUSED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.starts_on}–{self.ends_on}"


class PartnerServiceQuerySet(OrgScopedQuerySet):
    owner_path = "event__org_unit__path"


class PartnerService(models.Model):
    """What a partner did at an event. Screenings are aggregate counts, never a person's result."""

    event = models.ForeignKey(
        "campaigns.Event", models.CASCADE, related_name="partner_services", verbose_name=_("event")
    )
    partner = models.ForeignKey(
        Partner, models.PROTECT, related_name="services", verbose_name=_("partner")
    )
    service_type = models.CharField(_("service"), max_length=32, choices=ServiceType.choices)
    screening_type = models.CharField(
        _("screening type"), max_length=32, choices=ScreeningType.choices, blank=True
    )
    people_served = models.PositiveIntegerField(_("people served"), null=True, blank=True)
    screened = models.PositiveIntegerField(_("screened"), null=True, blank=True)
    referred = models.PositiveIntegerField(_("referred for follow-up"), null=True, blank=True)

    objects = PartnerServiceQuerySet.as_manager()

    class Meta:
        ordering = ["event", "partner"]
        verbose_name = _("partner service")
        verbose_name_plural = _("partner services")
        constraints = [
            FieldCheck(
                fields=("referred",),
                condition=Q(referred__isnull=True)
                | Q(screened__isnull=False, referred__lte=F("screened")),
                name="service_referred_within_screened",
                violation_error_message=_("No more people can be referred than were screened."),
            ),
            FieldCheck(
                fields=("screening_type", "screened"),
                condition=Q(service_type="health_screening")
                | (Q(screened__isnull=True) & Q(screening_type="")),
                name="service_screening_only_for_screenings",
                violation_error_message=_("Screening figures belong only to a health screening."),
            ),
            models.CheckConstraint(
                condition=bounds.counts_within(
                    bounds.PEOPLE, "people_served", "screened", "referred"
                ),
                name="service_figures_in_bounds",
                violation_error_message=_("A figure of this service is beyond any event's."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_service_type_display()}"

    def clean(self) -> None:
        # Screenings are counted by what was screened for (the partner's totals and the
        # regulator's sheet group them so): a screening of no type would count nowhere.
        if self.service_type == ServiceType.HEALTH_SCREENING and not self.screening_type:
            raise ValidationError({"screening_type": _("Choose what was screened for.")})
