from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.access import OrgScopedQuerySet


class AuditEntryQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"


class AuditEntry(models.Model):
    """Who did what to which object, and when. Written by services; never edited.

    ``action`` is a namespaced code such as ``campaigns.event.submitted``. Entries about
    company-wide objects have no org unit and are seen by headquarters only.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    org_unit = models.ForeignKey(
        "campaigns.OrgUnit",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("org unit"),
    )
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"
