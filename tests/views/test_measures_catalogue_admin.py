"""Headquarters extends the measures catalogue in the Django admin, without code: a new
measure with its parts is asked for in the next monthly return; parts that do not fit the
computation are refused."""

import datetime as dt

import pytest
from django.urls import reverse

from campaigns.models import Measure, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


def _measure_post(**parts) -> dict:
    data = {
        "code": "claims_callbacks",
        "name_zh": "理赔回访满意",
        "name_bo": "",
        "name_bo_needs_review": "on",
        "name_en": "Claims callbacks satisfied",
        "unit": "percent",
        "computation": "ratio",
        "source": "typed",
        "event_format": "",
        "position": "80",
        "active": "on",
        "parts-TOTAL_FORMS": str(len(parts)),
        "parts-INITIAL_FORMS": "0",
        "parts-MIN_NUM_FORMS": "0",
        "parts-MAX_NUM_FORMS": "1000",
    }
    for index, (code, role) in enumerate(parts.items()):
        data |= {
            f"parts-{index}-code": code,
            f"parts-{index}-role": role,
            f"parts-{index}-kind": "whole",
            f"parts-{index}-name_zh": code,
            f"parts-{index}-name_en": code,
            f"parts-{index}-position": str(index),
        }
    return data


def test_a_measure_added_in_the_admin_is_asked_for_in_the_next_return(admin_client, org_tree):
    response = admin_client.post(
        reverse("admin:campaigns_measure_add"),
        _measure_post(satisfied="numerator", called_back="denominator"),
    )
    assert response.status_code == 302
    measure = Measure.objects.get(code="claims_callbacks")
    assert measure.parts.count() == 2

    organizer = f.MembershipFactory(
        org_unit=org_tree["central_a"], role=Membership.Role.ORGANIZER
    ).user
    measure_return = f.MeasureReturnFactory(
        org_unit=org_tree["central_a"], month=dt.date(2025, 1, 1)
    )
    admin_client.force_login(organizer)
    page = admin_client.get(reverse("measure_return_detail", args=[measure_return.pk])).text
    assert "理赔回访满意" in page  # the interface is in Chinese: the Chinese name


def test_a_ratio_without_its_whole_is_refused_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:campaigns_measure_add"), _measure_post(satisfied="numerator")
    )
    assert response.status_code == 200
    assert not Measure.objects.filter(code="claims_callbacks").exists()
