"""Uploaded files are taken for what they contain, not what they are called, and kept where
no URL serves them except views that check who asks (photos: tests/services/test_photos.py;
who may fetch which file: tests/security/test_access_matrix.py)."""

import io
import os
import re
import struct
import subprocess
import sys
import zipfile

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation
from openpyxl import Workbook, load_workbook

from campaigns.imports.sign_ins_sheet import HEADERS
from campaigns.models import Event, Job, SignIn
from campaigns.services import signins as services
from campaigns.services.jobs import job_execute
from tests.factories import JobFactory
from tests.imports.test_events_import import GOOD
from tests.imports.test_events_import import sheet as events_sheet

pytestmark = pytest.mark.django_db


def _import(world, data: bytes):
    with translation.override("zh-hans"):  # the organizer's language, as a request sets it
        return services.sign_ins_import(user=world.organizer, event_id=world.event.pk, data=data)


def test_a_sign_in_sheet_that_is_not_a_workbook_is_refused_saving_nothing(world):
    result = _import(world, b"%PDF-1.4 renamed to sign-ins.xlsx")

    assert not result.saved
    assert [problem.reason for problem in result.problems] == ["该文件不是 Excel 工作簿（.xlsx）。"]
    assert not SignIn.objects.exists()


def test_a_sign_in_sheet_that_unpacks_into_a_zip_bomb_is_refused_unopened(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (210 * 1024 * 1024))

    result = _import(world, buffer.getvalue())

    assert not result.saved
    assert "解压后远大于" in result.problems[0].reason
    assert not SignIn.objects.exists()


def test_uploads_may_not_be_kept_among_the_static_files():
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DJANGO_MEDIA_ROOT": str(settings.BASE_DIR / "static" / "uploads"),
    }
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert started.returncode != 0
    assert "DJANGO_MEDIA_ROOT must lie outside the static files folders." in started.stderr


# --- hostile workbooks: both imports refuse them with the same clear message ----------------


def _rewritten(data: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = change(body)
            archive.writestr(info.filename, body)
    return buffer.getvalue()


ENTITIES = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "lol">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)


def _entity_bomb(data: bytes) -> bytes:
    def change(body):
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", body)
        return ENTITIES + body.replace(b"</sheetData>", b"</sheetData><!-- &c; -->", 1)

    return _rewritten(data, change)


def _false_size(data: bytes) -> bytes:
    """The sheet padded to megabytes, while the archive says it holds 2,000 bytes."""
    padded = _rewritten(
        data, lambda body: body.replace(b"<sheetData>", b"<sheetData>" + b" " * 5_000_000, 1)
    )
    forged = bytearray(padded)
    at = forged.find(b"PK\x01\x02")
    while at >= 0:  # each entry of the central directory
        length = struct.unpack_from("<H", forged, at + 28)[0]
        if forged[at + 46 : at + 46 + length] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", forged, at + 24, 2_000)
        at = forged.find(b"PK\x01\x02", at + 4)
    return bytes(forged)


def _no_workbook(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "a zip, but no workbook in it")
    return buffer.getvalue()


def _not_a_number(data: bytes) -> bytes:
    """A number cell holding "nan": openpyxl cannot read it as one."""
    return _rewritten(data, lambda body: re.sub(rb"<v>\d+</v>", b"<v>nan</v>", body, count=1))


HOSTILE = {
    "entity-bomb": _entity_bomb,
    "false-zip-size": _false_size,
    "zip-without-workbook": _no_workbook,
    "number-that-is-none": _not_a_number,
}
REFUSAL = "该文件不是 Excel 工作簿（.xlsx）。"


def _sign_in_sheet() -> bytes:
    book = Workbook()
    book.active.append(HEADERS)
    book.active.append(["央金", 13912345678, "妇女", "是"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_sign_in_sheet_is_refused_saving_nothing(world, hostile):
    assert _import(world, _sign_in_sheet()).saved  # the sheet itself is fine
    SignIn.objects.all().delete()

    result = _import(world, hostile(_sign_in_sheet()))

    assert [problem.reason for problem in result.problems] == [REFUSAL]
    assert not SignIn.objects.exists()


def _events_import_job(world, data: bytes) -> Job:
    upload = default_storage.save("imports/hostile.xlsx", ContentFile(data))
    job = JobFactory(
        kind=Job.Kind.EVENTS_IMPORT,
        owner=world.organizer,
        org_unit=world.units["central_a"],
        language="zh-hans",
        params={"upload": upload, "campaign_id": world.campaign.pk},
    )
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_events_sheet_ends_the_import_with_the_same_refusal(world, hostile):
    events = Event.objects.count()

    job = _events_import_job(world, hostile(events_sheet(GOOD)))

    assert (job.status, job.error_code) == (Job.Status.REFUSED, "")
    listing = load_workbook(job.result.path)["问题清单"]
    assert [row[4] for row in listing.iter_rows(min_row=2, values_only=True)] == [REFUSAL]
    assert Event.objects.count() == events


def test_a_number_beyond_any_count_in_the_events_sheet_is_a_problem_of_its_row(world):
    data = _rewritten(
        events_sheet(GOOD), lambda body: re.sub(rb"<v>35</v>", b"<v>1E400</v>", body, count=1)
    )

    job = _events_import_job(world, data)

    assert (job.status, job.error_code) == (Job.Status.REFUSED, "")
    listing = load_workbook(job.result.path)["问题清单"]
    assert [row[1] for row in listing.iter_rows(min_row=2, values_only=True)] == [3]
    assert not Event.objects.filter(external_ref=GOOD["external_ref"]).exists()
