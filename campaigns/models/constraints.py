"""A check constraint whose refusal belongs to a field."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.utils import DEFAULT_DB_ALIAS


class FieldCheck(models.CheckConstraint):
    """A check the database enforces and ``full_clean`` names at a field: at each of
    ``fields`` that holds a value (the first one when none does), so that a service's
    refusal sits next to the box that was filled wrongly, on the page and in the API, and no
    form has to repeat the condition to put it there."""

    def __init__(self, *, fields: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.fields_at_fault = tuple(fields)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        try:
            super().validate(model, instance, exclude=exclude, using=using)
        except ValidationError as error:
            filled = [
                name for name in self.fields_at_fault if getattr(instance, name) not in (None, "")
            ]
            raise ValidationError(
                dict.fromkeys(filled or self.fields_at_fault[:1], error)
            ) from None

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["fields"] = self.fields_at_fault
        return path, args, kwargs
