from django.contrib.auth.models import AbstractUser
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in. What they may see comes from their memberships in org units."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
