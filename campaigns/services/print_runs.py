"""Writes about print runs: an organizer orders copies of a material's current edition, and
the job that renders it keeps the PDF on the run.

Only the current edition of a material is ordered: the newest approved one. Once a newer
edition is approved, the older ones are printed no more; their print runs and stock stay.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.models import Job, Material, MaterialEdition, OrgUnit, PrintRun
from campaigns.services.audit import audit_record
from campaigns.services.jobs import IDEMPOTENCY_KEY_REUSED, job_enqueue, job_for_idempotency_key
from portal.access import require, visible_to

MAX_COPIES = bounds.COPIES.high

ERRORS = {
    "not_approved": _("Only an approved edition can be printed."),
    "replaced": _(
        "Edition %(current)s replaced this edition, which is printed no more; order edition "
        "%(current)s instead."
    ),
    "copies_range": _("Order between 1 and %(max)s copies."),
}


def print_run_refusal(edition: MaterialEdition) -> str | None:
    """Why ``edition`` cannot be ordered (not approved, or replaced by a newer approved
    edition of its material), or None when it can."""
    if edition.status != MaterialEdition.Status.APPROVED:
        return str(ERRORS["not_approved"])
    current = MaterialEdition.objects.filter(material=edition.material_id).current().first()
    if current is not None and current.pk != edition.pk:
        return ERRORS["replaced"] % {"current": current.number}
    return None


@transaction.atomic
def print_run_order(
    *,
    user,
    edition: MaterialEdition,
    org_unit: OrgUnit,
    paper_size: str,
    layout: str,
    copies: int,
    bleed: bool = False,
    crop_marks: bool = False,
    delivery_note: str = "",
    idempotency_key: str = "",
) -> PrintRun:
    """Order ``copies`` of a material's current edition for ``org_unit`` and queue the PDF's
    rendering.

    An order repeated with the same ``idempotency_key`` gets the run the first one made.
    """
    order = {
        "edition": edition,
        "org_unit": org_unit,
        "paper_size": paper_size,
        "layout": layout,
        "copies": copies,
        "bleed": bleed,
        "crop_marks": crop_marks,
        "delivery_note": delivery_note,
    }
    earlier = job_for_idempotency_key(
        owner=user, kind=Job.Kind.PRINT_RUN, idempotency_key=idempotency_key
    )
    if earlier is not None:
        repeated = visible_to(user, PrintRun).filter(job=earlier, **order).first()
        if repeated is None:
            raise ValidationError({NON_FIELD_ERRORS: [IDEMPOTENCY_KEY_REUSED]})
        return repeated
    # An edition outside the user's scope is treated like a missing one.
    if not visible_to(user, MaterialEdition).filter(pk=edition.pk).exists():
        raise MaterialEdition.DoesNotExist
    require(user, "printrun.order", org_unit)
    # Approving a newer edition locks the material too (services/materials.py): this order
    # comes before that approval or sees it.
    Material.objects.select_for_update().filter(pk=edition.material_id).first()
    edition.refresh_from_db(fields=["status"])
    refusal = print_run_refusal(edition)
    if refusal is not None:
        raise ValidationError({"edition": refusal})
    if not 1 <= copies <= MAX_COPIES:
        raise ValidationError(
            {"copies": ValidationError(ERRORS["copies_range"], params={"max": MAX_COPIES})}
        )
    print_run = PrintRun(**order, ordered_by=user)
    print_run.full_clean(exclude=["pdf", "job"])
    print_run.save()
    audit_record(
        actor=user,
        obj=print_run,
        action="campaigns.printrun.ordered",
        data={"edition": edition.pk, "copies": copies, "paper_size": paper_size},
    )
    print_run.job = job_enqueue(
        kind=Job.Kind.PRINT_RUN,
        owner=user,
        org_unit=org_unit,
        params={"print_run_id": print_run.pk},
        idempotency_key=idempotency_key,
    )
    print_run.save(update_fields=["job"])
    return print_run


@transaction.atomic
def print_run_pdf_store(*, user, print_run_id: int, filename: str, content: bytes) -> PrintRun:
    """Keep the rendered PDF on its print run, in place of one an earlier attempt of the
    same job stored (so a job run twice leaves one file)."""
    print_run = visible_to(user, PrintRun).select_for_update().get(pk=print_run_id)
    if print_run.pdf:
        print_run.pdf.delete(save=False)
    # Named after the run, not the handout (the download keeps ``filename``): an attempt
    # that died after writing its file but before this transaction committed left it
    # under this same name, where it is replaced instead of kept beside the new one.
    name = print_run.pdf.field.generate_filename(print_run, f"print-run-{print_run.pk}.pdf")
    if print_run.pdf.storage.exists(name):
        print_run.pdf.storage.delete(name)
    print_run.pdf.save(name.rsplit("/", 1)[-1], ContentFile(content), save=False)
    print_run.save(update_fields=["pdf"])
    audit_record(
        actor=user,
        obj=print_run,
        action="campaigns.printrun.rendered",
        data={"file": filename, "bytes": len(content)},
    )
    return print_run
