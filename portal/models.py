from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in. What they may see comes from their memberships in org units."""

    # A skill of the person, not a role in a unit: only a native reader clears Tibetan text
    # (handout blocks, region names) for print and display. Set by an administrator on the
    # members page (services/members.py), which audits each change.
    is_native_reader = models.BooleanField(
        _("native reader of Tibetan"),
        default=False,
        help_text=_("Only a native reader of Tibetan clears Tibetan text for print and display."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A key a machine signs in to the API with, on behalf of one user and within their scope.

    Only a hash of the key is kept: the key is shown once, when it is made.
    """

    user = models.ForeignKey(
        User, models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=64)
    key_prefix = models.CharField(_("key begins with"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
