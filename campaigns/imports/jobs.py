"""The job that imports an uploaded events sheet, with progress, and hands back a sheet."""

import io

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from openpyxl import Workbook

from campaigns.exporters.xlsx import write_row
from campaigns.imports.events_sheet import problems_workbook
from campaigns.models import Job
from campaigns.services.imports import events_import
from campaigns.services.jobs import JobResult, ProgressCallback, job_runner


def _summary(created: int, updated: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "导入结果"
    write_row(sheet, 1, ["新建活动", "更新活动"])
    write_row(sheet, 2, [created, updated])
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
        progress(100, message)
    # The upload is the user's data: kept only until it has been read through.
    default_storage.delete(upload)
    if result.problems:
        return JobResult(filename="导入问题.xlsx", content=problems_workbook(data, result.problems))
    return JobResult(filename="导入结果.xlsx", content=_summary(result.created, result.updated))
