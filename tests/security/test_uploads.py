"""Uploaded files are taken for what they contain, not what they are called, and kept where
no URL serves them except views that check who asks (photos: tests/services/test_photos.py;
who may fetch which file: tests/security/test_access_matrix.py)."""

import io
import os
import subprocess
import sys
import zipfile

import pytest
from django.conf import settings
from django.utils import translation

from campaigns.models import SignIn
from campaigns.services import signins as services

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
