"""Ordering print runs, rendering them once, and the stock they make."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from campaigns.models import AuditEntry, Event, Job, MaterialEdition, PrintRun
from campaigns.pdf import RenderedPdf
from campaigns.printing import jobs as print_jobs
from campaigns.selectors.print_runs import material_stock, print_runs_context
from campaigns.services.jobs import job_execute
from campaigns.services.print_runs import print_run_order
from tests.factories import EventFactory, MaterialUseFactory, PrintRunFactory
from tests.printing.conftest import leaflet_edition
from tests.printing.pdf_tools import page_pngs, pdf_text, without_whitespace


def order(printing, *, user=None, edition=None, copies=500, org_unit=None):
    return print_run_order(
        user=user or printing.organizer,
        edition=edition or printing.edition,
        org_unit=org_unit or printing.tree["branch_a"],
        paper_size="A5",
        layout="side_by_side",
        copies=copies,
        bleed=True,
        crop_marks=True,
        delivery_note="送红原县支行营业部",
    )


def test_order_records_the_run_and_queues_its_job(printing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        print_run = order(printing)
    assert print_run.job.kind == Job.Kind.PRINT_RUN
    assert print_run.job.params == {"print_run_id": print_run.pk}
    assert print_run.ordered_by == printing.organizer
    assert AuditEntry.objects.filter(
        action="campaigns.printrun.ordered", object_id=str(print_run.pk)
    ).exists()


def test_an_unapproved_edition_is_refused(printing, org_tree):
    draft = leaflet_edition(
        org_tree["hq"],
        material=printing.edition.material,
        number=4,
        status=MaterialEdition.Status.REVIEWED,
    )
    with pytest.raises(ValidationError) as refused:
        order(printing, edition=draft)
    assert "edition" in refused.value.message_dict
    assert not PrintRun.objects.exists()


@pytest.mark.parametrize("copies", [0, 100_001])
def test_copies_outside_1_to_100000_are_refused(printing, copies):
    with pytest.raises(ValidationError) as refused:
        order(printing, copies=copies)
    assert "copies" in refused.value.message_dict


def test_a_translator_may_not_order(printing):
    with pytest.raises(PermissionDenied):
        order(printing, user=printing.translator)


def test_an_organizer_may_not_order_for_another_branch(printing, org_tree):
    with pytest.raises(PermissionDenied):
        order(printing, org_unit=org_tree["branch_b"])


def test_500_copies_render_the_document_once(
    printing, monkeypatch, django_capture_on_commit_callbacks
):
    renders = []

    def counted(**options):
        renders.append(options)
        return RenderedPdf(content=b"%PDF-1.7 one document", pages=1)

    monkeypatch.setattr(print_jobs, "edition_pdf", counted)
    with django_capture_on_commit_callbacks(execute=True):
        print_run = order(printing, copies=500)
    print_run.refresh_from_db()
    job = Job.objects.get(pk=print_run.job_id)
    assert len(renders) == 1
    assert job.status == Job.Status.SUCCEEDED
    assert job.progress == 100
    assert print_run.pdf.read() == b"%PDF-1.7 one document"
    assert renders[0]["bleed"]
    assert renders[0]["crop_marks"]
    assert renders[0]["public_url"].endswith(f"/h/{printing.edition.public_token}/")


def test_the_stored_pdf_is_in_the_audit_log_once_per_rendering(
    printing, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        print_jobs, "edition_pdf", lambda **options: RenderedPdf(content=b"%PDF-1.7", pages=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        print_run = order(printing)
    job = Job.objects.get(pk=print_run.job_id)
    # Run again (a duplicate delivery of a job already taken back): one file, two renderings.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, finished_at=None)
    job_execute(job_id=job.pk, task_id="again")

    rendered = AuditEntry.objects.filter(
        action="campaigns.printrun.rendered", object_id=str(print_run.pk)
    ).order_by("pk")
    assert [(entry.actor, entry.data["bytes"]) for entry in rendered] == [
        (printing.organizer, 8),
        (printing.organizer, 8),
    ]
    print_run.refresh_from_db()
    assert print_run.pdf.read() == b"%PDF-1.7"
    folder = print_run.pdf.name.rsplit("/", 1)[0]
    assert len(print_run.pdf.storage.listdir(folder)[1]) == 1


def test_the_job_stores_a_real_pdf_on_the_print_run(printing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        print_run = order(printing)
    print_run.refresh_from_db()
    assert print_run.pdf.read().startswith(b"%PDF")
    assert Job.objects.get(pk=print_run.job_id).result.name.endswith(".pdf")


def test_stock_is_printed_minus_handed_out_per_unit(printing, org_tree, django_assert_num_queries):
    edition = printing.edition
    for copies in (500, 300):
        PrintRunFactory(edition=edition, org_unit=org_tree["branch_a"], copies=copies)
    PrintRunFactory(edition=edition, org_unit=org_tree["central_a"], copies=200)
    MaterialUseFactory(
        edition=edition, event=EventFactory(org_unit=org_tree["branch_a"]), copies=120
    )
    MaterialUseFactory(
        edition=edition, event=EventFactory(org_unit=org_tree["central_a"]), copies=50
    )
    MaterialUseFactory(
        edition=edition,
        event=EventFactory(org_unit=org_tree["central_a"], status=Event.Status.CANCELLED),
        copies=70,
    )
    # Another branch's copies are not the organizer's to see.
    PrintRunFactory(edition=edition, org_unit=org_tree["branch_b"], copies=999)

    printing.organizer._access_scope = None
    rows = material_stock(user=printing.organizer, material=edition.material)  # warms scope
    with django_assert_num_queries(1):
        rows = material_stock(user=printing.organizer, material=edition.material)
    assert [(r.org_unit.code, r.printed, r.handed_out, r.stock) for r in rows] == [
        ("BR-a", 800, 120, 680),
        ("CSB-a", 200, 50, 150),
    ]


def test_stock_box_context_offers_the_approved_edition(printing):
    context = print_runs_context(user=printing.organizer, material=printing.edition.material)
    assert context["approved_edition"] == printing.edition
    assert context["may_order"] is True
    assert (
        print_runs_context(user=printing.translator, material=printing.edition.material)[
            "may_order"
        ]
        is False
    )


def _rendered_run(printing, django_capture_on_commit_callbacks) -> PrintRun:
    with django_capture_on_commit_callbacks(execute=True):
        print_run = order(printing)
    print_run.refresh_from_db()
    return print_run


def test_the_printed_qr_code_opens_the_public_page_at_the_portals_address(
    printing, settings, django_capture_on_commit_callbacks, tmp_path
):
    import zxingcpp
    from PIL import Image

    settings.PORTAL_PUBLIC_URL = "https://outreach.example.cn/"
    print_run = _rendered_run(printing, django_capture_on_commit_callbacks)
    path = tmp_path / "run.pdf"
    path.write_bytes(print_run.pdf.read())
    public_page = "https://outreach.example.cn" + reverse(
        "edition_public", args=[printing.edition.public_token]
    )
    codes = [
        code.text
        for png in page_pngs(path, tmp_path / "page", dpi=100)
        for code in zxingcpp.read_barcodes(Image.open(png))
    ]
    assert codes == [public_page]
    # The same address, to type, beside it.
    assert public_page.removeprefix("https://").rstrip("/") in without_whitespace(pdf_text(path))


def test_the_footer_holds_the_ordering_units_contact_line(
    printing, django_capture_on_commit_callbacks, tmp_path
):
    unit = printing.tree["branch_a"]
    unit.contact_line = "甲分公司 · 咨询电话 0837-1234567"
    unit.save()
    path = tmp_path / "run.pdf"
    path.write_bytes(_rendered_run(printing, django_capture_on_commit_callbacks).pdf.read())
    assert "甲分公司·咨询电话0837-1234567" in without_whitespace(pdf_text(path))


def test_a_unit_without_a_contact_line_prints_none(
    printing, django_capture_on_commit_callbacks, tmp_path
):
    unit = printing.tree["branch_a"]
    unit.contact_line = ""
    unit.name = "甲分公司"
    unit.save()
    path = tmp_path / "run.pdf"
    path.write_bytes(_rendered_run(printing, django_capture_on_commit_callbacks).pdf.read())
    text = without_whitespace(pdf_text(path))
    assert "甲分公司" not in text  # not its name in place of a contact line either
    assert "第3版/edition3" in text
