from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.models.constraints import FieldCheck
from portal.access import OrgScopedQuerySet


class CampaignQuerySet(models.QuerySet):
    def current(self, on) -> "Campaign | None":
        """The campaign running on ``on``, or else the one that started most recently before it."""
        running = self.filter(starts_on__lte=on, ends_on__gte=on).order_by("-starts_on").first()
        return running or self.filter(starts_on__lte=on).order_by("-starts_on").first()


class Campaign(models.Model):
    """A company-wide campaign such as the 3·15 consumer-rights education week of one year."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
            models.CheckConstraint(
                condition=bounds.days_within("starts_on", "ends_on"),
                name="campaign_days_in_bounds",
                violation_error_message=bounds.DAY_REFUSED,
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignTargetQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"


class CampaignTarget(models.Model):
    """What one org unit aims to reach in one campaign."""

    campaign = models.ForeignKey(
        Campaign, models.CASCADE, related_name="targets", verbose_name=_("campaign")
    )
    org_unit = models.ForeignKey(
        "campaigns.OrgUnit", models.CASCADE, related_name="targets", verbose_name=_("org unit")
    )
    events = models.PositiveIntegerField(_("events"), default=0)
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    counties_covered = models.PositiveIntegerField(_("counties covered"), default=0)
    special_area_counties_covered = models.PositiveIntegerField(
        _("special-area counties covered"), default=0
    )

    objects = CampaignTargetQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "org_unit__path"]
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "org_unit"], name="target_one_per_unit"),
            FieldCheck(
                fields=("special_area_counties_covered",),
                condition=models.Q(special_area_counties_covered__lte=models.F("counties_covered")),
                name="target_special_within_counties",
                violation_error_message=_(
                    "The special-area counties are part of the counties covered, so their "
                    "target cannot be larger."
                ),
            ),
            models.CheckConstraint(
                condition=bounds.counts_within(bounds.TARGET_EVENTS, "events")
                & bounds.counts_within(bounds.REACH, "people_reached")
                & bounds.counts_within(
                    bounds.COUNTIES, "counties_covered", "special_area_counties_covered"
                ),
                name="target_figures_in_bounds",
                violation_error_message=_("A target is beyond what any unit could reach."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.org_unit}"
