"""The regulator's statistics sheet of a campaign below one unit, as Excel (a background job)."""

import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from campaigns.exporters.filenames import download_filename
from campaigns.exporters.measures import campaign_measures, measures_sheet_write
from campaigns.exporters.xlsx import (
    BOLD,
    HEADER_ALIGNMENT,
    HEADER_FILL,
    sheet_ready_to_print,
    write_cell,
)
from campaigns.models import (
    AudienceGroup,
    Campaign,
    EventFormat,
    Job,
    Topic,
    VenueType,
)
from campaigns.selectors.events import EventFilters
from campaigns.selectors.regulator import RegulatorStatistics, regulator_statistics
from campaigns.services.jobs import JobResult, ProgressCallback, job_runner

# Headers and labels stay in Chinese whatever the interface language: the sheet goes to
# the regulator and is filed with other branches' sheets.
AUDIENCE_HEADERS = {
    AudienceGroup.ELDERLY: "老年人",
    AudienceGroup.YOUTH: "青少年和学生",
    AudienceGroup.WOMEN: "妇女",
    AudienceGroup.ETHNIC_MINORITY: "少数民族",
    AudienceGroup.FARMERS_HERDERS: "农牧民",
    AudienceGroup.NEW_URBAN_RESIDENTS: "新市民",
    AudienceGroup.MIGRANT_WORKERS: "外出务工人员",
    AudienceGroup.DISABLED: "残障人士",
    AudienceGroup.FOREIGNERS: "在华外籍人士",
    AudienceGroup.ENTERPRISE_STAFF: "企业职工",
    AudienceGroup.OTHER: "其他",
}
SPECIAL_AREA_NAMES = {
    "any": "任一特殊地区",
    "ethnic_area": "民族地区",
    "old_revolutionary_area": "革命老区",
    "remote_area": "边远地区",
}
CHANNEL_NAMES = {"online": "线上", "offline": "线下"}
TOTALS_LABEL = "合计"
FILTER_CHOICES = ("venue_type", "format", "topic", "audience_group", "channel", "special_area")


# The audience groups are "of whom" figures of the in-person head count: "其中" heads each.
OF_WHOM = "其中："


def audience_header(group) -> str:
    return f"{OF_WHOM}{AUDIENCE_HEADERS[group]}"


# (header, column width, the row's value)
SUMMARY_COLUMNS = [
    ("机构", 24, lambda r: r.label),
    ("线上活动数", 10, lambda r: r.online_events),
    ("线下活动数", 10, lambda r: r.offline_events),
    ("参与网点数", 10, lambda r: r.outlets),
    ("参与人员数", 10, lambda r: r.staff),
    ("线下参加人数", 12, lambda r: r.head_count),
    *[
        (audience_header(group), 10, lambda r, group=group: r.audience[group])
        for group in AUDIENCE_HEADERS
    ],
    ("线上触达人次", 12, lambda r: r.online_reach),
    ("发放宣传资料（份）", 12, lambda r: r.materials),
    ("合作服务（次）", 10, lambda r: r.partner_services),
    # The sheet goes to the regulator: small figures, and every figure that adds one up,
    # are hidden the same way on every unit's sheet (disclosure.Tally).
    ("筛查人数", 10, lambda r: r.screened.shown),
    ("转诊人数", 10, lambda r: r.referred.shown),
    ("覆盖县（区）数", 10, lambda r: r.counties),
    ("覆盖特殊地区县（区）数", 12, lambda r: r.special_area_counties),
]
# Below the table, on the sheet and in the PDF: what the people figures count.
PEOPLE_NOTE = (
    "线下参加人数为线下活动登记的到场人数之和，每场活动每人只计一次。"
    "“其中”各列是参加人数中属于各类受众的人数；一人可同时属于几类受众"
    "（如牧区妇女既是农牧民也是妇女），各类受众人数相加不是参加人数，也不应相加。"
    "线上触达人次为直播、公众号文章、短信等线上活动的触达人次，与线下参加人数分列，不相加。"
)
# Below the table, on the sheet and in the PDF: how its screening figures were protected,
# exactly as disclosure.Tally does it.
SCREENING_NOTE = (
    "筛查、转诊人数按各机构本身举办的活动统计，某机构本身的人数为 1 至 4 时显示为“<5”，"
    "以免个人被识别；0 照常显示。"
    "一行或合计所含的人数中只要有这样的人数，就不给出准确值：其中不为 0 的只有这一个机构时"
    "显示为“<5”，否则显示为“×”。"
    "同一机构的数在本机构和上下级机构的统计表中显示相同，"
    "因此无论按行、按列推算，还是对照上下级机构的统计表，每个“<5”的 1 至 4 都仍有可能。"
    "其余数字和合计均为准确值。"
)


def summary_cells(statistics: RegulatorStatistics, columns) -> tuple[list[list], list]:
    """The values under ``columns`` of each row, and of the totals, as they may leave the
    branch."""
    rows = [[value(row) for _header, _width, value in columns] for row in statistics.rows]
    return rows, [value(statistics.totals) for _header, _width, value in columns]


def _yes(flag: bool) -> str:
    return "是" if flag else ""


EVENT_COLUMNS = [
    ("活动名称", 36, lambda e: e.title),
    ("机构", 20, lambda e: e.org_unit.name),
    ("县（区）代码", 12, lambda e: e.county.code),
    ("县（区）", 14, lambda e: e.county.name_zh),
    ("民族地区", 8, lambda e: _yes(e.county.ethnic_area)),
    ("革命老区", 8, lambda e: _yes(e.county.old_revolutionary_area)),
    ("边远地区", 8, lambda e: _yes(e.county.remote_area)),
    ("场所类型", 14, lambda e: e.get_venue_type_display()),
    ("形式", 12, lambda e: e.get_format_display()),
    ("渠道", 10, lambda e: e.get_channel_display()),
    ("活动日期", 12, lambda e: timezone.localtime(e.starts_at).date()),
    ("状态", 8, lambda e: e.get_status_display()),
    # Blank where not counted, which differs from 0; each event has one or the other.
    ("线下参加人数", 10, lambda e: None if e.is_online else e.head_count),
    ("线上触达人次", 10, lambda e: e.online_reach if e.is_online else None),
    ("参与人员数", 10, lambda e: e.staff_count),
]
PROGRESS_EVERY = 500


def filters_from_params(params: dict) -> EventFilters:
    """The event filters an export job was started with (dates as ISO strings)."""
    dates = {
        name: dt.date.fromisoformat(params[name])
        for name in ("starts_on", "ends_on")
        if params.get(name)
    }
    return EventFilters(**dates, **{name: params.get(name) or "" for name in FILTER_CHOICES})


def job_statistics(job: Job) -> RegulatorStatistics:
    """The figures a regulator sheet or coverage summary job is about, in its owner's scope."""
    return regulator_statistics(
        user=job.owner,
        campaign=Campaign.objects.get(pk=job.params["campaign_id"]),
        unit=job.org_unit,
        filters=filters_from_params(job.params),
        include_reported=bool(job.params.get("include_reported")),
    )


def statuses_counted(include_reported: bool) -> str:
    return "统计已通过和已上报的活动" if include_reported else "仅统计已通过的活动"


def filters_described(filters: EventFilters) -> list[str]:
    """The date range and each filter applied, in Chinese."""
    start, end = filters.starts_on, filters.ends_on
    if start and end:
        dates = f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    elif start:
        dates = f"{start:%Y-%m-%d} 起"
    elif end:
        dates = f"截至 {end:%Y-%m-%d}"
    else:
        dates = "不限"
    parts = [f"活动日期：{dates}"]
    with override("zh-hans"):
        if filters.venue_type:
            parts.append(f"场所类型：{VenueType(filters.venue_type).label}")
        if filters.format:
            parts.append(f"形式：{EventFormat(filters.format).label}")
        if filters.topic:
            parts.append(f"主题：{Topic(filters.topic).label}")
    if filters.audience_group:
        parts.append(f"受众：{AUDIENCE_HEADERS[AudienceGroup(filters.audience_group)]}")
    if filters.channel:
        parts.append(f"渠道：{CHANNEL_NAMES[filters.channel]}")
    if filters.special_area:
        parts.append(f"地区：{SPECIAL_AREA_NAMES[filters.special_area]}")
    return parts


def export_filename(prefix: str, statistics: RegulatorStatistics, extension: str) -> str:
    """A file name naming the campaign and the unit in full."""
    return download_filename(
        prefix, statistics.campaign.name, statistics.unit.name, extension=extension
    )


def _header_row(sheet, row: int, columns) -> None:
    for column, (header, width, _value) in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=column)
        write_cell(cell, header)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        sheet.column_dimensions[get_column_letter(column)].width = width


def summary_sheet_write(sheet, statistics: RegulatorStatistics) -> None:
    """The per-unit figures and their totals, with the note on what is hidden, on ``sheet``."""
    sheet.title = "统计表"
    last_column = get_column_letter(len(SUMMARY_COLUMNS))
    write_cell(sheet["A1"], f"{statistics.campaign.name} · {statistics.unit.name} · 监管统计表")
    sheet["A1"].font = Font(bold=True, size=14)
    described = [
        *filters_described(statistics.filters),
        statuses_counted(statistics.include_reported),
    ]
    write_cell(sheet["A2"], "；".join(described))
    sheet.merge_cells(f"A1:{last_column}1")
    sheet.merge_cells(f"A2:{last_column}2")
    _header_row(sheet, 3, SUMMARY_COLUMNS)
    sheet.row_dimensions[3].height = 45
    rows, totals = summary_cells(statistics, SUMMARY_COLUMNS)
    rows.append([TOTALS_LABEL, *totals[1:]])
    for offset, values in enumerate(rows, start=4):
        is_totals = offset == len(rows) + 3
        for column, shown in enumerate(values, start=1):
            cell = sheet.cell(row=offset, column=column)
            write_cell(cell, shown)
            if is_totals:
                cell.font = BOLD
            if column > 1:
                cell.alignment = Alignment(horizontal="right")
    # A row left empty, so that the notes are not read as more units.
    for note_row, note in enumerate((PEOPLE_NOTE, SCREENING_NOTE), start=len(rows) + 5):
        write_cell(sheet.cell(row=note_row, column=1), note)
        sheet.merge_cells(f"A{note_row}:{last_column}{note_row}")
        sheet.cell(row=note_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[note_row].height = 48
    sheet.freeze_panes = "A4"
    # The title, the filters and the headers head every printed page.
    sheet_ready_to_print(sheet, title_rows=3)


def _events_sheet(sheet, statistics: RegulatorStatistics, job: Job, progress) -> None:
    sheet.title = "活动明细"
    _header_row(sheet, 1, EVENT_COLUMNS)
    total = statistics.totals.events
    # By date, as the events happened; a day's events by unit.
    events = statistics.events.select_related("org_unit", "county").order_by(
        "starts_at", "org_unit__path", "pk"
    )
    done = 0
    for done, event in enumerate(events.iterator(chunk_size=1000), start=1):
        for column, (_header, _width, value) in enumerate(EVENT_COLUMNS, start=1):
            cell = sheet.cell(row=done + 1, column=column)
            write_cell(cell, value(event))
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        if done % PROGRESS_EVERY == 0:
            _report(job, progress, done=done, total=total)
    _report(job, progress, done=done, total=total)
    sheet.freeze_panes = "A2"
    sheet_ready_to_print(sheet)


def _report(job: Job, progress: ProgressCallback, *, done: int, total: int) -> None:
    with override(job.language):
        message = _("%(done)s of %(total)s events written") % {"done": done, "total": total}
    progress(10 + int(80 * done / max(total, 1)), message)


@job_runner("regulator_sheet")
def regulator_sheet(job: Job, progress: ProgressCallback) -> JobResult:
    """The campaign's statistics per unit below the job's unit, and the events counted."""
    statistics = job_statistics(job)
    with override(job.language):
        progress(10, _("Figures counted"))
    measures = campaign_measures(job, statistics)
    workbook = Workbook()
    with override("zh-hans"):  # the choices' labels in the events sheet
        summary_sheet_write(workbook.active, statistics)
        measures_sheet_write(workbook.create_sheet(), measures, campaign=statistics.campaign)
        _events_sheet(workbook.create_sheet(), statistics, job, progress)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with override(job.language):
        summary = ngettext(
            "Regulator sheet ready: %(units)s unit, %(events)s events counted.",
            "Regulator sheet ready: %(units)s units, %(events)s events counted.",
            len(statistics.rows),
        ) % {"units": len(statistics.rows), "events": statistics.totals.events}
    return JobResult(
        filename=export_filename("监管统计表", statistics, "xlsx"),
        content=buffer.getvalue(),
        summary=summary,
    )
