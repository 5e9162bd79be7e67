"""The public page of a handout edition, opened from the QR code on the print.

No sign-in: the unguessable token in the link is the permission, and only approved text is
ever shown. Any other token, or an edition not (or no longer) approved, is 404.
"""

from django.http import Http404
from django.shortcuts import render

from campaigns.models import MaterialEdition
from campaigns.selectors.materials import public_edition


def edition_public(request, token):
    try:
        edition, blocks, pending = public_edition(token=token)
    except MaterialEdition.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "materials/public.html",
        {
            "edition": edition,
            "material": edition.material,
            "blocks": blocks,
            "native_review_pending": pending,
        },
    )
