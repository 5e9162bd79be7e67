"""A print run's PDF kept on the S3-compatible test server, downloaded in Chromium from the
live portal: the portal checks the user, then sends the browser to a signed URL."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from campaigns.printing.jobs import print_run_filename
from tests import factories as f
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_print_runs_pdf_on_s3_downloads_under_its_name_in_the_browser(
    s3, live_server, phone_page, org_tree
):
    organizer = f.MembershipFactory(org_unit=org_tree["branch_a"]).user
    print_run = f.PrintRunFactory(org_unit=org_tree["branch_a"])
    print_run.pdf.save("print-run.pdf", ContentFile(b"%PDF-1.7 from the bucket"))
    sign_in(phone_page, live_server, organizer.username)
    phone_page.goto(f"{live_server.url}{reverse('print_run_detail', args=[print_run.pk])}")

    with phone_page.expect_download() as downloading:
        phone_page.click(f"a[href='{reverse('print_run_pdf', args=[print_run.pk])}']")

    download = downloading.value
    assert download.url.startswith(f"{s3.environ['STORAGE_S3_ENDPOINT_URL']}/{s3.bucket}/")
    assert "X-Amz-Signature=" in download.url
    assert download.suggested_filename == print_run_filename(print_run)
    with open(download.path(), "rb") as saved:
        assert saved.read() == b"%PDF-1.7 from the bucket"
