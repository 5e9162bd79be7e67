"""Where uploads, photos, PDFs and job results are kept: the local disk, or an S3-compatible
object storage service (AWS S3, Aliyun OSS, Tencent COS, Huawei OBS, MinIO) when the
STORAGE_S3_* variables name one. See base.py's docstring for the variables.
"""

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

LOCAL_DISK = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# All of these, or none: a half-configured service must stop the portal, never leave it
# writing to a local disk that the other processes cannot read.
REQUIRED = (
    "STORAGE_S3_BUCKET",
    "STORAGE_S3_ENDPOINT_URL",
    "STORAGE_S3_ACCESS_KEY",
    "STORAGE_S3_SECRET_KEY",
    "STORAGE_S3_REGION",
)
OPTIONAL = ("STORAGE_S3_ADDRESSING_STYLE", "STORAGE_S3_SIGNED_URL_SECONDS")
ADDRESSING_STYLES = ("path", "virtual")


def _value(environ: Mapping[str, str], name: str) -> str:
    return environ.get(name, "").strip()


def default_storage_from(environ: Mapping[str, str]) -> dict:
    """STORAGES["default"] for these environment variables: the local disk unless they name
    an S3-compatible service, which must then be named in full."""
    given = [name for name in (*REQUIRED, *OPTIONAL) if _value(environ, name)]
    if not given:
        return LOCAL_DISK
    missing = [name for name in REQUIRED if not _value(environ, name)]
    if missing:
        raise ImproperlyConfigured(
            f"{', '.join(given)} set but {', '.join(missing)} not: set all of "
            f"{', '.join(REQUIRED)} to keep files on S3-compatible storage, or none of them "
            "to keep them on the local disk."
        )
    addressing_style = _value(environ, "STORAGE_S3_ADDRESSING_STYLE") or "virtual"
    if addressing_style not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"STORAGE_S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)}, "
            f"not {addressing_style!r}."
        )
    try:
        signed_url_seconds = int(_value(environ, "STORAGE_S3_SIGNED_URL_SECONDS") or "300")
    except ValueError:
        signed_url_seconds = 0
    if not 1 <= signed_url_seconds <= 3600:
        raise ImproperlyConfigured("STORAGE_S3_SIGNED_URL_SECONDS must be 1 to 3600.")
    # Imported here: a portal on its local disk does not need botocore loaded.
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _value(environ, "STORAGE_S3_BUCKET"),
            "endpoint_url": _value(environ, "STORAGE_S3_ENDPOINT_URL"),
            "access_key": _value(environ, "STORAGE_S3_ACCESS_KEY"),
            "secret_key": _value(environ, "STORAGE_S3_SECRET_KEY"),
            "region_name": _value(environ, "STORAGE_S3_REGION"),
            # Every file is private: read through the portal, which checks who asks, or
            # through a URL it signed for them that expires after this many seconds.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": signed_url_seconds,
            # With a custom domain django-storages hands out unsigned URLs: never for
            # files that are only some users' to read.
            "custom_domain": None,
            # Two files given the same name (two print runs of one edition) are kept apart,
            # as on the local disk; a job that replaces its own file deletes it first.
            "file_overwrite": False,
            # A file the portal reads (a streamed download, an import sheet) is held in
            # memory up to this size and on the temporary disk beyond; 0 would mean never.
            "max_memory_size": 8 * 1024 * 1024,
            # Given a client_config, django-storages ignores its own addressing_style and
            # signature_version options: they are set here. Checksums only where S3 requires
            # them: several compatible services refuse the newer checksum headers that
            # boto3 otherwise sends with every upload.
            "client_config": Config(
                s3={"addressing_style": addressing_style},
                signature_version="s3v4",
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        },
    }
