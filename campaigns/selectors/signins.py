"""An event's sign-in list as one person may see it.

A phone leaves here in the form the viewer may see it: in full for the roles that may see
personal information (``signin.personal`` in portal/access.py), masked for everyone else.
So no page is handed a full number it must not show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from campaigns.models import Event, SignIn
from campaigns.models.signins import phone_masked
from portal.access import can, visible_to

SIGN_INS_PER_PAGE = 50


@dataclass(frozen=True)
class SignInShown:
    """A sign-in as the list shows it to one person."""

    pk: int
    name: str
    phone: str  # in full or masked, as the viewer may see it
    audience_group: str  # its label
    consent_version: str
    consented_at: dt.datetime


def sign_ins_page(*, user, event: Event, number=1) -> tuple[Page, bool]:
    """Page ``number`` of the event's sign-ins the user may see, and whether its phones are
    shown in full to them."""
    in_full = can(user, "signin.personal", event.org_unit)
    sign_ins = visible_to(user, SignIn).filter(event=event).order_by("pk")
    page = Paginator(sign_ins, SIGN_INS_PER_PAGE).get_page(number)
    page.object_list = [
        SignInShown(
            pk=sign_in.pk,
            name=sign_in.name,
            phone=sign_in.phone if in_full else phone_masked(sign_in.phone),
            audience_group=sign_in.get_audience_group_display(),
            consent_version=sign_in.consent_version,
            consented_at=sign_in.consented_at,
        )
        for sign_in in page.object_list
    ]
    return page, in_full
