"""The measures sheet: a year of monthly returns downloaded, filled and imported, every row
or none, by the return's own rules."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from campaigns.imports.events_sheet import LISTING_NAME
from campaigns.imports.measures_sheet import SHEET_NAME, measures_template_workbook
from campaigns.models import AuditEntry, Job, MeasureFigure, MeasureReturn, Membership
from campaigns.seeding.measures import measures_catalogue_load
from campaigns.selectors.measures import template_rows
from campaigns.services import measures as services
from campaigns.services.measure_imports import measures_import
from tests import factories as f
from tests.downloads import attachment_name

pytestmark = pytest.mark.django_db

YEAR = 2025
FIGURES = {
    "mediation_cases.resolved": 8,
    "mediation_cases.mediated": 10,
    "comfort_fund.payouts": 2,
    "comfort_fund.amount": 1500.5,
    "fast_settlement.settled_fast": 5,
    "fast_settlement.complaints": 9,
    "roadside_response.response_minutes": 480,
    "roadside_response.dispatches": 20,
    "roadside_nps.promoters": 90,
    "roadside_nps.passives": 8,
    "roadside_nps.detractors": 2,
    "remote_diagnosis.solved_by_phone": 3,
    "remote_diagnosis.calls": 47,
}


@pytest.fixture
def catalogue(db):
    return measures_catalogue_load()


@pytest.fixture
def organizer(org_tree, catalogue):
    """An organizer of central sub-branch A: reports for it and the sub-branch below."""
    user = f.UserFactory(username="aba-organizer")
    f.MembershipFactory(user=user, org_unit=org_tree["central_a"], role=Membership.Role.ORGANIZER)
    return user


@pytest.fixture
def client_of(client, organizer):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(organizer)
    return client


def _template(client, unit, year=YEAR) -> bytes:
    response = client.get(reverse("measures_import_template", args=[unit.pk]), {"year": year})
    assert response.status_code == 200
    return response.content


def _filled(template: bytes, fills: dict, extra_rows: list[dict] = ()) -> bytes:
    """The template with ``fills`` ((unit code, month) -> key -> value) typed into its
    rows, and ``extra_rows`` (key -> value) added below them."""
    book = load_workbook(io.BytesIO(template))
    sheet = book[SHEET_NAME]
    keys = [cell.value for cell in sheet[2]]
    for row in sheet.iter_rows(min_row=3):
        for key, value in fills.get((row[0].value, row[3].value), {}).items():
            row[keys.index(key)].value = value
    for values in extra_rows:
        sheet.append([values.get(key) for key in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _row_of(template: bytes, code: str, month: int) -> int:
    sheet = load_workbook(io.BytesIO(template))[SHEET_NAME]
    return next(
        r[0].row for r in sheet.iter_rows(min_row=3) if (r[0].value, r[3].value) == (code, month)
    )


def _import(organizer, unit, data: bytes, **options):
    return measures_import(user=organizer, org_unit_id=unit.pk, data=data, **options)


def _values(measure_return: MeasureReturn) -> dict[str, Decimal]:
    return {
        f"{figure.part.measure.code}.{figure.part.code}": figure.value
        for figure in MeasureFigure.objects.filter(measure_return=measure_return).select_related(
            "part__measure"
        )
    }


def _upload(client, unit, data: bytes, **fields):
    return client.post(
        reverse("measures_import", args=[unit.pk]),
        {"sheet": SimpleUploadedFile("returns.xlsx", data), **fields},
    )


# ---- the template -------------------------------------------------------------------


def test_the_template_has_a_row_for_each_month_of_each_unit_reported_for(client_of, org_tree):
    response = client_of.get(
        reverse("measures_import_template", args=[org_tree["central_a"].pk]), {"year": YEAR}
    )
    assert attachment_name(response) == f"措施月报导入模板-{org_tree['central_a'].name}-2025.xlsx"
    sheet = load_workbook(io.BytesIO(response.content))[SHEET_NAME]
    assert [cell.value for cell in sheet[1]][:4] == ["单位代码", "单位名称", "年份", "月份"]
    assert sheet["E1"].value == "枫桥经验调解室调解纠纷 · 调解成功"
    assert [cell.value for cell in sheet[2]][4:] == list(FIGURES)
    rows = [(row[0].value, row[2].value, row[3].value) for row in sheet.iter_rows(min_row=3)]
    # The organizer's two units (not the branch above, not branch B), twelve months each.
    assert rows == [("CSB-a", YEAR, m) for m in range(1, 13)] + [
        ("SB-a", YEAR, m) for m in range(1, 13)
    ]
    validated = {str(v.sqref): v.type for v in sheet.data_validations.dataValidation}
    assert validated["D3:D26"] == "whole"
    assert validated["E3:E26"] == "whole"
    assert validated["H3:H26"] == "decimal"  # the comfort fund's amount, in yuan


def test_a_downloaded_template_filled_in_and_uploaded_saves_the_returns(
    client_of, org_tree, organizer, django_capture_on_commit_callbacks
):
    template = _template(client_of, org_tree["central_a"])
    data = _filled(template, {("CSB-a", 3): FIGURES, ("SB-a", 4): FIGURES})
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client_of, org_tree["central_a"], data)
    job = Job.objects.get(kind=Job.Kind.MEASURES_IMPORT)
    assert response.url == reverse("job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.message == "2 monthly returns saved. No return was sent for review: they are drafts."
    march = MeasureReturn.objects.get(org_unit=org_tree["central_a"], month=dt.date(YEAR, 3, 1))
    assert march.status == MeasureReturn.Status.DRAFT
    assert _values(march)["comfort_fund.amount"] == Decimal("1500.50")
    assert _values(march)["roadside_nps.promoters"] == 90
    assert MeasureReturn.objects.filter(org_unit=org_tree["sub_a"]).count() == 1
    assert MeasureReturn.objects.count() == 2  # the empty months are no returns
    imported = AuditEntry.objects.get(action="campaigns.measure_return.imported")
    assert imported.data["returns_saved"] == 2
    assert not any(settings.MEDIA_ROOT.joinpath("imports").glob("*.xlsx"))  # upload removed
    page = client_of.get(response.url).content.decode()
    assert "2 monthly returns saved." in page
    assert reverse("measures_import", args=[org_tree["central_a"].pk]) in page


def test_saved_figures_are_in_the_template_and_upload_back_unchanged(
    client_of, org_tree, organizer
):
    template = _template(client_of, org_tree["central_a"])
    assert (
        _import(organizer, org_tree["central_a"], _filled(template, {("CSB-a", 3): FIGURES})).saved
        == 1
    )
    march = MeasureReturn.objects.get(month=dt.date(YEAR, 3, 1))
    services.measure_return_submit(
        user=organizer, return_id=march.pk, expected_version=march.version
    )
    again = _template(client_of, org_tree["central_a"])
    sheet = load_workbook(io.BytesIO(again))[SHEET_NAME]
    row = _row_of(again, "CSB-a", 3)
    assert [cell.value for cell in sheet[row]][4:] == list(FIGURES.values())
    result = _import(organizer, org_tree["central_a"], again)
    # The submitted month, as it was, is no change and no problem.
    assert (result.problems, result.saved, result.unchanged) == ([], 0, 1)
    assert MeasureReturn.objects.get(pk=march.pk).version == march.version + 1


def test_a_month_with_figures_of_a_measure_since_retired_uploads_back_unchanged(
    client_of, org_tree, organizer, catalogue
):
    template = _template(client_of, org_tree["central_a"])
    _import(organizer, org_tree["central_a"], _filled(template, {("CSB-a", 3): FIGURES}))
    march = MeasureReturn.objects.get(month=dt.date(YEAR, 3, 1))
    services.measure_return_submit(
        user=organizer, return_id=march.pk, expected_version=march.version
    )
    catalogue["comfort_fund"].active = False  # the template no longer has its columns
    catalogue["comfort_fund"].save()

    result = _import(organizer, org_tree["central_a"], _template(client_of, org_tree["central_a"]))

    assert (result.problems, result.saved, result.unchanged) == ([], 0, 1)
    # What the unit reported of the retired measure is kept.
    assert _values(march)["comfort_fund.amount"] == Decimal("1500.50")


def test_saving_a_draft_keeps_the_figures_of_a_measure_since_retired(
    org_tree, organizer, catalogue
):
    measure_return = services.measure_return_open(
        user=organizer, org_unit_id=org_tree["central_a"].pk, month=dt.date(YEAR, 3, 1)
    )
    payouts = catalogue["comfort_fund"].parts.get(code="payouts")
    amount = catalogue["comfort_fund"].parts.get(code="amount")
    measure_return = services.measure_return_save(
        user=organizer,
        return_id=measure_return.pk,
        expected_version=measure_return.version,
        figures={payouts.pk: 2, amount.pk: Decimal("10.00")},
    )
    catalogue["comfort_fund"].active = False
    catalogue["comfort_fund"].save()
    calls = catalogue["remote_diagnosis"].parts.get(code="calls")
    solved = catalogue["remote_diagnosis"].parts.get(code="solved_by_phone")

    services.measure_return_save(
        user=organizer,
        return_id=measure_return.pk,
        expected_version=measure_return.version,
        figures={calls.pk: 5, solved.pk: 1},
    )

    assert _values(measure_return) == {
        "comfort_fund.payouts": 2,
        "comfort_fund.amount": Decimal("10.00"),
        "remote_diagnosis.calls": 5,
        "remote_diagnosis.solved_by_phone": 1,
    }


# ---- every row or none --------------------------------------------------------------


def test_one_bad_cell_among_good_rows_saves_nothing_and_is_named(client_of, org_tree, organizer):
    template = _template(client_of, org_tree["central_a"])
    data = _filled(
        template,
        {
            ("CSB-a", 1): FIGURES,
            ("CSB-a", 2): FIGURES,
            ("SB-a", 5): FIGURES | {"mediation_cases.mediated": -1},
        },
    )
    result = _import(organizer, org_tree["central_a"], data)
    assert [(p.sheet, p.row, p.column, p.value, p.reason) for p in result.problems] == [
        (
            SHEET_NAME,
            _row_of(template, "SB-a", 5),
            "F 枫桥经验调解室调解纠纷 · 受理调解",
            "-1",
            "A figure cannot be negative.",
        )
    ]
    assert result.saved == 0
    assert not MeasureReturn.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="campaigns.measure_return").exists()


@pytest.mark.parametrize(
    ("changes", "key", "reason"),
    [
        (
            {"mediation_cases.resolved": -2},
            "mediation_cases.resolved",
            "A figure cannot be negative.",
        ),
        ({"comfort_fund.payouts": 2.5}, "comfort_fund.payouts", "Give a whole number."),
        ({"comfort_fund.amount": "1500.505"}, "comfort_fund.amount", "Give at most two decimals."),
        (
            {"mediation_cases.resolved": 11},
            "mediation_cases.resolved",
            "The part cannot be larger than the whole it is counted in.",
        ),
        (
            {"roadside_nps.passives": None},
            "roadside_nps.passives",
            "Give promoters, passives and detractors together (0 where there were none).",
        ),
        (
            {"remote_diagnosis.calls": "many"},
            "remote_diagnosis.calls",
            "Not a number: type the figure, such as 12 or 1500.50.",
        ),
        (
            {"remote_diagnosis.calls": "=40+7"},
            "remote_diagnosis.calls",
            "A formula: type the value itself.",
        ),
    ],
    ids=[
        "negative",
        "decimal-count",
        "three-decimals",
        "part-over-whole",
        "nps-part-missing",
        "text",
        "formula",
    ],
)
def test_a_bad_figure_is_refused_with_its_cell(
    client_of, org_tree, organizer, changes, key, reason
):
    template = _template(client_of, org_tree["central_a"])
    data = _filled(template, {("CSB-a", 1): FIGURES, ("CSB-a", 6): FIGURES | changes})
    result = _import(organizer, org_tree["central_a"], data)
    [problem] = result.problems
    column = list(FIGURES).index(key) + 5
    assert (problem.row, problem.column.split(" ")[0], problem.reason) == (
        _row_of(template, "CSB-a", 6),
        "ABCDEFGHIJKLMNOPQ"[column - 1],
        reason,
    )
    assert not MeasureReturn.objects.exists()


def test_full_width_digits_and_text_numbers_are_read(client_of, org_tree, organizer):
    template = _template(client_of, org_tree["central_a"])
    data = _filled(
        template,
        {
            ("CSB-a", 2): FIGURES
            | {"mediation_cases.resolved": "８", "comfort_fund.amount": "1,500.50"}
        },
    )
    assert _import(organizer, org_tree["central_a"], data).problems == []
    values = _values(MeasureReturn.objects.get())
    assert (values["mediation_cases.resolved"], values["comfort_fund.amount"]) == (
        8,
        Decimal("1500.5"),
    )


def _refusal(result):
    return [(p.row, p.column.split(" ", 1)[1], p.value, p.reason) for p in result.problems]


def test_a_unit_outside_the_users_report_scope_is_refused(client_of, org_tree, organizer):
    template = _template(client_of, org_tree["central_a"])
    # Branch A is above the organizer; branch B beside; "XX" is no unit at all.
    extra = [
        {"unit_code": code, "year": YEAR, "month": 1, **FIGURES} for code in ("BR-a", "CSB-b", "XX")
    ]
    data = _filled(template, {("CSB-a", 1): FIGURES}, extra)
    result = _import(organizer, org_tree["central_a"], data)
    reason = "No unit with this code that you report for here; keep the template's codes."
    assert _refusal(result) == [
        (27, "单位代码", "BR-a", reason),
        (28, "单位代码", "CSB-b", reason),
        (29, "单位代码", "XX", reason),
    ]
    assert not MeasureReturn.objects.exists()


def test_a_unit_below_is_refused_on_the_import_page_of_a_unit_beside_it(org_tree, organizer):
    headquarters = f.UserFactory()
    f.MembershipFactory(user=headquarters, org_unit=org_tree["hq"], role=Membership.Role.ORGANIZER)
    parts = list(services.typed_parts())
    rows = template_rows(user=headquarters, org_unit=org_tree["branch_a"], year=YEAR)
    data = _filled(measures_template_workbook(parts=parts, rows=rows), {("SB-a", 1): FIGURES})
    # Imported for branch B, the sheet's units of branch A are out of reach.
    result = _import(headquarters, org_tree["branch_b"], data)
    assert [p.value for p in result.problems] == ["SB-a"]
    assert _import(headquarters, org_tree["branch_a"], data).saved == 1


def test_a_unit_month_twice_is_refused(client_of, org_tree, organizer):
    template = _template(client_of, org_tree["central_a"])
    data = _filled(
        template,
        {("CSB-a", 1): FIGURES},
        [{"unit_code": "CSB-a", "year": YEAR, "month": 1, **FIGURES}],
    )
    result = _import(organizer, org_tree["central_a"], data)
    assert _refusal(result) == [
        (27, "月份", "1", f"Row {_row_of(template, 'CSB-a', 1)} has this unit's month already.")
    ]


def test_a_month_not_yet_begun_is_refused(client_of, org_tree, organizer):
    next_year = timezone.localdate().year + 1
    template = _template(client_of, org_tree["central_a"], year=next_year)
    data = _filled(template, {("CSB-a", 1): FIGURES})
    result = _import(organizer, org_tree["central_a"], data)
    assert _refusal(result) == [(3, "月份", "1", "A month that has not begun has no figures yet.")]
    assert not MeasureReturn.objects.exists()


@pytest.mark.parametrize("status", [MeasureReturn.Status.SUBMITTED, MeasureReturn.Status.APPROVED])
def test_a_month_already_submitted_or_approved_cannot_be_changed(
    client_of, org_tree, organizer, status
):
    f.MeasureReturnFactory(org_unit=org_tree["central_a"], month=dt.date(YEAR, 2, 1), status=status)
    template = _template(client_of, org_tree["central_a"])
    data = _filled(template, {("CSB-a", 1): FIGURES, ("CSB-a", 2): FIGURES})
    result = _import(organizer, org_tree["central_a"], data)
    label = MeasureReturn.Status(status).label
    assert _refusal(result) == [
        (4, "月份", "2", f"A {label} monthly return can no longer be changed.")
    ]
    assert MeasureReturn.objects.count() == 1  # January was not kept either


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("month", 13, "A month is 1 to 12."),
        ("month", None, "This column must be filled in."),
        ("year", "今年", "A whole number, such as 2025 or 3."),
    ],
)
def test_a_bad_year_or_month_is_refused(client_of, org_tree, organizer, key, value, reason):
    template = _template(client_of, org_tree["central_a"])
    data = _filled(
        template, {}, [{"unit_code": "CSB-a", "year": YEAR, "month": 1, **FIGURES, key: value}]
    )
    result = _import(organizer, org_tree["central_a"], data)
    assert [(p.row, p.column.split(" ", 1)[1], p.reason) for p in result.problems] == [
        (27, {"month": "月份", "year": "年份"}[key], reason)
    ]


def test_merged_cells_and_a_missing_column_are_refused(client_of, org_tree, organizer):
    template = _template(client_of, org_tree["central_a"])
    book = load_workbook(
        io.BytesIO(_filled(template, {("CSB-a", 1): FIGURES, ("CSB-a", 2): FIGURES}))
    )
    book[SHEET_NAME].merge_cells("E3:E4")
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(organizer, org_tree["central_a"], buffer.getvalue())
    assert [(p.row, p.value, p.reason) for p in result.problems] == [
        (3, "E3:E4", "Merged cells: unmerge them and fill in every row."),
        # Month 2's cell under the merge reads as empty: its whole has no part now.
        (4, "", "Give the part too (0 where there was none)."),
    ]
    book[SHEET_NAME].unmerge_cells("E3:E4")
    book[SHEET_NAME].delete_cols(6)
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(organizer, org_tree["central_a"], buffer.getvalue())
    assert [p.reason for p in result.problems] == [
        "The column “枫桥经验调解室调解纠纷 · 受理调解” is missing; download the template again."
    ]


def test_a_workbook_without_the_measures_sheet_is_refused_as_a_whole(organizer, org_tree):
    buffer = io.BytesIO()
    Workbook().save(buffer)
    [problem] = _import(organizer, org_tree["central_a"], buffer.getvalue()).problems
    assert (problem.sheet, problem.row) == ("", 0)
    assert problem.reason.startswith("No sheet of this workbook has the header row")


def test_a_month_returned_by_the_reviewer_takes_the_sheets_new_figures(
    client_of, org_tree, organizer
):
    returned = f.MeasureReturnFactory(
        org_unit=org_tree["central_a"],
        month=dt.date(YEAR, 2, 1),
        status=MeasureReturn.Status.RETURNED,
    )
    template = _template(client_of, org_tree["central_a"])
    data = _filled(template, {("CSB-a", 2): FIGURES})
    assert _import(organizer, org_tree["central_a"], data, submit=True).submitted == 1
    returned.refresh_from_db()
    assert returned.status == MeasureReturn.Status.SUBMITTED
    assert _values(returned)["remote_diagnosis.calls"] == 47


# ---- the submit option --------------------------------------------------------------


def test_the_rows_are_sent_for_review_only_when_asked(client_of, org_tree, organizer):
    template = _template(client_of, org_tree["central_a"])
    data = _filled(template, {("CSB-a", 1): FIGURES, ("SB-a", 1): FIGURES})
    result = _import(organizer, org_tree["central_a"], data)
    assert (result.saved, result.submitted) == (2, 0)
    assert set(MeasureReturn.objects.values_list("status", flat=True)) == {"draft"}
    result = _import(organizer, org_tree["central_a"], data, submit=True)
    # Unchanged drafts, sent as they are.
    assert (result.saved, result.unchanged, result.submitted) == (0, 2, 2)
    assert set(MeasureReturn.objects.values_list("status", flat=True)) == {"submitted"}


def test_the_submit_option_on_the_page_says_how_many_were_sent(
    client_of, org_tree, django_capture_on_commit_callbacks
):
    template = _template(client_of, org_tree["central_a"])
    data = _filled(template, {("CSB-a", 1): FIGURES, ("CSB-a", 2): FIGURES})
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_of, org_tree["central_a"], data, submit="on")
    job = Job.objects.get(kind=Job.Kind.MEASURES_IMPORT)
    assert job.message == "2 monthly returns saved. 2 returns sent for review."
    assert MeasureReturn.objects.filter(status=MeasureReturn.Status.SUBMITTED).count() == 2


# ---- the sheet handed back ----------------------------------------------------------


def test_a_refused_sheet_comes_back_marked_and_once_fixed_imports(
    client_of, org_tree, django_capture_on_commit_callbacks
):
    template = _template(client_of, org_tree["central_a"])
    bad = FIGURES | {"comfort_fund.payouts": 1.5}
    data = _filled(template, {("CSB-a", 1): FIGURES, ("CSB-a", 2): bad})
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_of, org_tree["central_a"], data)
    job = Job.objects.get(kind=Job.Kind.MEASURES_IMPORT)
    assert job.status == Job.Status.REFUSED
    assert job.problems == [
        {"row": 4, "column": "G 投诉安抚基金 · 支付笔数", "reason": "Give a whole number."}
    ]
    page = client_of.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "Give a whole number." in page
    assert not MeasureReturn.objects.exists()
    returned = client_of.get(reverse("job_download", args=[job.pk]))
    book = load_workbook(io.BytesIO(b"".join(returned.streaming_content)))
    assert book.sheetnames[0] == LISTING_NAME
    assert book[SHEET_NAME]["G4"].comment.text == "Give a whole number."
    book[SHEET_NAME]["G4"].value = 1
    buffer = io.BytesIO()
    book.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_of, org_tree["central_a"], buffer.getvalue())
    fixed = Job.objects.filter(kind=Job.Kind.MEASURES_IMPORT).latest("pk")
    assert fixed.status == Job.Status.SUCCEEDED
    assert MeasureReturn.objects.count() == 2


# ---- the pages ----------------------------------------------------------------------


def test_the_returns_list_leads_to_the_import_page_of_the_chosen_unit(client_of, org_tree):
    listing = client_of.get(reverse("measure_return_list")).content.decode()
    assert reverse("measures_import_start") in listing
    start = client_of.get(reverse("measures_import_start"))
    assert start.status_code == 200
    chosen = client_of.get(reverse("measures_import_start"), {"org_unit": org_tree["sub_a"].pk})
    assert chosen.url == reverse("measures_import", args=[org_tree["sub_a"].pk])
    page = client_of.get(chosen.url).content.decode()
    assert reverse("measures_import_template", args=[org_tree["sub_a"].pk]) in page
    beside = client_of.get(reverse("measures_import_start"), {"org_unit": org_tree["sub_b"].pk})
    assert beside.status_code == 200  # no choice of the form: the page again
