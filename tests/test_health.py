from django.test import override_settings
from django.urls import reverse

from campaigns.models import OrgUnit
from tests.factories import JobFactory, MembershipFactory, OrgUnitFactory


def test_healthz_reports_database_and_in_process_tasks(client, db):
    with override_settings(CELERY_BROKER_URL=""):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


def test_healthz_counts_queued_and_running_jobs_for_headquarters(client, db):
    JobFactory(status="queued")
    JobFactory(status="running")
    JobFactory(status="running")
    JobFactory(status="succeeded")
    client.force_login(MembershipFactory(org_unit__kind=OrgUnit.Kind.HQ).user)
    assert client.get(reverse("healthz")).json()["jobs"] == {"queued": 1, "running": 2}


def test_healthz_shows_job_counts_to_nobody_who_sees_less_than_the_whole_company(client, db):
    JobFactory(status="queued")
    headquarters = OrgUnitFactory(kind=OrgUnit.Kind.HQ)
    branch = OrgUnitFactory(kind=OrgUnit.Kind.BRANCH, parent=headquarters)
    assert "jobs" not in client.get(reverse("healthz")).json()  # not signed in
    client.force_login(MembershipFactory(org_unit=branch).user)
    assert "jobs" not in client.get(reverse("healthz")).json()


def test_healthz_says_unavailable_when_the_broker_does_not_answer(client, db):
    # Port 9 on loopback: nothing listens there, so the connection is refused at once.
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:9/0"):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
