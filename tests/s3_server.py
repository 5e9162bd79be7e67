"""An S3-compatible server for the test session: moto's server mode in a process of its own
on a free port of 127.0.0.1, with a bucket made for the session, and settings that keep the
test's files there instead of on the local disk. Shared by tests/conftest.py."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from types import SimpleNamespace

import boto3
import pytest

from portal.settings.object_storage import default_storage_from

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"  # moto accepts any key
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: str, server: subprocess.Popen, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"moto's server stopped at start (exit code {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - our own local server
                return
        except urllib.error.HTTPError:
            return  # it answers, if only to say no
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto's server did not answer at {url} within {timeout} s")


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint URL of an S3-compatible server on 127.0.0.1, for the whole session."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(endpoint, server)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_environ(s3_server) -> dict[str, str]:
    """The STORAGE_S3_* variables of a bucket made for this session."""
    bucket = f"portal-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    client.create_bucket(Bucket=bucket)
    return {
        "STORAGE_S3_BUCKET": bucket,
        "STORAGE_S3_ENDPOINT_URL": s3_server,
        "STORAGE_S3_ACCESS_KEY": ACCESS_KEY,
        "STORAGE_S3_SECRET_KEY": SECRET_KEY,
        "STORAGE_S3_REGION": REGION,
        "STORAGE_S3_ADDRESSING_STYLE": "path",
    }


@pytest.fixture
def s3(settings, s3_environ, media_root):
    """Files of this test on the session's bucket, emptied first; ``stored_keys()`` lists it."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_environ["STORAGE_S3_ENDPOINT_URL"],
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    bucket = s3_environ["STORAGE_S3_BUCKET"]

    def stored_keys() -> list[str]:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    for key in stored_keys():
        client.delete_object(Bucket=bucket, Key=key)
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from(s3_environ)}
    yield SimpleNamespace(environ=s3_environ, stored_keys=stored_keys, client=client, bucket=bucket)
    # Nothing of the test went to the local disk instead.
    assert not [path for path in media_root.rglob("*") if path.is_file()]
