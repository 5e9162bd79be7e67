"""Rules the models and services hold (no form repeats them) are shown at the field they are
about, as the form's own checks are: in the summary of problems with a link to that box, and
beside the box, with what was typed kept."""

import re

import pytest
from django.urls import reverse

from campaigns.models import CampaignTarget, Event, PartnerService
from tests import factories as f

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    assert html.count("data-error-summary") == 1
    return html.split("data-error-summary", 1)[1].split("</div>", 1)[0]


def _targets(summary: str) -> list[str]:
    return re.findall(r'href="#([^"]+)"', summary)


def _report_post(event, **overrides):
    data = {
        "version": event.version,
        "head_count": "80",
        "audience_farmers_herders": "60",
        "summary": "",
        "handouts-TOTAL_FORMS": "0",
        "handouts-INITIAL_FORMS": "0",
        "services-TOTAL_FORMS": "2",
        "services-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def _service_row(index: int, partner, **values) -> dict:
    return {
        f"services-{index}-partner": str(partner.pk),
        **{f"services-{index}-{name}": str(value) for name, value in values.items()},
    }


@pytest.fixture
def reporting(client, world):
    client.force_login(world.organizer)
    return client


def test_matters_resolved_beyond_those_raised_are_refused_at_that_box(reporting, world):
    Event.objects.filter(pk=world.event.pk).update(format="gm_reception_day")
    world.event.refresh_from_db()

    response = reporting.post(
        reverse("event_report", args=[world.event.pk]),
        _report_post(world.event, matters_raised="3", matters_resolved="5"),
    )

    summary = _summary(response.text)
    assert "No more matters can be resolved than were raised." in summary
    assert _targets(summary) == ["id_matters_resolved"]
    assert 'value="5"' in response.text
    world.event.refresh_from_db()
    assert world.event.matters_resolved is None


def test_more_referred_than_screened_is_refused_at_that_rows_box(reporting, world):
    hospital = f.PartnerFactory(org_unit=world.units["central_a"])
    # The first row is blank: the refusal still finds the row that typed the service.
    row = _service_row(
        1,
        hospital,
        service_type="health_screening",
        screening_type="cervical_breast",
        screened=3,
        referred=5,
    )

    response = reporting.post(
        reverse("event_report", args=[world.event.pk]), _report_post(world.event, **row)
    )

    summary = _summary(response.text)
    assert "Row 2 · Referred for follow-up: No more people can be referred than were screened." in (
        summary
    )
    assert _targets(summary) == ["id_services-1-referred"]
    assert not PartnerService.objects.filter(event=world.event).exists()


def test_screening_figures_of_another_service_are_refused_at_the_boxes_filled(reporting, world):
    hospital = f.PartnerFactory(org_unit=world.units["central_a"])
    row = _service_row(0, hospital, service_type="counselling", screened=12)

    response = reporting.post(
        reverse("event_report", args=[world.event.pk]), _report_post(world.event, **row)
    )

    summary = _summary(response.text)
    assert "Screening figures belong only to a health screening." in summary
    assert _targets(summary) == ["id_services-0-screened"]


def test_a_screening_without_what_was_screened_for_is_refused_at_that_box(reporting, world):
    hospital = f.PartnerFactory(org_unit=world.units["central_a"])
    row = _service_row(0, hospital, service_type="health_screening", screened=12)

    response = reporting.post(
        reverse("event_report", args=[world.event.pk]), _report_post(world.event, **row)
    )

    summary = _summary(response.text)
    assert "Choose what was screened for." in summary
    assert _targets(summary) == ["id_services-0-screening_type"]


def test_more_special_area_counties_than_counties_is_refused_at_that_box(client, coverage_world):
    client.force_login(coverage_world.hq_reviewer)
    url = reverse("targets_edit", args=[coverage_world.campaign.pk, coverage_world.units["hq"].pk])
    data = {"targets-TOTAL_FORMS": "2", "targets-INITIAL_FORMS": "2"}
    for index, special in enumerate((4, 1)):
        data.update(
            {
                f"targets-{index}-events": 7,
                f"targets-{index}-people_reached": 10,
                f"targets-{index}-counties_covered": 2,
                f"targets-{index}-special_area_counties_covered": special,
            }
        )

    response = client.post(url, data)

    summary = _summary(response.text)
    assert "so their target cannot be larger" in summary
    assert _targets(summary) == ["id_targets-0-special_area_counties_covered"]
    # All or none: the second sub-unit's good target waits for the first one's.
    assert not CampaignTarget.objects.filter(events=7).exists()
