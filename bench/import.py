"""How fast a clean 10,000-row events sheet is imported, against reading it with openpyxl.

Builds the sheet from the template (every row valid: counties of the unit's service area,
a head count and audience counts within it, dates as date cells), then in one run:
- ``openpyxl_read_s``: a read-only openpyxl pass over every cell (the floor), the mean of
  one pass before the import and one after it;
- ``import_s``: ``events_import`` from the bytes to the saved events (reading, checking,
  saving in one transaction), the work of the import job;
the process's peak memory (ru_maxrss) before and after the import, and the import's own
peak of Python memory (tracemalloc), measured in a second import of the same sheet after
the first one's events are deleted, so that tracing does not slow the timed one. A throw-away test
database is made on the configured database (DATABASE_URL; SQLite in /tmp otherwise). The
last line is ``import_s=A openpyxl_read_s=B ratio=A/B``. Targets: A <= 10 s, ratio <= 3.

    .venv/bin/python bench/import.py
"""

import datetime as dt
import io
import resource
import sys
import time
import tracemalloc

from throwaway_db import django_setup, in_test_database

django_setup("import-bench")

from django.db import connection  # noqa: E402

ROWS = 10_000


def world():
    from campaigns.models import Campaign, Membership, OrgUnit, Region
    from portal.models import User

    unit = OrgUnit.objects.create(code="BENCH", name="阿坝中心支公司", kind=OrgUnit.Kind.HQ)
    prefecture = Region.objects.create(code="513200", name_zh="阿坝州", level="prefecture")
    counties = [
        Region.objects.create(
            code=f"5132{number:02d}", name_zh=f"县{number}", level="county", parent=prefecture
        )
        for number in range(1, 14)
    ]
    unit.service_area.set(counties)
    campaign = Campaign.objects.create(
        name="2024年宣传周", starts_on=dt.date(2024, 3, 1), ends_on=dt.date(2024, 12, 31)
    )
    user = User.objects.create(username="bench-organizer")
    Membership.objects.create(user=user, org_unit=unit, role=Membership.Role.ORGANIZER)
    return unit, campaign, user, [county.code for county in counties]


def clean_sheet(codes: list[str]) -> bytes:
    from openpyxl import load_workbook

    from campaigns.imports.events_sheet import columns, template_workbook

    keys = [column.key for column in columns()]
    book = load_workbook(io.BytesIO(template_workbook(county_choices=codes)))
    sheet = book.worksheets[0]
    venues, formats = (
        ["社区", "商圈", "校园", "企业/车间", "乡村/农牧区"],
        ["讲座", "摆摊宣传", "沙龙"],
    )
    for number in range(ROWS):
        row = {
            "external_ref": f"2024-{number:05d}",
            "title": f"金融知识宣讲第{number}场",
            "county": codes[number % len(codes)],
            "venue_name": f"宣讲点{number % 97}",
            "venue_type": venues[number % 5],
            "format": formats[number % 3],
            "starts_at": dt.datetime(2024, 3, 1, 9) + dt.timedelta(hours=number % 5000),  # noqa: DTZ001
            "topics": "反诈、金融消费者八项基本权利",
            "staff_count": 3,
            # Everyone who came; the groups below are "of whom", each within it.
            "head_count": 60 + number % 50,
            "audience_elderly": number % 40,
            "audience_women": number % 25,
            "audience_farmers_herders": number % 60,
        }
        sheet.append([row.get(key) for key in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def openpyxl_read(data: bytes) -> int:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    cells = sum(1 for row in book.worksheets[0].iter_rows(values_only=True) for _cell in row)
    book.close()
    return cells


def run() -> None:
    from campaigns.models import Event
    from campaigns.services.imports import events_import

    unit, campaign, user, codes = world()
    data = clean_sheet(codes)
    started = time.perf_counter()
    cells = openpyxl_read(data)
    read_before_s = time.perf_counter() - started

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    result = events_import(user=user, org_unit_id=unit.pk, campaign_id=campaign.pk, data=data)
    import_s = time.perf_counter() - started
    # This process's own processor time: what the wall time is on a machine with no other
    # work (on SQLite, the database's work included; PostgreSQL's server works apart).
    import_cpu_s = time.process_time() - cpu_started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if not result.saved:
        sys.exit(f"the bench sheet has problems: {result.problems[:3]}")
    # The floor again, after: on a machine shared with other work the two reads differ, and
    # their mean is the floor while the import ran.
    started = time.perf_counter()
    openpyxl_read(data)
    read_after_s = time.perf_counter() - started
    read_s = (read_before_s + read_after_s) / 2
    Event.objects.filter(org_unit=unit).delete()
    tracemalloc.start()
    again = events_import(user=user, org_unit_id=unit.pk, campaign_id=campaign.pk, data=data)
    _size, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert again.created == ROWS, again
    print(
        f"database: {connection.vendor}; sheet {len(data) // 1024} KB, {ROWS} rows, {cells} cells"
    )
    print(f"events saved: {Event.objects.filter(org_unit=unit).count()}")
    print(
        f"peak_rss_mb={rss_peak / 1024:.0f} (the process; "
        f"{(rss_peak - rss_before) / 1024:.0f} MB above its peak before the import)"
    )
    print(f"import_peak_python_mb={traced_peak / 1024 / 1024:.0f} (tracemalloc, second import)")
    print(f"openpyxl_read_s before the import {read_before_s:.2f}, after it {read_after_s:.2f}")
    print(f"import_cpu_s={import_cpu_s:.2f} (processor time of this process)")
    print(f"import_s={import_s:.2f} openpyxl_read_s={read_s:.2f} ratio={import_s / read_s:.2f}")


if __name__ == "__main__":
    in_test_database(run)
