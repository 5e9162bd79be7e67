"""The job that imports an uploaded events sheet, with progress, and hands back a sheet."""

import io

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from openpyxl import Workbook

from campaigns.exporters.xlsx import sheet_ready_to_print, write_row
from campaigns.imports.events_sheet import problems_workbook
from campaigns.models import Job
from campaigns.services.imports import ImportResult, events_import
from campaigns.services.jobs import JobResult, ProgressCallback, job_runner

# How many problems the job's page lists; the marked workbook holds every one.
PROBLEMS_SHOWN = 20


def _summary(result: ImportResult) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "导入结果"
    write_row(sheet, 1, ["新建活动", "更新活动", "未变的活动", "已提交审核的报告"])
    write_row(sheet, 2, [result.created, result.updated, result.unchanged, result.submitted])
    sheet_ready_to_print(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@job_runner(Job.Kind.EVENTS_IMPORT)
def events_import_run(job: Job, progress: ProgressCallback) -> JobResult:
    """Import the sheet; the result is the sheet with its problems marked, or a summary."""
    upload = job.params["upload"]
    with default_storage.open(upload) as stored:
        data = stored.read()
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
            message = ngettext(
                "%(count)s problem found; nothing was saved. The sheet lists it.",
                "%(count)s problems found; nothing was saved. The sheet lists them.",
                len(result.problems),
            ) % {"count": len(result.problems)}
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
        return JobResult(
            filename="导入问题.xlsx",
            content=problems_workbook(data, result.problems),
            problems=[
                {"row": item.row or "", "column": item.column, "reason": item.reason}
                for item in result.problems[:PROBLEMS_SHOWN]
            ],
            problem_count=len(result.problems),
            uploads_done=(upload,),
            summary=message,
        )
    return JobResult(
        filename="导入结果.xlsx", content=_summary(result), uploads_done=(upload,), summary=message
    )
