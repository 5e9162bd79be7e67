"""The public page of a handout edition, opened from the QR code on the print.

No sign-in: the unguessable token in the link is the permission, and only approved text is
ever shown. Any other token, or an edition not (or no longer) approved, is 404. A print of
an older edition still opens its page, which says that a newer edition replaced it.
"""

from django.http import Http404
from django.shortcuts import render

from campaigns.models import MaterialEdition
from campaigns.selectors.materials import public_edition


def edition_public(request, token):
    try:
        public = public_edition(token=token)
    except MaterialEdition.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "materials/public.html",
        {
            "edition": public.edition,
            "material": public.edition.material,
            "blocks": public.blocks,
            "native_review_pending": public.native_review_pending,
            "current": public.current,
        },
    )
