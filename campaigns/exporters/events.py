"""The list of events a user may see, as an Excel sheet (a background job)."""

import io

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.styles import Font

from campaigns.exporters.disclosure import counts_leave_the_branch, small_count_shown
from campaigns.exporters.xlsx import write_cell
from campaigns.models import Event, Job, ServiceType
from campaigns.services.jobs import JobResult, ProgressCallback, job_runner
from portal.access import visible_to

# Headers stay in Chinese whatever the interface language: the sheet goes to the regulator
# and to colleagues who file it with others.
COLUMNS = [
    ("活动名称", lambda e: e.title),
    ("机构", lambda e: e.org_unit.name),
    ("县（区）代码", lambda e: e.county.code),
    ("县（区）", lambda e: e.county.name_zh),
    ("场所", lambda e: e.venue_name),
    ("场所类型", lambda e: e.get_venue_type_display()),
    ("形式", lambda e: e.get_format_display()),
    ("渠道", lambda e: e.get_channel_display()),
    ("开始时间", lambda e: timezone.localtime(e.starts_at).replace(tzinfo=None)),
    ("状态", lambda e: e.get_status_display()),
    ("受众人数", lambda e: e.people_reached),
    ("工作人员", lambda e: e.staff_count),
]
PROGRESS_EVERY = 500
SCREENING = Q(partner_services__service_type=ServiceType.HEALTH_SCREENING)


def _columns(*, exact_counts: bool) -> list:
    """COLUMNS and the event's screening figures, small ones hidden unless ``exact_counts``."""
    shown = (lambda count: count) if exact_counts else small_count_shown
    return [
        *COLUMNS,
        ("筛查人数", lambda e: shown(e.screened)),
        ("转诊人数", lambda e: shown(e.referred)),
    ]


def _report(job: Job, progress: ProgressCallback, *, done: int, total: int) -> None:
    with override(job.language):
        message = _("%(done)s of %(total)s events written") % {"done": done, "total": total}
    progress(int(90 * done / max(total, 1)), message)


@job_runner("events_export")
def events_export(job: Job, progress: ProgressCallback) -> JobResult:
    """Every event of the job's campaign (or all) that the job's owner may see."""
    events = (
        visible_to(job.owner, Event)
        .filter(org_unit__path__startswith=job.org_unit.path)
        .select_related("org_unit", "county")
        .annotate(
            screened=Sum("partner_services__screened", filter=SCREENING),
            referred=Sum("partner_services__referred", filter=SCREENING),
        )
        .order_by("-starts_at", "-pk")
    )
    if job.params.get("campaign_id"):
        events = events.filter(campaign_id=job.params["campaign_id"])
    total = events.count()
    columns = _columns(exact_counts=not counts_leave_the_branch(job.owner))
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    with override("zh-hans"):
        sheet.title = "活动"
        for column, (header, _value) in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=column)
            write_cell(cell, header)
            cell.font = Font(bold=True)
        for row, event in enumerate(events.iterator(chunk_size=1000), start=2):
            for column, (_header, value) in enumerate(columns, start=1):
                write_cell(sheet.cell(row=row, column=column), value(event))
            if (row - 1) % PROGRESS_EVERY == 0:
                _report(job, progress, done=row - 1, total=total)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return JobResult(
        filename=f"events-{timezone.localdate():%Y%m%d}.xlsx", content=buffer.getvalue()
    )
