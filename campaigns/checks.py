"""System checks of settings whose wrong value would break a promise made to users."""

from django.conf import settings
from django.core import checks

from campaigns.models.signins import CONSENT_RETENTION_DAYS, CONSENT_VERSION


@checks.register(checks.Tags.compatibility)
def sign_in_retention_within_consent(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """People agreed to a consent text that says how long their sign-in is kept."""
    promised = CONSENT_RETENTION_DAYS[CONSENT_VERSION]
    if promised >= settings.SIGN_IN_RETENTION_DAYS:
        return []
    return [
        checks.Error(
            f"SIGN_IN_RETENTION_DAYS is {settings.SIGN_IN_RETENTION_DAYS}, but the consent "
            f"text {CONSENT_VERSION} that people agree to promises at most {promised} days.",
            hint="Lower SIGN_IN_RETENTION_DAYS, or add a consent text version that says so.",
            id="campaigns.E001",
        )
    ]
