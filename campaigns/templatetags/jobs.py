"""Template tags for forms that start a job."""

from django import template
from django.utils.html import format_html

from campaigns.forms.jobs import idempotency_key_new

register = template.Library()


@register.simple_tag
def idempotency_key_input() -> str:
    """A hidden field with a new key: sending the same form again starts no second job."""
    return format_html(
        '<input type="hidden" name="idempotency_key" value="{}">', idempotency_key_new()
    )
