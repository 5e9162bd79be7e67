"""The list of events a user may see, as an Excel sheet (a background job).

The sheet is also an events sheet that the import reads as it is (campaigns/imports/
events_sheet.py finds columns by their headers): uploaded back unchanged it changes
nothing, and a row changed in it updates its event. Each event carries the portal's number
for that; the unit, the county's name, the status and the screening figures are there to
read, and the import leaves them alone.

People reached are given apart, as the regulator separates them: the head count of an event
held in person, the online reach of an online one. The audience groups are "of whom"
figures under the head count ("其中"), never summed.
"""

import io

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from openpyxl import Workbook
from openpyxl.styles import Font

from campaigns.exporters.disclosure import counts_leave_the_branch, small_count_shown
from campaigns.exporters.filenames import download_filename
from campaigns.exporters.xlsx import sheet_ready_to_print, write_cell
from campaigns.imports.events_sheet import AUDIENCE_KEYS, EVENT_ID, columns
from campaigns.models import Campaign, Event, Job, ServiceType, Topic
from campaigns.services.jobs import JobResult, ProgressCallback, job_runner
from portal.access import visible_to

TOPIC_ORDER = {topic: place for place, topic in enumerate(Topic.values)}


def _topics(event: Event) -> str:
    """The event's topics by their labels (in the language in force), as the import reads."""
    topics = sorted((row.topic for row in event.topic_rows.all()), key=TOPIC_ORDER.get)
    return "、".join(str(Topic(topic).label) for topic in topics)


def _local(moment):
    # Whole seconds: a sheet keeps no finer, and the import compares whole seconds.
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


# Headers stay in Chinese whatever the interface language: the sheet goes to the regulator
# and to colleagues who file it with others.
COLUMNS = [
    ("活动名称", lambda e: e.title),
    ("外部编号", lambda e: e.external_ref),
    ("机构", lambda e: e.org_unit.name),
    ("县（区）代码", lambda e: e.county.code),
    ("县（区）", lambda e: e.county.name_zh),
    ("场所", lambda e: e.venue_name),
    ("场所类型", lambda e: e.get_venue_type_display()),
    ("形式", lambda e: e.get_format_display()),
    ("渠道", lambda e: e.get_channel_display()),
    ("开始时间", lambda e: _local(e.starts_at)),
    ("宣传主题", _topics),
    ("状态", lambda e: e.get_status_display()),
    ("工作人员", lambda e: e.staff_count),
    ("参与网点数", lambda e: e.outlets_count),
    # People reached, apart: in person (the head count) or online (the reach).
    ("到场人数", lambda e: None if e.is_online else e.head_count),
    ("线上触达人数", lambda e: e.online_reach if e.is_online else None),
    # Of whom, by audience group: "其中：老年人" and so on, as the import template heads them.
    *(
        (column.header_zh, lambda e, key=column.key: getattr(e, key))
        for column in columns()
        if column.key in AUDIENCE_KEYS
    ),
]
PROGRESS_EVERY = 500
SCREENING = Q(partner_services__service_type=ServiceType.HEALTH_SCREENING)


def _columns(*, exact_counts: bool) -> list:
    """COLUMNS, the event's screening figures (small ones hidden unless ``exact_counts``)
    and the event's number in the portal."""
    shown = (lambda count: count) if exact_counts else small_count_shown
    return [
        *COLUMNS,
        ("筛查人数", lambda e: shown(e.screened)),
        ("转诊人数", lambda e: shown(e.referred)),
        (EVENT_ID.header_zh, lambda e: e.pk),
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
        .prefetch_related("topic_rows")
        .annotate(
            screened=Sum("partner_services__screened", filter=SCREENING),
            referred=Sum("partner_services__referred", filter=SCREENING),
        )
        .order_by("starts_at", "pk")
    )
    campaign = None
    if job.params.get("campaign_id"):
        campaign = Campaign.objects.get(pk=job.params["campaign_id"])
        events = events.filter(campaign=campaign)
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
        sheet_ready_to_print(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    filename = download_filename(
        "活动清单",
        campaign.name if campaign else "",
        job.org_unit.name,
        f"{timezone.localdate():%Y%m%d}",
        extension="xlsx",
    )
    with override(job.language):
        summary = ngettext(
            "Events sheet ready: %(count)s event.", "Events sheet ready: %(count)s events.", total
        ) % {"count": total}
    return JobResult(filename=filename, content=buffer.getvalue(), summary=summary)
