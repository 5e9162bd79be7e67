"""Dates and times the API takes: real moments only.

PostgreSQL refuses a time-zone offset beyond ±15:59 and years far outside its range with a
database error; an API client (or Schemathesis) may send either. Such input is a 400 with a
message, not a server error.
"""

import datetime as dt

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST, LATEST = 1900, 2200
# The offsets in use on Earth run from UTC−12:00 to UTC+14:00.
WIDEST_OFFSET = dt.timedelta(hours=14)
MESSAGE = _("Give a real date and time: a year from 1900 to 2200, an offset of at most ±14:00.")


def is_real_moment(value: dt.datetime) -> bool:
    offset = value.utcoffset()
    return EARLIEST <= value.year <= LATEST and (offset is None or abs(offset) <= WIDEST_OFFSET)


class MomentField(serializers.DateTimeField):
    def enforce_timezone(self, value):
        # Checked as sent, before DRF moves it into the portal's time zone.
        if not is_real_moment(value):
            raise serializers.ValidationError(MESSAGE)
        return super().enforce_timezone(value)


class MomentFormField(django_filters.fields.IsoDateTimeField):
    def clean(self, value):
        moment = super().clean(value)
        if moment is not None and not is_real_moment(moment):
            raise forms.ValidationError(MESSAGE)
        return moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentFormField
