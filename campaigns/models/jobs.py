from django.conf import settings
from django.db import models
from django.db.models import Q
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

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
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
    error_code = models.CharField(_("error"), max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
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
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}

    @property
    def error_message(self) -> str:
        if not self.error_code:
            return ""
        return str(JOB_ERRORS.get(self.error_code, JOB_ERRORS["unexpected"]))
