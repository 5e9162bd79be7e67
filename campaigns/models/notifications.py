from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "NotificationQuerySet":
        """A notification is private to its recipient."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message in a user's in-app list; the same news may also go out by email."""

    class Kind(models.TextChoices):
        REPORT_OVERDUE = "report_overdue", _("report overdue")
        REVIEW_DIGEST = "review_digest", _("reports waiting for review")
        REPORT_RETURNED = "report_returned", _("report returned")
        MEASURES_RETURNED = "measures_returned", _("monthly measures returned")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    event = models.ForeignKey(
        "campaigns.Event", models.CASCADE, null=True, blank=True, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    # One notification per recipient and occasion, so that a scheduled run repeated by
    # the broker or by hand sends nothing twice.
    occasion = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "occasion"], name="notification_once_per_occasion"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The message in the active language."""
        if self.kind == self.Kind.REPORT_OVERDUE:
            return _("The report of “%(title)s” (%(date)s) is %(days)s days overdue.") % self.params
        if self.kind == self.Kind.MEASURES_RETURNED:
            return _("The measures of %(unit)s for %(month)s were returned: %(note)s") % self.params
        if self.kind == self.Kind.REPORT_RETURNED:
            return _("The report of “%(title)s” was returned: %(note)s") % self.params
        count = self.params.get("count", 0)
        returns = self.params.get("returns", 0)  # digests before the measures had none
        reports_said = ngettext(
            "%(count)s report is waiting for your review.",
            "%(count)s reports are waiting for your review.",
            count,
        ) % {"count": count}
        if not returns:
            return reports_said
        returns_said = ngettext(
            "%(count)s monthly measures return is waiting for your review.",
            "%(count)s monthly measures returns are waiting for your review.",
            returns,
        ) % {"count": returns}
        return f"{reports_said} {returns_said}" if count else returns_said
