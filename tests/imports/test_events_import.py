"""Importing events from a sheet: every fault reported with row, column and reason; nothing
saved until the sheet is clean; the same sheet again updates instead of duplicating."""

import datetime as dt
import functools
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from openpyxl import Workbook, load_workbook

from campaigns.imports.events_sheet import columns, problems_workbook, template_workbook
from campaigns.models import AuditEntry, Event
from campaigns.services.imports import events_import
from tests import factories as f

pytestmark = pytest.mark.django_db

KEYS = [column.key for column in columns()]
GOOD = {
    "external_ref": "HY-2024-001",
    "title": "红原牧区金融知识宣讲",
    "county": "513233",
    "venue_name": "安曲牧场",
    "venue_type": "乡村/农牧区",
    "format": "讲座",
    "starts_at": dt.datetime(2025, 3, 12, 10, 0),  # noqa: DTZ001 - Excel cells have no zone
    "topics": "金融消费者八项基本权利、反诈",
    "head_count": 70,
    "audience_farmers_herders": 60,
    "audience_women": 35,
}


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("en"):
        yield


@functools.cache
def template() -> bytes:
    """The template of the world's unit, made once: tests fill copies of it."""
    return template_workbook(county_choices=["513233"])


def filled(*rows: dict) -> Workbook:
    """The template, opened, with ``rows`` after its two header rows."""
    book = load_workbook(io.BytesIO(template()))
    events = book.worksheets[0]
    for row in rows:
        events.append([row.get(key) for key in KEYS])
    return book


def sheet(*rows: dict, merge: str | None = None) -> bytes:
    """A filled events sheet: the template's two header rows, then ``rows``."""
    book = filled(*rows)
    events = book.worksheets[0]
    if merge:
        events.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(world, data: bytes, user=None, **options):
    return events_import(
        user=user or world.organizer,
        org_unit_id=world.units["central_a"].pk,
        campaign_id=world.campaign.pk,
        data=data,
        **options,
    )


def test_template_has_chinese_headers_a_key_row_and_drop_down_lists():
    book = load_workbook(io.BytesIO(template_workbook(county_choices=["513233", "513232"])))
    events = book["活动"]
    assert events["A1"].value == "外部编号"
    assert [cell.value for cell in events[2]][: len(KEYS)] == KEYS
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in events.data_validations.dataValidation}
    assert "E3" in lists  # venue type
    assert book["选项"]["A2"].value == "社区"


def test_a_clean_sheet_is_saved_in_full(world):
    result = run(world, sheet(GOOD, GOOD | {"external_ref": "HY-2024-002", "audience_women": 0}))
    assert result.saved, result.problems
    assert result.created == 2
    event = Event.objects.get(external_ref="HY-2024-001")
    assert event.status == Event.Status.PLANNED
    assert (event.head_count, event.people_reached) == (70, 70)
    assert event.venue_type == "village"
    assert sorted(event.topic_rows.values_list("topic", flat=True)) == [
        "anti_fraud",
        "eight_rights",
    ]
    counts = dict(event.audience_counts.values_list("group", "count"))
    assert counts == {"farmers_herders": 60, "women": 35}  # elderly: not counted, no row
    second = Event.objects.get(external_ref="HY-2024-002")
    assert dict(second.audience_counts.values_list("group", "count"))["women"] == 0
    assert AuditEntry.objects.get(action="campaigns.event.imported").data["created"] == 2


def test_an_imported_event_is_whole_like_one_planned_on_the_page(world):
    """The save writes rows in bulk, past the model's save(): every default and stamp must
    still be there, and the moment must survive the database's own date form."""
    before = dt.datetime.now(dt.UTC)
    assert run(world, sheet(GOOD)).saved
    event = Event.objects.get(external_ref="HY-2024-001")
    assert (event.version, event.created_by, event.org_unit) == (
        1,
        world.organizer,
        world.units["central_a"],
    )
    assert event.language == Event._meta.get_field("language").default
    assert event.created_at >= before
    assert event.updated_at >= before
    assert event.reported_at is None
    assert event.starts_at == dt.datetime(2025, 3, 12, 2, 0, tzinfo=dt.UTC)  # 10:00 Beijing
    assert (event.summary, event.review_note, event.online_reach) == ("", "", None)
    assert Event.objects.visible_to(world.organizer).filter(pk=event.pk).exists()


PLANNED = {
    key: value
    for key, value in GOOD.items()
    if not key.startswith("audience_") and key != "head_count"
}


def test_importing_the_same_sheet_again_updates_instead_of_adding(world):
    run(world, sheet(PLANNED))
    result = run(world, sheet(GOOD | {"title": "红原牧区宣讲（更正）", "audience_women": 40}))
    assert (result.created, result.updated) == (0, 1)
    event = Event.objects.get(external_ref="HY-2024-001")
    assert event.title == "红原牧区宣讲（更正）"
    assert (event.people_reached, event.audience_women) == (70, 40)
    assert event.status == Event.Status.PLANNED
    assert Event.objects.filter(external_ref="HY-2024-001").count() == 1


def test_an_event_waiting_for_review_is_not_changed_by_an_import(world):
    run(world, sheet(GOOD), submit=True)  # figures, sent: waiting for review
    result = run(world, sheet(GOOD | {"title": "改", "audience_women": 40}))
    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (3, "A 外部编号", "A reported event can no longer be changed.")
    ]
    event = Event.objects.get(external_ref="HY-2024-001")
    assert (event.title, event.audience_women, event.version) == (GOOD["title"], 35, 2)


def test_an_event_submitted_while_the_sheet_is_checked_is_not_overwritten(world):
    run(world, sheet(PLANNED))
    event = Event.objects.get(external_ref="HY-2024-001")

    def meanwhile(percent, message):
        if percent == 70:  # checked, about to save: the organizer changes the plan on the page
            Event.objects.filter(pk=event.pk).update(title="页面上改的", version=2)

    result = events_import(
        user=world.organizer,
        org_unit_id=world.units["central_a"].pk,
        campaign_id=world.campaign.pk,
        data=sheet(GOOD),
        progress=meanwhile,
    )

    assert [(p.row, p.column) for p in result.problems] == [(3, "A 外部编号")]
    assert "changed while the sheet was being checked" in result.problems[0].reason
    assert Event.objects.get(pk=event.pk).title == "页面上改的"


def test_county_may_be_given_by_name_and_digits_full_width(world):
    row = GOOD | {"county": "红原县", "audience_women": "３５", "starts_at": "２０２５-03-12 10:00"}
    result = run(world, sheet(row))
    assert result.saved, result.problems
    event = Event.objects.get(external_ref="HY-2024-001")
    assert event.county == world.county
    assert event.audience_counts.get(group="women").count == 35
    assert event.starts_at == dt.datetime(2025, 3, 12, 2, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("typed", ["513233 红原县", "513233红原县", "５１３２３３ 红原县"])
def test_county_may_be_given_by_code_and_name_with_or_without_a_space(world, typed):
    result = run(world, sheet(GOOD | {"county": typed}))
    assert result.saved, result.problems
    assert Event.objects.get(external_ref="HY-2024-001").county == world.county


def test_an_unknown_county_and_one_outside_the_area_are_told_apart(world):
    rows = [
        GOOD | {"external_ref": "R3", "county": "999999"},  # no such county
        GOOD | {"external_ref": "R4", "county": "430102"},  # another unit's county
        GOOD | {"external_ref": "R5", "county": "芙蓉区"},  # the same, by name
    ]
    reasons = {p.row: p.reason for p in run(world, sheet(*rows)).problems}
    unit = world.units["central_a"].name
    assert reasons[3] == "No county has this code or name; check it for typing mistakes."
    assert reasons[4] == f"芙蓉区 (430102) is not in the service area of {unit}."
    assert reasons[5] == reasons[4]


@pytest.mark.parametrize(
    "typed", ["2025-03-12 10:00", "2025/3/12 10:00", "2025年3月12日 10:00", "2025年3月12日"]
)
def test_dates_typed_as_text_are_read(world, typed):
    assert run(world, sheet(GOOD | {"starts_at": typed})).saved


def test_every_fault_is_reported_and_no_row_is_saved(world):
    faults = [
        GOOD | {"external_ref": "R3", "audience_women": "=A1+1"},  # a formula
        GOOD | {"external_ref": "R4", "starts_at": 45728},  # a number, not a date
        GOOD | {"external_ref": "R5", "starts_at": "2025-02-30"},  # no such date
        GOOD | {"external_ref": "R6", "title": None},  # required column empty
        GOOD | {"external_ref": "R7", "audience_elderly": -3},  # negative count
        GOOD | {"external_ref": "R8", "audience_youth": "60人"},  # not a whole number
        GOOD | {"external_ref": "R9", "county": "芙蓉区"},  # outside the service area
        GOOD | {"external_ref": "R10", "venue_type": "公园"},  # not a venue type
        GOOD | {"external_ref": "R3"},  # the reference of row 3 again
        GOOD | {"external_ref": "R12", "venue_name": None},  # in person, no venue
        GOOD | {"external_ref": "R13", "topics": "理财"},  # unknown topic
        GOOD | {"external_ref": "R14", "audience_women": 12.5},  # a fraction
    ]
    result = run(world, sheet(*faults, merge="B15:B16"))
    assert not result.saved
    found = {(p.row, p.column.split()[0]) for p in result.problems}
    letter = dict(zip(KEYS, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", strict=False))
    expected = {
        (3, letter["audience_women"]),
        (4, "H"),
        (5, "H"),
        (6, "B"),
        (7, letter["audience_elderly"]),
        (8, letter["audience_youth"]),
        (9, "C"),
        (10, "E"),
        (11, "A"),
        (12, "D"),
        (13, "I"),
        (14, letter["audience_women"]),
        (15, "B"),  # the merged cells B15:B16
    }
    assert expected <= found, sorted(found - expected)
    reasons = {p.row: p.reason for p in result.problems}
    assert reasons[3] == "A formula: type the value itself."
    assert reasons[11] == "Row 3 has this reference already."
    assert Event.objects.filter(external_ref__startswith="R").count() == 0
    assert not AuditEntry.objects.filter(action="campaigns.event.imported").exists()
    # In the downloadable list, the formula someone typed is written back as inert text.
    listing = load_workbook(io.BytesIO(problems_workbook(sheet(*faults), result.problems)))
    formula_cell = next(
        row[3] for row in listing["问题清单"].iter_rows(min_row=2) if row[1].value == 3
    )
    assert formula_cell.value == "=A1+1"
    assert formula_cell.data_type == "s"


def test_a_start_moved_past_the_events_planned_end_is_a_problem_at_the_start(world):
    # The sheet carries no end: an event planned on the page with one keeps it, and a new
    # start after it is refused by the event's own rule, not by the database mid-save.
    run(world, sheet(PLANNED))
    Event.objects.filter(external_ref="HY-2024-001").update(
        ends_at=dt.datetime(2025, 3, 12, 12, tzinfo=dt.UTC)
    )
    later = PLANNED | {"starts_at": dt.datetime(2025, 3, 20, 10, 0)}  # noqa: DTZ001

    result = run(world, sheet(later))

    assert [(p.row, p.column[-4:], p.reason) for p in result.problems] == [
        (3, "开始时间", "An event cannot end before it starts.")
    ]
    assert Event.objects.get(external_ref="HY-2024-001").starts_at.day == 12


def test_an_approved_event_is_not_changed_by_an_import(world):
    run(world, sheet(GOOD))
    Event.objects.filter(external_ref="HY-2024-001").update(status=Event.Status.APPROVED)
    result = run(world, sheet(GOOD | {"title": "改"}))
    assert [p.row for p in result.problems] == [3]
    assert Event.objects.get(external_ref="HY-2024-001").title == GOOD["title"]


def test_the_problems_sheet_marks_each_bad_cell(world):
    data = sheet(GOOD | {"audience_women": "很多"})
    result = run(world, data)
    book = load_workbook(io.BytesIO(problems_workbook(data, result.problems)))
    listing = book["问题清单"]
    assert listing["B2"].value == 3
    bad = book["活动"][result.problems[0].cell]
    assert bad.fill.fgColor.rgb.endswith("FFC7CE")
    assert bad.comment.text == result.problems[0].reason


def test_a_file_that_is_no_workbook_is_refused_with_a_message(world):
    result = run(world, b"name,date\n")
    assert result.problems[0].reason == "This is not an Excel workbook (.xlsx)."


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (210 * 1024 * 1024))
    result = run(world, buffer.getvalue())
    assert "unpacks to far more" in result.problems[0].reason


def test_a_workbook_without_the_templates_header_row_is_refused(world):
    book = Workbook()
    book.active.append(["标题", "日期"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(world, buffer.getvalue())
    assert [(p.row, p.column) for p in result.problems] == [(0, "")]
    assert "header row of the events template" in result.problems[0].reason


def test_a_translator_may_not_import(world):
    with pytest.raises(PermissionDenied):
        run(world, sheet(GOOD), user=world.translator)


def test_another_branch_may_not_import_into_this_unit(world):
    with pytest.raises(f.models.OrgUnit.DoesNotExist):
        run(world, sheet(GOOD), user=world.other_organizer)


# ---- nothing is submitted unless the organizer says so -----------------------------------


def test_rows_with_figures_are_saved_as_reports_not_yet_sent(world):
    result = run(world, sheet(GOOD))

    event = Event.objects.get(external_ref="HY-2024-001")
    assert (event.status, event.people_reached, event.reported_at) == (
        Event.Status.PLANNED,
        70,
        None,
    )
    assert result.submitted == 0
    assert not AuditEntry.objects.filter(action="campaigns.event.submitted").exists()


def test_asked_to_submit_the_reports_are_sent_through_the_events_own_service(world):
    result = run(world, sheet(GOOD, PLANNED | {"external_ref": "HY-2024-002"}), submit=True)

    assert result.submitted == 1
    sent = Event.objects.get(external_ref="HY-2024-001")
    assert (sent.status, sent.reported_by, sent.version) == (
        Event.Status.REPORTED,
        world.organizer,
        2,
    )
    assert AuditEntry.objects.filter(
        action="campaigns.event.submitted", object_id=str(sent.pk), actor=world.organizer
    ).exists()
    # A row without figures has no report to send: it stays planned.
    assert Event.objects.get(external_ref="HY-2024-002").status == Event.Status.PLANNED


# ---- history ------------------------------------------------------------------------------


def test_every_imported_event_has_a_history_entry_with_its_file_and_unit(world):
    run(world, sheet(PLANNED), filename="红原.xlsx")
    run(world, sheet(GOOD, GOOD | {"external_ref": "HY-2024-002"}), filename="红原（二）.xlsx")

    event = Event.objects.get(external_ref="HY-2024-001")
    history = AuditEntry.objects.filter(object_type="campaigns.event", object_id=str(event.pk))
    assert [(e.action, e.actor, e.org_unit, e.data["file"]) for e in history.order_by("pk")] == [
        ("campaigns.event.import_created", world.organizer, world.units["central_a"], "红原.xlsx"),
        (
            "campaigns.event.import_updated",
            world.organizer,
            world.units["central_a"],
            "红原（二）.xlsx",
        ),
    ]
    second = Event.objects.get(external_ref="HY-2024-002")
    assert AuditEntry.objects.get(object_id=str(second.pk)).data == {
        "file": "红原（二）.xlsx",
        "campaign": world.campaign.pk,
        "row": 4,
    }


def test_importing_an_unchanged_row_changes_nothing(world):
    # The county given by name the second time, and the topics in another order: the same.
    assert run(world, sheet(GOOD)).saved
    event = Event.objects.get(external_ref="HY-2024-001")
    entries = AuditEntry.objects.filter(object_id=str(event.pk)).count()

    again = GOOD | {"county": "红原县", "topics": "反诈、金融消费者八项基本权利"}
    result = run(world, sheet(again))

    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    after = Event.objects.get(pk=event.pk)
    assert (after.version, after.updated_at) == (event.version, event.updated_at)
    assert AuditEntry.objects.filter(object_id=str(event.pk)).count() == entries


def test_the_problems_sheet_is_readable_as_it_opens(world):
    data = sheet(GOOD | {"audience_women": "很多"})
    listing = load_workbook(io.BytesIO(problems_workbook(data, run(world, data).problems)))[
        "问题清单"
    ]
    assert listing.freeze_panes == "A2"
    assert listing["A1"].font.bold
    assert listing.column_dimensions["E"].width >= 60
    assert all(listing.column_dimensions[letter].width >= 8 for letter in "ABCD")


def test_a_row_with_a_bad_cell_still_has_its_other_rules_said_in_the_same_round(world):
    # Found by hand: a wrong date hid the group above the head count until the next upload.
    row = GOOD | {
        "external_ref": "R3",
        "starts_at": "0001-03-15 10:00",
        "head_count": 30,
        "audience_women": 45,
        "venue_name": None,
    }
    result = run(world, sheet(row))
    letter = dict(zip(KEYS, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", strict=False))
    columns_said = {p.column.split()[0] for p in result.problems}
    # Women and herders (60 in GOOD) are both above the head count of 30.
    groups = {letter["audience_women"], letter["audience_farmers_herders"]}
    assert columns_said == {"H", letter["venue_name"], *groups}
    assert not result.saved


def test_a_rule_that_reads_a_refused_cell_waits_for_it(world):
    # The head count itself is refused: the groups are not judged against a guess of it.
    row = GOOD | {"external_ref": "R3", "head_count": "七十", "audience_women": 45}
    result = run(world, sheet(row))
    letter = dict(zip(KEYS, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", strict=False))
    assert {p.column.split()[0] for p in result.problems} == {letter["head_count"]}
