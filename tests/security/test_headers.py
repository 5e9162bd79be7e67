"""The Content-Security-Policy and the other headers every page is sent with."""

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

# Patterns that the policy would block in a browser: inline script, inline event handlers,
# javascript: URLs, htmx's evaluated attributes, and style attributes and elements.
INLINE_BEHAVIOUR = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:|\bhx-on|\bjs:|\bstyle\s*=|<style",
    re.IGNORECASE,
)


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.fixture
def signed_in_client(client, world):
    client.force_login(world.organizer)
    return client


def test_the_sign_in_page_is_sent_with_the_strict_policy(client):
    directives = _directives(client.get(reverse("login")))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("event_list"),
        reverse("review_queue"),
        reverse("material_list"),
        reverse("job_list"),
        reverse("api_tokens"),
        "/api/v1/docs/",
        "/api/v1/docs/?script=",
    ],
)
def test_no_page_allows_inline_or_evaluated_script(signed_in_client, url):
    response = signed_in_client.get(url)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert _directives(response)["script-src"] == ["'self'"]


def test_only_the_api_docs_page_allows_data_images(signed_in_client):
    assert _directives(signed_in_client.get("/api/v1/docs/"))["img-src"] == ["'self'", "data:"]
    assert _directives(signed_in_client.get(reverse("home")))["img-src"] == ["'self'"]


def test_the_api_docs_page_loads_its_start_up_script_from_the_portal(signed_in_client):
    page = signed_in_client.get("/api/v1/docs/").content.decode()
    assert '<script src="/api/v1/docs/?script="></script>' in page
    script = signed_in_client.get("/api/v1/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


def test_pages_may_not_be_framed(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert _directives(response)["frame-ancestors"] == ["'none'"]


def test_htmx_is_told_not_to_eval_nor_to_inject_or_carry_over_styles(client):
    page = client.get(reverse("login")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    assert json.loads(config) == {
        "allowEval": False,
        "allowScriptTags": False,
        "includeIndicatorStyles": False,
        # Without "style": a style attribute is never copied onto a swapped-in element.
        "attributesToSettle": ["class", "width", "height"],
    }


def test_pages_as_rendered_carry_no_inline_behaviour_or_style(signed_in_client, world):
    event = world.event
    f.JobFactory(owner=world.organizer, org_unit=world.units["central_a"], progress=40)
    for url in (
        reverse("home"),
        reverse("event_list"),
        reverse("event_detail", args=[event.pk]),
        reverse("event_report", args=[event.pk]),
        reverse("job_list"),
        reverse("api_tokens"),
        reverse("events_import", args=[world.units["central_a"].pk]),
    ):
        page = signed_in_client.get(url).content.decode()
        assert not INLINE_BEHAVIOUR.findall(page), url


def test_no_web_template_has_inline_behaviour_or_style():
    # templates/print/ is read by WeasyPrint, never by a browser, and keeps its <style>.
    templates = settings.BASE_DIR / "templates"
    found = {
        str(path.relative_to(templates)): INLINE_BEHAVIOUR.findall(path.read_text())
        for path in templates.rglob("*.html")
        if path.relative_to(templates).parts[0] != "print"
    }
    assert not {name: hits for name, hits in found.items() if hits}
