"""Partners, handouts, print runs and jobs through the API, each within the user's scope."""

import pytest

from campaigns.models import Job, MaterialEdition, Membership, PrintRun
from tests import factories as f
from tests.api.clients import signed_in_api
from tests.printing.conftest import leaflet_edition

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_tree):
    def member(unit, role=Membership.Role.ORGANIZER):
        return f.MembershipFactory(org_unit=org_tree[unit], role=role).user

    return {
        "organizer_a": member("branch_a"),
        "organizer_b": member("branch_b"),
        "translator_a": member("branch_a", Membership.Role.TRANSLATOR),
    }


def test_partners_of_other_branches_are_not_listed(org_tree, people):
    mine = f.PartnerFactory(org_unit=org_tree["branch_a"], name="四川省妇幼保健院")
    theirs = f.PartnerFactory(org_unit=org_tree["branch_b"], name="湖南省妇幼保健院")
    client = signed_in_api(people["organizer_a"])
    names = [row["name"] for row in client.get("/api/v1/partners/").json()["results"]]
    assert names == [mine.name]
    assert client.get(f"/api/v1/partners/{theirs.pk}/").status_code == 404


def test_a_material_lists_only_its_approved_editions_with_their_text(org_tree, people):
    approved = leaflet_edition(org_tree["hq"])
    f.MaterialEditionFactory(
        material=approved.material, number=4, status=MaterialEdition.Status.DRAFT
    )
    body = (
        signed_in_api(people["organizer_b"])
        .get(f"/api/v1/materials/{approved.material.pk}/editions/")
        .json()
    )
    assert [edition["number"] for edition in body] == [3]
    assert body[0]["blocks"][0]["text_zh"] == "金融消费者八项基本权利"
    assert body[0]["blocks"][0]["text_bo"].startswith("དངུལ་")


def test_organizer_orders_a_print_run_and_follows_its_job(
    org_tree, people, django_capture_on_commit_callbacks
):
    edition = leaflet_edition(org_tree["hq"])
    client = signed_in_api(people["organizer_a"])
    order = {
        "edition": edition.pk,
        "org_unit": org_tree["branch_a"].pk,
        "paper_size": "A5",
        "layout": "side_by_side",
        "copies": 500,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/print-runs/", order, format="json")
    assert response.status_code == 201, response.json()
    print_run = PrintRun.objects.get(pk=response.json()["id"])
    job = client.get(f"/api/v1/jobs/{print_run.job_id}/").json()
    assert job["status"] == Job.Status.SUCCEEDED
    assert job["progress"] == 100
    assert client.get(f"/api/v1/print-runs/{print_run.pk}/").json()["pdf_ready"] is True


def test_too_many_copies_are_refused_next_to_the_field(org_tree, people):
    edition = leaflet_edition(org_tree["hq"])
    response = signed_in_api(people["organizer_a"]).post(
        "/api/v1/print-runs/",
        {
            "edition": edition.pk,
            "org_unit": org_tree["branch_a"].pk,
            "paper_size": "A5",
            "layout": "side_by_side",
            "copies": 10_000_000,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "copies" in response.json()
    assert not PrintRun.objects.exists()


def test_a_translator_may_not_order_a_print_run(org_tree, people):
    edition = leaflet_edition(org_tree["hq"])
    response = signed_in_api(people["translator_a"]).post(
        "/api/v1/print-runs/",
        {
            "edition": edition.pk,
            "org_unit": org_tree["branch_a"].pk,
            "paper_size": "A5",
            "layout": "side_by_side",
            "copies": 10,
        },
        format="json",
    )
    assert response.status_code == 403


def test_another_branchs_print_run_is_404(org_tree, people):
    run = f.PrintRunFactory(edition=leaflet_edition(org_tree["hq"]), org_unit=org_tree["branch_a"])
    assert (
        signed_in_api(people["organizer_b"]).get(f"/api/v1/print-runs/{run.pk}/").status_code == 404
    )


def test_jobs_are_their_owners_only(org_tree, people):
    job = f.JobFactory(owner=people["organizer_a"], org_unit=org_tree["branch_a"])
    assert signed_in_api(people["organizer_a"]).get(f"/api/v1/jobs/{job.pk}/").status_code == 200
    assert signed_in_api(people["translator_a"]).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
