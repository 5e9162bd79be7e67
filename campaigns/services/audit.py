"""The audit log: every state change writes one entry through ``audit_record``."""

from django.db import models

from campaigns.models import AuditEntry, OrgUnit
from campaigns.services.bulk import objects_insert


def owning_unit(obj: models.Model) -> OrgUnit | None:
    """The org unit an object belongs to, for scoping its audit entries."""
    if isinstance(obj, OrgUnit):
        return obj
    for attribute in ("org_unit", "event", "partner", "material"):
        related = getattr(obj, attribute, None)
        if related is not None:
            return owning_unit(related)
    return None


def _actor(user):
    """The signed-in user behind an action; None for the system (tasks) or anonymous."""
    return user if user is not None and user.is_authenticated else None


def audit_record(
    *, actor, obj: models.Model, action: str, comment: str = "", data: dict | None = None
) -> AuditEntry:
    """Write who did ``action`` (a namespaced code such as campaigns.event.submitted) to ``obj``."""
    return AuditEntry.objects.create(
        actor=_actor(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        org_unit=owning_unit(obj),
        comment=comment,
        data=data or {},
    )


def audit_record_each(
    *, actor, action: str, objects: list[models.Model], data: dict | None = None
) -> None:
    """Write one entry per object, as ``audit_record`` would, in one insert (an import's
    thousands of rows); ``data`` gives each object's data by its key."""
    # Past bulk_create's per-value preparation, as the import's own rows (services/bulk.py).
    objects_insert(
        AuditEntry,
        [
            AuditEntry(
                actor=_actor(actor),
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                org_unit_id=_owning_unit_id(obj),
                data=(data or {}).get(obj.pk, {}),
            )
            for obj in objects
        ],
    )


def _owning_unit_id(obj: models.Model) -> int | None:
    """``owning_unit``'s key, read from the object's own column where it has one: fetching
    each of thousands of imported events' unit would cost a query apiece."""
    unit_id = getattr(obj, "org_unit_id", None)
    if unit_id is not None:
        return unit_id
    unit = owning_unit(obj)
    return unit.pk if unit is not None else None


def audit_record_bulk(*, actor, model: type[models.Model], action: str, data: dict) -> AuditEntry:
    """Write one entry about many objects of ``model`` at once, such as a retention purge."""
    return AuditEntry.objects.create(
        actor=_actor(actor),
        action=action,
        object_type=model._meta.label_lower,
        object_id="*",
        object_repr=str(model._meta.verbose_name_plural)[:200],
        data=data,
    )


def audit_record_unmatched(
    *, model: type[models.Model], action: str, object_repr: str, data: dict
) -> AuditEntry:
    """Write an entry about an object of ``model`` that was named but does not exist, such as
    a sign-in attempt with an unknown user name."""
    return AuditEntry.objects.create(
        action=action,
        object_type=model._meta.label_lower,
        object_id="",
        object_repr=object_repr[:200],
        data=data,
    )
