from unittest import mock

from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import reverse

from campaigns.models import OrgUnit
from portal.settings.object_storage import default_storage_from
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


def test_readyz_answers_ready_when_database_and_storage_answer(client, db):
    with override_settings(CELERY_BROKER_URL=""):
        response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "in-process", "storage": "ok"},
    }


def test_readyz_leaves_no_probe_file_behind(client, db, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    assert client.get(reverse("readyz")).status_code == 200
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_readyz_is_unavailable_when_the_database_does_not_answer(client, db):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("no route")):
        response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"
    assert response.json()["status"] == "unavailable"


def test_readyz_is_unavailable_when_the_broker_does_not_answer_and_keeps_its_address(client, db):
    # Port 9 on loopback: nothing listens there, so the connection is refused at once.
    with override_settings(CELERY_BROKER_URL="redis://:broker-secret@127.0.0.1:9/0"):
        response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "broker": "unavailable",
        "storage": "ok",
    }
    assert b"broker-secret" not in response.content
    assert b"127.0.0.1" not in response.content


def test_readyz_is_unavailable_when_the_storage_cannot_be_written(client, db, settings, tmp_path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("the storage's folder is a file")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": not_a_folder},
        },
    }
    with override_settings(CELERY_BROKER_URL=""):
        response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "broker": "in-process",
        "storage": "unavailable",
    }
    assert b"a-file" not in response.content
    assert b"Error" not in response.content


def test_readyz_checks_the_s3_storage_and_leaves_no_probe_in_the_bucket(client, db, s3):
    with override_settings(CELERY_BROKER_URL=""):
        response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json()["checks"]["storage"] == "ok"
    assert s3.stored_keys() == []


def test_readyz_is_unavailable_when_the_s3_bucket_is_gone(client, db, s3, settings):
    missing = {**s3.environ, "STORAGE_S3_BUCKET": "no-such-bucket-for-the-portal"}
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from(missing)}
    with override_settings(CELERY_BROKER_URL=""):
        response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unavailable"
    assert b"no-such-bucket" not in response.content
    assert s3.environ["STORAGE_S3_SECRET_KEY"].encode() not in response.content
