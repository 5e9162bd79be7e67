"""The jobs that import an uploaded sheet (events, measures), with progress, and hand back
a sheet: the summary, or the sheet with its problems marked."""

import io

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from openpyxl import Workbook

from campaigns.exporters.xlsx import sheet_ready_to_print, write_row
from campaigns.imports.events_sheet import problems_workbook
from campaigns.imports.sheets import Problem
from campaigns.models import Job
from campaigns.services.imports import events_import
from campaigns.services.jobs import JobResult, ProgressCallback, job_runner
from campaigns.services.measure_imports import MeasuresImportResult, measures_import

# How many problems the job's page lists; the marked workbook holds every one.
PROBLEMS_SHOWN = 20


def _summary(headers: list[str], counts: list[int]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "导入结果"
    write_row(sheet, 1, headers)
    write_row(sheet, 2, counts)
    sheet_ready_to_print(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload_read(job: Job) -> tuple[str, bytes]:
    """Where the job's uploaded sheet is kept, and its bytes."""
    upload = job.params["upload"]
    with default_storage.open(upload) as stored:
        return upload, stored.read()


def _problems_said(problems: list[Problem]) -> str:
    return ngettext(
        "%(count)s problem found; nothing was saved. The sheet lists it.",
        "%(count)s problems found; nothing was saved. The sheet lists them.",
        len(problems),
    ) % {"count": len(problems)}


def _refused(*, data: bytes, problems: list[Problem], upload: str, summary: str) -> JobResult:
    """The end of an import that saved nothing: the sheet with its problems marked."""
    return JobResult(
        filename="导入问题.xlsx",
        content=problems_workbook(data, problems),
        problems=[
            {"row": item.row or "", "column": item.column, "reason": item.reason}
            for item in problems[:PROBLEMS_SHOWN]
        ],
        problem_count=len(problems),
        uploads_done=(upload,),
        summary=summary,
    )


@job_runner(Job.Kind.EVENTS_IMPORT)
def events_import_run(job: Job, progress: ProgressCallback) -> JobResult:
    """Import the sheet; the result is the sheet with its problems marked, or a summary."""
    upload, data = _upload_read(job)
    with override(job.language):
        result = events_import(
            user=job.owner,
            org_unit_id=job.org_unit_id,
            campaign_id=job.params["campaign_id"],
            data=data,
            submit=job.params.get("submit", False),
            filename=job.params.get("filename", ""),
            progress=progress,
        )
        if result.problems:
            message = _problems_said(result.problems)
        else:
            message = _("%(created)s events added, %(updated)s updated.") % {
                "created": result.created,
                "updated": result.updated,
            }
            if result.unchanged:
                message += " " + ngettext(
                    "%(count)s row changed nothing.",
                    "%(count)s rows changed nothing.",
                    result.unchanged,
                ) % {"count": result.unchanged}
            # Said either way: the organizer must know whether reviewers see the reports yet.
            if job.params.get("submit"):
                message += " " + ngettext(
                    "%(count)s report sent for review.",
                    "%(count)s reports sent for review.",
                    result.submitted,
                ) % {"count": result.submitted}
            else:
                message += " " + _("No report was sent for review.")
    # The upload is the user's data: the job's finish deletes it once the outcome is
    # recorded. Until then a run that fails, or is taken over, still has it.
    if result.problems:
        return _refused(data=data, problems=result.problems, upload=upload, summary=message)
    counts = _summary(
        ["新建活动", "更新活动", "未变的活动", "已提交审核的报告"],
        [result.created, result.updated, result.unchanged, result.submitted],
    )
    return JobResult(
        filename="导入结果.xlsx", content=counts, uploads_done=(upload,), summary=message
    )


def _measures_said(result: MeasuresImportResult, *, submit: bool) -> str:
    """What a clean measures import did, truthfully: saved, unchanged, sent for review."""
    message = ngettext(
        "%(count)s monthly return saved.", "%(count)s monthly returns saved.", result.saved
    ) % {"count": result.saved}
    if result.unchanged:
        message += " " + ngettext(
            "%(count)s row changed nothing.", "%(count)s rows changed nothing.", result.unchanged
        ) % {"count": result.unchanged}
    if submit:
        message += " " + ngettext(
            "%(count)s return sent for review.",
            "%(count)s returns sent for review.",
            result.submitted,
        ) % {"count": result.submitted}
    else:
        message += " " + _("No return was sent for review: they are drafts.")
    return message


@job_runner(Job.Kind.MEASURES_IMPORT)
def measures_import_run(job: Job, progress: ProgressCallback) -> JobResult:
    """Import the measures sheet; the result is the sheet with its problems marked, or a
    summary."""
    upload, data = _upload_read(job)
    submit = job.params.get("submit", False)
    with override(job.language):
        result = measures_import(
            user=job.owner,
            org_unit_id=job.org_unit_id,
            data=data,
            submit=submit,
            filename=job.params.get("filename", ""),
            progress=progress,
        )
        if result.problems:
            message = _problems_said(result.problems)
            return _refused(data=data, problems=result.problems, upload=upload, summary=message)
        message = _measures_said(result, submit=submit)
    counts = _summary(
        ["保存的月报", "未变的行", "已提交审核的月报"],
        [result.saved, result.unchanged, result.submitted],
    )
    return JobResult(
        filename="导入结果.xlsx", content=counts, uploads_done=(upload,), summary=message
    )
