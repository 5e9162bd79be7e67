"""The job service with tasks run in-process (eager)."""

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from campaigns.models import Job, Membership
from campaigns.services import jobs
from tests import factories as f
from tests.jobs import real_worker, worker_jobs  # noqa: F401 - registers test_steps


@pytest.fixture
def organizer(org_tree):
    return f.MembershipFactory(org_unit=org_tree["central_a"], role=Membership.Role.ORGANIZER).user


def test_a_job_runs_after_commit_and_keeps_its_result(
    steps_job, organizer, org_tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_enqueue(
            kind="test_steps", owner=organizer, org_unit=org_tree["central_a"], params={"steps": 3}
        )
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts) == ("succeeded", 100, 1)
    assert job.result.read() == f"job {job.pk} done\n".encode()
    assert job.started_at <= job.finished_at


@pytest.fixture
def steps_job(organizer, org_tree):
    """Make a test_steps job of the organizer's unit, with any other field given."""

    def make(**fields):
        return f.JobFactory(
            kind="test_steps", owner=organizer, org_unit=org_tree["central_a"], **fields
        )

    return make


def _enqueue_then_fail(organizer, unit):
    with transaction.atomic():
        jobs.job_enqueue(kind="test_steps", owner=organizer, org_unit=unit)
        raise RuntimeError("the request failed after the job was created")


def test_a_rolled_back_transaction_enqueues_nothing(organizer, org_tree):
    with mock.patch("campaigns.tasks.job_run.apply_async") as send, pytest.raises(RuntimeError):
        _enqueue_then_fail(organizer, org_tree["central_a"])
    send.assert_not_called()
    assert not Job.objects.exists()


def test_running_a_job_twice_gives_one_result(steps_job):
    job = steps_job()
    jobs.job_execute(job_id=job.pk)
    first = Job.objects.get(pk=job.pk)

    jobs.job_execute(job_id=job.pk)

    again = Job.objects.get(pk=job.pk)
    assert (again.attempts, again.result.name, again.finished_at) == (
        1,
        first.result.name,
        first.finished_at,
    )
    assert again.result.storage.listdir(f"jobs/{job.pk}")[1] == ["steps.txt"]


def test_a_second_attempt_replaces_a_file_left_by_a_dead_one(steps_job):
    job = steps_job(status="running", attempts=1)
    job.result.storage.save(f"jobs/{job.pk}/steps.txt", ContentFile(b"half"))

    jobs.job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.result.name == f"jobs/{job.pk}/steps.txt"
    assert job.result.storage.listdir(f"jobs/{job.pk}")[1] == ["steps.txt"]
    assert job.result.read() == f"job {job.pk} done\n".encode()


def test_a_job_that_keeps_killing_its_worker_fails_visibly(steps_job, settings):
    job = steps_job(status="running")
    job.attempts = settings.JOB_MAX_ATTEMPTS
    job.save()

    jobs.job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "too_many_attempts")
    with translation.override("en"):
        assert "given up" in job.error_message


def test_the_owners_scope_is_checked_again_when_the_job_runs(steps_job, organizer):
    job = steps_job()
    Membership.objects.filter(user=organizer).delete()
    owner = type(organizer).objects.get(pk=organizer.pk)  # forget the cached scope
    assert owner.memberships.count() == 0

    jobs.job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error_code, bool(job.result)) == ("failed", "out_of_scope", False)


def test_nobody_may_start_a_job_for_a_unit_outside_their_scope(organizer, org_tree):
    with pytest.raises(PermissionDenied):
        jobs.job_enqueue(kind="test_steps", owner=organizer, org_unit=org_tree["branch_b"])


def test_an_unexpected_error_fails_the_job_with_a_message_in_the_readers_language(steps_job):
    job = steps_job()

    def fails_half_way(job, progress):
        progress(50, "Storing the file")
        raise ValueError("bug")

    with mock.patch.dict(jobs.JOB_RUNNERS, {"test_steps": fails_half_way}):
        jobs.job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message == ""  # no longer "Storing the file": the job is not at it any more
    with translation.override("en"):
        english = job.error_message
    with translation.override("zh-hans"):
        chinese = job.error_message
    assert english.startswith("The job failed.")
    assert chinese != english


def test_a_transient_database_error_is_raised_for_the_task_to_retry(steps_job):
    job = steps_job()
    failing = mock.Mock(side_effect=OperationalError("server closed the connection"))
    with (
        mock.patch.dict(jobs.JOB_RUNNERS, {"test_steps": failing}),
        pytest.raises(OperationalError),
    ):
        jobs.job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "running"  # not failed: the retry runs it again


def test_the_sweep_sends_jobs_never_sent_or_lost_and_leaves_the_others(steps_job, settings):
    now = timezone.now()
    never_sent = steps_job()
    lost = steps_job(sent_at=now - dt.timedelta(minutes=settings.JOB_STALE_AFTER_MINUTES + 1))
    steps_job(sent_at=now - dt.timedelta(minutes=1))
    steps_job(status="running", sent_at=now, heartbeat_at=now)
    steps_job(status="succeeded", sent_at=now - dt.timedelta(days=1))

    with mock.patch("campaigns.tasks.job_run.apply_async") as send:
        assert jobs.jobs_requeue_stale(now=now) == 2

    assert sorted(call.args[0] for call in send.call_args_list) == [(never_sent.pk,), (lost.pk,)]
    assert Job.objects.get(pk=never_sent.pk).sent_at == now


def test_a_running_job_whose_heartbeat_stopped_is_sent_again_once(steps_job, settings):
    now = timezone.now()
    silent = now - dt.timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT_SECONDS + 1)
    job = steps_job(
        status="running", attempts=1, task_id="dead", sent_at=silent, heartbeat_at=silent
    )

    with mock.patch("campaigns.tasks.job_run.apply_async") as send:
        assert jobs.jobs_requeue_stale(now=now) == 1
        assert jobs.jobs_requeue_stale(now=now) == 0  # another worker's sweep, just after

    send.assert_called_once_with((job.pk,), queue=None)
    jobs.job_execute(job_id=job.pk, task_id="new")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.task_id) == ("succeeded", 2, "new")


def test_a_second_delivery_leaves_a_job_alone_while_its_run_beats(steps_job):
    now = timezone.now()
    job = steps_job(status="running", attempts=1, task_id="first", heartbeat_at=now)

    jobs.job_execute(job_id=job.pk, task_id="second")

    job.refresh_from_db()
    assert (job.status, job.attempts, job.task_id) == ("running", 1, "first")


def test_the_same_message_delivered_again_takes_its_job_over_at_once(steps_job):
    # The broker hands a message back when the pool child that ran it died: that run is over.
    job = steps_job(status="running", attempts=1, task_id="first", heartbeat_at=timezone.now())

    jobs.job_execute(job_id=job.pk, task_id="first")

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)


def test_a_run_whose_job_was_taken_over_neither_reports_nor_finishes_it(steps_job):
    job = steps_job()

    def taken_over_meanwhile(job, progress):
        Job.objects.filter(pk=job.pk).update(attempts=job.attempts + 1, progress=5)
        progress(80, "the old run is still going")
        return jobs.JobResult(filename="old.txt", content=b"old")

    with mock.patch.dict(jobs.JOB_RUNNERS, {"test_steps": taken_over_meanwhile}):
        jobs.job_execute(job_id=job.pk, task_id="old")

    job.refresh_from_db()
    assert (job.status, job.progress, bool(job.result)) == ("running", 5, False)


@pytest.mark.django_db(transaction=True)
def test_a_run_in_a_worker_beats_while_its_runner_is_busy(steps_job, settings):
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    job = steps_job()
    beats = []

    def busy(job, progress):
        claimed = Job.objects.get(pk=job.pk).heartbeat_at
        beats.extend(
            real_worker.wait_for(
                lambda: Job.objects.filter(pk=job.pk, heartbeat_at__gt=claimed).values_list(
                    "heartbeat_at", flat=True
                ),
                timeout=10,
                interval=0.01,
            )
        )
        return jobs.JobResult(filename="busy.txt", content=b"done")

    with mock.patch.dict(jobs.JOB_RUNNERS, {"test_steps": busy}):
        jobs.job_execute(job_id=job.pk, task_id="t", heartbeat=True)

    assert len(beats) == 1
    assert Job.objects.get(pk=job.pk).status == "succeeded"


def test_the_progress_page_polls_until_done_then_offers_the_download(steps_job, client, organizer):
    job = steps_job(status="running", progress=40)
    client.force_login(organizer)

    page = client.get(reverse("job_detail", args=[job.pk]))
    assert 'hx-trigger="every 2s"' in page.text
    assert 'value="40"' in page.text

    jobs.job_execute(job_id=job.pk)
    partial = client.get(reverse("job_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert "hx-trigger" not in partial.text
    assert "<html" not in partial.text
    assert reverse("job_download", args=[job.pk]) in partial.text

    download = client.get(reverse("job_download", args=[job.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="steps.txt"'


def test_another_users_job_is_not_found(steps_job, client, org_tree):
    job = steps_job(status="succeeded")
    colleague = f.MembershipFactory(org_unit=org_tree["central_a"]).user
    client.force_login(colleague)
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404


def test_my_jobs_lists_mine_with_an_empty_state(client, organizer, org_tree):
    client.force_login(organizer)
    assert 'class="card empty"' in client.get(reverse("job_list")).text
    f.JobFactory(owner=organizer, org_unit=org_tree["central_a"])
    assert client.get(reverse("job_list")).context["page"].paginator.count == 1


def test_exporting_events_writes_the_visible_events_to_excel(
    client, organizer, org_tree, django_capture_on_commit_callbacks
):
    campaign = f.CampaignFactory()
    f.EventFactory(org_unit=org_tree["sub_a"], campaign=campaign, title='=HYPERLINK("x")')
    f.EventFactory(org_unit=org_tree["sub_b"], campaign=campaign, title="另一分公司的活动")
    client.force_login(organizer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events_export_start"), {"campaign": campaign.pk})

    job = Job.objects.get()
    assert response.url == reverse("job_detail", args=[job.pk])
    assert job.status == "succeeded"
    sheet = load_workbook(job.result.open("rb")).active
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ['=HYPERLINK("x")']
    assert sheet["A2"].data_type == "s"
    assert sheet["A1"].value == "活动名称"
    page = client.get(response.url).content.decode()
    assert "Events sheet ready: 1 event." in page
    events = f"{reverse('event_list')}?campaign={campaign.pk}"
    assert f'<a href="{events}">← Back to the events</a>' in page


def _export_titles(job: Job) -> list[str]:
    sheet = load_workbook(job.result.open("rb")).active
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_someone_in_two_branches_is_offered_and_gets_the_export_of_each(
    client, org_tree, django_capture_on_commit_callbacks
):
    campaign = f.CampaignFactory(starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2099, 3, 31))
    f.EventFactory(org_unit=org_tree["sub_a"], campaign=campaign, title="甲分公司的活动")
    f.EventFactory(org_unit=org_tree["sub_b"], campaign=campaign, title="乙分公司的活动")
    user = f.UserFactory()
    for unit in ("branch_b", "branch_a"):
        f.MembershipFactory(user=user, org_unit=org_tree[unit], role=Membership.Role.ORGANIZER)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    home = client.get(reverse("home")).text
    assert f"Export the events of {org_tree['branch_a'].name} (Excel)" in home
    assert f"Export the events of {org_tree['branch_b'].name} (Excel)" in home
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("events_export_start"),
            {"campaign": campaign.pk, "org_unit": org_tree["branch_b"].pk},
        )
        client.post(reverse("events_export_start"), {"campaign": campaign.pk})

    chosen, first = Job.objects.order_by("pk")
    assert (chosen.org_unit, _export_titles(chosen)) == (org_tree["branch_b"], ["乙分公司的活动"])
    assert (first.org_unit, _export_titles(first)) == (org_tree["branch_a"], ["甲分公司的活动"])


def test_an_export_of_a_unit_not_ones_own_is_refused_without_a_job(client, organizer, org_tree):
    client.force_login(organizer)
    response = client.post(reverse("events_export_start"), {"org_unit": org_tree["branch_b"].pk})
    assert response.status_code == 400
    assert not Job.objects.exists()


@pytest.mark.parametrize("campaign", ["not-a-number", "999999"])
def test_an_export_of_an_unknown_campaign_is_refused_without_a_job(client, organizer, campaign):
    client.force_login(organizer)
    response = client.post(reverse("events_export_start"), {"campaign": campaign})
    assert response.status_code == 400
    assert not Job.objects.exists()
