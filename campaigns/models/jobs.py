from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from portal.access import OrgScopedQuerySet

# What a user reads when a job fails, by error code; kept here so that the message is
# translated when it is shown, in the reader's language, not when the job failed.
JOB_ERRORS = {
    "out_of_scope": _("You may no longer see the data this job works on."),
    "too_many_attempts": _("The job stopped its worker every time it ran and was given up."),
    "timed_out": _("The job took too long and was stopped."),
    "unexpected": _("The job failed. The administrators have been told; please try again later."),
}


# Shown while a job waits for the job service (Job.waits_for_service).
JOB_WAITING_FOR_SERVICE = _(
    "The job service cannot be reached just now. Your job is saved and starts by itself "
    "when the service is back: there is no need to ask again."
)


def job_result_path(job: "Job", filename: str) -> str:
    """One folder per job: a second attempt overwrites the first one's file, never adds one."""
    return f"jobs/{job.pk}/{filename}"


class JobQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"

    def of(self, user) -> "JobQuerySet":
        """The jobs ``user`` started, within their scope."""
        return self.visible_to(user).filter(owner=user)


class Job(models.Model):
    """A long operation (print run, export, import) run by a worker, with its progress."""

    class Kind(models.TextChoices):
        EVENTS_EXPORT = "events_export", _("events export")
        REGULATOR_SHEET = "regulator_sheet", _("regulator statistics sheet")
        COVERAGE_SUMMARY = "coverage_summary", _("coverage summary (PDF)")
        PRINT_RUN = "print_run", _("print run (PDF)")
        EVENTS_IMPORT = "events_import", _("events import")
        MEASURES_IMPORT = "measures_import", _("measures import")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        # The work was checked and turned down as a whole (an import with problems): nothing
        # was saved, which is neither a success nor a fault of the job.
        REFUSED = "refused", _("checked: nothing saved")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=64, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="jobs", verbose_name=_("owner")
    )
    org_unit = models.ForeignKey(
        "campaigns.OrgUnit", models.CASCADE, related_name="jobs", verbose_name=_("org unit")
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The interface language of the owner when they started the job: progress messages
    # and result files are written in it.
    language = models.CharField(_("language"), max_length=16, default=settings.LANGUAGE_CODE)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.CharField(_("progress message"), max_length=200, blank=True)
    result = models.FileField(_("result"), upload_to=job_result_path, blank=True)
    # The name the result is downloaded by, as its job named it ("监管统计表-<campaign>-<unit>
    # .xlsx"): the stored file's own name is folded for the storage and may lose characters.
    result_name = models.CharField(_("result file name"), max_length=255, blank=True)
    error_code = models.CharField(_("error"), max_length=32, blank=True)
    # The first problems of a refused job, each {"row", "column", "reason"}, for its page;
    # the result file lists them all.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("number of problems"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Set when the job was last handed to the job service (the broker); empty while it
    # could not be, so that the sweep (jobs_requeue_stale) sends it when the service is back.
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Written every JOB_HEARTBEAT_SECONDS by the run that holds the job: a running job whose
    # heartbeat stopped lost its worker and is taken over.
    heartbeat_at = models.DateTimeField(_("heartbeat at"), null=True, blank=True)
    # The Celery task whose run holds the job: the same message delivered again (its worker
    # died, or it retries) may take the job over at once; any other one waits its turn.
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    # Made by the form or the API client that asked for the job: the same request sent
    # again (a retry after an error, a double click) finds this job instead of a new one.
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)
    # The id of the request that queued the job, written on the job's log lines (portal/logs.py).
    request_id = models.CharField(_("request id"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_recent"),
            models.Index(
                fields=["status", "updated_at"],
                name="job_unfinished",
                condition=Q(status__in=["queued", "running"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_percent"),
            models.UniqueConstraint(
                fields=["owner", "kind", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="job_idempotency_key_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.REFUSED, self.Status.FAILED}

    @property
    def has_result(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.REFUSED} and bool(self.result)

    @property
    def download_name(self) -> str:
        """The name the result is downloaded by; a job from before names were kept, its
        stored file's."""
        return self.result_name or self.result.name.rsplit("/", 1)[-1]

    @property
    def problems_not_listed(self) -> int:
        return max(0, self.problem_count - len(self.problems))

    @property
    def waits_for_service(self) -> bool:
        """Saved, but the job service could not be reached yet to start it."""
        return self.status == self.Status.QUEUED and self.sent_at is None

    @property
    def service_notice(self) -> str:
        return str(JOB_WAITING_FOR_SERVICE) if self.waits_for_service else ""

    def origin(self) -> tuple[str, str]:
        """The page the job was started from, as (label, address): its way back."""
        params = self.params
        if self.kind == self.Kind.PRINT_RUN:
            return _("Back to the print run"), reverse(
                "print_run_detail", args=[params["print_run_id"]]
            )
        if self.kind == self.Kind.EVENTS_IMPORT:
            return _("Back to the import page"), reverse("events_import", args=[self.org_unit_id])
        if self.kind == self.Kind.MEASURES_IMPORT:
            return _("Back to the import page"), reverse("measures_import", args=[self.org_unit_id])
        if self.kind in {self.Kind.REGULATOR_SHEET, self.Kind.COVERAGE_SUMMARY}:
            address = reverse(
                "coverage_unit",
                kwargs={"campaign_pk": params["campaign_id"], "unit_pk": self.org_unit_id},
            )
            # The coverage page as it was when the export was asked for: the same filters.
            narrowing = {
                key: value for key, value in params.items() if key != "campaign_id" and value
            }
            return _("Back to the coverage page"), (
                f"{address}?{urlencode(narrowing)}" if narrowing else address
            )
        campaign = params.get("campaign_id")
        address = reverse("event_list")
        return _("Back to the events"), (
            f"{address}?{urlencode({'campaign': campaign})}" if campaign else address
        )

    @property
    def error_message(self) -> str:
        if not self.error_code:
            return ""
        return str(JOB_ERRORS.get(self.error_code, JOB_ERRORS["unexpected"]))
