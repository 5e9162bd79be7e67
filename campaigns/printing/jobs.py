"""The job that renders a print run's PDF: once per run, whatever the number of copies."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from campaigns.exporters.filenames import download_filename
from campaigns.models import Job, PrintRun
from campaigns.printing.pipeline import edition_pdf
from campaigns.services.jobs import JobResult, ProgressCallback, job_runner
from campaigns.services.print_runs import print_run_pdf_store
from portal.access import visible_to


def public_url(print_run: PrintRun) -> str:
    """The address of the edition's public page, as printed in the QR code and beside it."""
    path = reverse("edition_public", args=[print_run.edition.public_token])
    return settings.PORTAL_PUBLIC_URL.rstrip("/") + path


def print_run_filename(print_run: PrintRun) -> str:
    """The PDF's name: the handout's title in full, its edition and its paper size."""
    edition = print_run.edition
    return download_filename(
        edition.material.title_zh,
        f"第{edition.number}版",
        print_run.paper_size,
        extension="pdf",
    )


@job_runner(Job.Kind.PRINT_RUN)
def print_run_render(job: Job, progress: ProgressCallback) -> JobResult:
    """The print-ready PDF of the run's edition, stored on the print run and as the job's file."""
    # Re-scoped to the job's owner: a run they may no longer see is not rendered.
    print_run = (
        visible_to(job.owner, PrintRun)
        .select_related("edition__material__org_unit", "org_unit")
        .get(pk=job.params["print_run_id"])
    )
    with override(job.language):
        progress(10, _("Laying out the handout"))
    # The copies are the printer's business: the document is rendered once.
    pdf = edition_pdf(
        edition=print_run.edition,
        paper_size=print_run.paper_size,
        layout=print_run.layout,
        bleed=print_run.bleed,
        crop_marks=print_run.crop_marks,
        # The ordering unit's own contact line; a unit without one prints none.
        contact_line=print_run.org_unit.contact_line,
        public_url=public_url(print_run),
    )
    with override(job.language):
        progress(90, _("Storing the PDF"))
        summary = pdf.summary()
    filename = print_run_filename(print_run)
    # Safe to run twice: a second attempt replaces the first one's file.
    print_run_pdf_store(
        user=job.owner, print_run_id=print_run.pk, filename=filename, content=pdf.content
    )
    return JobResult(filename=filename, content=pdf.content, summary=summary)
