"""Ordering jobs while the broker is down: an answer at once, the job kept, no duplicate."""

import re
import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.models import Job, PrintRun
from campaigns.services import jobs
from tests import factories as f
from tests.jobs import real_worker, worker_jobs  # noqa: F401 - registers test_steps
from tests.printing.conftest import leaflet_edition

# Real on-commit hooks: the job is sent after the request's transaction, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

NOTHING_LISTENS = "redis://127.0.0.1:1/0"
# A web request that cannot reach the broker answers within this; it hung without a limit.
ANSWER_SECONDS = 5
WAITING = "The job service cannot be reached just now."


@pytest.fixture
def broker_down():
    real_worker.send_tasks_through_redis(broker_url=NOTHING_LISTENS)
    yield
    real_worker.run_tasks_in_process()


def _key_in(page) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def printing(org_tree):
    """An approved leaflet, and an organizer at branch A who may order it."""
    return SimpleNamespace(
        edition=leaflet_edition(org_tree["hq"]),
        unit=org_tree["branch_a"],
        organizer=f.MembershipFactory(org_unit=org_tree["branch_a"]).user,
    )


@pytest.fixture
def order_page(client, printing):
    """The order form as the organizer sees it (English), and what they fill in."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(printing.organizer)
    url = reverse("print_run_order", args=[printing.edition.pk])
    form = {
        "org_unit": printing.unit.pk,
        "paper_size": "A5",
        "layout": "side_by_side",
        "copies": "500",
        "idempotency_key": _key_in(client.get(url)),
    }
    return url, form


def test_a_print_run_ordered_while_the_broker_is_down_is_kept_and_said_to_wait(
    broker_down, client, order_page
):
    url, form = order_page

    started = time.monotonic()
    response = client.post(url, form, follow=True)

    assert time.monotonic() - started < ANSWER_SECONDS
    assert response.status_code == 200
    job = PrintRun.objects.get().job
    assert response.redirect_chain == [(reverse("job_detail", args=[job.pk]), 302)]
    assert (job.status, job.sent_at) == ("queued", None)
    # The order is confirmed; the job's own notice, which stays true as long as the job
    # waits, says once that it starts by itself when the service is back.
    assert [str(message) for message in response.context["messages"]] == [
        "The print run was ordered."
    ]
    assert response.text.count(WAITING) == 1
    assert 'role="status"' in response.text.split(WAITING)[0].rsplit("<p", 1)[1]


def test_the_same_order_form_sent_again_orders_once(broker_down, client, order_page):
    url, form = order_page

    first = client.post(url, form)
    again = client.post(url, form)

    assert PrintRun.objects.count() == Job.objects.count() == 1
    assert first.url == again.url == reverse("job_detail", args=[Job.objects.get().pk])


def test_a_changed_order_sent_with_the_forms_old_key_is_refused_not_answered_with_the_first(
    broker_down, client, order_page
):
    # The browser's back button keeps the form's key: 800 copies must not come back as 500.
    url, form = order_page
    client.post(url, form)

    response = client.post(url, form | {"copies": "800"})

    assert response.status_code == 200
    assert "This form already sent a different order." in response.text
    assert list(PrintRun.objects.values_list("copies", flat=True)) == [500]


def test_the_form_shown_again_orders_anew(broker_down, client, order_page):
    url, form = order_page
    client.post(url, form)

    client.post(url, form | {"idempotency_key": _key_in(client.get(url))})

    assert PrintRun.objects.count() == 2


def test_an_events_export_sent_twice_while_the_broker_is_down_starts_one_job(
    broker_down, client, org_tree
):
    campaign = f.CampaignFactory()
    client.force_login(f.MembershipFactory(org_unit=org_tree["central_a"]).user)
    key = _key_in(client.get(reverse("home")))

    for _ in range(2):
        response = client.post(
            reverse("events_export_start"), {"campaign": campaign.pk, "idempotency_key": key}
        )
        assert response.status_code == 302

    job = Job.objects.get()
    assert response.url == reverse("job_detail", args=[job.pk])
    assert job.waits_for_service


def _api_order(printing) -> dict:
    return {
        "edition": printing.edition.pk,
        "org_unit": printing.unit.pk,
        "paper_size": "A5",
        "layout": "side_by_side",
        "copies": 500,
    }


def test_the_api_orders_once_per_idempotency_key_and_says_the_job_waits(broker_down, printing):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(printing.organizer)
    order = _api_order(printing)
    headers = {"Idempotency-Key": "3f2b8c1e-order-1"}

    started = time.monotonic()
    first = client.post("/api/v1/print-runs/", order, format="json", headers=headers)
    assert time.monotonic() - started < ANSWER_SECONDS
    again = client.post("/api/v1/print-runs/", order, format="json", headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["detail"].startswith(WAITING)
    assert PrintRun.objects.count() == Job.objects.count() == 1


def test_the_api_refuses_another_order_under_a_key_already_used(broker_down, printing):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(printing.organizer)
    order = _api_order(printing)
    headers = {"Idempotency-Key": "3f2b8c1e-order-2"}
    client.post("/api/v1/print-runs/", order, format="json", headers=headers)

    response = client.post(
        "/api/v1/print-runs/", order | {"copies": 800}, format="json", headers=headers
    )

    assert response.status_code == 400
    assert "This form already sent a different order." in response.text
    assert PrintRun.objects.count() == 1


def test_an_export_with_other_filters_under_a_used_key_is_refused_with_a_message(
    broker_down, client, org_tree
):
    campaign = f.CampaignFactory()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(f.MembershipFactory(org_unit=org_tree["central_a"]).user)
    key = _key_in(client.get(reverse("home")))
    client.post(reverse("events_export_start"), {"campaign": "", "idempotency_key": key})

    response = client.post(
        reverse("events_export_start"),
        {"campaign": campaign.pk, "idempotency_key": key},
        follow=True,
    )

    assert "This form already sent a different order." in response.text
    assert Job.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 65, "with space", "键"])
def test_the_api_refuses_an_idempotency_key_it_cannot_keep(printing, key):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(printing.organizer)
    order = _api_order(printing)

    response = client.post(
        "/api/v1/print-runs/", order, format="json", headers={"Idempotency-Key": key}
    )

    assert response.status_code == 400
    assert "idempotency_key" in response.json()
    assert not PrintRun.objects.exists()


def test_a_job_saved_while_the_broker_was_down_starts_with_the_next_sweep(broker_down, org_tree):
    owner = f.MembershipFactory(org_unit=org_tree["central_a"]).user
    job = jobs.job_enqueue(kind="test_steps", owner=owner, org_unit=org_tree["central_a"])
    assert jobs.jobs_requeue_stale() == 0  # still down: kept for later
    assert Job.objects.get(pk=job.pk).waits_for_service

    real_worker.run_tasks_in_process()  # the broker is back
    assert jobs.jobs_requeue_stale() == 1

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 1)
