from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class SignInForm(AuthenticationForm):
    """The sign-in form, with attributes that make it easy to fill in on a phone."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The user name or password is not right. After five failed tries the account is "
            "locked for an hour on this device."
        ),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        # Django sets the field's max_length after building its validators, so it reaches
        # only the browser; 100,000 characters then went on to the lockout's 255-character
        # column and a server error.
        username.validators.append(MaxLengthValidator(username.max_length))
        username.widget.attrs.update({"autocapitalize": "none", "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def get_invalid_login_error(self):
        wait = getattr(self.request, "sign_in_wait", 0)
        if wait:
            return ValidationError(
                ngettext(
                    "Wrong passwords were tried for this account from many places. Wait "
                    "%(seconds)s second, then try again.",
                    "Wrong passwords were tried for this account from many places. Wait "
                    "%(seconds)s seconds, then try again.",
                    wait,
                )
                % {"seconds": wait},
                code="sign_in_wait",
            )
        return super().get_invalid_login_error()
