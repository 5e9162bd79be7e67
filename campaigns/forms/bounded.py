"""Form fields that take only what campaigns/bounds.py accepts, and tell the browser so."""

from django import forms

from campaigns import bounds


class BoundedDateField(forms.DateField):
    default_validators = [bounds.day_in_range]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "date":
            attrs.update(min=bounds.EARLIEST_DAY.isoformat(), max=bounds.LATEST_DAY.isoformat())
        return attrs


class BoundedDateTimeField(forms.DateTimeField):
    default_validators = [bounds.moment_in_range]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "datetime-local":
            attrs.update(
                min=f"{bounds.EARLIEST_DAY.isoformat()}T00:00",
                max=f"{bounds.LATEST_DAY.isoformat()}T23:59",
            )
        return attrs


def count_field(bound: bounds.Range, **options) -> forms.IntegerField:
    """A whole number within ``bound``; the browser's box gets the same min and max."""
    return forms.IntegerField(min_value=bound.low, max_value=bound.high, **options)


class RowIdField(forms.IntegerField):
    """The key of a row, as links carry it: beyond any key it names nothing, not an error."""

    def __init__(self, **options):
        super().__init__(min_value=bounds.ROW_ID.low, max_value=bounds.ROW_ID.high, **options)


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by their keys; a key beyond any row's is an invalid choice, not a query the
    database cannot bind (SQLite takes integers of 64 bits; a longer one was a server error)."""

    def _check_values(self, value):
        if not isinstance(value, list | tuple):
            return super()._check_values(value)
        for key in value:
            if bounds.row_id(str(key)) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": key},
                )
        return super()._check_values(value)
