"""A campaign's coverage below one unit as a printable A4 summary (a background job)."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from campaigns.charts import bar_chart
from campaigns.exporters.measures import campaign_measures, measures_page_context
from campaigns.exporters.regulator import (
    AUDIENCE_HEADERS,
    PEOPLE_NOTE,
    SCREENING_NOTE,
    SUMMARY_COLUMNS,
    TOTALS_LABEL,
    audience_header,
    export_filename,
    filters_described,
    job_statistics,
    statuses_counted,
    summary_cells,
)
from campaigns.models import Job
from campaigns.pdf import pdf_render
from campaigns.selectors.coverage import coverage_mix
from campaigns.selectors.regulator import RegulatorStatistics
from campaigns.services.jobs import JobResult, ProgressCallback, job_runner

# The sheet's columns in two tables that fit A4 portrait: activities, people and coverage,
# then the audience groups of the in-person head count. The first column (the unit) starts
# both. In the second table the groups go by their short names: its title says "of whom".
UNIT_COLUMN, *FIGURE_COLUMNS = SUMMARY_COLUMNS
_GROUP_HEADERS = {audience_header(group): header for group, header in AUDIENCE_HEADERS.items()}
AUDIENCE_COLUMNS = [
    (_GROUP_HEADERS[header], width, value)
    for header, width, value in FIGURE_COLUMNS
    if header in _GROUP_HEADERS
]
ACTIVITY_COLUMNS = [column for column in FIGURE_COLUMNS if column[0] not in _GROUP_HEADERS]


def _refuse_fetch(url: str, *args, **kwargs):
    # Everything the summary shows is inline; nothing in it may make the worker fetch a URL.
    raise ValueError(f"the coverage summary fetches no resources ({url[:40]})")


def _shown(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(
    statistics: RegulatorStatistics, columns, *, title: str, note: str, one_line_headers=False
) -> dict:
    rows, totals = summary_cells(statistics, columns)
    return {
        "title": title,
        "note": note,
        "one_line_headers": one_line_headers,
        "headers": [UNIT_COLUMN[0]] + [header for header, _width, _value in columns],
        "rows": [
            [row.label, *map(_shown, cells)]
            for row, cells in zip(statistics.rows, rows, strict=True)
        ],
        "totals": [TOTALS_LABEL, *map(_shown, totals)],
    }


def _chart(items: list[tuple[str, int]], title: str) -> dict:
    has_data = any(value for _label, value in items)
    return {"title": title, "svg": bar_chart(items, title=title) if has_data else ""}


def _audience_as_in_sheet(items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The audience groups under the names of the sheet's headers (call in Chinese)."""
    names = {str(group.label): header for group, header in AUDIENCE_HEADERS.items()}
    return [(names.get(label, label), value) for label, value in items]


def coverage_tables(statistics: RegulatorStatistics) -> list[dict]:
    """The summary's tables of per-unit figures, each with its headers, rows, totals and note."""
    return [
        _table(
            statistics,
            ACTIVITY_COLUMNS,
            title="各机构活动、参加人数与覆盖",
            note=(
                f"{PEOPLE_NOTE}{SCREENING_NOTE}"
                "覆盖县（区）合计为去重后的县（区）数，不等于各行之和。"
            ),
        ),
        _table(
            statistics,
            AUDIENCE_COLUMNS,
            title="线下参加人数中：各类受众人数",
            one_line_headers=True,
            note=(
                "本表各数都是上表“线下参加人数”中的“其中”数：一人可同时属于几类受众，"
                "各类受众人数相加不是参加人数，也不应相加。线上活动只有触达人次，不分受众，不计入本表。"
            ),
        ),
    ]


def coverage_summary_html(job: Job, statistics: RegulatorStatistics) -> str:
    """The summary as HTML for WeasyPrint, in Chinese like the regulator sheet."""
    with override("zh-hans"):  # the choices' labels in the charts
        mix = coverage_mix(
            user=job.owner,
            campaign=statistics.campaign,
            unit=statistics.unit,
            filters=statistics.filters,
            include_reported=statistics.include_reported,
        )
        totals = statistics.totals
        return render_to_string(
            "print/coverage_summary.html",
            {
                "campaign": statistics.campaign,
                "unit": statistics.unit,
                "scope": [
                    *filters_described(statistics.filters),
                    statuses_counted(statistics.include_reported),
                ],
                "made_on": timezone.localdate(),
                # Head counts and online reach apart: the regulator counts them apart, and
                # a reach counts views or messages, not people.
                "key_figures": [
                    ("活动（场）", _shown(totals.events)),
                    ("线下参加人数", _shown(totals.head_count)),
                    ("线上触达人次", _shown(totals.online_reach)),
                    ("覆盖县（区）", _shown(totals.counties)),
                    ("覆盖特殊地区县（区）", _shown(totals.special_area_counties)),
                ],
                "tables": coverage_tables(statistics),
                "charts": [
                    _chart(mix.venue_types, "各类场所的活动数（场）"),
                    _chart(
                        _audience_as_in_sheet(mix.audience),
                        "线下参加人数中各类受众的人数（人，一人可属几类，不相加）",
                    ),
                    _chart(mix.per_week, "每周活动数（场，以每周周一的日期标注）"),
                ],
                "measures": measures_page_context(campaign_measures(job, statistics)),
            },
        )


@job_runner("coverage_summary")
def coverage_summary(job: Job, progress: ProgressCallback) -> JobResult:
    """The per-unit figures of the regulator sheet and charts of the mix, as an A4 PDF."""
    statistics = job_statistics(job)
    with override(job.language):
        progress(20, _("Figures counted"))
    html = coverage_summary_html(job, statistics)
    with override(job.language):
        progress(50, _("Drawing the PDF"))
    # Imported here: WeasyPrint changes Pillow's settings for the whole process on import
    # (LOAD_TRUNCATED_IMAGES), which web processes that check uploaded photos do not want.
    from weasyprint import HTML

    pdf = pdf_render(HTML(string=html, url_fetcher=_refuse_fetch))
    with override(job.language):
        summary = pdf.summary()
    return JobResult(
        filename=export_filename("覆盖情况摘要", statistics, "pdf"),
        content=pdf.content,
        summary=summary,
    )
