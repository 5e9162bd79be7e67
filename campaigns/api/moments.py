"""Dates and times the API takes: those campaigns/bounds.py accepts, as the web forms do.

PostgreSQL refuses a time-zone offset beyond ±15:59 and years far outside its range with a
database error; an API client (or Schemathesis) may send either. Such input is a 400 with a
message, not a server error.
"""

import django_filters
from django import forms
from rest_framework import serializers

from campaigns import bounds


class MomentField(serializers.DateTimeField):
    def enforce_timezone(self, value):
        # Checked as sent, before DRF moves it into the portal's time zone (which is where a
        # year-1 moment would overflow).
        try:
            bounds.moment_in_range(value)
        except forms.ValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return super().enforce_timezone(value)


class MomentFormField(django_filters.fields.IsoDateTimeField):
    default_validators = [bounds.moment_in_range]


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentFormField
