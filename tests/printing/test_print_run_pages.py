"""The print run pages: who may order, see and download what."""

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation

from campaigns.models import MaterialEdition, PrintRun
from tests.downloads import attachment_name
from tests.factories import PrintRunFactory
from tests.printing.conftest import leaflet_edition
from tests.printing.pdf_tools import pdf_page_count

ORDER = {
    "paper_size": "A5",
    "layout": "side_by_side",
    "copies": "500",
    "delivery_note": "送营业部",
}


def signed_in(client, user):
    """Sign ``user`` in, with English as their interface language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def rendered_run(unit, edition) -> PrintRun:
    print_run = PrintRunFactory(edition=edition, org_unit=unit)
    print_run.pdf.save("leaflet.pdf", ContentFile(b"%PDF-1.7"), save=True)
    return print_run


def test_organizer_orders_and_lands_on_the_job_page(
    client, printing, django_capture_on_commit_callbacks
):
    client = signed_in(client, printing.organizer)
    url = reverse("print_run_order", args=[printing.edition.pk])
    assert client.get(url).status_code == 200
    data = ORDER | {"org_unit": printing.tree["branch_a"].pk}
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, data)
    print_run = PrintRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("job_detail", args=[print_run.job_id])


READY = {
    "en": ("The print run was ordered.", "PDF ready: {pages} page{s}, {size}."),
    "zh-hans": ("印制批次已下单。", "PDF 已生成：共 {pages} 页，{size}。"),
}


@pytest.mark.parametrize("language", READY)
def test_an_order_run_in_process_lands_on_its_finished_pdf_not_on_a_bar(
    client, printing, tmp_path, django_capture_on_commit_callbacks, language
):
    """With the jobs run in-process (the embedded default) the PDF is made within the click."""
    client = signed_in(client, printing.organizer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    data = ORDER | {"org_unit": printing.tree["branch_a"].pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("print_run_order", args=[printing.edition.pk]), data)
    page = client.get(response.url).content.decode()

    print_run = PrintRun.objects.get()
    pdf = tmp_path / "run.pdf"
    pdf.write_bytes(print_run.pdf.read())
    with translation.override(language):
        size = filesizeformat(pdf.stat().st_size)
    ordered, ready = READY[language]
    pages = pdf_page_count(pdf)
    assert ordered in page
    assert ready.format(pages=pages, s="" if pages == 1 else "s", size=size) in page
    assert "<progress" not in page
    assert "being made" not in page
    assert f'href="{reverse("print_run_detail", args=[print_run.pk])}"' in page
    assert reverse("job_download", args=[print_run.job_id]) in page


def test_a_translator_cannot_order(client, printing):
    client = signed_in(client, printing.translator)
    response = client.get(reverse("print_run_order", args=[printing.edition.pk]))
    assert response.status_code == 403


def test_an_unapproved_edition_is_refused_with_a_message(client, printing, org_tree):
    draft = leaflet_edition(
        org_tree["hq"],
        material=printing.edition.material,
        number=4,
        status=MaterialEdition.Status.TRANSLATED,
    )
    client = signed_in(client, printing.organizer)
    data = ORDER | {"org_unit": org_tree["branch_a"].pk}
    response = client.post(reverse("print_run_order", args=[draft.pk]), data)
    assert response.status_code == 200
    assert "Only an approved edition can be printed." in response.content.decode()
    assert not PrintRun.objects.exists()


def test_too_many_copies_are_refused_next_to_the_field(client, printing, org_tree):
    client = signed_in(client, printing.organizer)
    data = ORDER | {"org_unit": org_tree["branch_a"].pk, "copies": "100001"}
    response = client.post(reverse("print_run_order", args=[printing.edition.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["copies"]
    assert 'value="100001"' in response.content.decode()


@pytest.mark.parametrize("name", ["print_run_detail", "print_run_pdf"])
def test_another_branchs_print_run_is_404(client, printing, org_tree, name):
    print_run = rendered_run(org_tree["branch_b"], printing.edition)
    client = signed_in(client, printing.organizer)
    assert client.get(reverse(name, args=[print_run.pk])).status_code == 404


def test_pdf_downloads_as_an_attachment(client, printing, org_tree):
    print_run = rendered_run(org_tree["branch_a"], printing.edition)
    response = signed_in(client, printing.organizer).get(
        reverse("print_run_pdf", args=[print_run.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.7"


def test_pdf_downloads_named_for_the_handout_in_full(client, printing, org_tree):
    material = printing.edition.material
    material.title_zh = "金融消费者八项基本权利：保护您的财产安全/信息安全"
    material.save()
    print_run = rendered_run(org_tree["branch_a"], printing.edition)
    response = signed_in(client, printing.organizer).get(
        reverse("print_run_pdf", args=[print_run.pk])
    )
    assert attachment_name(response) == (
        f"金融消费者八项基本权利：保护您的财产安全_信息安全-第{printing.edition.number}版"
        f"-{print_run.paper_size}.pdf"
    )


def test_pdf_not_yet_rendered_is_404(client, printing, org_tree):
    print_run = PrintRunFactory(edition=printing.edition, org_unit=org_tree["branch_a"])
    response = signed_in(client, printing.organizer).get(
        reverse("print_run_pdf", args=[print_run.pk])
    )
    assert response.status_code == 404


def test_list_shows_only_visible_runs(client, printing, org_tree):
    rendered_run(org_tree["branch_a"], printing.edition)
    rendered_run(org_tree["branch_b"], printing.edition)
    response = signed_in(client, printing.organizer).get(reverse("print_run_list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
