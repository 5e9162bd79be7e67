"""Which storage the settings choose: the local disk unless STORAGE_S3_* names a whole
S3-compatible service; half a service stops the portal at start."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.settings.object_storage import LOCAL_DISK, REQUIRED, default_storage_from

WHOLE = {
    "STORAGE_S3_BUCKET": "portal-files",
    "STORAGE_S3_ENDPOINT_URL": "https://oss-cn-chengdu.aliyuncs.com",
    "STORAGE_S3_ACCESS_KEY": "key",
    "STORAGE_S3_SECRET_KEY": "secret",
    "STORAGE_S3_REGION": "oss-cn-chengdu",
}


def test_without_s3_variables_files_stay_on_the_local_disk():
    assert default_storage_from({}) == LOCAL_DISK
    assert default_storage_from({"STORAGE_S3_BUCKET": "  "}) == LOCAL_DISK


def test_a_whole_s3_service_selects_django_storages_with_private_signed_files():
    storage = default_storage_from(WHOLE)
    options = storage["OPTIONS"]

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "portal-files",
        "https://oss-cn-chengdu.aliyuncs.com",
        "oss-cn-chengdu",
    )
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 300
    assert options["custom_domain"] is None
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False
    assert options["client_config"].s3 == {"addressing_style": "virtual"}
    assert options["client_config"].signature_version == "s3v4"


def test_the_addressing_style_and_link_lifetime_come_from_the_environment():
    options = default_storage_from(
        WHOLE | {"STORAGE_S3_ADDRESSING_STYLE": "path", "STORAGE_S3_SIGNED_URL_SECONDS": "60"}
    )["OPTIONS"]
    assert options["client_config"].s3 == {"addressing_style": "path"}
    assert options["querystring_expire"] == 60


@pytest.mark.parametrize("missing", REQUIRED)
def test_a_half_configured_s3_service_is_refused(missing):
    environ = {name: value for name, value in WHOLE.items() if name != missing}
    with pytest.raises(ImproperlyConfigured, match=missing):
        default_storage_from(environ)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STORAGE_S3_ADDRESSING_STYLE", "auto"),
        ("STORAGE_S3_SIGNED_URL_SECONDS", "0"),
        ("STORAGE_S3_SIGNED_URL_SECONDS", "86400"),
        ("STORAGE_S3_SIGNED_URL_SECONDS", "five minutes"),
    ],
)
def test_a_wrong_s3_setting_is_refused(variable, value):
    with pytest.raises(ImproperlyConfigured, match=variable):
        default_storage_from(WHOLE | {variable: value})


def _manage(*arguments: str, **environ: str) -> subprocess.CompletedProcess:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("STORAGE_")}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=clean | {"DJANGO_SETTINGS_MODULE": "portal.settings"} | environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "a-production-secret-key-for-this-test-only-0123456789-abcdefgh",
    "DJANGO_ALLOWED_HOSTS": "portal.example.cn",
    "PORTAL_PUBLIC_URL": "https://portal.example.cn",
}


def test_production_without_s3_keeps_files_on_the_local_disk():
    shown = _manage(
        "shell", "-c",
        "from django.conf import settings; print(settings.SECURE_HSTS_SECONDS, settings.STORAGES)",
        **PRODUCTION,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    hsts, storages = shown.stdout.strip().splitlines()[-1].split(" ", 1)
    assert hsts == "31536000"  # the production settings indeed
    assert "'default': {'BACKEND': 'django.core.files.storage.FileSystemStorage'}" in storages


def test_production_with_a_bucket_but_no_endpoint_or_keys_stops_at_start():
    started = _manage("check", **PRODUCTION, STORAGE_S3_BUCKET="portal-files")

    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert "STORAGE_S3_ENDPOINT_URL" in started.stderr
