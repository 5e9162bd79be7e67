"""The sign-in sheet is read cell by cell the way the events sheet is (campaigns/imports/
sheets.py): the same cells refused for the same reasons, at their own column, and a sheet
read in full whatever size it claims."""

import io
import re
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from campaigns.imports.sheets import MAX_UPLOAD_BYTES
from campaigns.models import Job, SignIn
from campaigns.services import signins as services
from tests.services.test_signins import sheet

pytestmark = pytest.mark.django_db

GOOD = ("卓玛", "13812341234", "妇女", "是")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _import(world, data: bytes):
    return services.sign_ins_import(user=world.organizer, event_id=world.event.pk, data=data)


def _changed(data: bytes, change) -> bytes:
    book = load_workbook(io.BytesIO(data))
    change(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_error_value_is_a_problem_of_its_cell_not_a_name(world):
    def error(rows):
        rows["A2"].value = "#N/A"  # openpyxl writes it as an error cell

    result = _import(world, _changed(sheet(GOOD), error))

    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (2, "A 姓名", "An error value (#N/A): type the value itself.")
    ]
    assert not SignIn.objects.exists()


def test_a_formula_is_a_problem_of_its_own_column(world):
    def formula(rows):
        rows["D2"].value = '=IF(1,"是","否")'

    result = _import(world, _changed(sheet(GOOD), formula))

    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (2, "D 已同意（是/否）", "A formula: type the value itself.")
    ]


def test_text_that_looks_like_a_formula_is_text(world):
    def text(rows):
        rows["A2"].value, rows["A2"].data_type = "=卓玛", "s"

    result = _import(world, _changed(sheet(GOOD), text))

    assert result.saved, result.problems
    assert SignIn.objects.get().name == "=卓玛"


def test_a_sheet_claiming_a_smaller_size_is_read_in_full(world):
    """Some programs write a dimension of "A1" whatever the sheet holds."""
    data = sheet(GOOD, ("扎西", "13912341234", "农牧民", "是"))
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', body)
            archive.writestr(info.filename, body)

    result = _import(world, buffer.getvalue())

    assert (result.saved, result.created) == (True, 2)


def test_an_unknown_group_lists_the_groups_as_the_sheet_names_them(world):
    result = _import(world, sheet(("卓玛", "13812341234", "women folk", "是")))

    [problem] = result.problems
    assert (problem.column, problem.value) == ("C 受众类别", "women folk")
    assert "妇女" in problem.reason
    assert "women" not in problem.reason.replace("women folk", "")


def test_a_group_may_be_given_by_its_value(world):
    result = _import(world, sheet(("卓玛", "13812341234", "women", "是")))

    assert result.saved, result.problems
    assert SignIn.objects.get().audience_group == "women"


def test_the_template_heads_the_columns_the_import_reads(world):
    from campaigns.imports.sign_ins_sheet import sign_in_sheet_template

    template = load_workbook(io.BytesIO(sign_in_sheet_template())).active
    template.append(list(GOOD))
    buffer = io.BytesIO()
    template.parent.save(buffer)

    assert _import(world, buffer.getvalue()).created == 1


def test_a_name_is_kept_as_typed_as_the_form_keeps_it(world):
    result = _import(world, sheet(("卓玛（大）", "１３８１２３４１２３４", "妇女", "是")))

    assert result.saved, result.problems
    assert (SignIn.objects.get().name, SignIn.objects.get().phone) == ("卓玛（大）", "13812341234")


def _upload_page(client, world, page: str, data: bytes):
    """An upload to the sign-in list's import or the events import, as the organizer."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.organizer)
    upload = SimpleUploadedFile("list.xlsx", data)
    if page == "sign-ins":
        return client.post(
            reverse("event_sign_ins_import", args=[world.event.pk]), {"sheet": upload}
        )
    return client.post(
        reverse("events_import", args=[world.units["central_a"].pk]),
        {"campaign": world.campaign.pk, "sheet": upload},
    )


@pytest.mark.parametrize("page", ["sign-ins", "events"])
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"PK\x03\x04" + b"0" * MAX_UPLOAD_BYTES,
            "The file is larger than 10 MB; split the sheet.",
        ),
        (b"%PDF-1.4 renamed", "This is not an Excel workbook (.xlsx)."),
    ],
    ids=["too-large", "no-workbook"],
)
def test_both_imports_refuse_an_upload_at_its_field_in_the_same_words(
    client, world, page, data, reason
):
    response = _upload_page(client, world, page, data)

    assert response.context["form" if page == "events" else "sheet_form"].errors == {
        "sheet": [reason]
    }
    assert not SignIn.objects.exists()
    assert not Job.objects.exists()
