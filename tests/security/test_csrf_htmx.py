"""htmx requests carry the CSRF token that base.html puts in hx-headers, cookie or no cookie."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from campaigns.models import BlockComment, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db

HX_HEADERS = re.compile(r"<body hx-headers='\{\"X-CSRFToken\": \"([A-Za-z0-9]+)\"\}'>")


@pytest.fixture
def block(org_tree):
    edition = f.MaterialEditionFactory(material=f.MaterialFactory(org_unit=org_tree["branch_a"]))
    return f.EditionBlockFactory(edition=edition)


@pytest.fixture
def reviewer_client(org_tree):
    """A browser-like client: Django checks its CSRF token as it would a real browser's."""
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    reviewer = f.MembershipFactory(org_unit=org_tree["branch_a"], role=Membership.Role.REVIEWER)
    client.force_login(reviewer.user)
    return client


def _page_token(client, block) -> str:
    page = client.get(reverse("edition_editor", args=[block.edition_id])).content.decode()
    return HX_HEADERS.search(page).group(1)


def test_an_htmx_post_without_the_token_is_refused(reviewer_client, block):
    _page_token(reviewer_client, block)  # the page sets the CSRF cookie
    response = reviewer_client.post(
        reverse("block_comment_add", args=[block.pk]),
        {"text": "请核对藏文。"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    assert not BlockComment.objects.exists()


def test_an_htmx_post_with_the_pages_header_passes_with_an_httponly_cookie(
    reviewer_client, block, settings
):
    settings.CSRF_COOKIE_HTTPONLY = True  # htmx needs no script to read the cookie
    token = _page_token(reviewer_client, block)
    assert reviewer_client.cookies["csrftoken"]["httponly"]

    response = reviewer_client.post(
        reverse("block_comment_add", args=[block.pk]),
        {"text": "请核对藏文。"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 200
    assert BlockComment.objects.get().text == "请核对藏文。"
