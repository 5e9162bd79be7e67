"""Writes about members: giving a person a role in a unit, and taking it away.

An administrator acts within the subtree of the unit where they are administrator, never
above it, and never on their own roles: a role is always given or taken by someone else, so
nobody can raise their own rights. They give only roles they hold there themselves, so an
account they make cannot do what they may not (a reviewer's approval, say). Superuser and
staff status are never given here.

Administrators also mark who reads Tibetan natively (``user_native_reader_set``): a skill of
the person, held wherever they work, so only someone who administers every unit the person
holds a role in marks it, as for lifting a sign-in lockout.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from campaigns.errors import NotAllowed
from campaigns.models import Membership, OrgUnit
from campaigns.selectors.members import MANAGE, members_native_reader_markable
from campaigns.services.audit import audit_record
from portal.access import filter_by_action, require, roles_held_over

ERRORS = {
    "own_roles": _("Your own roles are given and taken by another administrator."),
    "unknown_role": _("Choose a role from the list."),
    "role_not_held": _(
        "You can give only the roles you hold yourself at this unit or above; ask an "
        "administrator who holds this one."
    ),
    "duplicate": _("%(person)s already has this role in %(unit)s."),
    "username_taken": _(
        "This user name is taken. To give its holder a role, leave the new person's details empty."
    ),
    "outside": _(
        "This user name belongs to someone outside the units you administer. "
        "Headquarters can give them a role here."
    ),
    "needs_name": _("Give the new person's name."),
    "needs_password": _("Give the new person a first password."),
    "own_native_reader": _("Whether you read Tibetan natively is marked by another administrator."),
}


def _check_not_self(actor, person) -> None:
    if person.pk == actor.pk:
        raise ValidationError({"username": ERRORS["own_roles"]})


@transaction.atomic
def membership_grant(*, actor, org_unit: OrgUnit, role: str, person) -> Membership:
    """Give ``person`` the ``role`` in ``org_unit``, a unit ``actor`` administers."""
    require(actor, MANAGE, org_unit)
    _check_not_self(actor, person)
    if role not in Membership.Role.values:
        raise ValidationError({"role": ERRORS["unknown_role"]})
    if role not in roles_held_over(actor, org_unit):
        raise ValidationError({"role": ERRORS["role_not_held"]})
    if Membership.objects.filter(user=person, org_unit=org_unit, role=role).exists():
        raise ValidationError(
            {"role": ERRORS["duplicate"] % {"person": person.get_username(), "unit": org_unit}}
        )
    try:
        # Two administrators giving the same role at once: the second is told it is there.
        with transaction.atomic():
            membership = Membership.objects.create(user=person, org_unit=org_unit, role=role)
    except IntegrityError:
        raise ValidationError(
            {"role": ERRORS["duplicate"] % {"person": person.get_username(), "unit": org_unit}}
        ) from None
    audit_record(
        actor=actor,
        obj=membership,
        action="campaigns.membership.granted",
        data={"username": person.get_username(), "role": role},
    )
    return membership


@transaction.atomic
def member_add(
    *,
    actor,
    org_unit: OrgUnit,
    role: str,
    username: str,
    full_name: str = "",
    email: str = "",
    password: str = "",
) -> Membership:
    """Give ``role`` in ``org_unit`` to the holder of ``username``, someone who already holds
    a role in the units ``actor`` administers; if nobody holds the user name yet, make an
    account for a new person with the name, e-mail and first password given."""
    require(actor, MANAGE, org_unit)
    user_model = get_user_model()
    person = user_model._default_manager.filter(username__iexact=username).first()
    if person is not None:
        # Details typed for a new person would be silently dropped: say the name is taken.
        if full_name.strip() or email or password:
            raise ValidationError({"username": ERRORS["username_taken"]})
        # Only people already in one's subtree: an administrator cannot reach into another
        # branch's staff, nor learn who they are.
        if not filter_by_action(Membership.objects.filter(user=person), actor, MANAGE).exists():
            raise ValidationError({"username": ERRORS["outside"]})
        return membership_grant(actor=actor, org_unit=org_unit, role=role, person=person)
    errors = {}
    if not full_name.strip():
        errors["full_name"] = ERRORS["needs_name"]
    if not password:
        errors["password"] = ERRORS["needs_password"]
    if errors:
        raise ValidationError(errors)
    person = user_model(username=username, first_name=full_name.strip(), email=email)
    try:
        validate_password(password, person)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    person.set_password(password)
    person.full_clean()
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Made by someone else a moment ago.
        raise ValidationError({"username": ERRORS["username_taken"]}) from None
    membership = membership_grant(actor=actor, org_unit=org_unit, role=role, person=person)
    audit_record(
        actor=actor,
        obj=membership,
        action="portal.user.created",
        data={"username": person.get_username()},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor, membership_id: int) -> None:
    """Take a role away; the person's account stays, with their other roles."""
    membership = (
        filter_by_action(Membership.objects.all(), actor, MANAGE)
        .select_related("user", "org_unit")
        .select_for_update(of=("self",))
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        raise NotAllowed
    _check_not_self(actor, membership.user)
    audit_record(
        actor=actor,
        obj=membership,
        action="campaigns.membership.revoked",
        data={"username": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def user_native_reader_set(*, actor, user_id: int, is_native_reader: bool):
    """Mark the user ``user_id`` as a native reader of Tibetan, or no longer one; marking
    them as they are already changes nothing."""
    person = get_user_model()._default_manager.select_for_update().get(pk=user_id)
    if person.pk == actor.pk:
        raise ValidationError(ERRORS["own_native_reader"])
    if person.pk not in members_native_reader_markable(user=actor, person_ids=[person.pk]):
        raise NotAllowed
    if person.is_native_reader == is_native_reader:
        return person
    person.is_native_reader = is_native_reader
    person.save(update_fields=["is_native_reader"])
    data = {"username": person.get_username()}
    if is_native_reader:
        audit_record(actor=actor, obj=person, action="portal.user.native_reader_marked", data=data)
    else:
        audit_record(
            actor=actor, obj=person, action="portal.user.native_reader_unmarked", data=data
        )
    return person
